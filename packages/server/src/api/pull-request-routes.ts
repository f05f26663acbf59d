import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AppContext } from "../context.js";
import { actorOf } from "../policy/policy.js";
import { toRepo } from "../projects/to-project.js";
import { UpstreamSync } from "../projects/upstream-sync.js";
import { originOf } from "./project-routes.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

/** Webhook deliveries are bigger than API calls (GitHub sends the whole pull request and repository). */
const WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024;

/** A repo's upstream host settings, on-demand fetch and push, sessions' pull requests, and the hosts' webhook. */
export const pullRequestRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const actor = (req: FastifyRequest) => actorOf(caller(req));
  const sync = new UpstreamSync(ctx.projects);

  registerRoute(app, ROUTES["repos.update"], async (req) => {
    const { project, repo } = await ctx.projects.updateRepo(actor(req), req.params.id, req.params.name, req.body);
    return toRepo(repo, project.slug, originOf(req));
  });
  registerRoute(app, ROUTES["repos.fetch"], async (req) => sync.fetch(actor(req), req.params.id, req.params.name));
  registerRoute(app, ROUTES["repos.push"], async (req) =>
    sync.push(actor(req), req.params.id, req.params.name, req.body?.branches),
  );

  registerRoute(app, ROUTES["sessions.pullRequest.open"], async (req, reply) => {
    const { pullRequest, created } = await ctx.pullRequests.open(
      actor(req),
      req.params.id,
      req.body ?? {},
      originOf(req),
    );
    return reply.code(created ? 201 : 200).send(pullRequest);
  });
  registerRoute(app, ROUTES["sessions.pullRequest.get"], async (req) =>
    ctx.pullRequests.get(actor(req), req.params.id),
  );

  // The signature covers the bytes as sent, so this route alone takes its body unparsed, whatever
  // the content type a host sends (or none).
  await app.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    registerRoute(
      hooks,
      ROUTES["webhooks.repo"],
      async (req, reply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const { status, result } = await ctx.pullRequests.webhook(req.params.repo_id, req.headers, raw);
        return reply.code(status).send(result);
      },
      { bodyLimit: WEBHOOK_BODY_LIMIT },
    );
  });
};
