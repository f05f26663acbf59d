import {
  type CreateProviderBody,
  DEFAULT_BASE_URLS,
  KEY_REQUIRED_KINDS,
  PROVIDER_KINDS,
  type ProviderKind,
} from "@strand/protocol";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { Field } from "../ui/field.js";
import { formErrors, NO_ERRORS } from "../ui/field-errors.js";

const FIELDS = ["name", "kind", "base_url", "api_key"] as const;

const KIND_LABELS: Record<ProviderKind, string> = {
  anthropic: "Anthropic",
  openai: "OpenAI",
  together: "Together AI",
  "openai-compatible": "OpenAI-compatible endpoint",
  ollama: "Ollama (local)",
  vllm: "vLLM (local)",
};

export function AddProviderForm({ onDone }: { onDone: () => void }) {
  const client = useQueryClient();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<ProviderKind>("anthropic");
  // Empty means "the kind's default", shown as the placeholder, so changing kind keeps it right.
  const [baseUrl, setBaseUrl] = useState("");
  const [apiKey, setApiKey] = useState("");
  const create = useMutation({
    mutationFn: () => {
      const body: CreateProviderBody = { name: name.trim(), kind };
      if (baseUrl.trim()) body.base_url = baseUrl.trim();
      if (apiKey.trim()) body.api_key = apiKey.trim();
      return api.createProvider(body);
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.providers });
      onDone();
    },
  });
  const errors = create.error ? formErrors(create.error, FIELDS) : NO_ERRORS;
  const keyRequired = KEY_REQUIRED_KINDS.includes(kind);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="form card-form" onSubmit={submit} noValidate data-testid="provider-form">
      <div className="form-row">
        <Field label="Name" name="name" error={errors.fields.name} hint="Models are named after it: name/model-id">
          {(p) => (
            <input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. work-anthropic" />
          )}
        </Field>
        <Field label="Kind" name="kind" error={errors.fields.kind}>
          {(p) => (
            <select {...p} value={kind} onChange={(e) => setKind(e.target.value as ProviderKind)}>
              {PROVIDER_KINDS.map((k) => (
                <option key={k} value={k}>
                  {KIND_LABELS[k]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field
        label="Base URL"
        name="base_url"
        error={errors.fields.base_url}
        hint={DEFAULT_BASE_URLS[kind] ? "Leave empty for the default shown." : "Required for this kind."}
      >
        {(p) => (
          <input
            {...p}
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
            placeholder={DEFAULT_BASE_URLS[kind] ?? "https://llm.example.com/v1"}
          />
        )}
      </Field>
      <Field
        label="API key"
        name="api_key"
        error={errors.fields.api_key}
        hint={keyRequired ? "Required. Stored encrypted; never shown again." : "Optional for this kind."}
      >
        {(p) => (
          <input {...p} type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} />
        )}
      </Field>
      {errors.form && (
        <p className="error" role="alert" data-testid="form-error">
          {errors.form}
        </p>
      )}
      <div className="form-actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? "Adding…" : "Add provider"}
        </button>
      </div>
    </form>
  );
}
