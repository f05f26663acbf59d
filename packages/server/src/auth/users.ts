import type { User } from "@strand/protocol";
import { eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { users } from "../db/schema.js";
import { conflict } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";
import { microsToUsd, usdToMicros } from "../lib/money.js";
import { iso, spendMonth } from "../lib/time.js";
import { hashPassword } from "./passwords.js";

export type UserRow = typeof users.$inferSelect;

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    is_admin: row.isAdmin,
    spend_limit_usd: microsToUsd(row.spendLimitMicros),
    spend_this_month_usd: row.spendMonth === spendMonth() ? microsToUsd(row.spendMonthMicros) : 0,
    created_at: iso(row.createdAt),
  };
}

export interface NewUser {
  email: string;
  name?: string | undefined;
  password: string;
  isAdmin: boolean;
  spendLimitUsd?: number | null | undefined;
}

export async function createUser(db: Db, input: NewUser): Promise<UserRow> {
  const email = input.email.trim().toLowerCase();
  const existing = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (existing.length > 0) throw conflict(`a user with email ${email} already exists`);
  const [row] = await db
    .insert(users)
    .values({
      id: newId("usr"),
      email,
      name: input.name ?? email.split("@")[0] ?? email,
      passwordHash: await hashPassword(input.password),
      isAdmin: input.isAdmin,
      spendLimitMicros: usdToMicros(input.spendLimitUsd ?? null),
    })
    .returning();
  if (!row) throw new Error("insert into users returned no row");
  return row;
}
