import { ROUTES } from "@strand/protocol";
import type { FastifyPluginAsync } from "fastify";
import { issueApiToken, listApiTokens, revokeApiToken } from "../auth/api-tokens.js";
import type { AppContext } from "../context.js";
import { notFound } from "../lib/http-error.js";
import { registerRoute } from "./register-route.js";
import { caller } from "./require-auth.js";

export const tokenRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { db } = ctx.database;

  registerRoute(app, ROUTES["tokens.create"], async (req, reply) => {
    const created = await issueApiToken(db, {
      userId: caller(req).user.id,
      name: req.body.name,
      expiresInDays: req.body.expires_in_days,
    });
    return reply.code(201).send(created);
  });

  registerRoute(app, ROUTES["tokens.list"], async (req) => ({ items: await listApiTokens(db, caller(req).user.id) }));

  registerRoute(app, ROUTES["tokens.revoke"], async (req) => {
    const revoked = await revokeApiToken(db, caller(req).user.id, req.params.id);
    if (!revoked) throw notFound("token", req.params.id);
    return revoked;
  });
};
