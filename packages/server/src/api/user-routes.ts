import { ROUTES } from "@strand/protocol";
import { asc, eq } from "drizzle-orm";
import type { FastifyPluginAsync } from "fastify";
import { createUser, toUser } from "../auth/users.js";
import type { AppContext } from "../context.js";
import { users } from "../db/schema.js";
import { notFound } from "../lib/http-error.js";
import { usdToMicros } from "../lib/money.js";
import { registerRoute } from "./register-route.js";

export const userRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { db } = ctx.database;

  registerRoute(app, ROUTES["users.create"], async (req, reply) => {
    const row = await createUser(db, {
      email: req.body.email,
      name: req.body.name,
      password: req.body.password,
      isAdmin: req.body.is_admin,
      spendLimitUsd: req.body.spend_limit_usd,
    });
    return reply.code(201).send(toUser(row));
  });

  registerRoute(app, ROUTES["users.list"], async () => {
    const rows = await db.select().from(users).orderBy(asc(users.createdAt));
    return { items: rows.map(toUser) };
  });

  registerRoute(app, ROUTES["users.update"], async (req) => {
    const patch: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
    if (req.body.name !== undefined) patch.name = req.body.name;
    if (req.body.spend_limit_usd !== undefined) patch.spendLimitMicros = usdToMicros(req.body.spend_limit_usd);
    const [row] = await db.update(users).set(patch).where(eq(users.id, req.params.id)).returning();
    if (!row) throw notFound("user", req.params.id);
    ctx.proxyCallers.invalidateUser(row.id);
    return toUser(row);
  });
};
