import { z } from "zod";
import { DesktopSchema } from "./sessions.js";

/** First message strand-agentd sends on `/api/v1/agent/connect` once its desktop is up. */
export const AgentHelloSchema = z.object({
  type: z.literal("hello"),
  session_id: z.string(),
  version: z.string(),
  desktop: DesktopSchema,
  display: z.object({ width: z.int().positive(), height: z.int().positive() }),
});
export type AgentHello = z.infer<typeof AgentHelloSchema>;

export const AgentClientMessageSchema = z.discriminatedUnion("type", [
  AgentHelloSchema,
  z.object({ type: z.literal("ping"), t: z.number() }),
]);
export type AgentClientMessage = z.infer<typeof AgentClientMessageSchema>;

export const AgentServerMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("welcome"), session_id: z.string() }),
  z.object({ type: z.literal("pong"), t: z.number() }),
  z.object({ type: z.literal("error"), error: z.string(), message: z.string() }),
]);
export type AgentServerMessage = z.infer<typeof AgentServerMessageSchema>;

/** Environment the node gives every session container; agentd reads it. */
export const AGENT_ENV = {
  serverUrl: "STRAND_SERVER_URL",
  sessionId: "STRAND_SESSION_ID",
  /** Path of a file holding the session token; rewritten by the node before every start. */
  sessionTokenFile: "STRAND_SESSION_TOKEN_FILE",
} as const;
