import { createHash } from "node:crypto";

/**
 * Tokens and cookie secrets are 256-bit random values, so a fast hash is enough to store them:
 * nothing can be brute-forced, and a lookup by hash needs no per-row salt.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
