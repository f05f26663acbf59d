import type { SessionWorkspace } from "@strand/protocol";
import { eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { projects, users } from "../db/schema.js";
import { gitPath } from "../projects/to-project.js";
import type { SessionRow } from "../sessions/to-session.js";

/**
 * What agentd needs to clone a project session's repo: the server's git path (agentd resolves
 * it against the URL it dials), its branch and base, and who commits. No credential: the
 * session token already in the sandbox is the password.
 */
export async function workspaceOf(db: Db, s: SessionRow): Promise<SessionWorkspace | null> {
  if (!s.projectId || !s.repo || !s.branch || !s.base) return null;
  const [project] = await db.select().from(projects).where(eq(projects.id, s.projectId));
  if (!project) return null;
  const [owner] = await db.select().from(users).where(eq(users.id, s.ownerId));
  return {
    clone_url: gitPath(project.slug, s.repo),
    repo: s.repo,
    branch: s.branch,
    base: s.base,
    checkpoint: project.checkpoints,
    author: { name: `Strand agent (${s.runtime})`, email: `agent+${s.id}@strand.invalid` },
    co_author: owner ? { name: owner.name || owner.email, email: owner.email } : null,
  };
}
