import {
  type CreateProjectWebhookBody,
  CreateProjectWebhookBodySchema,
  NOTIFICATION_KINDS,
  type Notification,
  type NotificationKind,
  type NotificationList,
  type NotificationPreference,
  type ProjectWebhook,
  type UpdateNotificationPreferencesBody,
  type UpdateProjectWebhookBody,
  type WebhookDelivery,
  type WebhookPayload,
} from "@strand/protocol";
import { and, count, desc, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { teamRoles } from "../auth/authenticate.js";
import type { SecretBox } from "../crypto/secret-box.js";
import type { Db } from "../db/database.js";
import {
  notificationPreferences,
  notifications,
  projects,
  projectWebhooks,
  sessions,
  tasks,
  users,
  webhookDeliveries,
} from "../db/schema.js";
import { recordNotificationEvent } from "../events/record.js";
import { refusedAddress } from "../git/upstream-address.js";
import { forbidden, HttpError, notFound } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";
import { type Actor, canControl, canManageProject, canView, personOf, userActor } from "../policy/policy.js";
import { ownedProject, type ProjectService } from "../projects/service.js";
import type { ProjectRow } from "../projects/to-project.js";
import { owned } from "../sessions/owned.js";
import type { Notifier, NotifyInput } from "./notify.js";

type NotificationRow = typeof notifications.$inferSelect;
type WebhookRow = typeof projectWebhooks.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export interface NotificationServiceOptions {
  /** The origin people reach the web UI at, for absolute links in webhook payloads. */
  publicUrl: () => string;
  /** Called after notify queued webhook deliveries, so this replica's worker looks soon. */
  onQueued?: () => void;
}

const DEFAULT_PREFERENCE = { inbox: true, browser: true } as const;

/**
 * The inbox, people's preferences, and projects' outgoing webhooks. `notify` is the Notifier every
 * service calls inside its own transaction; the rest serves the notification routes.
 */
export class NotificationService implements Notifier {
  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
    private readonly box: SecretBox,
    private readonly opts: NotificationServiceOptions,
  ) {}

  async notify(tx: Db, input: NotifyInput): Promise<void> {
    const [project] = input.projectId ? await tx.select().from(projects).where(eq(projects.id, input.projectId)) : [];
    const [session] = input.sessionId ? await tx.select().from(sessions).where(eq(sessions.id, input.sessionId)) : [];
    const ids = [...new Set(input.recipients)];
    const people = ids.length
      ? await tx.select({ id: users.id, isAdmin: users.isAdmin }).from(users).where(inArray(users.id, ids))
      : [];
    const prefs = people.length
      ? await tx
          .select()
          .from(notificationPreferences)
          .where(
            and(
              eq(notificationPreferences.kind, input.kind),
              inArray(
                notificationPreferences.userId,
                people.map((p) => p.id),
              ),
            ),
          )
      : [];
    const now = new Date();
    for (const person of people) {
      // Someone who lost access to the project (left its team) must not hear about its work.
      const actor = userActor(person.id, person.isAdmin, await teamRoles(tx, person.id));
      if (project && !canView(actor, ownedProject(project))) continue;
      if (session && !canView(actor, owned(session))) continue;
      const pref = prefs.find((p) => p.userId === person.id) ?? DEFAULT_PREFERENCE;
      if (!pref.inbox) continue;
      const [row] = await tx
        .insert(notifications)
        .values({
          id: newId("ntf"),
          userId: person.id,
          kind: input.kind,
          title: input.title,
          body: input.body,
          link: input.link,
          projectId: project?.id ?? null,
          taskId: input.taskId,
          sessionId: session?.id ?? null,
          createdAt: now,
        })
        .returning();
      if (!row) throw new Error("insert into notifications returned no row");
      await recordNotificationEvent(tx, "notification.created", person.id, {
        notification: toNotification(row),
        unread: await unreadOf(tx, person.id),
        browser: pref.browser,
      });
    }
    if (project) await this.queueWebhooks(tx, project, input, now);
  }

  private async queueWebhooks(tx: Db, project: ProjectRow, input: NotifyInput, now: Date): Promise<void> {
    const hooks = (
      await tx
        .select()
        .from(projectWebhooks)
        .where(and(eq(projectWebhooks.projectId, project.id), eq(projectWebhooks.active, true)))
    ).filter((h) => h.kinds.length === 0 || h.kinds.includes(input.kind));
    if (hooks.length === 0) return;
    const [task] = input.taskId ? await tx.select().from(tasks).where(eq(tasks.id, input.taskId)) : [];
    const url = absoluteUrl(this.opts.publicUrl(), input.link);
    const subject = task ? `#${task.number} ${task.title}` : input.body.split("\n")[0]?.trim();
    for (const hook of hooks) {
      const id = newId("whd");
      const payload: WebhookPayload = {
        id,
        kind: input.kind,
        text: `${input.title}${subject ? `: ${subject}` : ""} — ${url}`,
        title: input.title,
        body: input.body,
        url,
        project: { id: project.id, slug: project.slug, name: project.name },
        task: task ? { id: task.id, number: task.number, title: task.title, state: task.state } : null,
        session_id: input.sessionId,
        at: now.toISOString(),
      };
      await tx.insert(webhookDeliveries).values({
        id,
        webhookId: hook.id,
        kind: input.kind,
        payload,
        state: "pending",
        nextAttemptAt: now,
        createdAt: now,
      });
    }
    this.opts.onQueued?.();
  }

  // ---- Inbox ----

  async list(
    actor: Actor,
    query: { unread?: boolean | undefined; before?: string | undefined; limit: number },
  ): Promise<NotificationList> {
    const userId = personOf(actor).userId;
    const conditions = [eq(notifications.userId, userId)];
    if (query.unread) conditions.push(isNull(notifications.readAt));
    if (query.before) {
      const [cursor] = await this.db
        .select({ id: notifications.id, createdAt: notifications.createdAt })
        .from(notifications)
        .where(and(eq(notifications.id, query.before), eq(notifications.userId, userId)));
      if (!cursor) {
        throw new HttpError(
          422,
          "invalid_cursor",
          `before ${query.before} is not one of your notifications; pass the next_before of the previous page`,
        );
      }
      const older = or(
        lt(notifications.createdAt, cursor.createdAt),
        and(eq(notifications.createdAt, cursor.createdAt), lt(notifications.id, cursor.id)),
      );
      if (older) conditions.push(older);
    }
    const rows = await this.db
      .select()
      .from(notifications)
      .where(and(...conditions))
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(toNotification),
      unread: await unreadOf(this.db, userId),
      next_before: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /** Marks the given (or all) of the caller's notifications read; other people's ids are ignored. */
  async markRead(actor: Actor, ids: readonly string[] | undefined): Promise<{ unread: number }> {
    const userId = personOf(actor).userId;
    return this.db.transaction(async (tx) => {
      const conditions = [eq(notifications.userId, userId), isNull(notifications.readAt)];
      if (ids) {
        if (ids.length === 0) return { unread: await unreadOf(tx, userId) };
        conditions.push(inArray(notifications.id, [...ids]));
      }
      const changed = await tx
        .update(notifications)
        .set({ readAt: new Date() })
        .where(and(...conditions))
        .returning({ id: notifications.id });
      const unread = await unreadOf(tx, userId);
      if (changed.length > 0) {
        await recordNotificationEvent(tx, "notification.read", userId, { notification: null, unread, browser: false });
      }
      return { unread };
    });
  }

  async preferences(actor: Actor): Promise<{ items: NotificationPreference[] }> {
    return { items: await preferencesOf(this.db, personOf(actor).userId) };
  }

  async updatePreferences(
    actor: Actor,
    body: UpdateNotificationPreferencesBody,
  ): Promise<{ items: NotificationPreference[] }> {
    const userId = personOf(actor).userId;
    return this.db.transaction(async (tx) => {
      const current = new Map((await preferencesOf(tx, userId)).map((p) => [p.kind, p]));
      for (const item of body.items) {
        const was = current.get(item.kind) ?? { kind: item.kind, ...DEFAULT_PREFERENCE };
        const next = { inbox: item.inbox ?? was.inbox, browser: item.browser ?? was.browser };
        await tx
          .insert(notificationPreferences)
          .values({ userId, kind: item.kind, ...next })
          .onConflictDoUpdate({ target: [notificationPreferences.userId, notificationPreferences.kind], set: next });
        current.set(item.kind, { kind: item.kind, ...next });
      }
      return { items: await preferencesOf(tx, userId) };
    });
  }

  // ---- Project webhooks ----

  async listWebhooks(actor: Actor, projectId: string): Promise<{ items: ProjectWebhook[] }> {
    const project = await this.readable(actor, projectId);
    const rows = await this.db
      .select()
      .from(projectWebhooks)
      .where(eq(projectWebhooks.projectId, project.id))
      .orderBy(projectWebhooks.createdAt, projectWebhooks.id);
    return { items: rows.map(toWebhook) };
  }

  async createWebhook(actor: Actor, projectId: string, body: CreateProjectWebhookBody): Promise<ProjectWebhook> {
    const project = await this.managed(actor, projectId);
    const parsed = CreateProjectWebhookBodySchema.parse(body);
    await assertReachable(parsed.url);
    const id = newId("whk");
    const now = new Date();
    const [row] = await this.db
      .insert(projectWebhooks)
      .values({
        id,
        projectId: project.id,
        url: parsed.url,
        secretEnc: this.box.seal(parsed.secret, sealContext(id)),
        kinds: [...new Set(parsed.kinds)],
        active: parsed.active,
        createdBy: personOf(actor).userId,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return toWebhook(row as WebhookRow);
  }

  async updateWebhook(
    actor: Actor,
    projectId: string,
    webhookId: string,
    body: UpdateProjectWebhookBody,
  ): Promise<ProjectWebhook> {
    const project = await this.managed(actor, projectId);
    // Before the row lock: a DNS answer may take seconds.
    if (body.url !== undefined) await assertReachable(body.url);
    return this.db.transaction(async (tx) => {
      const [locked] = await tx
        .select()
        .from(projectWebhooks)
        .where(and(eq(projectWebhooks.id, webhookId), eq(projectWebhooks.projectId, project.id)))
        .for("update");
      if (!locked) throw notFound(`webhook of project ${project.slug}`, webhookId);
      const patch: Partial<typeof projectWebhooks.$inferInsert> = { updatedAt: new Date() };
      if (body.url !== undefined) patch.url = body.url;
      if (body.secret !== undefined) patch.secretEnc = this.box.seal(body.secret, sealContext(locked.id));
      if (body.kinds !== undefined) patch.kinds = [...new Set(body.kinds)];
      if (body.active !== undefined) patch.active = body.active;
      const [updated] = await tx
        .update(projectWebhooks)
        .set(patch)
        .where(eq(projectWebhooks.id, locked.id))
        .returning();
      return toWebhook(updated as WebhookRow);
    });
  }

  async deleteWebhook(actor: Actor, projectId: string, webhookId: string): Promise<void> {
    const project = await this.managed(actor, projectId);
    const gone = await this.db
      .delete(projectWebhooks)
      .where(and(eq(projectWebhooks.id, webhookId), eq(projectWebhooks.projectId, project.id)))
      .returning({ id: projectWebhooks.id });
    if (gone.length === 0) throw notFound(`webhook of project ${project.slug}`, webhookId);
  }

  async deliveries(actor: Actor, projectId: string, webhookId: string): Promise<{ items: WebhookDelivery[] }> {
    const project = await this.readable(actor, projectId);
    const [hook] = await this.db
      .select({ id: projectWebhooks.id })
      .from(projectWebhooks)
      .where(and(eq(projectWebhooks.id, webhookId), eq(projectWebhooks.projectId, project.id)));
    if (!hook) throw notFound(`webhook of project ${project.slug}`, webhookId);
    const rows = await this.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, hook.id))
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
      .limit(100);
    return { items: rows.map(toDelivery) };
  }

  /** The webhook's secret, for signing; only the delivery worker asks. */
  secretOf(hook: Pick<WebhookRow, "id" | "secretEnc">): string {
    return this.box.open(hook.secretEnc, sealContext(hook.id));
  }

  /** Members and up: a webhook URL often is a credential itself (Slack's are), so viewers do not see them. */
  private async readable(actor: Actor, projectId: string): Promise<ProjectRow> {
    const project = await this.projects.row(actor, projectId, "view");
    if (!canControl(actor, ownedProject(project))) {
      throw forbidden(
        `viewers of project ${project.slug} cannot see its webhooks: their URLs may carry credentials. ` +
          "Ask a team owner or admin for the member role.",
      );
    }
    return project;
  }

  private async managed(actor: Actor, projectId: string): Promise<ProjectRow> {
    const project = await this.projects.row(actor, projectId, "view");
    if (!canManageProject(actor, project)) {
      throw forbidden(
        `only the owner of project ${project.slug}, or its team's owners and admins, can change its webhooks`,
      );
    }
    return project;
  }
}

/** Each sealed secret is bound to its webhook, so one cannot be copied over another. */
const sealContext = (webhookId: string) => `${webhookId}:webhook_secret`;

async function assertReachable(url: string): Promise<void> {
  const refused = await refusedAddress(url);
  if (refused) throw new HttpError(422, "webhook_refused", `url ${url}: ${refused}`);
}

export function absoluteUrl(origin: string, link: string): string {
  return new URL(link, origin.endsWith("/") ? origin : `${origin}/`).toString();
}

async function unreadOf(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  return Number(row?.n ?? 0);
}

async function preferencesOf(db: Db, userId: string): Promise<NotificationPreference[]> {
  const rows = await db.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId));
  const byKind = new Map(rows.map((r) => [r.kind, r]));
  return NOTIFICATION_KINDS.map((kind: NotificationKind) => {
    const r = byKind.get(kind);
    return { kind, inbox: r?.inbox ?? DEFAULT_PREFERENCE.inbox, browser: r?.browser ?? DEFAULT_PREFERENCE.browser };
  });
}

export function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    kind: row.kind as NotificationKind,
    title: row.title,
    body: row.body,
    link: row.link,
    project_id: row.projectId,
    task_id: row.taskId,
    session_id: row.sessionId,
    read_at: row.readAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

function toWebhook(row: WebhookRow): ProjectWebhook {
  return {
    id: row.id,
    project_id: row.projectId,
    url: row.url,
    kinds: row.kinds as NotificationKind[],
    active: row.active,
    secret_set: row.secretEnc !== "",
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    webhook_id: row.webhookId,
    kind: row.kind as NotificationKind,
    state: row.state as WebhookDelivery["state"],
    attempts: row.attempts,
    last_status: row.lastStatus,
    last_error: row.lastError,
    next_attempt_at: row.state === "pending" ? row.nextAttemptAt.toISOString() : null,
    delivered_at: row.deliveredAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    payload: row.payload as WebhookPayload,
  };
}
