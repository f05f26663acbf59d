import { z } from "zod";

export const NODE_STATUSES = ["online", "offline", "draining"] as const;
export const NodeStatusSchema = z.enum(NODE_STATUSES);
export type NodeStatus = z.infer<typeof NodeStatusSchema>;

export const NodeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: NodeStatusSchema,
    max_sessions: z.int(),
    session_count: z.int(),
    version: z.string().nullable(),
    last_heartbeat_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "Node" });
export type SandboxNode = z.infer<typeof NodeSchema>;
