import type { ProxyCaller } from "./session-auth.js";

/**
 * Who holds which session token, remembered briefly so a call costs no database round trip
 * before it reaches the provider. Correctness rests on invalidation, not on the TTL: every
 * change to a session (stop, delete, a new spend limit) arrives as a session event on every
 * replica and drops its entries, and the token of a session is revoked only together with such
 * a change. Spend is added to the cached entries as this replica records calls.
 */
export class CallerCache {
  private readonly entries = new Map<string, { caller: ProxyCaller; at: number }>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  get(tokenHash: string, now = Date.now()): ProxyCaller | undefined {
    const e = this.entries.get(tokenHash);
    if (!e) return undefined;
    if (now - e.at > this.ttlMs) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return e.caller;
  }

  set(tokenHash: string, caller: ProxyCaller, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(tokenHash, { caller, at: now });
  }

  invalidateSession(sessionId: string): void {
    for (const [k, e] of this.entries) if (e.caller.sessionId === sessionId) this.entries.delete(k);
  }

  invalidateUser(userId: string): void {
    for (const [k, e] of this.entries) if (e.caller.user.id === userId) this.entries.delete(k);
  }

  /** A recorded call's cost (micro-dollars), so the next limit check sees it without reading the database. */
  addSpend(sessionId: string, userId: string, costMicros: number, month: string): void {
    if (costMicros <= 0) return;
    const users = new Set<ProxyCaller["user"]>();
    for (const { caller } of this.entries.values()) {
      if (caller.sessionId === sessionId) caller.sessionSpendMicros += costMicros;
      if (caller.user.id === userId) users.add(caller.user);
    }
    for (const u of users) {
      u.spendMonthMicros = u.spendMonth === month ? u.spendMonthMicros + costMicros : costMicros;
      u.spendMonth = month;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
