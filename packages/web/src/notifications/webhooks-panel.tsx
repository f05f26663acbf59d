import {
  NOTIFICATION_KIND_TITLES,
  NOTIFICATION_KINDS,
  type NotificationKind,
  type Project,
  type ProjectWebhook,
} from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { Dialog } from "../ui/dialog.js";
import { Field } from "../ui/field.js";
import { formErrors, NO_ERRORS } from "../ui/field-errors.js";
import { ago } from "../ui/format.js";
import { deliveriesKey, notificationsApi, webhooksKey } from "./api.js";
import "./notifications.css";

/** The project's outgoing webhooks: members and up see them and their log; its owner or team admins change them. */
export function WebhooksPanel({ project: p }: { project: Project }) {
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me }).data;
  const teams = useQuery({ queryKey: queryKeys.teams, queryFn: api.listTeams }).data?.items;
  const role = p.team_id ? teams?.find((t) => t.id === p.team_id)?.role : undefined;
  // Viewers do not see webhooks (their URLs may be credentials); the server says the same.
  const visible = p.team_id ? role !== undefined && role !== "viewer" : me?.id === p.owner_id;
  const hooks = useQuery({
    queryKey: webhooksKey(p.id),
    queryFn: () => notificationsApi.webhooks(p.id),
    enabled: visible,
  });
  const [adding, setAdding] = useState(false);
  const manage = p.team_id ? role === "owner" || role === "admin" : me?.id === p.owner_id;
  if (!visible) return null;
  const items = hooks.data?.items ?? [];
  return (
    <div className="panel" data-testid="webhooks-panel" data-can-manage={manage}>
      <div className="panel-header">
        <h2>Webhooks</h2>
        {manage && (
          <button type="button" onClick={() => setAdding(true)} data-testid="new-webhook">
            Add webhook
          </button>
        )}
      </div>
      <p className="muted">
        Signed JSON POSTs of this project's notifications (with a Slack-compatible <code>text</code>), retried until the
        receiver answers 2xx. See docs/notifications.md to verify the signature.
      </p>
      {hooks.error && <p className="error">{hooks.error.message}</p>}
      {hooks.data && items.length === 0 && (
        <p className="muted" data-testid="webhooks-empty">
          No webhooks yet.
        </p>
      )}
      <ul className="webhook-list" data-testid="webhook-list">
        {items.map((h) => (
          <WebhookRow key={h.id} project={p} hook={h} manage={manage} />
        ))}
      </ul>
      {adding && <NewWebhookDialog project={p} onClose={() => setAdding(false)} />}
    </div>
  );
}

function WebhookRow({ project: p, hook: h, manage }: { project: Project; hook: ProjectWebhook; manage: boolean }) {
  const client = useQueryClient();
  const [showLog, setShowLog] = useState(false);
  const refresh = () => client.invalidateQueries({ queryKey: webhooksKey(p.id) });
  const toggle = useMutation({
    mutationFn: () => notificationsApi.updateWebhook(p.id, h.id, { active: !h.active }),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: () => notificationsApi.deleteWebhook(p.id, h.id), onSuccess: refresh });
  return (
    <li className="webhook" data-testid="webhook-row" data-webhook-id={h.id} data-active={h.active}>
      <div className="webhook-head">
        <code className="webhook-url">{h.url}</code>
        <span className="muted">
          {h.kinds.length === 0 ? "every kind" : h.kinds.map((k) => NOTIFICATION_KIND_TITLES[k]).join(", ")}
        </span>
        <span className={`badge ${h.active ? "ok" : "muted"}`}>{h.active ? "active" : "off"}</span>
        <span className="spacer" />
        <button
          type="button"
          className="link"
          onClick={() => setShowLog((v) => !v)}
          aria-expanded={showLog}
          data-testid="webhook-log-toggle"
        >
          Delivery log
        </button>
        {manage && (
          <>
            <button
              type="button"
              onClick={() => toggle.mutate()}
              disabled={toggle.isPending}
              data-testid="webhook-toggle"
            >
              {h.active ? "Turn off" : "Turn on"}
            </button>
            <ConfirmButton label="Delete" confirmLabel="Delete webhook and its log" onConfirm={() => remove.mutate()} />
          </>
        )}
      </div>
      {(toggle.error || remove.error) && <p className="error">{(toggle.error ?? remove.error)?.message}</p>}
      {showLog && <DeliveryLog project={p} hook={h} />}
    </li>
  );
}

