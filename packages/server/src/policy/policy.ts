import type { AuthContext } from "../auth/authenticate.js";
import { forbidden } from "../lib/http-error.js";

/**
 * Who is asking, as the policy sees it. Services take an Actor rather than a bare user id, so
 * what a caller may do is decided here and nowhere else.
 */
export interface Actor {
  userId: string;
  isAdmin: boolean;
}

export const actorOf = (auth: AuthContext): Actor => ({ userId: auth.user.id, isAdmin: auth.user.isAdmin });

/**
 * A trusted session runs its own Docker daemon with emulated privileges: root-equivalent on the
 * host. So it is an admin's decision (a team-level permission once teams exist).
 */
export function canRunTrusted(actor: Actor): boolean {
  return actor.isAdmin;
}

export function assertCanRunTrusted(actor: Actor): void {
  if (!canRunTrusted(actor)) {
    throw forbidden(
      "Only an admin can create a trusted session or turn trusted mode on: it runs its own Docker daemon " +
        "with emulated privileges, which is root on the host. Ask an admin to create it for you, or leave trusted off.",
    );
  }
}
