import {
  type CreateProjectWebhookBody,
  ROUTES,
  type UpdateNotificationPreferencesBody,
  type UpdateProjectWebhookBody,
} from "@strand/protocol";
import { call } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";

/** The notification routes as the UI uses them (paths and types from the protocol table). */
export const notificationsApi = {
  list: (query: { unread?: "true" | "false"; before?: string; limit?: number } = {}) =>
    call(ROUTES["notifications.list"], { query }),
  markRead: (ids?: string[]) => call(ROUTES["notifications.read"], { body: ids ? { ids } : {} }),
  preferences: () => call(ROUTES["notifications.preferences.get"]),
  updatePreferences: (body: UpdateNotificationPreferencesBody) =>
    call(ROUTES["notifications.preferences.update"], { body }),
  webhooks: (project: string) => call(ROUTES["webhooks.list"], { params: { id: project } }),
  createWebhook: (project: string, body: CreateProjectWebhookBody) =>
    call(ROUTES["webhooks.create"], { params: { id: project }, body }),
  updateWebhook: (project: string, webhookId: string, body: UpdateProjectWebhookBody) =>
    call(ROUTES["webhooks.update"], { params: { id: project, webhook_id: webhookId }, body }),
  deleteWebhook: (project: string, webhookId: string) =>
    call(ROUTES["webhooks.delete"], { params: { id: project, webhook_id: webhookId } }),
  deliveries: (project: string, webhookId: string) =>
    call(ROUTES["webhooks.deliveries"], { params: { id: project, webhook_id: webhookId } }),
};

// Under queryKeys.notifications, so every notification event refreshes the inbox and the count.
export const inboxKey = [...queryKeys.notifications, "inbox"] as const;
export const webhooksKey = (projectId: string) => ["webhooks", projectId] as const;
export const deliveriesKey = (projectId: string, webhookId: string) =>
  ["webhooks", projectId, webhookId, "deliveries"] as const;
