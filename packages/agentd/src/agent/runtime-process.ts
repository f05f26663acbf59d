import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import * as acp from "@agentclientprotocol/sdk";
import type { Log } from "../log.js";
import { type McpDelivery, strandMcpServer, teamMcpServers } from "../mcp/servers.js";
import { chooseAuthMethod, isAuthRequired } from "./acp-auth.js";
import { stdioStream } from "./acp-stdio.js";
import type { RuntimeSpec } from "./runtimes/registry.js";
import { Terminals } from "./terminals.js";

export interface RuntimeHandlers {
  onUpdate(update: acp.SessionUpdate): void;
  onPermission(req: acp.RequestPermissionRequest, signal: AbortSignal): Promise<acp.RequestPermissionResponse>;
  onMalformed(line: string): void;
  onTerminalChange(id: string): void;
  /** Each line the runtime writes to stderr (runtimes report MCP servers that failed there). */
  onStderr?(line: string): void;
}

const STDERR_LINES = 20;
/** A runtime that has not answered initialize and session/new by then is treated as broken. */
const START_TIMEOUT_MS = 60_000;

/** How the runtime's ACP session came to be: a fresh one, or the earlier one continued. */
export type Continuation = "new" | "resumed" | "loaded";

/**
 * One running agent runtime: the child process, the ACP connection to it (agentd is the client,
 * as Zed is), and the one ACP session the Strand session's conversation runs in.
 */
export class RuntimeProcess {
  readonly terminals: Terminals;
  private readonly child: ReturnType<typeof spawn>;
  /** Resolves with why the process ended (exit code or signal, plus its last stderr lines). */
  readonly exited: Promise<string>;
  private readonly stderr: string[] = [];
  private connection: acp.ClientConnection | undefined;
  private sessionId: string | undefined;
  /** Set once the ACP session is open. */
  continuation: Continuation = "new";
  /** How the runtime was given Strand's MCP server, once its session is open (none: not given). */
  mcpDelivery: McpDelivery | undefined;
  private exitReason: string | undefined;
  private readonly startedAt = Date.now();

