import { z } from "zod";

export const NODE_STATUSES = ["online", "offline", "draining"] as const;
export const NodeStatusSchema = z.enum(NODE_STATUSES);
export type NodeStatus = z.infer<typeof NodeStatusSchema>;

/**
 * How a node bounds what a session writes: a size-limited ext4 filesystem image per session,
 * loop-mounted on the host; or not at all (a host without loop devices), said plainly.
 */
export const DISK_LIMIT_MODES = ["loop-ext4", "none"] as const;
export type DiskLimitMode = (typeof DISK_LIMIT_MODES)[number];

export const NodeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: NodeStatusSchema,
    max_sessions: z.int(),
    session_count: z.int(),
    version: z.string().nullable(),
    last_heartbeat_at: z.string().nullable(),
    disk_free_mb: z
      .int()
      .nullable()
      .describe("Free space where the node keeps session disks and Docker's data (the smaller), in MiB."),
    disk_limits: z
      .enum(DISK_LIMIT_MODES)
      .nullable()
      .describe("How the node enforces sessions' disk_mb: `loop-ext4`, or `none` (see disk_note)."),
    disk_note: z.string().nullable().describe("Why disk limits are not enforced on this node, when they are not."),
    created_at: z.string(),
  })
  .meta({ id: "Node" });
export type SandboxNode = z.infer<typeof NodeSchema>;

/** How a pending session's state_reason starts while it waits for free disk (the fleet shows it on top). */
export const DISK_WAIT_REASON = "Waiting for disk space";
