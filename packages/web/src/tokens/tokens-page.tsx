import type { ApiToken, CreatedToken } from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { Field } from "../ui/field.js";
import { formErrors, NO_ERRORS } from "../ui/field-errors.js";
import { ago } from "../ui/format.js";

const TOKEN_FIELDS = ["name", "expires_in_days"] as const;

/** API tokens for scripts and the CLI: create (the secret is shown once), list, revoke. */
export function TokensPage() {
  const client = useQueryClient();
  const tokens = useQuery({ queryKey: queryKeys.tokens, queryFn: api.listTokens });
  const [name, setName] = useState("");
  const [days, setDays] = useState("");
  const [created, setCreated] = useState<CreatedToken | undefined>();
  const create = useMutation({
    mutationFn: () => api.createToken({ name, ...(days.trim() ? { expires_in_days: Number(days) } : {}) }),
    onSuccess: (t) => {
      setCreated(t);
      setName("");
      setDays("");
      void client.invalidateQueries({ queryKey: queryKeys.tokens });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.revokeToken(id),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.tokens }),
  });
  const errors = create.error ? formErrors(create.error, TOKEN_FIELDS) : NO_ERRORS;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const items = tokens.data?.items ?? [];

  return (
    <div className="panel" data-testid="tokens">
      <h2>API tokens</h2>
      <p className="muted">
        For scripts and the <code>strand</code> CLI: send <code>Authorization: Bearer &lt;token&gt;</code>.
      </p>
      <form className="form inline-form" onSubmit={submit} noValidate data-testid="token-form">
        <Field label="Token name" name="name" error={errors.fields.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. laptop CLI" />}
        </Field>
        <Field
          label="Expires in (days)"
          name="expires_in_days"
          error={errors.fields.expires_in_days}
          hint="empty: never"
        >
          {(p) => <input {...p} inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} />}
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create token
        </button>
      </form>
      {errors.form && (
        <p className="error" role="alert">
          {errors.form}
        </p>
      )}
      {created && <NewToken token={created} onDismiss={() => setCreated(undefined)} />}
      {tokens.error && <p className="error">{tokens.error.message}</p>}
      <table className="table" data-testid="token-list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Token</th>
            <th>Created</th>
            <th>Last used</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No tokens yet.
              </td>
            </tr>
          )}
          {items.map((t) => (
            <TokenRow key={t.id} token={t} onRevoke={() => revoke.mutate(t.id)} busy={revoke.isPending} />
          ))}
        </tbody>
      </table>
      {revoke.error && <p className="error">{revoke.error.message}</p>}
    </div>
  );
}

function TokenRow({ token: t, onRevoke, busy }: { token: ApiToken; onRevoke: () => void; busy: boolean }) {
  const revoked = t.revoked_at !== null;
  return (
    <tr data-testid="token-row" data-token-name={t.name} className={revoked ? "revoked" : undefined}>
      <td>{t.name}</td>
      <td>
        <code>{t.prefix}…</code>
      </td>
      <td>{ago(t.created_at)}</td>
      <td>{t.last_used_at ? ago(t.last_used_at) : "never"}</td>
      <td>{t.expires_at ? new Date(t.expires_at).toLocaleDateString() : "never"}</td>
      <td>
        {revoked ? (
          <span className="muted" data-testid="token-revoked">
            revoked
          </span>
        ) : (
          <ConfirmButton label="Revoke" confirmLabel="Revoke now" onConfirm={onRevoke} disabled={busy} />
        )}
      </td>
    </tr>
  );
}

function NewToken({ token, onDismiss }: { token: CreatedToken; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied(true);
    } catch {
      // No clipboard permission (plain HTTP on another host): the field is selected for Ctrl+C.
      (document.getElementById("new-token-secret") as HTMLInputElement | null)?.select();
    }
  };
  return (
    <div className="callout" role="status" data-testid="new-token">
      <strong>Token "{token.name}" created.</strong> Copy it now: it is not shown again.
      <div className="copy-row">
        <input
          id="new-token-secret"
          className="secret-input"
          readOnly
          value={token.token}
          aria-label="New token"
          data-testid="new-token-secret"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" onClick={copy}>
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" className="link" onClick={onDismiss}>
          Done
        </button>
      </div>
    </div>
  );
}
