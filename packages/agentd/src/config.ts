import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  AGENT_ENV,
  DESKTOPS,
  type Desktop,
  PERMISSION_MODES,
  type PermissionMode,
  RUNTIMES,
  type Runtime,
  type SessionSettings,
} from "@strand/protocol";

export interface AgentdConfig {
  serverUrl: string;
  sessionId: string;
  sessionToken: string;
  /** Where the token is: git's credential helper reads it at each use, so a rotated token just works. */
  sessionTokenFile: string;
  desktop: Desktop;
  width: number;
  height: number;
  /** Random per process: lets the server tell a reconnect from a restart (docs/conversations.md). */
  instance: string;
  /** The session's runtime settings as the node set them; the server's `session.settings` wins. */
  settings: SessionSettings;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): AgentdConfig {
  const need = (name: string) => {
    const v = env[name];
    if (!v)
      throw new Error(`${name} is not set; strand-agentd runs inside a session container started by a Strand node`);
    return v;
  };
  const desktop = (env.STRAND_DESKTOP ?? "xfce") as Desktop;
  if (!DESKTOPS.includes(desktop)) throw new Error(`STRAND_DESKTOP must be one of ${DESKTOPS.join(", ")}`);
  const sessionTokenFile = need(AGENT_ENV.sessionTokenFile);
  return {
    serverUrl: need(AGENT_ENV.serverUrl).replace(/\/+$/, ""),
    sessionId: need(AGENT_ENV.sessionId),
    sessionToken: readFileSync(sessionTokenFile, "utf8").trim(),
    sessionTokenFile,
    desktop,
    width: Number(env.STRAND_SCREEN_WIDTH ?? 1280),
    height: Number(env.STRAND_SCREEN_HEIGHT ?? 720),
    instance: `agentd_${randomBytes(8).toString("hex")}`,
    settings: settingsFromEnv(env),
  };
}

function settingsFromEnv(env: NodeJS.ProcessEnv): SessionSettings {
  const runtime = (env[AGENT_ENV.runtime] || "strand-agent") as Runtime;
  if (!RUNTIMES.includes(runtime)) throw new Error(`${AGENT_ENV.runtime} must be one of ${RUNTIMES.join(", ")}`);
  const mode = (env[AGENT_ENV.permissionMode] || "autonomous") as PermissionMode;
  if (!PERMISSION_MODES.includes(mode)) {
    throw new Error(`${AGENT_ENV.permissionMode} must be one of ${PERMISSION_MODES.join(", ")}`);
  }
  return { runtime, model: env[AGENT_ENV.model] || null, permission_mode: mode };
}