  private constructor(
    private readonly spec: RuntimeSpec,
    private readonly handlers: RuntimeHandlers,
    private readonly log: Log,
  ) {
    this.terminals = new Terminals({ cwd: spec.cwd, env: spec.env }, (id) => handlers.onTerminalChange(id));
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once("error", (err: NodeJS.ErrnoException) => {
        this.exitReason =
          err.code === "ENOENT"
            ? `${spec.command} is not installed in this desktop (not found on PATH)`
            : `could not start ${spec.command}: ${err.message}`;
        resolve(this.exitReason);
      });
      child.once("close", (code, signal) => {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const tail = this.stderr.slice(-3).join(" | ");
        this.exitReason ??= `${spec.name} ${how}${tail ? `; last output: ${tail}` : ""}`;
        resolve(this.exitReason);
      });
    });
    this.exited.then(() => {
      this.terminals.releaseAll();
      this.connection?.close();
    });
    child.stderr.setEncoding("utf8");
    let partial = "";
    child.stderr.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        this.stderr.push(line.slice(0, 500));
        if (this.stderr.length > STDERR_LINES) this.stderr.shift();
        log("debug", "runtime stderr", { runtime: spec.name, line: line.slice(0, 500) });
        handlers.onStderr?.(line.slice(0, 2000));
      }
    });
  }

  /** Spawns the runtime and opens its ACP session; rejects with a reason people can act on. */
  /**
   * `previousSession`: the ACP session this runtime last ran the conversation in; it is resumed
   * or loaded when the runtime offers that, else a new session is opened.
   */
  static async start(
    spec: RuntimeSpec,
    handlers: RuntimeHandlers,
    log: Log,
    previousSession?: string,
  ): Promise<RuntimeProcess> {
    // The workspace volume is mounted there in a desktop; elsewhere (development) it may not exist yet.
    await mkdir(spec.cwd, { recursive: true });
    for (const [path, content] of Object.entries(spec.files ?? {})) {
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, content);
      } catch (err) {
        throw new Error(`${spec.name} could not be set up: writing ${path} failed: ${(err as Error).message}`);
      }
    }
    const rt = new RuntimeProcess(spec, handlers, log);
    try {
      await rt.handshake(previousSession);
      return rt;
    } catch (err) {
      // A runtime that died on its own says best why; one that answered with an error, its error.
      const died = rt.exitReason !== undefined;
      rt.kill();
      if (!died) throw new Error(`${spec.name} did not start: ${(err as Error).message}`);
      throw new Error(rt.exitReason);
    }
  }

  /** Its last stderr lines, joined, for explaining a failure. */
  lastStderr(lines: number): string {
    return this.stderr.slice(-lines).join(" | ");
  }

  /** The ACP session id, once open. */
  get acpSessionId(): string | undefined {
    return this.sessionId;
  }

  get uptimeMs(): number {
    return Date.now() - this.startedAt;
  }

  /** Runs one prompt turn; resolves when the runtime answers session/prompt. */
  async prompt(text: string): Promise<acp.PromptResponse> {
    const { connection, sessionId } = this.ready();
    return connection.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text }] });
  }

  async cancel(): Promise<void> {
    if (!this.connection || !this.sessionId) return;
    await this.connection.agent.notify("session/cancel", { sessionId: this.sessionId }).catch(() => {});
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  private ready(): { connection: acp.ClientConnection; sessionId: string } {
    if (this.exitReason) throw new Error(this.exitReason);
    if (!this.connection || !this.sessionId) throw new Error(`${this.spec.name} is still starting`);
    return { connection: this.connection, sessionId: this.sessionId };
  }

  private async handshake(previousSession: string | undefined): Promise<void> {
    const child = this.child as Parameters<typeof stdioStream>[0];
    const app = acp
      .client({ name: "strand-agentd" })
      .onNotification("session/update", ({ params }) => {
        if (params.sessionId === this.sessionId) this.handlers.onUpdate(params.update);
      })
      .onRequest("session/request_permission", ({ params, signal }) => this.handlers.onPermission(params, signal))
      .onRequest("fs/read_text_file", async ({ params }) => ({
        content: sliceLines(await readFile(params.path, "utf8"), params.line, params.limit),
      }))
      .onRequest("fs/write_text_file", async ({ params }) => {
        await mkdir(dirname(params.path), { recursive: true });
        await writeFile(params.path, params.content);
        return {};
      })
      .onRequest("terminal/create", ({ params }) => ({ terminalId: this.terminals.create(params) }))
      .onRequest("terminal/output", ({ params }) => this.terminals.output(params.terminalId))
      .onRequest("terminal/wait_for_exit", ({ params }) => this.terminals.waitForExit(params.terminalId))
      .onRequest("terminal/kill", ({ params }) => {
        this.terminals.kill(params.terminalId);
        return {};
      })
      .onRequest("terminal/release", ({ params }) => {
        this.terminals.release(params.terminalId);
        return {};
      });
    this.connection = app.connect(stdioStream(child, (line) => this.handlers.onMalformed(line)));
    const timeout = new Promise<never>((_, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      t.unref();
      this.exited.then(() => clearTimeout(t));
    });
    const died = this.exited.then((reason) => Promise.reject(new Error(reason)));
    died.catch(() => {});
    const open = async () => {
      const agent = this.connection?.agent as acp.ClientContext;
      const clientFs = this.spec.clientFs ?? true;
      const init = await agent.request("initialize", {
        protocolVersion: acp.PROTOCOL_VERSION,
        clientCapabilities: { fs: { readTextFile: clientFs, writeTextFile: clientFs }, terminal: true },
        clientInfo: { name: "strand-agentd", version: "0.2.0" },
      });
      this.log("info", "agent runtime initialized", {
        runtime: this.spec.name,
        agent: init.agentInfo?.name,
        protocol: init.protocolVersion,
      });
      const methodId = chooseAuthMethod(init.authMethods, this.spec.env, this.spec.authMethod);
      const authenticate = async () => {
        if (!methodId) return false;
        await agent.request("authenticate", { methodId });
        this.log("info", "authenticated the agent runtime", { runtime: this.spec.name, method: methodId });
        return true;
      };
      // Authenticated up front when a method fits: some runtimes (Codex) refuse every session before it.
      let authenticated = await authenticate();
      const mcpServers = this.mcpServers(init.agentCapabilities?.mcpCapabilities);
      const opened = await this.continueSession(agent, init.agentCapabilities, previousSession, mcpServers);
      if (opened) {
        this.sessionId = opened;
        return;
      }
      const newSession = () => agent.request("session/new", { cwd: this.spec.cwd, mcpServers });
      let session: acp.NewSessionResponse;
      try {
        session = await newSession();
      } catch (err) {
        if (!isAuthRequired(err) || authenticated) throw authError(this.spec.name, init.authMethods, err);
        authenticated = await authenticate();
        if (!authenticated) throw authError(this.spec.name, init.authMethods, err);
        session = await newSession();
      }
      this.sessionId = session.sessionId;
    };
    await Promise.race([open(), timeout, died]);
  }

  /**
   * Strand's MCP server, as this runtime can take it (its `initialize` answer decides, not the
   * registry's notes): HTTP when it says `mcpCapabilities.http`, else the stdio bridge.
   */
  private mcpServers(caps: acp.McpCapabilities | undefined | null): acp.McpServer[] {
    const team = teamMcpServers(caps, this.spec.mcp, this.spec.teamMcp ?? []);
    if (team.length) {
      this.log("info", "giving the runtime the project's and team's MCP servers", {
        runtime: this.spec.name,
        servers: team.map((s) => s.name),
      });
    }
    if (!this.spec.mcp) return team;
    const { delivery, server } = strandMcpServer(caps, this.spec.mcp);
    this.mcpDelivery = delivery;
    this.log("info", "giving the runtime Strand's MCP server", {
      runtime: this.spec.name,
      delivery,
      http: caps?.http ?? false,
      sse: caps?.sse ?? false,
    });
    return [server, ...team];
  }

  /**
   * Continues the earlier ACP session: `session/resume` (no replay) when offered, else
   * `session/load` (the runtime replays the thread as updates, which are not recorded again: no
   * session id is set yet, so the update handler drops them). Undefined when neither works.
   */
  private async continueSession(
    agent: acp.ClientContext,
    caps: acp.AgentCapabilities | undefined,
    previous: string | undefined,
    mcpServers: acp.McpServer[],
  ): Promise<string | undefined> {
    if (!previous) return undefined;
    // The runtime's MCP servers are not part of a saved session: every continuation gets them again.
    const params = { sessionId: previous, cwd: this.spec.cwd, mcpServers };
    const tries: [Continuation, () => Promise<unknown>][] = [];
    if (caps?.sessionCapabilities?.resume) tries.push(["resumed", () => agent.request("session/resume", params)]);
    if (caps?.loadSession) tries.push(["loaded", () => agent.request("session/load", params)]);
    for (const [how, call] of tries) {
      try {
        await call();
        this.continuation = how;
        this.log("info", "continued the runtime's earlier session", { runtime: this.spec.name, how });
        return previous;
      } catch (err) {
        this.log("warn", "could not continue the runtime's earlier session", {
          runtime: this.spec.name,
          how,
          err: (err as Error).message,
        });
      }
    }
    return undefined;
  }
}

/** A runtime that wants a login agentd cannot give: say which methods it offered. */
function authError(name: string, methods: readonly unknown[] | undefined, err: unknown): Error {
  if (!isAuthRequired(err)) return err as Error;
  const ids = (methods ?? []).map((m) => (m as { id?: string }).id).filter(Boolean);
  return new Error(
    `${name} asks to authenticate and none of its methods (${ids.join(", ") || "none listed"}) can be ` +
      "satisfied unattended; it needs an API-key method reading the variables agentd sets (the session token)",
  );
}

/** ACP's read_text_file: `line` is 1-based, `limit` counts lines. */
function sliceLines(text: string, line?: number | null, limit?: number | null): string {
  if (!line && !limit) return text;
  const lines = text.split("\n");
  const start = Math.max(0, (line ?? 1) - 1);
  return lines.slice(start, limit ? start + limit : undefined).join("\n");
}
