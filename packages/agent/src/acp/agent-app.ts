/**
 * The ACP agent side: initialize, session/new, session/load, session/resume, session/prompt, session/cancel. One
 * AgentSession per ACP session keeps its conversation, saved in the workspace after every tool
 * round and turn so a restarted agent can load it; a prompt runs one turn of the loop.
 */
import { randomUUID } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import {
  type AgentApp,
  type AgentContext,
  agent,
  type ClientCapabilities,
  type McpServer,
  methods,
  PROTOCOL_VERSION,
  RequestError,
  type RequestPermissionRequest,
} from "@agentclientprotocol/sdk";
import { ACP_META } from "@strand/protocol";
import type { AgentConfig } from "../config.js";
import { createDesktop, type Desktop } from "../desktop/desktop.js";
import type { Log } from "../log.js";
import { systemPrompt } from "../loop/system-prompt.js";
import { runTurn, type TurnIo } from "../loop/turn.js";
import { connectMcpServers, type McpTools } from "../mcp/servers.js";
import { createProvider } from "../providers/index.js";
import type { ChatMessage, Provider } from "../providers/types.js";
import {
  isSessionId,
  readSession,
  type SavedSession,
  SESSION_DIR,
  sessionFile,
  writeSession,
} from "../session/store.js";
import { Transcript } from "../session/transcript.js";
import { localFiles } from "../tools/files.js";
import { ToolSet } from "../tools/registry.js";
import { clientFiles } from "./client-files.js";
import { promptToParts } from "./prompt-content.js";

export const AGENT_VERSION = "0.1.0";

interface AgentSession {
  id: string;
  workspace: string;
  history: ChatMessage[];
  /** Where each turn's messages begin in `history`, aligned with `transcript.turns`. */
  turnStarts: number[];
  transcript: Transcript;
  desktop: Desktop;
  alwaysAllowed: Set<string>;
  running?: AbortController;
  file: string;
  /** The last save; saves run one after another so an older state never overwrites a newer one. */
  saving: Promise<void>;
  /** The MCP servers of the latest session/new, load or resume: connecting in the background, awaited by the next prompt. */
  mcp: Promise<McpTools>;
  /** MCP servers that failed since the last prompt, told to the user when the next one starts. */
  mcpNotices: string[];
}

const NO_MCP: McpTools = { tools: [], failures: [], close: async () => {} };

export interface AgentAppOptions {
  config: AgentConfig;
  log: Log;
  /** Tests may pass their own; by default built from the config. */
  provider?: Provider;
}

/** The agent's ACP app, and `dispose` to close what its sessions opened (MCP clients) when the process ends. */
export type StrandAgentApp = AgentApp & { dispose(): Promise<void> };

