import { ApiErrorSchema, CreateUserBodySchema, UserSchema } from "@strand/protocol";
import { asc } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { createUser, toUser } from "../auth/users.js";
import type { AppContext } from "../context.js";
import { users } from "../db/schema.js";
import { requireAdmin, requireAuth } from "./require-auth.js";

export const userRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { db } = ctx.database;
  requireAuth(app, db);
  const tags = ["users"];

  app.post(
    "/users",
    {
      schema: {
        tags,
        summary: "Create a user (admins only)",
        body: CreateUserBodySchema,
        response: { 201: UserSchema, 400: ApiErrorSchema, 403: ApiErrorSchema, 409: ApiErrorSchema },
      },
    },
    async (req, reply) => {
      requireAdmin(req);
      const row = await createUser(db, {
        email: req.body.email,
        name: req.body.name,
        password: req.body.password,
        isAdmin: req.body.is_admin,
      });
      return reply.code(201).send(toUser(row));
    },
  );

  app.get(
    "/users",
    {
      schema: {
        tags,
        summary: "List users (admins only)",
        response: { 200: z.object({ items: z.array(UserSchema) }), 403: ApiErrorSchema },
      },
    },
    async (req) => {
      requireAdmin(req);
      const rows = await db.select().from(users).orderBy(asc(users.createdAt));
      return { items: rows.map(toUser) };
    },
  );
};
