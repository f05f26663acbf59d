import { readFileSync } from "node:fs";
import { AGENT_ENV, DESKTOPS, type Desktop } from "@strand/protocol";

export interface AgentdConfig {
  serverUrl: string;
  sessionId: string;
  sessionToken: string;
  desktop: Desktop;
  width: number;
  height: number;
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
  return {
    serverUrl: need(AGENT_ENV.serverUrl).replace(/\/+$/, ""),
    sessionId: need(AGENT_ENV.sessionId),
    sessionToken: readFileSync(need(AGENT_ENV.sessionTokenFile), "utf8").trim(),
    desktop,
    width: Number(env.STRAND_SCREEN_WIDTH ?? 1280),
    height: Number(env.STRAND_SCREEN_HEIGHT ?? 720),
  };
}
