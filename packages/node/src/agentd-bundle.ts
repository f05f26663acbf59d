import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { pack } from "tar-stream";

export const AGENTD_BUNDLE = fileURLToPath(new URL("../../agentd/dist/agentd.mjs", import.meta.url));
/** The built-in ACP agent, run by agentd as `node /opt/strand/strand-agent.mjs` when present. */
export const STRAND_AGENT_BUNDLE = fileURLToPath(new URL("../../agent/dist/strand-agent.mjs", import.meta.url));
export const AGENTD_PATH_IN_CONTAINER = "/opt/strand/agentd.mjs";
export const SESSION_TOKEN_FILE = "/opt/strand/session-token";

/**
 * A tar holding strand-agentd, copied into each container before it starts. Shipping agentd this
 * way keeps it in step with the server without rebuilding desktop images.
 */
export async function agentdArchive(
  sessionToken: string,
  bundle = AGENTD_BUNDLE,
  agentBundle = STRAND_AGENT_BUNDLE,
): Promise<Buffer> {
  if (!existsSync(bundle)) {
    throw new Error(`strand-agentd is not built (${bundle} is missing); run \`npm run build\``);
  }
  const tar = pack();
  tar.entry({ name: "agentd.mjs", mode: 0o644 }, readFileSync(bundle));
  // Sessions on another runtime do without it; a strand-agent session without it gets a notice
  // from agentd saying the runtime is not installed.
  if (existsSync(agentBundle)) tar.entry({ name: "strand-agent.mjs", mode: 0o644 }, readFileSync(agentBundle));
  // The token is minted at each start and revoked at stop, so it travels as a file written before
  // every start (readable by the agent user only), never baked into the container's environment.
  tar.entry({ name: "session-token", mode: 0o600, uid: 1000, gid: 1000 }, sessionToken);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const c of tar) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
