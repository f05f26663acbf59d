import { existsSync } from "node:fs";
import { chown, copyFile, open } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_UID } from "./session-disk.js";

export const AGENTD_BUNDLE = fileURLToPath(new URL("../../agentd/dist/agentd.mjs", import.meta.url));
/** The built-in ACP agent, run by agentd as `node /opt/strand/strand-agent.mjs` when present. */
export const STRAND_AGENT_BUNDLE = fileURLToPath(new URL("../../agent/dist/strand-agent.mjs", import.meta.url));
export const AGENTD_PATH_IN_CONTAINER = "/opt/strand/agentd.mjs";
export const STRAND_AGENT_PATH_IN_CONTAINER = "/opt/strand/strand-agent.mjs";
export const SESSION_TOKEN_FILE = "/opt/strand/session-token";

/** A file the node writes on the host and the container sees, read-only, at `target`. */
export interface AgentFile {
  source: string;
  target: string;
}

/**
 * Writes strand-agentd, the built-in agent and the session token into the session's agentd folder
 * on the host before every start; the container gets them as read-only bind mounts (its root is
 * read-only). Shipping agentd this way keeps it in step with the server without rebuilding images.
 */
export async function writeAgentFiles(
  dir: string,
  sessionToken: string,
  bundle = AGENTD_BUNDLE,
  agentBundle = STRAND_AGENT_BUNDLE,
): Promise<AgentFile[]> {
  if (!existsSync(bundle)) {
    throw new Error(`strand-agentd is not built (${bundle} is missing); run \`npm run build\``);
  }
  const files: AgentFile[] = [{ source: join(dir, "agentd.mjs"), target: AGENTD_PATH_IN_CONTAINER }];
  await copyFile(bundle, files[0]?.source as string);
  // Sessions on another runtime do without it; a strand-agent session without it gets a notice
  // from agentd saying the runtime is not installed.
  if (existsSync(agentBundle)) {
    const source = join(dir, "strand-agent.mjs");
    await copyFile(agentBundle, source);
    files.push({ source, target: STRAND_AGENT_PATH_IN_CONTAINER });
  }
  // The token is minted at each start and revoked at stop, so it is written before every start,
  // readable by the agent user only, never baked into the container's environment. Written in
  // place (same inode): a desktop that is already running sees the new token through its mount.
  const tokenFile = join(dir, "session-token");
  const fh = await open(tokenFile, "w", 0o600);
  try {
    await fh.writeFile(sessionToken);
  } finally {
    await fh.close();
  }
  await chown(tokenFile, AGENT_UID, AGENT_UID);
  files.push({ source: tokenFile, target: SESSION_TOKEN_FILE });
  return files;
}
