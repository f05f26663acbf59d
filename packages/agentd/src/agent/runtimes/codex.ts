import type { RuntimeEntry } from "./types.js";

/** TOML string literal for a `-c key=value` override (codex parses the value as TOML). */
const toml = (s: string) => JSON.stringify(s);

/**
 * Codex through Zed's ACP adapter. Its built-in `openai` provider goes to api.openai.com over
 * its Responses WebSocket whatever OPENAI_BASE_URL says, so it gets a provider of its own: the
 * proxy's Responses API over HTTP, keyed by OPENAI_API_KEY (the session token), which is also
 * what its `openai-api-key` auth method checks. The desktop is the sandbox: Codex's own sandbox
 * and approvals are off (agentd answers permission requests as the session's mode says).
 */
export const codex: RuntimeEntry = {
  id: "codex",
  name: "codex",
  command: (ctx) => ({
    command: "codex-acp",
    args: [
      ["model_provider", toml("strand")],
      ["model_providers.strand.name", toml("Strand LLM proxy")],
      ["model_providers.strand.base_url", toml(`${ctx.serverUrl}/v1`)],
      ["model_providers.strand.env_key", toml("OPENAI_API_KEY")],
      ["model_providers.strand.wire_api", toml("responses")],
      ...(ctx.model ? [["model", toml(ctx.model)]] : []),
      ["approval_policy", toml("never")],
      ["sandbox_mode", toml("danger-full-access")],
      ["check_for_update_on_startup", "false"],
    ].flatMap(([k, v]) => ["-c", `${k}=${v}`]),
  }),
  env: (ctx) => (ctx.model ? { OPENAI_MODEL: ctx.model } : {}),
  clientFs: true,
  observed: {
    version: "0.16.0",
    authMethods: ["chatgpt", "codex-api-key (env CODEX_API_KEY)", "openai-api-key (env OPENAI_API_KEY)"],
    mcp: ["stdio", "http"],
    continues: ["load", "resume"],
  },
};
