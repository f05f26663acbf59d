import { ApiErrorSchema, ApiTokenSchema, CreatedTokenSchema, CreateTokenBodySchema } from "@strand/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { issueApiToken, listApiTokens, revokeApiToken } from "../auth/api-tokens.js";
import type { AppContext } from "../context.js";
import { notFound } from "../lib/http-error.js";
import { caller } from "./require-auth.js";

export const tokenRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { db } = ctx.database;
  const tags = ["tokens"];

  app.post(
    "/tokens",
    {
      schema: {
        tags,
        summary: "Create an API token; the secret is in this response only",
        body: CreateTokenBodySchema,
        response: { 201: CreatedTokenSchema, 400: ApiErrorSchema },
      },
    },
    async (req, reply) => {
      const created = await issueApiToken(db, {
        userId: caller(req).user.id,
        name: req.body.name,
        expiresInDays: req.body.expires_in_days,
      });
      return reply.code(201).send(created);
    },
  );

  app.get(
    "/tokens",
    {
      schema: {
        tags,
        summary: "List your API tokens (never their secrets)",
        response: { 200: z.object({ items: z.array(ApiTokenSchema) }) },
      },
    },
    async (req) => ({ items: await listApiTokens(db, caller(req).user.id) }),
  );

  app.delete(
    "/tokens/:id",
    {
      schema: {
        tags,
        summary: "Revoke an API token; it stops working at once",
        params: z.object({ id: z.string() }),
        response: { 200: ApiTokenSchema, 404: ApiErrorSchema },
      },
    },
    async (req) => {
      const revoked = await revokeApiToken(db, caller(req).user.id, req.params.id);
      if (!revoked) throw notFound("token", req.params.id);
      return revoked;
    },
  );
};
