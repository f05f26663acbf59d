import { z } from "zod";
import { ApiErrorSchema } from "../errors.js";
import {
  CreateProjectWebhookBodySchema,
  ListNotificationsQuerySchema,
  MarkNotificationsReadBodySchema,
  NotificationListSchema,
  NotificationPreferencesSchema,
  ProjectWebhookListSchema,
  ProjectWebhookSchema,
  UpdateNotificationPreferencesBodySchema,
  UpdateProjectWebhookBodySchema,
  WebhookDeliveryListSchema,
} from "../notifications.js";
import { ERROR_RESPONSES, IdParamsSchema, NoContentSchema } from "./common.js";
import { defineRoute } from "./define.js";

const tags = ["notifications"];
const responses = { ...ERROR_RESPONSES, 422: ApiErrorSchema };
export const WebhookParamsSchema = IdParamsSchema.extend({ webhook_id: z.string().max(100) });

/** The inbox, what reaches each person, and projects' outgoing webhooks (docs/notifications.md). */
export const notificationRoutes = {
  "notifications.list": defineRoute({
    method: "GET",
    path: "/api/v1/notifications",
    tags,
    summary: "Your inbox, newest first, with the unread count",
    query: ListNotificationsQuerySchema,
    response: { 200: NotificationListSchema, ...responses },
  }),
  "notifications.read": defineRoute({
    method: "POST",
    path: "/api/v1/notifications/read",
    tags,
    summary: "Mark notifications read (all of yours when `ids` is left out)",
    body: MarkNotificationsReadBodySchema,
    response: { 200: z.object({ unread: z.number().int() }), ...responses },
  }),
  "notifications.preferences.get": defineRoute({
    method: "GET",
    path: "/api/v1/notifications/preferences",
    tags,
    summary: "Which kinds reach you in the inbox and as browser notifications",
    response: { 200: NotificationPreferencesSchema, ...responses },
  }),
  "notifications.preferences.update": defineRoute({
    method: "PUT",
    path: "/api/v1/notifications/preferences",
    tags,
    summary: "Choose which kinds reach you, and how",
    body: UpdateNotificationPreferencesBodySchema,
    response: { 200: NotificationPreferencesSchema, ...responses },
  }),
  "webhooks.list": defineRoute({
    method: "GET",
    path: "/api/v1/projects/:id/webhooks",
    tags,
    summary: "The project's outgoing webhooks (members and up see them; its owner or team admins change them)",
    params: IdParamsSchema,
    response: { 200: ProjectWebhookListSchema, ...responses },
  }),
  "webhooks.create": defineRoute({
    method: "POST",
    path: "/api/v1/projects/:id/webhooks",
    tags,
    summary: "Send the project's notifications to a URL, signed with a secret",
    description:
      "Each delivery is a POST of JSON (WebhookPayload) with `x-strand-signature: sha256=<HMAC-SHA256 of the body>`, " +
      "retried with backoff until the receiver answers 2xx.",
    params: IdParamsSchema,
    body: CreateProjectWebhookBodySchema,
    response: { 201: ProjectWebhookSchema, ...responses },
  }),
  "webhooks.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/projects/:id/webhooks/:webhook_id",
    tags,
    summary: "Change a webhook's URL, secret, kinds, or turn it off",
    params: WebhookParamsSchema,
    body: UpdateProjectWebhookBodySchema,
    response: { 200: ProjectWebhookSchema, ...responses },
  }),
  "webhooks.delete": defineRoute({
    method: "DELETE",
    path: "/api/v1/projects/:id/webhooks/:webhook_id",
    tags,
    summary: "Remove a webhook and its delivery log",
    params: WebhookParamsSchema,
    response: { 204: NoContentSchema, ...responses },
  }),
  "webhooks.deliveries": defineRoute({
    method: "GET",
    path: "/api/v1/projects/:id/webhooks/:webhook_id/deliveries",
    tags,
    summary: "The webhook's delivery log: each delivery, its attempts and the receiver's answers",
    params: WebhookParamsSchema,
    response: { 200: WebhookDeliveryListSchema, ...responses },
  }),
};
