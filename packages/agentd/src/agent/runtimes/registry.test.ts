import { describe, expect, it } from "vitest";
import { chooseAuthMethod } from "../acp-auth.js";
import { GEMINI_SETTINGS_PATH, geminiSystemSettings } from "./gemini.js";
import { commandOverride, RUNTIME_REGISTRY, runtimeEnv, runtimeSpec } from "./registry.js";

const ctx = { serverUrl: "http://s", sessionToken: "t", model: "work/claude-x" };
const spec = (runtime: keyof typeof RUNTIME_REGISTRY, env: NodeJS.ProcessEnv = {}, model: string | null = ctx.model) =>
  runtimeSpec(runtime, { ...ctx, model }, { env });

describe("agent runtimes", () => {
  it("maps each session runtime to its ACP command", () => {
    expect(spec("strand-agent")).toMatchObject({ command: process.execPath, args: ["/opt/strand/strand-agent.mjs"] });
    expect(spec("claude-code")).toMatchObject({ command: "claude-code-acp", args: [] });
    expect(spec("gemini")).toMatchObject({ command: "gemini", args: ["--experimental-acp"] });
    expect(spec("qwen-code")).toMatchObject({ command: "qwen", args: ["--acp", "--auth-type", "openai"] });
    for (const entry of Object.values(RUNTIME_REGISTRY)) expect(RUNTIME_REGISTRY[entry.id]).toBe(entry);
  });

  it("points Codex at the proxy's Responses API as a provider of its own, with its sandbox off", () => {
    const codex = spec("codex");
    expect(codex.command).toBe("codex-acp");
    const overrides = codex.args.filter((_, i) => codex.args[i - 1] === "-c");
    expect(overrides).toEqual(
      expect.arrayContaining([
        'model_provider="strand"',
        'model_providers.strand.base_url="http://s/v1"',
        'model_providers.strand.env_key="OPENAI_API_KEY"',
        'model_providers.strand.wire_api="responses"',
        'model="work/claude-x"',
        'approval_policy="never"',
        'sandbox_mode="danger-full-access"',
      ]),
    );
    expect(codex.env.OPENAI_API_KEY).toBe("t");
  });

  it("authenticates with a method whose variables agentd has set, never an interactive login", () => {
    const codexMethods = [
      { id: "chatgpt", name: "Login with ChatGPT" },
      { type: "env_var", id: "codex-api-key", vars: [{ name: "CODEX_API_KEY" }] },
      { type: "env_var", id: "openai-api-key", vars: [{ name: "OPENAI_API_KEY" }] },
    ];
    expect(chooseAuthMethod(codexMethods, spec("codex").env)).toBe("openai-api-key");
    expect(chooseAuthMethod(codexMethods, {})).toBeUndefined();
    expect(chooseAuthMethod([{ id: "claude-login" }], spec("claude-code").env)).toBeUndefined();
    expect(chooseAuthMethod([{ id: "gateway" }, { id: "x" }], {}, "gateway")).toBe("gateway");
    expect(chooseAuthMethod(undefined, {})).toBeUndefined();
    expect(chooseAuthMethod(["junk", null, { name: "no id" }], {})).toBeUndefined();
  });

  it("gives the runtime the proxy and the session token, and strips anything else that looks secret", () => {
    const env = runtimeEnv(
      {
        PATH: "/usr/bin",
        DISPLAY: ":0",
        STRAND_SESSION_TOKEN_FILE: "/opt/strand/session-token",
        GITHUB_TOKEN: "ghp_x",
        AWS_SECRET_ACCESS_KEY: "s",
        ANTHROPIC_API_KEY: "sk-real",
        STRAND_AGENT_MODEL: "stale/model",
      },
      undefined,
      { serverUrl: "http://10.213.0.1:8080", sessionToken: "strand_tok", model: null },
    );
    expect(env).toEqual({
      PATH: "/usr/bin",
      DISPLAY: ":0",
      ANTHROPIC_BASE_URL: "http://10.213.0.1:8080",
      ANTHROPIC_API_KEY: "strand_tok",
      OPENAI_BASE_URL: "http://10.213.0.1:8080/v1",
      OPENAI_API_KEY: "strand_tok",
    });
    expect(spec("strand-agent", {}, "p/m").env.STRAND_AGENT_MODEL).toBe("p/m");
  });

  it("points each runtime's own model settings at the session's model", () => {
    const claude = spec("claude-code").env;
    expect(claude.ANTHROPIC_MODEL).toBe("work/claude-x");
    expect(claude.ANTHROPIC_SMALL_FAST_MODEL).toBe("work/claude-x");
    expect(claude.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC).toBe("1");
    expect(spec("qwen-code").env.OPENAI_MODEL).toBe("work/claude-x");
    expect(spec("strand-agent").env.ANTHROPIC_MODEL).toBeUndefined();
  });

  it("points Gemini CLI at the proxy's Gemini API, with settings that keep it from calling Google", () => {
    const env = runtimeEnv(
      { PATH: "/usr/bin", GEMINI_API_KEY: "AIza-real", GOOGLE_GEMINI_BASE_URL: "https://elsewhere" },
      RUNTIME_REGISTRY.gemini,
      { serverUrl: "http://10.213.0.1:8080", sessionToken: "strand_tok", model: "work/claude-x" },
    );
    expect(env).toMatchObject({
      PATH: "/usr/bin",
      GOOGLE_GEMINI_BASE_URL: "http://10.213.0.1:8080",
      GEMINI_API_KEY: "strand_tok",
      GEMINI_MODEL: "work/claude-x",
      GEMINI_CLI_SYSTEM_SETTINGS_PATH: GEMINI_SETTINGS_PATH,
      GEMINI_CLI_NO_RELAUNCH: "true",
      GEMINI_CLI_TRUST_WORKSPACE: "true",
      GEMINI_TELEMETRY_ENABLED: "false",
    });
    expect(spec("gemini", {}, null).env.GEMINI_MODEL).toBeUndefined();
    // Other runtimes get none of it, and agentd's own Gemini key never passes.
    const qwen = spec("qwen-code", { GEMINI_API_KEY: "AIza-real" }, null).env;
    expect(qwen.GEMINI_API_KEY).toBeUndefined();
    expect(qwen.GOOGLE_GEMINI_BASE_URL).toBeUndefined();

    expect(spec("gemini").files).toEqual({ [GEMINI_SETTINGS_PATH]: geminiSystemSettings() });
    expect(spec("qwen-code").files).toBeUndefined();
    expect(spec("gemini").clientFs).toBe(false);
    expect(spec("claude-code").clientFs).toBe(true);
    expect(JSON.parse(geminiSystemSettings())).toEqual({
      general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      security: { auth: { selectedType: "gateway" } },
    });
  });

  it("takes a command override as a JSON array and explains a bad one", () => {
    expect(commandOverride({})).toBeUndefined();
    expect(commandOverride({ STRAND_RUNTIME_COMMAND: '["node","a.mjs"]' })).toEqual({
      command: "node",
      args: ["a.mjs"],
    });
    expect(() => commandOverride({ STRAND_RUNTIME_COMMAND: "node a.mjs" })).toThrow(/JSON array/);
    expect(() => commandOverride({ STRAND_RUNTIME_COMMAND: "[]" })).toThrow(/non-empty/);
  });
});
