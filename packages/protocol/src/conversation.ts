import { z } from "zod";
import { AgentKnowledgeSourceSchema, AgentMcpServerSchema } from "./mcp-servers.js";
import { PermissionModeSchema, RuntimeSchema } from "./sessions.js";
import { SessionWorkspaceSchema } from "./workspace.js";

/**
 * A session's conversation: an ordered list of entries (docs/conversations.md). User prompts are
 * stored by the server; everything the agent produced is written by strand-agentd over the agent
 * link, one entry per text run, thought, tool call, plan, notice or permission request.
 */

export const ENTRY_KINDS = ["user", "text", "thinking", "tool_call", "plan", "notice", "permission"] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** A user prompt's life: see the state machine in docs/conversations.md. */
export const PROMPT_STATUSES = [
  "queued",
  "delivered",
  "running",
  "done",
  "cancelled",
  "failed",
  "interrupted",
] as const;
export const PromptStatusSchema = z.enum(PROMPT_STATUSES);
export type PromptStatus = z.infer<typeof PromptStatusSchema>;
/** Prompt states after which nothing about the prompt changes any more. */
export const FINAL_PROMPT_STATUSES: readonly PromptStatus[] = ["done", "cancelled", "failed", "interrupted"];

/** Text and thoughts stream (`in_progress`) until their run ends. */
export const StreamStatusSchema = z.enum(["in_progress", "completed"]);
export const ToolCallStatusSchema = z.enum(["pending", "in_progress", "completed", "failed"]);
export const PermissionStatusSchema = z.enum(["pending", "answered", "cancelled"]);

const MAX_TEXT = 200_000;

export const UserContentSchema = z.object({
  text: z.string(),
  /**
   * Who sent the prompt, as they were when they sent it: a team's session has more than one person
   * at the keyboard. Absent on prompts stored before authors were recorded.
   */
  author: z.object({ id: z.string(), email: z.string() }).optional(),
  /** Why the turn ended, as the runtime said (`end_turn`, `max_tokens`, `refusal`, `cancelled`...). */
  stop_reason: z.string().optional(),
  /** Why the turn failed or was interrupted, for people. */
  error: z.string().optional(),
});

export const TextContentSchema = z.object({ text: z.string().max(MAX_TEXT) });

export const ToolCallContentItemSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  /** A command run in a terminal agentd owns; `output` is its (tail of) output when last seen. */
  z.object({
    type: z.literal("terminal"),
    terminal_id: z.string(),
    output: z.string().optional(),
    exit_code: z.int().nullable().optional(),
  }),
  /** Anything else the runtime sent (image, resource): kept as it came. */
  z.object({ type: z.literal("other"), value: z.unknown() }),
]);

export const DiffSchema = z.object({
  path: z.string(),
  old_text: z.string().nullable(),
  new_text: z.string(),
});

