import type { RuntimeEntry } from "./types.js";

/**
 * Claude Code through Zed's ACP adapter, in Anthropic's format. Its main and background ("small,
 * fast") calls both name the session's model, and it makes no calls beyond the model API (no
 * telemetry, no update checks). Its only auth method is an interactive `claude /login`; with
 * ANTHROPIC_API_KEY set it needs none.
 */
export const claudeCode: RuntimeEntry = {
  id: "claude-code",
  name: "claude-code",
  command: () => ({ command: "claude-code-acp", args: [] }),
  env: (ctx) => ({
    ...(ctx.model
      ? { ANTHROPIC_MODEL: ctx.model, ANTHROPIC_SMALL_FAST_MODEL: ctx.model, ANTHROPIC_DEFAULT_HAIKU_MODEL: ctx.model }
      : {}),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
  }),
  clientFs: true,
  observed: {
    version: "0.16.2",
    authMethods: ["claude-login"],
    mcp: ["stdio", "http", "sse"],
    continues: ["load", "resume"],
  },
};
