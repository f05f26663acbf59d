import { readFileSync } from "node:fs";
import { AGENT_ENV } from "@strand/protocol";
import type { RetryPolicy } from "./providers/retry.js";

/**
 * The one place that reads the environment. Every variable is listed in ENV_VARS (which also
 * feeds `strand-agent --help` and the README), so what a deployment can tune is visible in one spot.
 */
export type WireApi = "anthropic" | "openai";
export type PermissionMode = "auto" | "ask";

export interface AgentConfig {
  /** Model name as the LLM proxy knows it, e.g. `work-anthropic/claude-sonnet-4-5`; empty = not configured. */
  model: string;
  api: WireApi;
  /** Base URL in the official SDK's convention: Anthropic without `/v1`, OpenAI with it. */
  baseUrl: string;
  apiKey: string;
  maxTokens: number;
  /** Anthropic extended thinking budget in tokens; 0 = off. */
  thinkingBudget: number;
  /** Tool rounds per prompt before the turn stops with `max_turn_requests`. */
  maxToolRounds: number;
  retry: RetryPolicy;
  /** No bytes from the provider for this long aborts the request (it is then retried). */
  idleTimeoutMs: number;
  permissions: PermissionMode;
  command: { defaultTimeoutS: number; maxTimeoutS: number; outputCapBytes: number };
  /** Argv of the file opener (`{path}` and `{line}` are replaced, else the path is appended); empty disables. */
  openCommand: string[];
  /** Log file that every command and its output are appended to; empty disables. Relative = in the workspace. */
  terminalLog: string;
  /** Argv of the window that tails the terminal log (`{log}` is replaced); empty disables. */
  terminalCommand: string[];
  /** Use the client's fs/read_text_file and fs/write_text_file when it offers them. */
  useClientFs: boolean;
  /** Extra text appended to the system prompt. */
  systemPromptAppend: string;
  /** Largest saved session file; the oldest turns are dropped past it. */
  sessionMaxBytes: number;
  /** Longest wait for an MCP server to connect and list its tools, and for one of its tool calls. */
  mcp: { connectTimeoutMs: number; callTimeoutMs: number };
}

export const ENV_VARS: Record<string, string> = {
  STRAND_AGENT_MODEL: "Model to ask, as the LLM proxy names it (e.g. work-anthropic/claude-sonnet-4-5). Required.",
  STRAND_AGENT_API: "Wire format: anthropic (Messages API, default) or openai (Chat Completions).",
  ANTHROPIC_BASE_URL:
    "Anthropic-format endpoint without /v1 (the Strand proxy's URL). Default https://api.anthropic.com",
  ANTHROPIC_API_KEY: "Key for the Anthropic format (the Strand session token).",
  OPENAI_BASE_URL: "OpenAI-format endpoint including /v1. Default https://api.openai.com/v1",
  OPENAI_API_KEY: "Key for the OpenAI format (the Strand session token).",
  STRAND_AGENT_MAX_TOKENS: "max_tokens per model response (default 16384).",
  STRAND_AGENT_THINKING_BUDGET:
    "Anthropic extended thinking budget in tokens, at least 1024 and below STRAND_AGENT_MAX_TOKENS (default 0: off).",
  STRAND_AGENT_MAX_TOOL_ROUNDS: "Tool rounds per prompt before the turn stops (default 50).",
  STRAND_AGENT_RETRIES:
    "Attempts per model request on 429/5xx/connection errors and broken streams (default 5); a broken stream's partial answer is replaced by the retried one.",
  STRAND_AGENT_RETRY_BASE_MS: "First backoff delay; doubles each attempt (default 1000).",
  STRAND_AGENT_RETRY_MAX_WAIT_MS: "Longest single wait, Retry-After included (default 30000).",
  STRAND_AGENT_RETRY_UNREACHABLE_MS:
    "While the endpoint refuses connections (a restarting server), keep retrying this long from the first failure, beyond STRAND_AGENT_RETRIES (default 60000).",
  STRAND_AGENT_IDLE_TIMEOUT_MS: "Abort a model request that sends nothing for this long (default 300000).",
  STRAND_AGENT_PERMISSIONS:
    "auto (default: tools run without asking) or ask (session/request_permission before write/edit/run).",
  STRAND_AGENT_COMMAND_TIMEOUT_S: "Default run_command timeout in seconds (default 120).",
  STRAND_AGENT_COMMAND_MAX_TIMEOUT_S: "Largest timeout the model may ask for (default 1800).",
  STRAND_AGENT_COMMAND_OUTPUT_BYTES: "Command output kept for the model, head and tail (default 65536).",
  STRAND_AGENT_OPEN_CMD:
    "Opens edited/created files on the desktop ({path}, {line}; else the path is appended). Default `geany` when DISPLAY is set; empty disables.",
  STRAND_AGENT_TERMINAL_LOG:
    "Log of every command and its output, relative to the workspace (default .strand/terminal.log); empty disables.",
  STRAND_AGENT_TERMINAL_CMD:
    "Window that tails the log ({log}). Default an xfce4-terminal when DISPLAY is set and it is installed; empty disables.",
  STRAND_AGENT_CLIENT_FS: "1 (default): read/write through the ACP client when it offers fs; 0: always the local disk.",
  STRAND_AGENT_SYSTEM_PROMPT_APPEND: "Text appended to the built-in system prompt.",
  STRAND_AGENT_SESSION_MAX_BYTES:
    "Largest saved session (.strand/agent/sessions/<id>.json, for session/load); the oldest turns are dropped past it (default 8388608).",
  STRAND_AGENT_MCP_CONNECT_TIMEOUT_MS:
    "Longest wait for an MCP server from session/new (or load, resume) to connect and list its tools; past it the session goes on without them (default 10000).",
  STRAND_AGENT_MCP_CALL_TIMEOUT_MS:
    "Longest wait for one MCP tool call; past it the model gets a tool error (default 120000).",
  STRAND_AGENT_DEBUG: "1: debug logs on stderr.",
};