export const ToolCallEntryContentSchema = z.object({
  tool_call_id: z.string(),
  title: z.string(),
  /** ACP tool kind: read, edit, delete, move, search, execute, think, fetch, other. */
  kind: z.string(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  content: z.array(ToolCallContentItemSchema),
  locations: z.array(z.object({ path: z.string(), line: z.int().nullable().optional() })),
  diffs: z.array(DiffSchema),
});
export type ToolCallEntryContent = z.infer<typeof ToolCallEntryContentSchema>;

export const PlanContentSchema = z.object({
  entries: z.array(
    z.object({
      content: z.string(),
      priority: z.enum(["high", "medium", "low"]),
      status: z.enum(["pending", "in_progress", "completed"]),
    }),
  ),
});

export const NoticeContentSchema = z.object({
  text: z.string().max(10_000),
  level: z.enum(["info", "warning", "error"]),
});
export type NoticeContent = z.infer<typeof NoticeContentSchema>;

export const PermissionOptionSchema = z.object({
  option_id: z.string().min(1).max(200),
  name: z.string().max(500),
  /** ACP option kind: allow_once, allow_always, reject_once, reject_always. */
  kind: z.string().max(50),
});
export type PermissionOption = z.infer<typeof PermissionOptionSchema>;

export const PermissionContentSchema = z.object({
  tool_call: z.object({
    tool_call_id: z.string(),
    title: z.string(),
    kind: z.string(),
    input: z.unknown().optional(),
  }),
  options: z.array(PermissionOptionSchema).min(1),
  /** The option the user picked; null while pending or when the turn ended first. */
  selected_option_id: z.string().nullable(),
});
export type PermissionContent = z.infer<typeof PermissionContentSchema>;

const entryBase = {
  id: z.string(),
  session_id: z.string(),
  seq: z.int().describe("Position in the session's conversation; page with `after=<seq>`."),
  turn_id: z.string().nullable().describe("The prompt turn this entry belongs to; null for session notices."),
  request_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
};

export const ConversationEntrySchema = z
  .discriminatedUnion("kind", [
    z.object({
      ...entryBase,
      kind: z.literal("user"),
      role: z.literal("user"),
      status: PromptStatusSchema,
      content: UserContentSchema,
    }),
    z.object({
      ...entryBase,
      kind: z.literal("text"),
      role: z.literal("agent"),
      status: StreamStatusSchema,
      content: TextContentSchema,
    }),
    z.object({
      ...entryBase,
      kind: z.literal("thinking"),
      role: z.literal("agent"),
      status: StreamStatusSchema,
      content: TextContentSchema,
    }),
    z.object({
      ...entryBase,
      kind: z.literal("tool_call"),
      role: z.literal("agent"),
      status: ToolCallStatusSchema,
      content: ToolCallEntryContentSchema,
    }),
    z.object({
      ...entryBase,
      kind: z.literal("plan"),
      role: z.literal("agent"),
      status: StreamStatusSchema,
      content: PlanContentSchema,
    }),
    z.object({
      ...entryBase,
      kind: z.literal("notice"),
      role: z.literal("system"),
      status: z.literal("completed"),
      content: NoticeContentSchema,
    }),
    z.object({
      ...entryBase,
      kind: z.literal("permission"),
      role: z.literal("agent"),
      status: PermissionStatusSchema,
      content: PermissionContentSchema,
    }),
  ])
  .meta({ id: "ConversationEntry" });
export type ConversationEntry = z.infer<typeof ConversationEntrySchema>;

export const ROLE_OF_KIND: Record<EntryKind, ConversationEntry["role"]> = {
  user: "user",
  text: "agent",
  thinking: "agent",
  tool_call: "agent",
  plan: "agent",
  notice: "system",
  permission: "agent",
};

// ---- REST bodies ----

export const PostMessageBodySchema = z
  .strictObject({
    request_id: z
      .string()
      .min(1, "request_id must not be empty")
      .max(128, "request_id must be at most 128 characters")
      .describe("Chosen by the client; sending the same request again returns the stored message."),
    content: z
      .string()
      .refine((s) => s.trim().length > 0, "content must not be empty")
      .refine((s) => s.length <= 100_000, "content must be at most 100000 characters")
      .describe("The prompt text."),
  })
  .meta({ id: "PostMessageBody" });
export type PostMessageBody = z.infer<typeof PostMessageBodySchema>;

export const ListMessagesQuerySchema = z.strictObject({
  after: z.coerce.number().int().min(0).default(0).describe("Return entries with a larger `seq`."),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type ListMessagesQuery = z.infer<typeof ListMessagesQuerySchema>;

export const MessageListSchema = z
  .object({
    items: z.array(ConversationEntrySchema),
    next_after: z.int().nullable().describe("Pass as `after` for the next page; null on the last page."),
  })
  .meta({ id: "MessageList" });
export type MessageList = z.infer<typeof MessageListSchema>;

export const AnswerPermissionBodySchema = z
  .strictObject({ option_id: z.string().min(1, "option_id must not be empty").max(200) })
  .meta({ id: "AnswerPermissionBody" });
export type AnswerPermissionBody = z.infer<typeof AnswerPermissionBodySchema>;

// ---- Agent link (strand-agentd ↔ server), chat part; see docs/conversations.md ----

/** Agent-written entry kinds (user entries are the server's, permission entries come by request). */
export const AGENT_ENTRY_KINDS = ["text", "thinking", "tool_call", "plan", "notice"] as const;

const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "ids are letters, digits, _ and -");
/** Every durable message agentd sends carries a `mid`; the server answers `ack {mid}` once it is stored. */
const mid = z.string().min(1).max(64);

export const EntryUpsertSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("text"), status: StreamStatusSchema, content: TextContentSchema }),
  z.object({ kind: z.literal("thinking"), status: StreamStatusSchema, content: TextContentSchema }),
  z.object({ kind: z.literal("tool_call"), status: ToolCallStatusSchema, content: ToolCallEntryContentSchema }),
  z.object({ kind: z.literal("plan"), status: StreamStatusSchema, content: PlanContentSchema }),
  z.object({ kind: z.literal("notice"), status: z.literal("completed"), content: NoticeContentSchema }),
]);

