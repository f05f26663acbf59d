import type { RuntimeEntry } from "./types.js";

/** Qwen Code speaks OpenAI's format to the proxy (OPENAI_BASE_URL and OPENAI_MODEL). */
export const qwenCode: RuntimeEntry = {
  id: "qwen-code",
  name: "qwen-code",
  command: () => ({ command: "qwen", args: ["--acp", "--auth-type", "openai"] }),
  env: (ctx) => (ctx.model ? { OPENAI_MODEL: ctx.model } : {}),
  clientFs: true,
  observed: {
    version: "0.24.4",
    authMethods: ["openai"],
    mcp: ["stdio", "http", "sse"],
    continues: ["load", "resume"],
  },
};
