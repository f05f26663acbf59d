import { homedir } from "node:os";
import { join } from "node:path";
import type { Runtime } from "@strand/protocol";

/** How to start one agent runtime: an ACP agent speaking on its stdio. */
export interface RuntimeSpec {
  /** What people call it in notices. */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Files the runtime reads at start (path → content), written just before it starts. */
  files?: Record<string, string>;
  /** Whether agentd offers the ACP file system (fs/read_text_file, fs/write_text_file); default yes. */
  clientFs?: boolean;
}

/** Where the node copies the built-in agent, next to agentd.mjs. */
export const STRAND_AGENT_PATH = "/opt/strand/strand-agent.mjs";

/** Every runtime is on PATH in the desktop images; the built-in one runs on agentd's own Node. */
export function runtimeCommand(runtime: Runtime): { command: string; args: string[] } {
  switch (runtime) {
    case "strand-agent":
      return { command: process.execPath, args: [STRAND_AGENT_PATH] };
    case "claude-code":
      return { command: "claude-code-acp", args: [] };
    case "codex":
      return { command: "codex-acp", args: [] };
    case "gemini":
      return { command: "gemini", args: ["--experimental-acp"] };
    case "qwen-code":
      // Qwen Code speaks OpenAI's format to the proxy (OPENAI_BASE_URL, OPENAI_MODEL below).
      return { command: "qwen", args: ["--acp", "--auth-type", "openai"] };
  }
}

// Names that look like credentials never pass from agentd's environment to the runtime.
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_KEY|PRIVATE_KEY/i;

export interface RuntimeEnvOptions {
  runtime?: Runtime;
  serverUrl: string;
  sessionToken: string;
  model: string | null;
}

/**
 * The runtime's environment: agentd's own minus anything secret, plus the server's LLM proxy
 * with the session token as the API key. The session token is the only credential a sandbox
 * holds; provider keys stay on the server.
 */
export function runtimeEnv(base: NodeJS.ProcessEnv, o: RuntimeEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!SECRET_NAME.test(k)) env[k] = v;
  env.ANTHROPIC_BASE_URL = o.serverUrl;
  env.ANTHROPIC_API_KEY = o.sessionToken;
  env.OPENAI_BASE_URL = `${o.serverUrl}/v1`;
  env.OPENAI_API_KEY = o.sessionToken;
  if (o.model) env.STRAND_AGENT_MODEL = o.model;
  else delete env.STRAND_AGENT_MODEL;
  if (o.model && o.runtime === "claude-code") {
    // Claude Code's main and background ("small, fast") calls both go to the session's model,
    // and it makes no calls beyond the model API (no telemetry, no update checks).
    env.ANTHROPIC_MODEL = o.model;
    env.ANTHROPIC_SMALL_FAST_MODEL = o.model;
    env.ANTHROPIC_DEFAULT_HAIKU_MODEL = o.model;
    env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1";
    env.DISABLE_AUTOUPDATER = "1";
  }
  if (o.model && (o.runtime === "qwen-code" || o.runtime === "codex")) env.OPENAI_MODEL = o.model;
  if (o.runtime === "gemini") Object.assign(env, geminiEnv(o));
  return env;
}

/** Where agentd writes Gemini CLI's system settings (the layer that overrides all others). */
export const GEMINI_SETTINGS_PATH = join(homedir(), ".config", "strand", "gemini-cli-settings.json");

/**
 * Gemini CLI speaks Google's API to the proxy: @google/genai takes GOOGLE_GEMINI_BASE_URL, and
 * with it set Gemini CLI picks its "gateway" auth, which sends GEMINI_API_KEY as x-goog-api-key
 * and needs no ACP `authenticate`. No relaunch (a second Node process for heap flags), the
 * workspace is trusted (the sandbox is the boundary), and the settings below turn off what
 * would call Google directly.
 */
function geminiEnv(o: RuntimeEnvOptions): NodeJS.ProcessEnv {
  return {
    GOOGLE_GEMINI_BASE_URL: o.serverUrl,
    GEMINI_API_KEY: o.sessionToken,
    ...(o.model ? { GEMINI_MODEL: o.model } : {}),
    GEMINI_CLI_SYSTEM_SETTINGS_PATH: GEMINI_SETTINGS_PATH,
    GEMINI_CLI_NO_RELAUNCH: "true",
    GEMINI_CLI_TRUST_WORKSPACE: "true",
    GEMINI_TELEMETRY_ENABLED: "false",
  };
}

/**
 * Gemini CLI's system settings, which win over the user's and the project's: the proxy as the
 * only way out (gateway auth; no usage statistics, telemetry or update checks).
 */
export function geminiSystemSettings(): string {
  const settings = {
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    security: { auth: { selectedType: "gateway" } },
  };
  return `${JSON.stringify(settings, null, 2)}\n`;
}

/**
 * Gemini CLI 0.61 cannot create a file through the ACP file system: it checks for an existing
 * file with fs/read_text_file and only takes a Node ENOENT error as "absent", which no JSON-RPC
 * error can be (it gets a plain error object). It runs beside agentd on the same disk, so it
 * uses its own file access instead.
 */
export const offersClientFs = (runtime: Runtime | undefined): boolean => runtime !== "gemini";

/** Files a runtime needs written before it starts. */
export function runtimeFiles(runtime: Runtime | undefined): Record<string, string> | undefined {
  return runtime === "gemini" ? { [GEMINI_SETTINGS_PATH]: geminiSystemSettings() } : undefined;
}

export const DEFAULT_WORKSPACE = join(homedir(), "work");

/**
 * `STRAND_RUNTIME_COMMAND` (a JSON array: command and arguments) replaces the runtime's command,
 * whatever the session's runtime is: for development and tests.
 */
export function commandOverride(env: NodeJS.ProcessEnv): { command: string; args: string[] } | undefined {
  const raw = env.STRAND_RUNTIME_COMMAND;
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('STRAND_RUNTIME_COMMAND must be a JSON array such as ["node","/path/agent.mjs"]');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((p) => typeof p === "string")) {
    throw new Error('STRAND_RUNTIME_COMMAND must be a non-empty JSON array of strings such as ["node","agent.mjs"]');
  }
  const [command, ...args] = parsed as string[];
  return { command: command as string, args };
}
