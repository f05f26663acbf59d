import { describe, expect, it } from "vitest";
import {
  commandOverride,
  GEMINI_SETTINGS_PATH,
  geminiSystemSettings,
  offersClientFs,
  runtimeCommand,
  runtimeEnv,
  runtimeFiles,
} from "./runtimes.js";

describe("agent runtimes", () => {
  it("maps each session runtime to its ACP command", () => {
    expect(runtimeCommand("strand-agent")).toEqual({
      command: process.execPath,
      args: ["/opt/strand/strand-agent.mjs"],
    });
    expect(runtimeCommand("claude-code")).toEqual({ command: "claude-code-acp", args: [] });
    expect(runtimeCommand("codex")).toEqual({ command: "codex-acp", args: [] });
    expect(runtimeCommand("gemini")).toEqual({ command: "gemini", args: ["--experimental-acp"] });
    expect(runtimeCommand("qwen-code")).toEqual({ command: "qwen", args: ["--acp", "--auth-type", "openai"] });
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
    expect(runtimeEnv({}, { serverUrl: "http://s", sessionToken: "t", model: "p/m" }).STRAND_AGENT_MODEL).toBe("p/m");
  });

  it("points each runtime's own model settings at the session's model", () => {
    const o = { serverUrl: "http://s", sessionToken: "t", model: "work/claude-x" };
    const claude = runtimeEnv({}, { ...o, runtime: "claude-code" });
    expect(claude.ANTHROPIC_MODEL).toBe("work/claude-x");
    expect(claude.ANTHROPIC_SMALL_FAST_MODEL).toBe("work/claude-x");
    expect(claude.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC).toBe("1");
    expect(runtimeEnv({}, { ...o, runtime: "qwen-code" }).OPENAI_MODEL).toBe("work/claude-x");
    expect(runtimeEnv({}, { ...o, runtime: "strand-agent" }).ANTHROPIC_MODEL).toBeUndefined();
  });

  it("points Gemini CLI at the proxy's Gemini API, with settings that keep it from calling Google", () => {
    const env = runtimeEnv(
      { PATH: "/usr/bin", GEMINI_API_KEY: "AIza-real", GOOGLE_GEMINI_BASE_URL: "https://elsewhere" },
      { runtime: "gemini", serverUrl: "http://10.213.0.1:8080", sessionToken: "strand_tok", model: "work/claude-x" },
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
    expect(
      runtimeEnv({}, { runtime: "gemini", serverUrl: "http://s", sessionToken: "t", model: null }).GEMINI_MODEL,
    ).toBeUndefined();
    // Other runtimes get none of it, and agentd's own Gemini key never passes.
    const qwen = runtimeEnv(
      { GEMINI_API_KEY: "AIza-real" },
      { runtime: "qwen-code", serverUrl: "http://s", sessionToken: "t", model: null },
    );
    expect(qwen.GEMINI_API_KEY).toBeUndefined();
    expect(qwen.GOOGLE_GEMINI_BASE_URL).toBeUndefined();

    expect(runtimeFiles("gemini")).toEqual({ [GEMINI_SETTINGS_PATH]: geminiSystemSettings() });
    expect(runtimeFiles("qwen-code")).toBeUndefined();
    expect(offersClientFs("gemini")).toBe(false);
    expect(offersClientFs("claude-code")).toBe(true);
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
