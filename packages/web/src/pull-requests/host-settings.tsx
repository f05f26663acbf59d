import { HOST_KINDS, type HostKindName } from "@strand/protocol";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, type RepoDetail } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { CopyButton } from "../ui/copy-button.js";
import { Field } from "../ui/field.js";
import { formErrors, NO_ERRORS } from "../ui/field-errors.js";
import { HOST_FIELDS, hostFormOf, newWebhookSecret, storedOf, toHostBody } from "./host-settings-form.js";

const KIND_NAMES: Record<HostKindName, string> = {
  github: "GitHub (or GitHub Enterprise)",
  gitlab: "GitLab",
  gitea: "Gitea (or Forgejo)",
};

/**
 * A repo imported from GitHub, GitLab or Gitea: how Strand opens pull requests there and hears
 * their state back (docs/teams-and-projects.md, Pull requests). Tokens and secrets are write-only.
 */
export function HostSettings({ projectSlug, repo: r }: { projectSlug: string; repo: RepoDetail }) {
  const client = useQueryClient();
  const stored = storedOf(r.pull_requests);
  const [form, setForm] = useState(() => hostFormOf(stored));
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: () => {
      const body = toHostBody(form, stored);
      if (!body) return Promise.resolve(null);
      return api.updateRepo(projectSlug, r.name, body);
    },
    onSuccess: () => {
      setSaved(true);
      setForm((f) => ({ ...f, host_token: "", webhook_secret: "" }));
      void client.invalidateQueries({ queryKey: queryKeys.repo(projectSlug, r.name) });
    },
  });
  const errors = save.error ? formErrors(save.error, HOST_FIELDS) : NO_ERRORS;
  const set = (patch: Partial<typeof form>) => {
    setSaved(false);
    setForm((f) => ({ ...f, ...patch }));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const pr = r.pull_requests;
  return (
    <div className="panel" data-testid="host-settings">
      <h2>Pull requests</h2>
      <p className="muted">
        Sessions on this repo can open pull requests on its upstream. Their state (open, merged, closed) comes from the
        host's webhook, with polling when it cannot reach Strand.
      </p>
      <form className="form" onSubmit={submit} noValidate>
        <div className="form-row">
          <Field
            label="Host"
            name="host_kind"
            error={errors.fields.host_kind}
            hint="Told from the URL for github.com, gitlab.com, gitea.com and codeberg.org."
          >
            {(f) => (
              <select
                {...f}
                value={form.host_kind}
                onChange={(e) => set({ host_kind: e.target.value as HostKindName | "" })}
              >
                <option value="">Tell from the upstream URL</option>
                {HOST_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {KIND_NAMES[k]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="API base"
            name="host_api_base"
            error={errors.fields.host_api_base}
            hint="Only when the REST API is not at the host's usual place."
          >
            {(f) => (
              <input
                {...f}
                value={form.host_api_base}
                onChange={(e) => set({ host_api_base: e.target.value })}
                placeholder="https://git.example.com/api/v1"
              />
            )}
          </Field>
        </div>
        <div className="form-row">
          <Field
            label="Host token"
            name="host_token"
            error={errors.fields.host_token}
            hint={pr?.token_set ? "Stored. Type a new one to replace it." : "Needed: may push and open pull requests."}
          >
            {(f) => (
              <input
                {...f}
                type="password"
                value={form.host_token}
                onChange={(e) => set({ host_token: e.target.value })}
                autoComplete="new-password"
                data-testid="host-token"
              />
            )}
          </Field>
          <Field
            label="Webhook secret"
            name="webhook_secret"
            error={errors.fields.webhook_secret}
            hint={pr?.webhook_secret_set ? "Stored. Type a new one to replace it." : "Give the host the same secret."}
          >
            {(f) => (
              <div className="copy-row">
                <input
                  {...f}
                  value={form.webhook_secret}
                  onChange={(e) => set({ webhook_secret: e.target.value })}
                  autoComplete="off"
                  data-testid="webhook-secret"
                />
                <button type="button" onClick={() => set({ webhook_secret: newWebhookSecret() })}>
                  Generate
                </button>
                {form.webhook_secret && <CopyButton text={form.webhook_secret} />}
              </div>
            )}
          </Field>
        </div>
        {pr && (
          <div className="field">
            <span className="label">Webhook URL</span>
            <div className="copy-row">
              <input
                className="secret-input"
                readOnly
                value={pr.webhook_url}
                aria-label="Webhook URL"
                data-testid="webhook-url"
                onFocus={(e) => e.currentTarget.select()}
              />
              <CopyButton text={pr.webhook_url} />
            </div>
            <small className="hint">
              {pr.host_kind === "gitlab" ? "Merge request events" : "Pull request events"}, content type
              application/json, with the webhook secret above. API: <code>{pr.api_base}</code>
            </small>
          </div>
        )}
        {errors.form && (
          <p className="error" role="alert" data-testid="host-settings-error">
            {errors.form}
          </p>
        )}
        <div className="form-actions">
          <span role="status" className="muted">
            {saved ? "Saved." : ""}
          </span>
          <button type="submit" className="primary" disabled={save.isPending} data-testid="save-host-settings">
            {save.isPending ? "Saving…" : "Save"}
          </button>
        </div>
      </form>
    </div>
  );
}
