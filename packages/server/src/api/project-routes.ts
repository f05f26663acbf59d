import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import { listBranches, recentCommits } from "../git/index.js";
import { actorOf } from "../policy/policy.js";
import { type RepoRow, toRepo } from "../projects/to-project.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

/** Clone URLs in answers use the origin the caller reached us at. */
export const originOf = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

export const projectRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = ctx.projects;
  const actor = (req: FastifyRequest) => actorOf(caller(req));

  registerRoute(app, ROUTES["projects.create"], async (req, reply) =>
    reply.code(201).send(await svc.create(actor(req), req.body)),
  );
  registerRoute(app, ROUTES["projects.list"], async (req) => ({ items: await svc.list(actor(req)) }));
  registerRoute(app, ROUTES["projects.get"], async (req) => svc.get(actor(req), req.params.id));
  registerRoute(app, ROUTES["projects.update"], async (req) => svc.update(actor(req), req.params.id, req.body));

  registerRoute(app, ROUTES["repos.create"], async (req, reply) => {
    const { project, repo } = await svc.createRepo(actor(req), req.params.id, req.body);
    return reply.code(201).send(toRepo(repo, project.slug, originOf(req)));
  });
  registerRoute(app, ROUTES["repos.list"], async (req) => {
    const project = await svc.row(actor(req), req.params.id, "view");
    return { items: (await svc.repos(project)).map((r: RepoRow) => toRepo(r, project.slug, originOf(req))) };
  });
  registerRoute(app, ROUTES["repos.get"], async (req) => {
    const project = await svc.row(actor(req), req.params.id, "view");
    const repo = await svc.repo(project, req.params.name);
    const path = svc.store.pathFor(project.slug, repo.name);
    const branches = await listBranches(path);
    const commits = branches.some((b) => b.name === repo.defaultBranch)
      ? await recentCommits(path, repo.defaultBranch, 20)
      : [];
    return { ...toRepo(repo, project.slug, originOf(req)), branches, recent_commits: commits };
  });

  registerRoute(app, ROUTES["repos.delete"], async (req, reply) => {
    await svc.deleteRepo(actor(req), req.params.id, req.params.name);
    return reply.code(204).send(null);
  });

  // Review and merge of a project session's branch.
  registerRoute(app, ROUTES["sessions.changes"], async (req) => ctx.review.changes(actor(req), req.params.id));
  registerRoute(app, ROUTES["sessions.merge"], async (req) => {
    const merged = await ctx.review.merge(actor(req), req.params.id, req.body.strategy);
    // Open Changes tabs of this session (and of others on the same base) follow the merge.
    await ctx.reviewThreads.merged(req.params.id).catch((err) => req.log.warn({ err }, "merge not announced"));
    return merged;
  });
};
