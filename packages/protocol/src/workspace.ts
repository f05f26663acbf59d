import { z } from "zod";

/** A git identity as `user.name` / `user.email` and in a `Co-authored-by:` trailer. */
export const GitIdentitySchema = z.object({
  name: z.string().min(1).max(200),
  email: z.string().min(1).max(320),
});
export type GitIdentity = z.infer<typeof GitIdentitySchema>;

/**
 * The repo a project session works on (docs: DESIGN.md, "Work on a repo"). agentd clones
 * `clone_url` (Strand's git smart HTTP, `<server>/git/<project>/<repo>.git`, Basic auth with the
 * session token as password) into the workspace on `branch`, created from `base` when it does not
 * exist yet, and with `checkpoint` commits and pushes uncommitted work at the end of every turn.
 */
export const SessionWorkspaceSchema = z.object({
  /** A URL, or a path on the server agentd dials (`/git/<project>/<repo>.git`), resolved against it. */
  clone_url: z
    .string()
    .refine((v) => v.startsWith("/") || URL.canParse(v), "clone_url must be a URL or a path on the server"),
  /** The repo's name in the project, for people (logs, notices). */
  repo: z.string().min(1),
  /** The session's own branch: the only one its pushes may update. */
  branch: z.string().min(1),
  /** Where `branch` starts from when it does not exist upstream yet. */
  base: z.string().min(1),
  checkpoint: z.boolean(),
  /** The agent's git identity (`user.name`, `user.email` in the clone). */
  author: GitIdentitySchema,
  /** The session's owner, credited in a `Co-authored-by:` trailer on every commit; null for none. */
  co_author: GitIdentitySchema.nullable(),
});
export type SessionWorkspace = z.infer<typeof SessionWorkspaceSchema>;
