import { eq } from "drizzle-orm";
import type { FastifyRequest } from "fastify";
import { caller } from "../api/require-auth.js";
import type { Db } from "../db/database.js";
import { sessions } from "../db/schema.js";
import { type GitHttpGrant, type GitHttpTarget, type PushPolicy, prePushEnv } from "../git/index.js";
import { forbidden, HttpError, notFound } from "../lib/http-error.js";
import { accessTo, actorOf } from "../policy/policy.js";
import { ownedProject, type ProjectService } from "./service.js";
import { protectedBranchesOf } from "./to-project.js";

/**
 * Who may fetch from and push to a hosted repo, over git's smart HTTP:
 * - people see a project's repos as they see the project; viewers fetch only, members and up push
 *   any branch that is not protected (protected ones only by fast-forward: merges go through Strand);
 * - a session token fetches its own project's repos and pushes only its own branch, forward.
 * The push rules are enforced by the repo's pre-receive hook, from the policy handed to it here.
 */
export function gitAccess(db: Db, projects: ProjectService) {
  return async (req: FastifyRequest, target: GitHttpTarget): Promise<GitHttpGrant> => {
    const auth = caller(req);
    const actor = actorOf(auth);
    const project = await projects.bySlug(target.projectSlug);
    const missing = () => notFound("repository", `${target.projectSlug}/${target.repoName}`);
    if (!project) throw missing();
    let policy: PushPolicy;
    if (actor.kind === "session") {
      const [session] = await db.select().from(sessions).where(eq(sessions.id, actor.sessionId));
      if (!session || session.projectId !== project.id) throw missing();
      const repo = await projects.repo(project, target.repoName).catch(() => undefined);
      if (!repo) throw missing();
      if (target.service === "receive-pack" && !session.branch) {
        throw forbidden(`session ${session.id} has no branch of its own to push to`);
      }
      policy = { kind: "session", branch: session.branch ?? "", protectedBranches: protectedBranchesOf(project, repo) };
    } else {
      const access = accessTo(actor, ownedProject(project));
      if (access === "none") throw missing();
      const repo = await projects.repo(project, target.repoName).catch(() => undefined);
      if (!repo) throw missing();
      if (target.service === "receive-pack" && access !== "control") {
        throw new HttpError(
          403,
          "forbidden",
          `viewers may fetch ${target.projectSlug}/${target.repoName} but not push to it; ask a team owner or admin for the member role`,
        );
      }
      policy = { kind: "user", canPush: access === "control", protectedBranches: protectedBranchesOf(project, repo) };
    }
    return {
      remoteUser: auth.user.email,
      env: target.service === "receive-pack" ? prePushEnv(policy) : {},
    };
  };
}
