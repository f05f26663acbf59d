import { SPEND_LIMIT_STATUS } from "@strand/protocol";
import { microsToUsd } from "../lib/money.js";
import { spendMonth } from "../lib/time.js";
import { ProxyError } from "./errors.js";
import type { ProxyCaller } from "./session-auth.js";

const usd = (micros: number) => {
  const n = microsToUsd(micros);
  return `$${n.toFixed(n < 1 ? 4 : 2)}`;
};

/** The user's spend in the current month, micro-dollars (a row last written in an earlier month has spent 0). */
export const userMonthSpend = (c: ProxyCaller, now = new Date()): number =>
  c.user.spendMonth === spendMonth(now) ? c.user.spendMonthMicros : 0;

/**
 * Refuses a call once a limit is reached, comparing whole micro-dollars. Checked before each
 * call, so calls already running finish and may take the spend a little past the limit.
 */
export function checkSpend(c: ProxyCaller): void {
  const session = c.sessionSpendLimitMicros;
  if (session !== null && c.sessionSpendMicros >= session) {
    throw new ProxyError(
      SPEND_LIMIT_STATUS,
      "spend_limit",
      `session ${c.sessionId} has spent ${usd(c.sessionSpendMicros)} of its ${usd(session)} LLM spend limit. ` +
        `Raise it with PATCH /api/v1/sessions/${c.sessionId} {"spend_limit_usd": <more>}, or set it to null to remove it.`,
      { status: "spend_limit", code: "session_spend_limit" },
    );
  }
  const user = c.user.spendLimitMicros;
  const spent = userMonthSpend(c);
  if (user !== null && spent >= user) {
    throw new ProxyError(
      SPEND_LIMIT_STATUS,
      "spend_limit",
      `user ${c.user.email} has spent ${usd(spent)} of the ${usd(user)} monthly LLM spend limit an admin set. ` +
        `An admin can raise it with PATCH /api/v1/users/${c.user.id} {"spend_limit_usd": <more>}; it resets at the start of each month (UTC).`,
      { status: "spend_limit", code: "user_spend_limit" },
    );
  }
}
