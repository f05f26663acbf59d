import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ID_FILE = "id";
const ID_PATTERN = /^[a-zA-Z0-9][\w.-]{0,62}$/;
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * The node's identity, kept in its state dir (`<data dir>/node` for the node inside `strand
 * server`). It is made once and never derived from the host name: two Strands on one Docker
 * Engine (an installed one and the test suite, say) must never take each other's desktops for
 * their own.
 *
 * `legacyId` is for the first start after an upgrade from a version that used the node's name as
 * its identity: when the caller knows that name still owns sessions, it becomes the id, so the
 * desktops labelled with it are adopted instead of orphaned.
 */
export async function loadNodeIdentity(
  stateDir: string,
  legacyId?: () => Promise<string | undefined>,
): Promise<{ id: string; created: boolean }> {
  const file = join(stateDir, ID_FILE);
  try {
    const id = readFileSync(file, "utf8").trim();
    if (!ID_PATTERN.test(id)) {
      throw new Error(
        `${file} holds no valid node id (${JSON.stringify(id.slice(0, 70))}); delete it to make a new one`,
      );
    }
    return { id, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const id = (await legacyId?.()) ?? newNodeId();
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  // wx: two processes racing on one state dir must not both believe they made it.
  writeFileSync(file, `${id}\n`, { flag: "wx", mode: 0o600 });
  return { id, created: true };
}

export function newNodeId(): string {
  let out = "n";
  for (const b of randomBytes(12)) out += ALPHABET[b & 31];
  return out;
}
