import { ApiErrorSchema, CreateUserBodySchema, UpdateUserBodySchema, UserSchema } from "@strand/protocol";
import { asc, eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { createUser, toUser } from "../auth/users.js";
import type { AppContext } from "../context.js";
import { users } from "../db/schema.js";
import { notFound } from "../lib/http-error.js";
import { usdToMicros } from "../lib/money.js";

export const userRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { db } = ctx.database;
  const tags = ["users"];

  app.post(
    "/users",
    {
      config: { access: "admin" },
      schema: {
        tags,
        summary: "Create a user (admins only)",
        body: CreateUserBodySchema,
        response: { 201: UserSchema, 400: ApiErrorSchema, 403: ApiErrorSchema, 409: ApiErrorSchema },
      },
    },
    async (req, reply) => {
      const row = await createUser(db, {
        email: req.body.email,
        name: req.body.name,
        password: req.body.password,
        isAdmin: req.body.is_admin,
        spendLimitUsd: req.body.spend_limit_usd,
      });
      return reply.code(201).send(toUser(row));
    },
  );

  app.get(
    "/users",
    {
      config: { access: "admin" },
      schema: {
        tags,
        summary: "List users (admins only)",
        response: { 200: z.object({ items: z.array(UserSchema) }), 403: ApiErrorSchema },
      },
    },
    async () => {
      const rows = await db.select().from(users).orderBy(asc(users.createdAt));
      return { items: rows.map(toUser) };
    },
  );

  app.patch(
    "/users/:id",
    {
      config: { access: "admin" },
      schema: {
        tags,
        summary: "Rename a user or set their monthly LLM spend limit (admins only)",
        params: z.object({ id: z.string().max(100) }),
        body: UpdateUserBodySchema,
        response: { 200: UserSchema, 400: ApiErrorSchema, 403: ApiErrorSchema, 404: ApiErrorSchema },
      },
    },
    async (req) => {
      const patch: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
      if (req.body.name !== undefined) patch.name = req.body.name;
      if (req.body.spend_limit_usd !== undefined) patch.spendLimitMicros = usdToMicros(req.body.spend_limit_usd);
      const [row] = await db.update(users).set(patch).where(eq(users.id, req.params.id)).returning();
      if (!row) throw notFound("user", req.params.id);
      ctx.proxyCallers.invalidateUser(row.id);
      return toUser(row);
    },
  );
};
