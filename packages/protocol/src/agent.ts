import { z } from "zod";
import { ChatAgentMessageSchemas, ChatServerMessageSchemas } from "./conversation.js";
import { DesktopSchema } from "./sessions.js";

/** First message strand-agentd sends on `/api/v1/agent/connect` once its desktop is up. */
export const AgentHelloSchema = z.object({
  type: z.literal("hello"),
  session_id: z.string(),
  version: z.string(),
  desktop: DesktopSchema,
  display: z.object({ width: z.int().positive(), height: z.int().positive() }),
  /** Random per agentd process: tells the server whether a running turn survived (docs/conversations.md). */
  instance: z.string().min(1).max(64).optional(),
});
export type AgentHello = z.infer<typeof AgentHelloSchema>;

/**
 * The desktop stream over the agent link (docs/stream-protocol.md, "agentd link"). Binary frames on
 * the same socket are stream.ts frames: video from agentd, input (key, mouse, wheel, touch) to it.
 */
export const STREAM_DEFAULTS = { fps: 30, bitrateKbps: 2500, minBitrateKbps: 250, minFps: 10 } as const;

export const StreamParamsSchema = z.object({
  fps: z.int().min(1).max(60),
  bitrate_kbps: z.int().min(50).max(50_000),
});
export type StreamParams = z.infer<typeof StreamParamsSchema>;

/** agentd → server: the encoder (re)started and its frames now look like this. */
export const StreamInfoSchema = z.object({
  type: z.literal("stream.info"),
  codec: z.literal("h264"),
  width: z.int().positive(),
  height: z.int().positive(),
  fps: z.int().positive(),
  /** `x264` (CPU) or `nvenc` (GPU). */
  encoder: z.string(),
});
export type StreamInfo = z.infer<typeof StreamInfoSchema>;

/**
 * Thumbnails: a small still of the desktop for the fleet view, taken only when asked (no encoder
 * runs for it). The reply carries the image base64-encoded; agentd keeps it under
 * MAX_THUMBNAIL_BYTES so it fits in one agent-link message.
 */
export const MAX_THUMBNAIL_BYTES = 40 * 1024;
export const THUMBNAIL_MIMES = ["image/jpeg", "image/png"] as const;

export const ThumbnailRequestSchema = z.object({
  type: z.literal("thumbnail.request"),
  id: z.string().min(1).max(64),
  max_width: z.int().min(32).max(1280),
  max_height: z.int().min(32).max(1280),
});
export type ThumbnailRequest = z.infer<typeof ThumbnailRequestSchema>;

/** agentd → server: the picture, or `error` when it could not take one. */
export const ThumbnailReplySchema = z.object({
  type: z.literal("thumbnail"),
  id: z.string().min(1).max(64),
  mime: z.enum(THUMBNAIL_MIMES).optional(),
  width: z.int().positive().optional(),
  height: z.int().positive().optional(),
  /** The image, base64. */
  data: z
    .string()
    .max(Math.ceil(MAX_THUMBNAIL_BYTES / 3) * 4)
    .optional(),
  error: z.string().max(2000).optional(),
});
export type ThumbnailReply = z.infer<typeof ThumbnailReplySchema>;

export const AgentClientMessageSchema = z.discriminatedUnion("type", [
  AgentHelloSchema,
  z.object({ type: z.literal("ping"), t: z.number() }),
  StreamInfoSchema,
  /** The encoder stopped on its own (crash); agentd restarts it and says so here. */
  z.object({ type: z.literal("stream.error"), message: z.string() }),
  z.object({ type: z.literal("cursor"), name: z.string().max(64), hidden: z.boolean() }),
  z.object({ type: z.literal("clipboard"), text: z.string().max(1_000_000) }),
  /** An input frame or command agentd could not apply; relayed to the viewers. */
  z.object({ type: z.literal("input.error"), message: z.string() }),
  ThumbnailReplySchema,
  ...ChatAgentMessageSchemas,
]);
export type AgentClientMessage = z.infer<typeof AgentClientMessageSchema>;

export const AgentServerMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("welcome"), session_id: z.string() }),
  z.object({ type: z.literal("pong"), t: z.number() }),
  z.object({ type: z.literal("error"), error: z.string(), message: z.string() }),
  /** First viewer joined (or parameters changed): capture and encode with these settings. */
  z.object({ type: z.literal("stream.start") }).extend(StreamParamsSchema.shape),
  /** Adaptive rate: viewers fell behind or recovered. */
  z.object({ type: z.literal("stream.adjust") }).extend(StreamParamsSchema.shape),
  /** Last viewer left: stop capturing and encoding. */
  z.object({ type: z.literal("stream.stop") }),
  /** Start a new GOP now (the gateway lost its cache, e.g. after a restart). */
  z.object({ type: z.literal("stream.keyframe") }),
  z.object({ type: z.literal("clipboard"), text: z.string().max(1_000_000) }),
  z.object({ type: z.literal("resize"), width: z.int().min(320).max(7680), height: z.int().min(240).max(4320) }),
  ThumbnailRequestSchema,
  ...ChatServerMessageSchemas,
]);
export type AgentServerMessage = z.infer<typeof AgentServerMessageSchema>;

/** Environment the node gives every session container; agentd reads it. */
export const AGENT_ENV = {
  serverUrl: "STRAND_SERVER_URL",
  sessionId: "STRAND_SESSION_ID",
  /** Path of a file holding the session token; rewritten by the node before every start. */
  sessionTokenFile: "STRAND_SESSION_TOKEN_FILE",
  /** The session's agent runtime (`strand-agent`, `claude-code`, ...) at container creation. */
  runtime: "STRAND_RUNTIME",
  /** The session's model (`provider/model`), empty for the server's default. */
  model: "STRAND_MODEL",
  /** `autonomous` or `ask`; the server's `session.settings` message overrides all three. */
  permissionMode: "STRAND_PERMISSION_MODE",
  /** For agentd's stdio MCP bridge: the path on the server it forwards to (default `/mcp`; `/mcp/servers/<name>`). */
  mcpBridgePath: "STRAND_MCP_BRIDGE_PATH",
} as const;
