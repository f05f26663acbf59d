import { describe, expect, it } from "vitest";
import type { UserRow } from "../auth/users.js";
import { CallerCache } from "./caller-cache.js";
import type { ProxyCaller } from "./session-auth.js";

const user = (): UserRow =>
  ({ id: "usr_1", spendMonth: "2026-01", spendMonthMicros: 1_000_000, spendLimitMicros: null }) as unknown as UserRow;
const caller = (sessionId: string, u = user()): ProxyCaller => ({
  user: u,
  actor: { kind: "session", sessionId, ownerId: u.id, teamId: null },
  sessionId,
  sessionModel: null,
  sessionSpendMicros: 0,
  sessionSpendLimitMicros: null,
});

describe("CallerCache", () => {
  it("forgets entries after the TTL", () => {
    const c = new CallerCache(1000);
    c.set("h", caller("s1"), 0);
    expect(c.get("h", 999)?.sessionId).toBe("s1");
    expect(c.get("h", 1001)).toBeUndefined();
  });

  it("drops a session's entries, or a user's, at once", () => {
    const c = new CallerCache();
    c.set("a", caller("s1"));
    c.set("b", caller("s2"));
    c.invalidateSession("s1");
    expect(c.get("a")).toBeUndefined();
    expect(c.get("b")).toBeDefined();
    c.invalidateUser("usr_1");
    expect(c.size).toBe(0);
  });

  it("adds spend to the session and, month by month, to its user", () => {
    const c = new CallerCache();
    const u = user();
    c.set("a", caller("s1", u));
    c.set("b", caller("s2", u));
    c.addSpend("s1", "usr_1", 500_000, "2026-01");
    expect(c.get("a")?.sessionSpendMicros).toBe(500_000);
    expect(c.get("b")?.sessionSpendMicros).toBe(0);
    expect(u.spendMonthMicros).toBe(1_500_000); // added once, though two entries share the user
    c.addSpend("s2", "usr_1", 250_000, "2026-02");
    expect(u).toMatchObject({ spendMonth: "2026-02", spendMonthMicros: 250_000 });
  });

  it("stays bounded", () => {
    const c = new CallerCache(10_000, 2);
    c.set("a", caller("s1"));
    c.set("b", caller("s2"));
    c.set("c", caller("s3"));
    expect(c.get("a")).toBeUndefined();
    expect(c.size).toBe(2);
  });
});
