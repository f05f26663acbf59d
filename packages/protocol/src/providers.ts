import { z } from "zod";

/**
 * How Strand talks to a provider. `anthropic` speaks the Messages API; every other kind speaks
 * OpenAI Chat Completions (local runners through their OpenAI-compatible routes).
 */
export const PROVIDER_KINDS = ["anthropic", "openai", "together", "openai-compatible", "ollama", "vllm"] as const;
export const ProviderKindSchema = z.enum(PROVIDER_KINDS).describe("Which API the provider speaks.");
export type ProviderKind = z.infer<typeof ProviderKindSchema>;

/** Where each kind lives when `base_url` is left out; `openai-compatible` has no default. */
export const DEFAULT_BASE_URLS: Partial<Record<ProviderKind, string>> = {
  anthropic: "https://api.anthropic.com",
  openai: "https://api.openai.com/v1",
  together: "https://api.together.xyz/v1",
  ollama: "http://127.0.0.1:11434",
  vllm: "http://127.0.0.1:8000/v1",
};

/** Hosted kinds refuse calls without a key; local runners usually have none. */
export const KEY_REQUIRED_KINDS: readonly ProviderKind[] = ["anthropic", "openai", "together"];

/** Provider names are the first part of a model name (`work-anthropic/claude-sonnet-4-5`), so no `/`. */
export const PROVIDER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const providerNameSchema = z
  .string()
  .trim()
  .min(1, "name must not be empty")
  .max(64, "name must be at most 64 characters")
  .regex(PROVIDER_NAME_PATTERN, "name may use letters, digits, '.', '_' and '-' (no '/'), e.g. work-anthropic");

const baseUrlSchema = z
  .string()
  .trim()
  .max(500, "base_url must be at most 500 characters")
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password;
    } catch {
      return false;
    }
  }, "base_url must be an http(s) URL without credentials, e.g. https://api.openai.com/v1")
  .describe("The provider's address, with or without a trailing /v1.");

const apiKeySchema = z
  .string()
  .trim()
  .min(1, "api_key must not be empty; leave it out for a provider without a key")
  .max(4096, "api_key must be at most 4096 characters");

export const ProviderSchema = z
  .object({
    id: z.string(),
    owner_id: z.string(),
    team_id: z
      .string()
      .nullable()
      .describe("Set for a team's provider: the team's sessions use it; its owners and admins manage it."),
    name: z.string().describe("Model names start with it: `<name>/<model-id>`."),
    kind: ProviderKindSchema,
    base_url: z.string(),
    shared: z.boolean().describe("Usable by every user (only admins create shared providers)."),
    api_key_set: z.boolean().describe("Whether a key is stored. The key itself is never returned."),
    api_key_last4: z
      .string()
      .nullable()
      .describe("Last 4 characters of the key, to recognise it; never shown for a team's provider."),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Provider" });
export type Provider = z.infer<typeof ProviderSchema>;

export const CreateProviderBodySchema = z
  .strictObject({
    name: providerNameSchema,
    kind: ProviderKindSchema,
    base_url: baseUrlSchema.optional().describe("Defaults per kind; required for openai-compatible."),
    api_key: apiKeySchema.optional().describe("Stored encrypted; required for anthropic, openai and together."),
    shared: z.boolean().default(false).describe("Admins only: let every user route to this provider."),
    team_id: z
      .string()
      .max(100)
      .optional()
      .describe("Make it the team's (its owners and admins only): the team's sessions route to it."),
  })
  .superRefine((b, ctx) => {
    if (b.base_url === undefined && DEFAULT_BASE_URLS[b.kind] === undefined) {
      ctx.addIssue({ code: "custom", path: ["base_url"], message: `base_url is required for kind ${b.kind}` });
    }
    if (b.api_key === undefined && KEY_REQUIRED_KINDS.includes(b.kind)) {
      ctx.addIssue({ code: "custom", path: ["api_key"], message: `api_key is required for kind ${b.kind}` });
    }
  })
  .meta({ id: "CreateProviderBody" });
export type CreateProviderBody = z.input<typeof CreateProviderBodySchema>;

export const UpdateProviderBodySchema = z
  .strictObject({
    name: providerNameSchema.optional(),
    base_url: baseUrlSchema.optional(),
    api_key: apiKeySchema.nullable().optional().describe("A new key, or null to remove it."),
    shared: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "send at least one of: name, base_url, api_key, shared" })
  .meta({ id: "UpdateProviderBody" });
export type UpdateProviderBody = z.input<typeof UpdateProviderBodySchema>;

export const ProviderListSchema = z.object({ items: z.array(ProviderSchema) }).meta({ id: "ProviderList" });
export type ProviderList = z.infer<typeof ProviderListSchema>;

export const ProviderModelSchema = z
  .object({
    id: z.string().describe("The provider's own model id."),
    model: z.string().describe("What to send to the LLM proxy: `<provider name>/<id>`."),
    display_name: z.string().nullable(),
  })
  .meta({ id: "ProviderModel" });
export type ProviderModel = z.infer<typeof ProviderModelSchema>;

export const ProviderModelListSchema = z
  .object({ items: z.array(ProviderModelSchema) })
  .meta({ id: "ProviderModelList" });
export type ProviderModelList = z.infer<typeof ProviderModelListSchema>;

export const TestProviderBodySchema = z
  .strictObject({
    model: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe("Also send a 1-token request to this model id; without it only the model list is fetched."),
  })
  .meta({ id: "TestProviderBody" });
export type TestProviderBody = z.infer<typeof TestProviderBodySchema>;

export const PROVIDER_TEST_ERRORS = [
  "unreachable",
  /** The base URL resolves to an address the server's network policy refuses. */
  "address_refused",
  "timeout",
  "bad_key",
  "not_found",
  "http_error",
  "bad_response",
] as const;

export const ProviderTestResultSchema = z
  .object({
    ok: z.boolean(),
    latency_ms: z.number().describe("Round trip of the test call."),
    error: z.enum(PROVIDER_TEST_ERRORS).nullable(),
    status: z.number().nullable().describe("HTTP status the provider answered, when it answered."),
    message: z.string().describe("What happened, and how to fix it when it failed."),
  })
  .meta({ id: "ProviderTestResult" });
export type ProviderTestResult = z.infer<typeof ProviderTestResultSchema>;

/** `type` of proxy errors raised by a spend limit, in both the Anthropic and the OpenAI error shape. */
export const SPEND_LIMIT_ERROR_TYPE = "spend_limit";
/** HTTP status of a spend-limit refusal: 402, so SDKs do not retry it as they would a 429. */
export const SPEND_LIMIT_STATUS = 402;

const spendLimitSchema = z
  .number()
  .min(0, "spend_limit_usd must be 0 or more")
  .max(1_000_000, "spend_limit_usd must be at most 1000000")
  .describe("USD, kept to the micro-dollar (rounded half up); null means no limit.");
export const SpendLimitSchema = spendLimitSchema.nullable();
