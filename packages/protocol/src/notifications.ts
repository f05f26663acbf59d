import { z } from "zod";

/**
 * What Strand tells people when a person is needed (docs/notifications.md): an inbox, browser
 * notifications for those who allow them, and per-project outgoing webhooks.
 */
export const NOTIFICATION_KINDS = [
  "task.spec_ready",
  "task.code_ready",
  "task.done",
  "task.failed",
  "agent.question",
  "agent.permission",
  "session.failed",
  "pull_request.merged",
] as const;
export const NotificationKindSchema = z.enum(NOTIFICATION_KINDS, {
  error: () => `kind must be one of: ${NOTIFICATION_KINDS.join(", ")}`,
});
export type NotificationKind = z.infer<typeof NotificationKindSchema>;

export const NOTIFICATION_KIND_TITLES: Readonly<Record<NotificationKind, string>> = {
  "task.spec_ready": "A spec is ready for review",
  "task.code_ready": "Code is ready for review",
  "task.done": "A task is done",
  "task.failed": "A task failed",
  "agent.question": "An agent asked a question",
  "agent.permission": "An agent asks for permission",
  "session.failed": "A session failed",
  "pull_request.merged": "A pull request merged",
};

export const NotificationSchema = z
  .object({
    id: z.string(),
    kind: NotificationKindSchema,
    title: z.string(),
    body: z.string(),
    link: z.string().describe("Where in the web UI to act on it."),
    project_id: z.string().nullable(),
    task_id: z.string().nullable(),
    session_id: z.string().nullable(),
    read_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "Notification" });
export type Notification = z.infer<typeof NotificationSchema>;

export const NotificationListSchema = z
  .object({
    items: z.array(NotificationSchema).describe("Newest first."),
    unread: z.number().int().describe("How many of all your notifications are unread."),
    next_before: z.string().nullable().describe("Pass as `before` for the next (older) page."),
  })
  .meta({ id: "NotificationList" });
export type NotificationList = z.infer<typeof NotificationListSchema>;

export const ListNotificationsQuerySchema = z.object({
  unread: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
  before: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const MarkNotificationsReadBodySchema = z
  .strictObject({
    ids: z.array(z.string().max(100)).max(500).optional().describe("Default: all of yours."),
  })
  .meta({ id: "MarkNotificationsReadBody" });
export type MarkNotificationsReadBody = z.input<typeof MarkNotificationsReadBodySchema>;

export const NotificationPreferenceSchema = z
  .object({ kind: NotificationKindSchema, inbox: z.boolean(), browser: z.boolean() })
  .meta({ id: "NotificationPreference" });
export type NotificationPreference = z.infer<typeof NotificationPreferenceSchema>;
export const NotificationPreferencesSchema = z
  .object({ items: z.array(NotificationPreferenceSchema).describe("One per kind.") })
  .meta({ id: "NotificationPreferences" });
export type NotificationPreferences = z.infer<typeof NotificationPreferencesSchema>;
export const UpdateNotificationPreferencesBodySchema = z
  .strictObject({
    items: z.array(
      z.strictObject({ kind: NotificationKindSchema, inbox: z.boolean().optional(), browser: z.boolean().optional() }),
    ),
  })
  .meta({ id: "UpdateNotificationPreferencesBody" });
export type UpdateNotificationPreferencesBody = z.input<typeof UpdateNotificationPreferencesBodySchema>;

// ---- Project webhooks ----

/** The header carrying `sha256=<hex HMAC-SHA256 of the raw body under the webhook's secret>`. */
export const WEBHOOK_SIGNATURE_HEADER = "x-strand-signature";
export const WEBHOOK_EVENT_HEADER = "x-strand-event";
export const WEBHOOK_DELIVERY_HEADER = "x-strand-delivery";

/** What a project webhook receives: JSON, with `text` for Slack-compatible incoming webhooks. */
export const WebhookPayloadSchema = z
  .object({
    id: z.string().describe("The delivery id (also in the x-strand-delivery header)."),
    kind: NotificationKindSchema,
    text: z.string().describe("One line for people (Slack-compatible)."),
    title: z.string(),
    body: z.string(),
    url: z.string().describe("Absolute link to the place to act."),
    project: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    task: z.object({ id: z.string(), number: z.number().int(), title: z.string(), state: z.string() }).nullable(),
    session_id: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: "WebhookPayload" });
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

export const ProjectWebhookSchema = z
  .object({
    id: z.string(),
    project_id: z.string(),
    url: z.string(),
    kinds: z.array(NotificationKindSchema).describe("Empty: every kind."),
    active: z.boolean(),
    secret_set: z.boolean().describe("The secret is never shown again after it is set."),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "ProjectWebhook" });
export type ProjectWebhook = z.infer<typeof ProjectWebhookSchema>;
export const ProjectWebhookListSchema = z
  .object({ items: z.array(ProjectWebhookSchema) })
  .meta({ id: "ProjectWebhookList" });
export type ProjectWebhookList = z.infer<typeof ProjectWebhookListSchema>;

const webhookUrlSchema = z
  .string()
  .url("url must be an absolute http(s) URL")
  .max(2000)
  .refine((u) => /^https?:\/\//i.test(u), "url must start with http:// or https://");

export const CreateProjectWebhookBodySchema = z
  .strictObject({
    url: webhookUrlSchema,
    secret: z.string().min(8, "secret must be at least 8 characters").max(200),
    kinds: z.array(NotificationKindSchema).max(NOTIFICATION_KINDS.length).default([]),
    active: z.boolean().default(true),
  })
  .meta({ id: "CreateProjectWebhookBody" });
export type CreateProjectWebhookBody = z.input<typeof CreateProjectWebhookBodySchema>;

export const UpdateProjectWebhookBodySchema = z
  .strictObject({
    url: webhookUrlSchema.optional(),
    secret: z.string().min(8).max(200).optional(),
    kinds: z.array(NotificationKindSchema).max(NOTIFICATION_KINDS.length).optional(),
    active: z.boolean().optional(),
  })
  .meta({ id: "UpdateProjectWebhookBody" });
export type UpdateProjectWebhookBody = z.input<typeof UpdateProjectWebhookBodySchema>;

export const WebhookDeliverySchema = z
  .object({
    id: z.string(),
    webhook_id: z.string(),
    kind: NotificationKindSchema,
    state: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    last_status: z.number().int().nullable().describe("The receiver's HTTP status at the last attempt."),
    last_error: z.string().nullable(),
    next_attempt_at: z.string().nullable().describe("When it is retried, while pending."),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
    payload: WebhookPayloadSchema,
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;
export const WebhookDeliveryListSchema = z
  .object({ items: z.array(WebhookDeliverySchema).describe("Newest first (at most 100).") })
  .meta({ id: "WebhookDeliveryList" });
export type WebhookDeliveryList = z.infer<typeof WebhookDeliveryListSchema>;