export const ChatAgentMessageSchemas = [
  /** agentd began running a delivered prompt: its side effects may now have happened. */
  z.object({ type: z.literal("turn.started"), mid, turn_id: idSchema }),
  /**
   * Creates or replaces one entry, idempotent by `id`. `rev` grows with every change of the entry;
   * the server ignores a rev it already has, so a resent or late copy never rolls an entry back.
   */
  z
    .object({
      type: z.literal("entry.upsert"),
      mid,
      id: idSchema,
      turn_id: idSchema.nullable(),
      rev: z.int().min(0),
      kind: z.enum(AGENT_ENTRY_KINDS),
      status: z.string(),
      content: z.unknown(),
    })
    .superRefine((m, ctx) => {
      const r = EntryUpsertSchema.safeParse({ kind: m.kind, status: m.status, content: m.content });
      for (const issue of r.error?.issues ?? [])
        ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    }),
  z.object({
    type: z.literal("turn.finished"),
    mid,
    turn_id: idSchema,
    /** An ACP stop reason (`end_turn`, `cancelled`, ...) or `error`. */
    stop_reason: z.string().max(50),
    error: z.string().max(10_000).optional(),
  }),
  /**
   * A runtime started afresh (it cannot load its earlier session): agentd asks for a compact
   * summary of the thread so far, to prime it with. Not durable: asked again after a reconnect.
   */
  z.object({ type: z.literal("history.request"), id: idSchema, before_turn: idSchema.optional() }),
  /** The runtime asks before a tool call (ask mode); the server stores it and relays the answer. */
  z.object({
    type: z.literal("permission.request"),
    mid,
    id: idSchema,
    turn_id: idSchema,
    tool_call: PermissionContentSchema.shape.tool_call,
    options: z.array(PermissionOptionSchema).min(1).max(20),
  }),
] as const;

export const SessionSettingsSchema = z.object({
  runtime: RuntimeSchema,
  model: z.string().nullable(),
  permission_mode: PermissionModeSchema,
});
export type SessionSettings = z.infer<typeof SessionSettingsSchema>;

export const ChatServerMessageSchemas = [
  z.object({ type: z.literal("ack"), mid, error: z.string().optional() }),
  z.object({ type: z.literal("prompt"), entry_id: z.string(), turn_id: z.string(), content: z.string() }),
  z.object({ type: z.literal("cancel"), turn_id: z.string() }),
  /** `option_id` null: the request was cancelled (the turn ended first). */
  z.object({ type: z.literal("permission.answer"), id: z.string(), option_id: z.string().nullable() }),
  /** The answer to `history.request`: the thread before `before_turn`, as bounded text ("" when empty). */
  z.object({ type: z.literal("history"), id: z.string(), summary: z.string() }),
  /**
   * Sent after `welcome` and whenever they change; runtime and model apply at the runtime's next start.
   * `workspace`: the repo a project session works on; null or absent for a session without one.
   * `mcp_servers`: the project's and team's own MCP servers, given to the runtime next to Strand's
   * (apply at the runtime's next start); `knowledge`: the sources its agent can search.
   */
  z
    .object({ type: z.literal("session.settings") })
    .extend(SessionSettingsSchema.shape)
    .extend({
      workspace: SessionWorkspaceSchema.nullable().optional(),
      mcp_servers: z.array(AgentMcpServerSchema).optional(),
      knowledge: z.array(AgentKnowledgeSourceSchema).optional(),
    }),
] as const;

/** How long a thread summary for a restarted runtime may be, in characters. */
export const HISTORY_SUMMARY_MAX_CHARS = 8_000;

/** Largest agent-link message agentd sends (the server's WebSocket limit is 64 KiB). */
export const MAX_AGENT_MESSAGE_BYTES = 56 * 1024;
