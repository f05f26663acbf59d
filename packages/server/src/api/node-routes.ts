import { type DiskLimitMode, type NodeStatus, ROUTES, type SandboxNode } from "@strand/protocol";
import { asc, count, inArray } from "drizzle-orm";
import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { nodes, sessions } from "../db/schema.js";
import { iso } from "../lib/time.js";
import { registerRoute } from "./register-route.js";

export const nodeRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { db } = ctx.database;
  registerRoute(app, ROUTES["nodes.list"], async () => {
    const rows = await db.select().from(nodes).orderBy(asc(nodes.name));
    const counts = await db
      .select({ nodeId: sessions.nodeId, n: count() })
      .from(sessions)
      .where(inArray(sessions.state, ["starting", "ready", "stopping"]))
      .groupBy(sessions.nodeId);
    const byNode = new Map(counts.map((c) => [c.nodeId, Number(c.n)]));
    const items: SandboxNode[] = rows.map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status as NodeStatus,
      max_sessions: r.maxSessions,
      session_count: byNode.get(r.id) ?? 0,
      version: r.version,
      last_heartbeat_at: iso(r.lastHeartbeatAt),
      disk_free_mb: r.diskFreeMb,
      disk_limits: (r.diskLimits as DiskLimitMode | null) ?? null,
      disk_note: r.diskNote,
      created_at: iso(r.createdAt),
    }));
    return { items };
  });
};
