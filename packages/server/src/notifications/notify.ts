import type { NotificationKind } from "@strand/protocol";
import type { Db } from "../db/database.js";

/** Something a person may need to act on; see docs/notifications.md for who gets which kind. */
export interface NotifyInput {
  kind: NotificationKind;
  /** Short, what happened ("Spec ready for review"); the inbox's headline and the notification's title. */
  title: string;
  /**
   * Which and why ("#3 Fix cart totals", a failure's reason). Webhooks' `text` is
   * `<title>: <#number task title, or else body's first line> — <absolute link>`.
   */
  body: string;
  /** The web UI path to act on it, e.g. `/tasks/<id>` or `/sessions/<id>`. */
  link: string;
  projectId: string | null;
  taskId: string | null;
  sessionId: string | null;
  /** The people to tell (duplicates and unknown ids are dropped); each one's preferences apply. */
  recipients: readonly string[];
}

/**
 * How services tell people. Call it inside the transaction that made the change: the inbox rows,
 * their events and the project webhooks' pending deliveries commit (or roll back) with it.
 */
export interface Notifier {
  notify(tx: Db, input: NotifyInput): Promise<void>;
}
