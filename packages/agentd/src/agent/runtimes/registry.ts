import { homedir } from "node:os";
import { join } from "node:path";
import type { AgentMcpServer, Runtime } from "@strand/protocol";
import type { StrandMcp } from "../../mcp/servers.js";
import { claudeCode } from "./claude-code.js";
import { codex } from "./codex.js";
import { gemini } from "./gemini.js";
import { qwenCode } from "./qwen-code.js";
import { strandAgent } from "./strand-agent.js";
import type { RuntimeContext, RuntimeEntry } from "./types.js";

/** Every runtime a session may choose, one entry each. */
export const RUNTIME_REGISTRY: Record<Runtime, RuntimeEntry> = {
  "strand-agent": strandAgent,
  "claude-code": claudeCode,
  codex,
  gemini,
  "qwen-code": qwenCode,
};

export const DEFAULT_WORKSPACE = join(homedir(), "work");

/** How to start one agent runtime: an ACP agent speaking on its stdio. */
export interface RuntimeSpec {
  /** The session runtime it is (keys the ACP session agentd may continue). */
  runtime?: Runtime;
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
  /** An `authMethods` id to prefer (see RuntimeEntry.authMethod). */
  authMethod?: string;
  /** Strand's MCP server, given to the runtime in every session/new, load and resume; absent: none. */
  mcp?: StrandMcp;
  /** The project's and team's own MCP servers (session.settings), given next to Strand's. */
  teamMcp?: AgentMcpServer[];
}

// Names that look like credentials never pass from agentd's environment to the runtime.
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_KEY|PRIVATE_KEY/i;

/**
 * The environment every runtime gets: agentd's own minus anything secret, plus the server's LLM
 * proxy in both formats with the session token as the API key, then the entry's own variables.
 * The session token is the only credential a sandbox holds; provider keys stay on the server.
 */
export function runtimeEnv(base: NodeJS.ProcessEnv, entry: RuntimeEntry | undefined, ctx: RuntimeContext) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!SECRET_NAME.test(k) && k !== "STRAND_AGENT_MODEL") env[k] = v;
  env.ANTHROPIC_BASE_URL = ctx.serverUrl;
  env.ANTHROPIC_API_KEY = ctx.sessionToken;
  env.OPENAI_BASE_URL = `${ctx.serverUrl}/v1`;
  env.OPENAI_API_KEY = ctx.sessionToken;
  Object.assign(env, entry?.env?.(ctx));
  return env;
}

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

/** The whole spec for a session's runtime, from its entry. */
export function runtimeSpec(
  runtime: Runtime,
  ctx: RuntimeContext,
  opts: { env: NodeJS.ProcessEnv; cwd?: string; mcp?: StrandMcp },
): RuntimeSpec {
  const entry = RUNTIME_REGISTRY[runtime];
  return {
    runtime,
    name: entry.name,
    ...(commandOverride(opts.env) ?? entry.command(ctx)),
    cwd: opts.cwd ?? DEFAULT_WORKSPACE,
    env: runtimeEnv(opts.env, entry, ctx),
    ...(entry.files ? { files: entry.files(ctx) } : {}),
    clientFs: entry.clientFs,
    ...(entry.authMethod ? { authMethod: entry.authMethod } : {}),
    ...(opts.mcp ? { mcp: opts.mcp } : {}),
  };
}
