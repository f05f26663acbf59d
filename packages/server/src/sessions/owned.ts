import type { Owned } from "../policy/policy.js";
import type { SessionRow } from "./to-session.js";

/** What the policy needs to know about a session row. */
export const owned = (row: SessionRow): Owned => ({ ownerId: row.ownerId, teamId: row.teamId, sessionId: row.id });
