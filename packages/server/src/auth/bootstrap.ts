import { PASSWORD_MIN_LENGTH } from "@strand/protocol";
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { users } from "../db/schema.js";
import { newSecret } from "../lib/ids.js";
import { issueApiToken } from "./api-tokens.js";
import { createUser } from "./users.js";

export interface AdminSeed {
  email?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
}

export interface BootstrapResult {
  email: string;
  /** Set only when the password was generated here; it is shown to the operator once. */
  generatedPassword: string | null;
  tokenSeeded: boolean;
}

export const DEFAULT_ADMIN_EMAIL = "admin@localhost";
const BOOTSTRAP_LOCK_KEY = 0x5752414f;

export function validateAdminSeed(seed: AdminSeed): void {
  if (seed.password !== undefined && seed.password.length < PASSWORD_MIN_LENGTH) {
    throw new Error(`STRAND_ADMIN_PASSWORD must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (seed.token !== undefined && (seed.token.length < 20 || /\s/.test(seed.token))) {
    throw new Error("STRAND_ADMIN_TOKEN must be at least 20 characters with no spaces");
  }
  if (seed.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(seed.email)) {
    throw new Error(`STRAND_ADMIN_EMAIL is not an email address: ${JSON.stringify(seed.email)}`);
  }
}

/**
 * On the very first start (no users at all) creates the admin, and an API token when
 * STRAND_ADMIN_TOKEN is set. Returns null on every later start. Safe when replicas start together.
 */
export async function bootstrapAdmin(db: Db, seed: AdminSeed): Promise<BootstrapResult | null> {
  validateAdminSeed(seed);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`);
    const [existing] = await tx.select({ id: users.id }).from(users).limit(1);
    if (existing) return null;
    const email = (seed.email ?? DEFAULT_ADMIN_EMAIL).toLowerCase();
    const generatedPassword = seed.password === undefined ? newSecret(12) : null;
    const user = await createUser(tx, {
      email,
      name: "Admin",
      password: seed.password ?? (generatedPassword as string),
      isAdmin: true,
    });
    if (seed.token !== undefined) {
      await issueApiToken(tx, { userId: user.id, name: "STRAND_ADMIN_TOKEN", secret: seed.token });
    }
    return { email, generatedPassword, tokenSeeded: seed.token !== undefined };
  });
}
