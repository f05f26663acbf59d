import type { ConversationEntry, Session, StrandEvent } from "@strand/protocol";
import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { queryKeys } from "../api/query-keys.js";
import type { Thread } from "../chat/thread.js";
import { applyEvent } from "./apply-event.js";

const session = (id: string, state: Session["state"], updated: string) =>
  ({ id, name: id, state, updated_at: updated }) as Session;

const sessionEvent = (type: "session.created" | "session.updated" | "session.deleted", s: Session, id = 1) =>
  ({ id, type, session_id: s.id, at: s.updated_at, session: s }) as StrandEvent;

describe("live events → query cache", () => {
  it("puts new sessions first, replaces changed ones, drops deleted ones", () => {
    const client = new QueryClient();
    client.setQueryData(queryKeys.sessions, [session("a", "ready", "2026-01-01T00:00:01Z")]);
    applyEvent(client, sessionEvent("session.created", session("b", "pending", "2026-01-01T00:00:02Z")));
    applyEvent(client, sessionEvent("session.updated", session("a", "stopping", "2026-01-01T00:00:03Z")));
    const list = client.getQueryData<Session[]>(queryKeys.sessions) ?? [];
    expect(list.map((s) => `${s.id}:${s.state}`)).toEqual(["b:pending", "a:stopping"]);
    applyEvent(client, sessionEvent("session.deleted", session("b", "stopped", "2026-01-01T00:00:04Z")));
    expect(client.getQueryData<Session[]>(queryKeys.sessions)?.map((s) => s.id)).toEqual(["a"]);
  });

  it("never rolls a session back to an older copy (a replayed event after a fresh read)", () => {
    const client = new QueryClient();
    client.setQueryData(queryKeys.session("a"), session("a", "ready", "2026-01-01T00:00:05Z"));
    applyEvent(client, sessionEvent("session.updated", session("a", "starting", "2026-01-01T00:00:01Z")));
    expect(client.getQueryData<Session>(queryKeys.session("a"))?.state).toBe("ready");
  });

  it("patches the thread of an open session page and ignores sessions nobody has open", () => {
    const client = new QueryClient();
    client.setQueryData<Thread>(queryKeys.thread("a"), []);
    const entry = {
      id: "ent_1",
      session_id: "a",
      seq: 1,
      turn_id: "trn_1",
      request_id: null,
      kind: "text",
      role: "agent",
      status: "in_progress",
      content: { text: "hi" },
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
    } as ConversationEntry;
    applyEvent(client, {
      id: 2,
      type: "message.created",
      scope: { type: "session", id: "a" },
      session_id: "a",
      at: entry.updated_at,
      entry,
    });
    applyEvent(client, {
      id: 3,
      type: "message.created",
      scope: { type: "session", id: "b" },
      session_id: "b",
      at: entry.updated_at,
      entry,
    });
    expect(client.getQueryData<Thread>(queryKeys.thread("a"))?.map((e) => e.id)).toEqual(["ent_1"]);
    expect(client.getQueryData(queryKeys.thread("b"))).toBeUndefined();
  });
  it("review events make the session's Changes tab read its threads again, and its diff when the branch moved", () => {
    const client = new QueryClient();
    client.setQueryData(queryKeys.changes("a"), { files: [] });
    client.setQueryData(queryKeys.reviewThreads("a"), { items: [] });
    const review = (what: "thread" | "branch", id: number) =>
      ({
        id,
        type: "review.updated",
        scope: { type: "session", id: "a" },
        session_id: "a",
        at: "2026-01-01T00:00:00Z",
        review: { what, thread_id: null },
      }) as StrandEvent;
    const stale = (key: readonly unknown[]) => client.getQueryState(key)?.isInvalidated;
    applyEvent(client, review("thread", 4));
    expect([stale(queryKeys.reviewThreads("a")), stale(queryKeys.changes("a"))]).toEqual([true, false]);
    applyEvent(client, review("branch", 5));
    expect(stale(queryKeys.changes("a"))).toBe(true);
  });
});