export function createAgentApp({
  config,
  log,
  provider = createProvider(config, log),
}: AgentAppOptions): StrandAgentApp {
  const sessions = new Map<string, AgentSession>();
  let clientCaps: ClientCapabilities = {};

  /**
   * (Re)connects the session's MCP servers. Not awaited by session/new or load, so a slow server
   * never delays the session; the next prompt waits for it (bounded by the connect timeout).
   */
  const connectMcp = (session: AgentSession, servers: McpServer[] | undefined | null) => {
    const previous = session.mcp;
    session.mcp = previous
      .then((old) => old.close())
      .then(() =>
        servers?.length
          ? connectMcpServers(servers, {
              log,
              clientVersion: AGENT_VERSION,
              connectTimeoutMs: config.mcp.connectTimeoutMs,
              callTimeoutMs: config.mcp.callTimeoutMs,
            })
          : NO_MCP,
      )
      .then((mcp) => {
        session.mcpNotices = mcp.failures.map(
          (f) => `⚠️ MCP server ${f.server} could not be reached: ${f.reason}. I'll work on without its tools.\n\n`,
        );
        return mcp;
      })
      .catch((err) => {
        log("warn", "MCP servers could not be set up", { sessionId: session.id, error: (err as Error).message });
        return NO_MCP;
      });
  };

  const open = (id: string, workspace: string, saved?: SavedSession): AgentSession => {
    const turns = saved?.turns ?? [];
    const turnStarts: number[] = [];
    const history: ChatMessage[] = [];
    for (const t of turns) {
      turnStarts.push(history.length);
      history.push(...t.messages);
    }
    const session: AgentSession = {
      id,
      workspace,
      history,
      turnStarts,
      transcript: new Transcript(turns.map((t) => t.updates)),
      desktop: createDesktop(config, workspace, log),
      alwaysAllowed: new Set(saved?.alwaysAllowed ?? []),
      file: sessionFile(workspace, id),
      saving: Promise.resolve(),
      mcp: Promise.resolve(NO_MCP),
      mcpNotices: [],
    };
    const old = sessions.get(id);
    // The same session opened again in another workspace: its old MCP clients are not needed.
    if (old) void old.mcp.then((m) => m.close());
    sessions.set(id, session);
    return session;
  };

  /** Saves the session as it is now; never fails the caller (a lost save only costs a later session/load). */
  const save = (session: AgentSession): Promise<void> => {
    const { history, turnStarts } = session;
    const snapshot: SavedSession = {
      version: 1,
      sessionId: session.id,
      savedAt: new Date().toISOString(),
      alwaysAllowed: [...session.alwaysAllowed],
      turns: turnStarts.map((start, i) => ({
        messages: history.slice(start, turnStarts[i + 1] ?? history.length),
        updates: [...(session.transcript.turns[i] ?? [])],
      })),
    };
    session.saving = session.saving.then(async () => {
      try {
        const dropped = await writeSession(session.file, snapshot, config.sessionMaxBytes);
        if (dropped) log("info", "saved session trimmed", { sessionId: session.id, droppedTurns: dropped });
      } catch (err) {
        log("warn", "could not save the session; session/load will miss the latest turns", {
          sessionId: session.id,
          path: session.file,
          error: (err as Error).message,
        });
      }
    });
    return session.saving;
  };

  const io = (client: AgentContext, session: AgentSession): TurnIo => ({
    update: (update) => {
      session.transcript.record(update);
      return client.notify(methods.client.session.update, { sessionId: session.id, update });
    },
    async askPermission(toolCall, options, signal) {
      const params: RequestPermissionRequest = { sessionId: session.id, toolCall, options };
      const res = await client.request(methods.client.session.requestPermission, params, {
        cancellationSignal: signal,
        stopWaitingOnCancel: true,
      });
      return res.outcome.outcome === "selected" ? res.outcome.optionId : undefined;
    },
  });

  /** session/load and session/resume: the session in memory, else the one saved in the workspace. */
  const reopen = async (sessionId: string, cwd: string, mcpServers: McpServer[] | undefined | null) => {
    const workspace = workspaceOf(cwd);
    if (!isSessionId(sessionId)) throw RequestError.sessionNotFound(sessionId);
    let session = sessions.get(sessionId);
    if (session?.running) {
      throw RequestError.invalidRequest(
        { sessionId: sessionId },
        "a prompt is running in this session; cancel it (session/cancel) or wait for it to end before loading it",
      );
    }
    if (!session || session.workspace !== workspace) {
      const path = sessionFile(workspace, sessionId);
      let saved: SavedSession | undefined;
      try {
        saved = await readSession(path);
      } catch (err) {
        throw RequestError.internalError(
          { sessionId: sessionId, path },
          `the saved session cannot be used: ${(err as Error).message}; start a new one with session/new`,
        );
      }
      if (!saved) {
        throw new RequestError(
          -32002,
          `no saved session ${sessionId} in ${join(workspace, SESSION_DIR)}; start a new one with session/new`,
          { sessionId: sessionId },
        );
      }
      session = open(sessionId, workspace, saved);
    }
    connectMcp(session, mcpServers);
    return session;
  };

  const app = agent({ name: "strand-agent" })
    .onRequest(methods.agent.initialize, ({ params }) => {
      clientCaps = params.clientCapabilities ?? {};
      log("debug", "initialize", { client: params.clientInfo, capabilities: clientCaps });
      return {
        protocolVersion: PROTOCOL_VERSION,
        agentCapabilities: {
          loadSession: true,
          promptCapabilities: { image: true, audio: false, embeddedContext: true },
          // stdio MCP servers are always supported (ACP); SSE is not.
          mcpCapabilities: { http: true, sse: false },
          sessionCapabilities: { resume: {} },
        },
        agentInfo: { name: "strand-agent", title: "Strand agent", version: AGENT_VERSION },
        authMethods: [],
      };
    })
    .onRequest(methods.agent.session.new, async ({ params }) => {
      const workspace = workspaceOf(params.cwd);
      const session = open(randomUUID(), workspace);
      connectMcp(session, params.mcpServers);
      // Saved at once, so a runtime restarted before the first prompt can still load it.
      await save(session);
      log("info", "session created", { sessionId: session.id, workspace, model: config.model, api: config.api });
      return { sessionId: session.id };
    })
    .onRequest(methods.agent.session.load, async ({ params, client }) => {
      const session = await reopen(params.sessionId, params.cwd, params.mcpServers);
      const workspace = session.workspace;
      // ACP: the whole conversation is replayed as session/update notifications, then the load is answered.
      const updates = session.transcript.replay();
      for (const update of updates) {
        await client.notify(methods.client.session.update, { sessionId: session.id, update });
      }
      log("info", "session loaded", {
        sessionId: session.id,
        workspace,
        turns: session.turnStarts.length,
        replayed: updates.length,
      });
      return {};
    })
    // Like session/load without the replay: the client kept its own thread.
    .onRequest(methods.agent.session.resume, async ({ params }) => {
      const session = await reopen(params.sessionId, params.cwd, params.mcpServers);
      log("info", "session resumed", {
        sessionId: session.id,
        workspace: session.workspace,
        turns: session.turnStarts.length,
      });
      return {};
    })
    .onRequest(methods.agent.session.prompt, async ({ params, client, signal }) => {
      const session = sessions.get(params.sessionId);
      if (!session) throw RequestError.sessionNotFound(params.sessionId);
      if (session.running) {
        throw RequestError.invalidRequest(
          { sessionId: params.sessionId },
          "a prompt is already running in this session; cancel it (session/cancel) or wait for it to end",
        );
      }
      const controller = new AbortController();
      session.running = controller;
      // `$/cancel_request` for this prompt request cancels the turn like session/cancel does.
      const onRequestAbort = () => controller.abort();
      signal.addEventListener("abort", onRequestAbort, { once: true });
      const started = Date.now();
      session.turnStarts.push(session.history.length);
      session.transcript.beginTurn(params.prompt);
      try {
        const turnIo = io(client, session);
        const mcp = await session.mcp;
        // Told once, at the start of the next turn: updates sent while a session opens reach no turn in some clients (agentd).
        for (const text of session.mcpNotices.splice(0)) {
          await turnIo.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text } });
        }
        const fs = clientCaps.fs;
        const files =
          config.useClientFs && (fs?.readTextFile || fs?.writeTextFile)
            ? clientFiles(
                client,
                session.id,
                { read: Boolean(fs.readTextFile), write: Boolean(fs.writeTextFile) },
                localFiles,
              )
            : localFiles;
        const result = await runTurn(
          {
            config,
            provider,
            io: turnIo,
            workspace: session.workspace,
            files,
            desktop: session.desktop,
            log,
            system: systemPrompt(config, session.workspace),
            history: session.history,
            alwaysAllowed: session.alwaysAllowed,
            checkpoint: () => void save(session),
            tools: mcp.tools.length ? new ToolSet(mcp.tools) : undefined,
          },
          promptToParts(params.prompt),
          controller.signal,
        );
        log("info", "turn ended", { sessionId: session.id, stopReason: result.stopReason, ms: Date.now() - started });
        return {
          stopReason: result.stopReason,
          ...(result.error ? { _meta: { [ACP_META.error]: result.error } } : {}),
        };
      } finally {
        signal.removeEventListener("abort", onRequestAbort);
        session.running = undefined;
        // After every turn, cancelled and failed ones included: what ran is part of the session.
        await save(session);
      }
    })
    .onNotification(methods.agent.session.cancel, ({ params }) => {
      const session = sessions.get(params.sessionId);
      if (session?.running) {
        log("info", "turn cancelled", { sessionId: session.id });
        session.running.abort();
      }
    });
  return Object.assign(app, {
    async dispose() {
      await Promise.all([...sessions.values()].map((s) => s.mcp.then((m) => m.close())));
    },
  });
}

/** The ACP `cwd` as the real path of a directory, or an error saying what is wrong with it. */
function workspaceOf(cwd: string): string {
  if (!isAbsolute(cwd)) throw RequestError.invalidParams({ cwd }, "cwd must be an absolute path");
  try {
    const workspace = realpathSync(cwd);
    if (!statSync(workspace).isDirectory()) throw new Error("not a directory");
    return workspace;
  } catch (err) {
    throw RequestError.invalidParams(
      { cwd },
      `the workspace ${cwd} is not a directory this agent can use: ${(err as Error).message}`,
    );
  }
}
