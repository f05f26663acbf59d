import { AGENT_ENV } from "@strand/protocol";
import { AgentConversation } from "./agent/conversation.js";
import { DEFAULT_WORKSPACE } from "./agent/runtimes/registry.js";
import { createCapture } from "./capture/index.js";
import { readConfig } from "./config.js";
import { ServerConnection } from "./connection.js";
import { createInput } from "./input/index.js";
import { stderrLog } from "./log.js";
import { runMcpBridge } from "./mcp/bridge.js";
import { bridgeCommand, MCP_BRIDGE_ARG } from "./mcp/servers.js";
import { StreamController } from "./stream/controller.js";
import { Thumbnailer, ThumbnailResponder } from "./thumbnail/index.js";
import { SessionWorkspaceSync } from "./workspace/session-workspace.js";

// agentd is a single bundled file inside the desktop image; it logs JSON lines to stderr,
// which `docker logs` (and so the node) can read.
const log = stderrLog;

if (process.argv[2] === MCP_BRIDGE_ARG) {
  // `node agentd.mjs mcp-bridge`: the stdio MCP server a runtime without HTTP MCP starts (mcp/bridge.ts).
  const serverUrl = process.env[AGENT_ENV.serverUrl]?.replace(/\/+$/, "");
  const tokenFile = process.env[AGENT_ENV.sessionTokenFile];
  if (!serverUrl || !tokenFile) {
    log("error", `${MCP_BRIDGE_ARG} needs ${AGENT_ENV.serverUrl} and ${AGENT_ENV.sessionTokenFile}`);
    process.exit(2);
  }
  const path = process.env[AGENT_ENV.mcpBridgePath] || undefined;
  runMcpBridge({ serverUrl, tokenFile, log, ...(path ? { path } : {}) }).then(
    () => process.exit(0),
    (err: Error) => {
      log("error", "the MCP bridge failed", { err: err.message });
      process.exit(1);
    },
  );
} else {
  runAgentd();
}

function runAgentd(): void {
  try {
    const config = readConfig();
    const connection = new ServerConnection(config, log);
    // A project session's workspace is a clone of its repo, made before the runtime starts and
    // checkpointed at each turn's end (workspace/session-workspace.ts).
    const workspace = new SessionWorkspaceSync({
      dir: DEFAULT_WORKSPACE,
      tokenFile: config.sessionTokenFile,
      log,
      notice: (content) => chat.notice(content),
    });
    const chat = new AgentConversation({
      beforeRuntimeStart: () => workspace.ready(),
      afterTurn: (prompt) => workspace.afterTurn(prompt),
      link: connection,
      log,
      instance: config.instance,
      settings: config.settings,
      serverUrl: config.serverUrl,
      sessionToken: config.sessionToken,
      // Strand's MCP server for every runtime; the bridge is this very file run again (/opt/strand/agentd.mjs).
      mcp: {
        serverUrl: config.serverUrl,
        sessionToken: config.sessionToken,
        sessionTokenFile: config.sessionTokenFile,
        bridge: bridgeCommand(process.argv[1] ?? "/opt/strand/agentd.mjs"),
      },
    });
    const display =
      config.desktop === "sway" ? (process.env.WAYLAND_DISPLAY ?? "wayland-1") : (process.env.DISPLAY ?? ":1");
    const encoder = (process.env.STRAND_STREAM_ENCODER ?? "auto") as "auto" | "x264" | "nvenc";
    const stream = new StreamController({
      link: connection,
      log,
      createCapture: (handlers) => createCapture({ desktop: config.desktop, display, log, handlers, encoder }),
      createInput: (handlers) => createInput({ desktop: config.desktop, display, log, handlers }),
    });
    const thumbnailer = new Thumbnailer({
      desktop: config.desktop,
      display,
      size: () => ({ width: config.width, height: config.height }),
    });
    const thumbnails = new ThumbnailResponder(thumbnailer, (m) => connection.send(m), log);
    connection.handlers = {
      onOpen: () => chat.onOpen(),
      onMessage: (msg) => {
        if (msg.type === "thumbnail.request") void thumbnails.handle(msg);
        else if (!chat.onMessage(msg)) stream.onMessage(msg);
        if (msg.type === "session.settings") workspace.onSettings(withServerUrl(msg.workspace, config.serverUrl));
      },
      onBinary: (data) => stream.onBinary(data),
      onClose: () => stream.onDisconnect(),
    };
    chat.start();
    connection.start();
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.on(signal, () => {
        connection.stop();
        stream.close();
        thumbnailer.close();
        void chat.close().finally(() => process.exit(0));
      });
    }
  } catch (err) {
    log("error", (err as Error).message);
    process.exit(2);
  }
}

/** The server sends its git path (`/git/<project>/<repo>.git`); the sandbox reaches it at the URL it dials. */
function withServerUrl<T extends { clone_url: string }>(
  ws: T | null | undefined,
  serverUrl: string,
): T | null | undefined {
  return ws ? { ...ws, clone_url: new URL(ws.clone_url, `${serverUrl}/`).toString() } : ws;
}
