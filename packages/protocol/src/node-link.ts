import { z } from "zod";
import { DISK_LIMIT_MODES } from "./nodes.js";

/**
 * The WebSocket between a standalone sandbox node (`strand node`) and the server
 * (`/api/v1/nodes/connect`). The node dials out, so hosts may sit behind NAT; the server then
 * drives it with calls that mirror `SandboxDriver`.
 */
export const NODE_METHODS = ["start", "stop", "remove", "list", "reconcile", "logs"] as const;
export type NodeMethod = (typeof NODE_METHODS)[number];

export const NodeToServerSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("hello"),
    name: z.string().regex(/^[a-zA-Z0-9][\w.-]{0,62}$/, "node name: letters, digits, . _ -"),
    max_sessions: z.int().min(1).max(1000),
    version: z.string(),
    /** The node's identity, generated once per state dir; nodes of older versions send none (then: name). */
    node_id: z
      .string()
      .regex(/^[a-zA-Z0-9][\w.-]{0,62}$/)
      .optional(),
    disk_limits: z.enum(DISK_LIMIT_MODES).optional(),
    disk_note: z.string().max(500).optional(),
  }),
  z.object({
    type: z.literal("heartbeat"),
    running: z.int().min(0),
    disk_free_mb: z.int().min(0).optional(),
  }),
  z.object({
    type: z.literal("result"),
    call: z.int(),
    ok: z.boolean(),
    value: z.unknown().optional(),
    error: z.string().optional(),
  }),
  z.object({ type: z.literal("progress"), call: z.int(), step: z.string() }),
]);
export type NodeToServer = z.infer<typeof NodeToServerSchema>;

export const ServerToNodeSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("welcome"), node_id: z.string() }),
  z.object({ type: z.literal("call"), call: z.int(), method: z.enum(NODE_METHODS), params: z.unknown() }),
  z.object({ type: z.literal("error"), error: z.string(), message: z.string() }),
]);
export type ServerToNode = z.infer<typeof ServerToNodeSchema>;

export const NODE_HEARTBEAT_MS = 5_000;
