import { eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { loginSessions, users } from "../db/schema.js";
import { newId, newSecret } from "../lib/ids.js";
import { dummyPasswordHash, verifyPassword } from "./passwords.js";
import { hashSecret } from "./secrets.js";
import type { UserRow } from "./users.js";

export interface LoginResult {
  user: UserRow;
  secret: string;
  expiresAt: Date;
}

/** Checks the password and opens a login session; null when email or password is wrong. */
export async function login(
  db: Db,
  email: string,
  password: string,
  ttlMs: number,
  userAgent?: string,
): Promise<LoginResult | null> {
  const [user] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  // Hash even for an unknown email so the response time does not reveal which emails exist.
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !ok) return null;
  const secret = newSecret(32);
  const expiresAt = new Date(Date.now() + ttlMs);
  await db.insert(loginSessions).values({
    id: newId("lgn"),
    userId: user.id,
    secretHash: hashSecret(secret),
    expiresAt,
    userAgent: userAgent?.slice(0, 300) ?? null,
  });
  return { user, secret, expiresAt };
}

export async function logout(db: Db, secret: string): Promise<void> {
  await db.delete(loginSessions).where(eq(loginSessions.secretHash, hashSecret(secret)));
}
