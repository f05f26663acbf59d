import type { Session, StrandEvent } from "@strand/protocol";
import type { QueryClient } from "@tanstack/react-query";
import { queryKeys } from "../api/query-keys.js";
import { type Thread, upsertEntry } from "../chat/thread.js";

/**
 * Applies one live event to the query cache: session events replace the session in the fleet
 * list and on its page; message events patch the thread of a session page that is open.
 */
export function applyEvent(client: QueryClient, event: StrandEvent): void {
  if ("team" in event) {
    // Roles, members or names changed: teams and their members, and what the fleet and the
    // projects list may show, are read again.
    void client.invalidateQueries({ queryKey: queryKeys.teams });
    void client.invalidateQueries({ queryKey: queryKeys.sessions });
    void client.invalidateQueries({ queryKey: queryKeys.projects });
    return;
  }
  if ("review" in event) {
    // Threads are judged against the branch as it is now, so both are read again rather than patched.
    void client.invalidateQueries({ queryKey: queryKeys.reviewThreads(event.session_id) });
    if (event.review.what === "branch")
      void client.invalidateQueries({ queryKey: queryKeys.changes(event.session_id) });
    return;
  }
  if ("task" in event) {
    // The board holds the list, the task page the detail (with its history): both are read again.
    void client.invalidateQueries({ queryKey: queryKeys.board(event.task.project_id) });
    void client.invalidateQueries({ queryKey: queryKeys.task(event.task.id) });
    return;
  }
  if ("task_id" in event) {
    void client.invalidateQueries({ queryKey: queryKeys.spec(event.task_id) });
    return;
  }
  if ("unread" in event) {
    void client.invalidateQueries({ queryKey: queryKeys.notifications });
    return;
  }
  if ("entry" in event) {
    client.setQueryData<Thread>(queryKeys.thread(event.session_id), (t) => (t ? upsertEntry(t, event.entry) : t));
    return;
  }
  const session = event.session;
  if (event.type === "session.deleted") {
    client.setQueryData<Session[]>(queryKeys.sessions, (list) => list?.filter((s) => s.id !== session.id));
    client.removeQueries({ queryKey: queryKeys.session(session.id) });
    return;
  }
  client.setQueryData<Session>(queryKeys.session(session.id), (held) => newer(held, session));
  client.setQueryData<Session[]>(queryKeys.sessions, (list) => {
    if (!list) return list;
    const at = list.findIndex((s) => s.id === session.id);
    if (at < 0) return [session, ...list];
    const next = list.slice();
    next[at] = newer(list[at], session);
    return next;
  });
}

/** A replayed event must not roll back a session fetched after it. */
function newer(held: Session | undefined, incoming: Session): Session {
  return held && held.updated_at > incoming.updated_at ? held : incoming;
}
