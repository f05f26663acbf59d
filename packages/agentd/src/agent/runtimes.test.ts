import { describe, expect, it } from "vitest";
import { commandOverride, runtimeCommand, runtimeEnv } from "./runtimes.js";

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