function DeliveryLog({ project: p, hook: h }: { project: Project; hook: ProjectWebhook }) {
  const log = useQuery({
    queryKey: deliveriesKey(p.id, h.id),
    queryFn: () => notificationsApi.deliveries(p.id, h.id),
    // Deliveries change in the worker, not through events: look again while any is pending.
    refetchInterval: (q) => (q.state.data?.items.some((d) => d.state === "pending") ? 2_000 : false),
  });
  const items = log.data?.items ?? [];
  return (
    <div className="delivery-log">
      <div className="panel-header">
        <span className="muted">Newest first, at most 100.</span>
        <button type="button" className="link" onClick={() => log.refetch()} data-testid="webhook-log-refresh">
          Refresh
        </button>
      </div>
      {log.error && <p className="error">{log.error.message}</p>}
      <table className="table" data-testid="delivery-log">
        <thead>
          <tr>
            <th>Kind</th>
            <th>State</th>
            <th>Attempts</th>
            <th>Last answer</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {log.data && items.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                Nothing sent yet.
              </td>
            </tr>
          )}
          {items.map((d) => (
            <tr key={d.id} data-testid="delivery-row" data-state={d.state} data-delivery-id={d.id}>
              <td>{NOTIFICATION_KIND_TITLES[d.kind]}</td>
              <td>
                <span className={`badge ${d.state === "delivered" ? "ok" : d.state === "failed" ? "bad" : ""}`}>
                  {d.state}
                </span>
              </td>
              <td>{d.attempts}</td>
              <td className="delivery-answer">
                {d.last_status !== null && <code>HTTP {d.last_status}</code>} {d.last_error ?? ""}
                {d.state === "pending" && d.next_attempt_at && (
                  <span className="muted"> · next try {new Date(d.next_attempt_at).toLocaleTimeString()}</span>
                )}
              </td>
              <td className="muted" title={d.created_at}>
                {ago(d.delivered_at ?? d.created_at)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const FIELDS = ["url", "secret", "kinds"] as const;

function NewWebhookDialog({ project: p, onClose }: { project: Project; onClose: () => void }) {
  const client = useQueryClient();
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [kinds, setKinds] = useState<NotificationKind[]>([]);
  const create = useMutation({
    mutationFn: () => notificationsApi.createWebhook(p.id, { url: url.trim(), secret, kinds }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: webhooksKey(p.id) });
      onClose();
    },
  });
  const errors = create.error ? formErrors(create.error, FIELDS) : NO_ERRORS;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const flip = (k: NotificationKind, on: boolean) => setKinds((ks) => (on ? [...ks, k] : ks.filter((x) => x !== k)));
  return (
    <Dialog title="Add webhook" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate data-testid="new-webhook-form">
        <Field label="URL" name="url" error={errors.fields.url} hint="Receives a POST of JSON for each notification.">
          {(f) => (
            <input
              {...f}
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="https://hooks.slack.com/services/…"
              autoFocus
            />
          )}
        </Field>
        <Field
          label="Secret"
          name="secret"
          error={errors.fields.secret}
          hint="8+ characters. Signs each delivery (x-strand-signature); it is not shown again."
        >
          {(f) => <input {...f} type="password" value={secret} onChange={(e) => setSecret(e.target.value)} />}
        </Field>
        <fieldset className="kinds" aria-label="Kinds">
          <legend>Kinds (none ticked: every kind)</legend>
          {NOTIFICATION_KINDS.map((k) => (
            <label key={k} className="inline-check">
              <input type="checkbox" checked={kinds.includes(k)} onChange={(e) => flip(k, e.target.checked)} />{" "}
              {NOTIFICATION_KIND_TITLES[k]}
            </label>
          ))}
          {errors.fields.kinds && <small className="field-error">{errors.fields.kinds}</small>}
        </fieldset>
        {errors.form && (
          <p className="error" role="alert" data-testid="new-webhook-error">
            {errors.form}
          </p>
        )}
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending} data-testid="new-webhook-submit">
            Add webhook
          </button>
        </div>
      </form>
    </Dialog>
  );
}
