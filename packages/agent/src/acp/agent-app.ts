/**
 * The ACP agent side: initialize, session/new, session/prompt, session/cancel. One AgentSession per
 * ACP session keeps its conversation; a prompt runs one turn of the loop.
 */
import { randomUUID } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import { isAbsolute } from "node:path";
import {
  type AgentApp,
  type AgentContext,
  agent,
  type ClientCapabilities,
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
import { createProvider } from "../providers/index.js";
import type { ChatMessage, Provider } from "../providers/types.js";
import { localFiles } from "../tools/files.js";
import { clientFiles } from "./client-files.js";
import { promptToParts } from "./prompt-content.js";

export const AGENT_VERSION = "0.1.0";

interface AgentSession {
  id: string;
  workspace: string;
  history: ChatMessage[];
  desktop: Desktop;
  alwaysAllowed: Set<string>;
  running?: AbortController;
}

export interface AgentAppOptions {
  config: AgentConfig;
  log: Log;
  /** Tests may pass their own; by default built from the config. */
  provider?: Provider;
}

export function createAgentApp({ config, log, provider = createProvider(config, log) }: AgentAppOptions): AgentApp {
  const sessions = new Map<string, AgentSession>();
  let clientCaps: ClientCapabilities = {};

  const io = (client: AgentContext, sessionId: string): TurnIo => ({
    update: (update) => client.notify(methods.client.session.update, { sessionId, update }),
    async askPermission(toolCall, options, signal) {
      const params: RequestPermissionRequest = { sessionId, toolCall, options };
      const res = await client.request(methods.client.session.requestPermission, params, {
        cancellationSignal: signal,
        stopWaitingOnCancel: true,
      });
      return res.outcome.outcome === "selected" ? res.outcome.optionId : undefined;
    },
  });

  return agent({ name: "strand-agent" })
    .onRequest(methods.agent.initialize, ({ params }) => {
      clientCaps = params.clientCapabilities ?? {};
      log("debug", "initialize", { client: params.clientInfo, capabilities: clientCaps });
      return {
        protocolVersion: PROTOCOL_VERSION,
        agentCapabilities: {
          loadSession: false,
          promptCapabilities: { image: true, audio: false, embeddedContext: true },
        },
        agentInfo: { name: "strand-agent", title: "Strand agent", version: AGENT_VERSION },
        authMethods: [],
      };
    })
    .onRequest(methods.agent.session.new, ({ params }) => {
      if (!isAbsolute(params.cwd))
        throw RequestError.invalidParams({ cwd: params.cwd }, "cwd must be an absolute path");
      let workspace: string;
      try {
        workspace = realpathSync(params.cwd);
        if (!statSync(workspace).isDirectory()) throw new Error("not a directory");
      } catch (err) {
        throw RequestError.invalidParams(
          { cwd: params.cwd },
          `the workspace ${params.cwd} is not a directory this agent can use: ${(err as Error).message}`,
        );
      }
      const id = randomUUID();
      sessions.set(id, {
        id,
        workspace,
        history: [],
        desktop: createDesktop(config, workspace, log),
        alwaysAllowed: new Set(),
      });
      log("info", "session created", { sessionId: id, workspace, model: config.model, api: config.api });
      return { sessionId: id };
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
      try {
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
            io: io(client, session.id),
            workspace: session.workspace,
            files,
            desktop: session.desktop,
            log,
            system: systemPrompt(config, session.workspace),
            history: session.history,
            alwaysAllowed: session.alwaysAllowed,
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
      }
    })
    .onNotification(methods.agent.session.cancel, ({ params }) => {
      const session = sessions.get(params.sessionId);
      if (session?.running) {
        log("info", "turn cancelled", { sessionId: session.id });
        session.running.abort();
      }
    });
}
