import type { Provider, ProviderTestResult } from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { AddProviderForm } from "./add-provider-form.js";

/** The LLM providers your sessions' agents reach through Strand's proxy (keys never leave the server). */
export function ProvidersPage() {
  const providers = useQuery({ queryKey: queryKeys.providers, queryFn: api.listProviders });
  const [adding, setAdding] = useState(false);
  const items = providers.data?.items ?? [];
  return (
    <div className="panel" data-testid="providers">
      <div className="panel-header">
        <h2>AI Providers</h2>
        {!adding && (
          <button type="button" className="primary" onClick={() => setAdding(true)} data-testid="add-provider">
            Add provider
          </button>
        )}
      </div>
      <p className="muted">
        Agents name a model as <code>provider/model</code>. Strand adds the key on the way out, so it never enters a
        sandbox.
      </p>
      {adding && <AddProviderForm onDone={() => setAdding(false)} />}
      {providers.error && <p className="error">{providers.error.message}</p>}
      {providers.data && items.length === 0 && !adding && (
        <p className="page-status" data-testid="providers-empty">
          No providers yet. Add one to give your agents a model.
        </p>
      )}
      <ul className="provider-list" data-testid="provider-list">
        {items.map((p) => (
          <ProviderRow key={p.id} provider={p} />
        ))}
      </ul>
    </div>
  );
}

function ProviderRow({ provider: p }: { provider: Provider }) {
  const client = useQueryClient();
  const [result, setResult] = useState<ProviderTestResult | undefined>();
  const test = useMutation({ mutationFn: () => api.testProvider(p.id), onSuccess: setResult });
  const remove = useMutation({
    mutationFn: () => api.deleteProvider(p.id),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.providers }),
  });
  return (
    <li className="provider" data-testid="provider-row" data-provider-name={p.name}>
      <div className="provider-main">
        <strong className="provider-name">{p.name}</strong>
        <span className="tag">{p.kind}</span>
        {p.shared && <span className="tag">shared</span>}
        <code className="provider-url">{p.base_url}</code>
        <span className="muted">
          {p.api_key_set ? (p.api_key_last4 ? `key …${p.api_key_last4}` : "key set") : "no key"}
        </span>
      </div>
      <div className="provider-actions">
        <button type="button" onClick={() => test.mutate()} disabled={test.isPending} data-testid="provider-test">
          {test.isPending ? "Testing…" : "Test connection"}
        </button>
        <ConfirmButton
          label="Delete"
          confirmLabel="Delete now"
          onConfirm={() => remove.mutate()}
          disabled={remove.isPending}
        />
      </div>
      {result && (
        <p className={result.ok ? "test-ok" : "error"} role="status" data-testid="provider-test-result">
          {result.ok ? `Connected in ${Math.round(result.latency_ms)} ms. ` : "Failed: "}
          {result.message}
          {!result.ok && result.error && <small> ({result.error})</small>}
        </p>
      )}
      {test.error && (
        <p className="error" role="alert" data-testid="provider-test-result">
          {test.error.message}
        </p>
      )}
      {remove.error && <p className="error">{remove.error.message}</p>}
    </li>
  );
}
