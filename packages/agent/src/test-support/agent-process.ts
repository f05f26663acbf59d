/**
 * Runs the bundled `strand-agent` as a real child process and drives it as an ACP client would
 * (the way agentd does), recording every session/update it sends.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import {
  type ClientCapabilities,
  type ClientConnection,
  client,
  type InitializeResponse,
  type McpServer,
  methods,
  ndJsonStream,
  type PromptResponse,
  type RequestPermissionRequest,
  type RequestPermissionResponse,
  type SessionUpdate,
} from "@agentclientprotocol/sdk";
import { Transcript } from "../session/transcript.js";

export const AGENT_BIN = fileURLToPath(new URL("../../dist/strand-agent.mjs", import.meta.url));

const spawned = new Set<ChildProcessWithoutNullStreams>();
process.once("exit", () => {
  for (const p of spawned) p.kill("SIGKILL");
});

export interface AgentHarness {
  proc: ChildProcessWithoutNullStreams;
  conn: ClientConnection;
  sessionId: string;
  workspace: string;
  updates: SessionUpdate[];
  permissionRequests: RequestPermissionRequest[];
  init: InitializeResponse;
  stderr: () => string;
  prompt(text: string): Promise<PromptResponse>;
  cancel(): Promise<void>;
  close(): Promise<void>;
}

export function tempWorkspace(): string {
  return realpathSync(mkdtempSync(join(tmpdir(), "strand-agent-ws-")));
}

export async function startAgent(opts: {
  env: Record<string, string>;
  workspace?: string;
  clientCapabilities?: ClientCapabilities;
  onPermission?: (req: RequestPermissionRequest) => RequestPermissionResponse | Promise<RequestPermissionResponse>;
  onReadFile?: (path: string) => string;
  onWriteFile?: (path: string, content: string) => void;
  /** `session/load` this session instead of `session/new`; its replayed updates land in `updates`. */
  load?: string;
  /** `session/resume` this session instead of `session/new` (no replay). */
  resume?: string;
  /** The `mcpServers` of session/new, load or resume. */
  mcpServers?: McpServer[];
}): Promise<AgentHarness> {
  if (!existsSync(AGENT_BIN)) throw new Error(`${AGENT_BIN} is not built; run \`npm run build\``);
  const workspace = opts.workspace ?? tempWorkspace();
  const env: NodeJS.ProcessEnv = { ...process.env, STRAND_AGENT_RETRY_BASE_MS: "20", ...opts.env };
  // Tests must not open windows on whatever display the machine has.
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const proc = spawn(process.execPath, [AGENT_BIN], { cwd: workspace, env, stdio: ["pipe", "pipe", "pipe"] });
  spawned.add(proc);
  proc.once("exit", () => spawned.delete(proc));
  let stderr = "";
  proc.stderr.on("data", (c) => (stderr += c));

  const updates: SessionUpdate[] = [];
  const permissionRequests: RequestPermissionRequest[] = [];
  let app = client({ name: "strand-agent-test" })
    .onNotification(methods.client.session.update, ({ params }) => {
      updates.push(params.update);
    })
    .onRequest(methods.client.session.requestPermission, async ({ params }) => {
      permissionRequests.push(params);
      if (!opts.onPermission) throw new Error("the test did not expect a permission request");
      return opts.onPermission(params);
    });
  if (opts.onReadFile) {
    const read = opts.onReadFile;
    app = app.onRequest(methods.client.fs.readTextFile, ({ params }) => ({ content: read(params.path) }));
  }
  if (opts.onWriteFile) {
    const write = opts.onWriteFile;
    app = app.onRequest(methods.client.fs.writeTextFile, ({ params }) => {
      write(params.path, params.content);
      return {};
    });
  }
  const conn = app.connect(
    ndJsonStream(
      Writable.toWeb(proc.stdin) as WritableStream<Uint8Array>,
      Readable.toWeb(proc.stdout) as ReadableStream<Uint8Array>,
    ),
  );
  const init = await conn.agent.request(methods.agent.initialize, {
    protocolVersion: 1,
    clientCapabilities: opts.clientCapabilities ?? {},
    clientInfo: { name: "strand-agent-test", version: "0" },
  });
  if (init.protocolVersion !== 1) throw new Error(`unexpected protocol version ${init.protocolVersion}`);
  let sessionId: string;
  const mcpServers = opts.mcpServers ?? [];
  if (opts.load) {
    await conn.agent.request(methods.agent.session.load, { sessionId: opts.load, cwd: workspace, mcpServers });
    sessionId = opts.load;
  } else if (opts.resume) {
    await conn.agent.request(methods.agent.session.resume, { sessionId: opts.resume, cwd: workspace, mcpServers });
    sessionId = opts.resume;
  } else {
    ({ sessionId } = await conn.agent.request(methods.agent.session.new, { cwd: workspace, mcpServers }));
  }
  return {
    proc,
    conn,
    sessionId,
    workspace,
    updates,
    permissionRequests,
    init,
    stderr: () => stderr,
    prompt: (text) => conn.agent.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text }] }),
    cancel: () => conn.agent.notify(methods.agent.session.cancel, { sessionId }),
    async close() {
      conn.close();
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        await exited;
      }
    },
  };
}

/** The text the agent said, joined. */
export function agentText(updates: SessionUpdate[]): string {
  return updates
    .map((u) => (u.sessionUpdate === "agent_message_chunk" && u.content.type === "text" ? u.content.text : ""))
    .join("");
}

/** A compact trace of the updates, for asserting order: "text", "tool_call:pending", "tool_call_update:completed" … */
export function trace(updates: SessionUpdate[]): string[] {
  const out: string[] = [];
  for (const u of updates) {
    let entry: string = u.sessionUpdate;
    if (u.sessionUpdate === "agent_message_chunk") entry = "text";
    else if (u.sessionUpdate === "tool_call") entry = `tool_call:${u.status}`;
    else if (u.sessionUpdate === "tool_call_update") entry = `tool_call_update:${u.status ?? "-"}`;
    if (entry === "text" && out.at(-1) === "text") continue;
    out.push(entry);
  }
  return out;
}

/**
 * What a client that applies the replace marker keeps of one turn's updates (the compacted
 * transcript session/load would replay).
 */
export function shown(updates: SessionUpdate[]): SessionUpdate[] {
  const t = new Transcript();
  t.beginTurn([]);
  for (const u of updates) t.record(u);
  return t.replay();
}

/** The text such a client shows. */
export function shownText(updates: SessionUpdate[]): string {
  return agentText(shown(updates));
}