const DEFAULT_TERMINAL = [
  "xfce4-terminal",
  "--disable-server",
  "--hide-menubar",
  "--title=strand-agent: commands",
  "--geometry=100x14-0-40",
  "-x",
  "tail",
  "-n",
  "200",
  "-F",
  "{log}",
];

export function readConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const api = (env.STRAND_AGENT_API || "anthropic").toLowerCase();
  if (api !== "anthropic" && api !== "openai") {
    throw new Error(`STRAND_AGENT_API must be "anthropic" or "openai", not "${api}"`);
  }
  const permissions = (env.STRAND_AGENT_PERMISSIONS || "auto").toLowerCase();
  if (permissions !== "auto" && permissions !== "ask") {
    throw new Error(`STRAND_AGENT_PERMISSIONS must be "auto" or "ask", not "${permissions}"`);
  }
  const hasDisplay = Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  const argv = (name: string, fallback: string[]): string[] => {
    const v = env[name];
    if (v === undefined) return fallback;
    return splitArgs(v);
  };
  // Inside a Strand session the LLM proxy is the server itself and the key is the session token,
  // both already in the container's environment; explicit variables win.
  const server = env[AGENT_ENV.serverUrl]?.replace(/\/+$/, "");
  const maxTokens = int(env, "STRAND_AGENT_MAX_TOKENS", 16_384, 1);
  const thinkingBudget = int(env, "STRAND_AGENT_THINKING_BUDGET", 0, 0);
  if (thinkingBudget > 0 && (thinkingBudget < 1024 || thinkingBudget >= maxTokens)) {
    throw new Error(
      `STRAND_AGENT_THINKING_BUDGET must be at least 1024 and below STRAND_AGENT_MAX_TOKENS (${maxTokens})`,
    );
  }
  return {
    model: env.STRAND_AGENT_MODEL ?? "",
    api,
    baseUrl: (api === "anthropic"
      ? env.ANTHROPIC_BASE_URL || server || "https://api.anthropic.com"
      : env.OPENAI_BASE_URL || (server ? `${server}/v1` : "https://api.openai.com/v1")
    ).replace(/\/+$/, ""),
    apiKey: (api === "anthropic" ? env.ANTHROPIC_API_KEY : env.OPENAI_API_KEY) || sessionToken(env),
    maxTokens,
    thinkingBudget,
    maxToolRounds: int(env, "STRAND_AGENT_MAX_TOOL_ROUNDS", 50, 1),
    retry: {
      attempts: int(env, "STRAND_AGENT_RETRIES", 5, 1),
      baseMs: int(env, "STRAND_AGENT_RETRY_BASE_MS", 1000, 0),
      maxWaitMs: int(env, "STRAND_AGENT_RETRY_MAX_WAIT_MS", 30_000, 0),
      unreachableMs: int(env, "STRAND_AGENT_RETRY_UNREACHABLE_MS", 60_000, 0),
    },
    idleTimeoutMs: int(env, "STRAND_AGENT_IDLE_TIMEOUT_MS", 300_000, 100),
    permissions,
    command: {
      defaultTimeoutS: int(env, "STRAND_AGENT_COMMAND_TIMEOUT_S", 120, 1),
      maxTimeoutS: int(env, "STRAND_AGENT_COMMAND_MAX_TIMEOUT_S", 1800, 1),
      outputCapBytes: int(env, "STRAND_AGENT_COMMAND_OUTPUT_BYTES", 64 * 1024, 1024),
    },
    openCommand: argv("STRAND_AGENT_OPEN_CMD", hasDisplay ? ["geany"] : []),
    terminalLog: env.STRAND_AGENT_TERMINAL_LOG ?? ".strand/terminal.log",
    terminalCommand: argv("STRAND_AGENT_TERMINAL_CMD", env.DISPLAY ? DEFAULT_TERMINAL : []),
    useClientFs: env.STRAND_AGENT_CLIENT_FS !== "0",
    systemPromptAppend: env.STRAND_AGENT_SYSTEM_PROMPT_APPEND ?? "",
    sessionMaxBytes: int(env, "STRAND_AGENT_SESSION_MAX_BYTES", 8 * 1024 * 1024, 64 * 1024),
    mcp: {
      connectTimeoutMs: int(env, "STRAND_AGENT_MCP_CONNECT_TIMEOUT_MS", 10_000, 100),
      callTimeoutMs: int(env, "STRAND_AGENT_MCP_CALL_TIMEOUT_MS", 120_000, 100),
    },
  };
}

function sessionToken(env: NodeJS.ProcessEnv): string {
  const file = env[AGENT_ENV.sessionTokenFile];
  if (!file) return "";
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, not "${raw}"`);
  return n;
}

/** Splits a command line on whitespace, honouring simple single and double quotes. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}
