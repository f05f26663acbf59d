import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

/** Random id with a type prefix (`ses_…`), so an id in a log or URL says what it names. */
export function newId(prefix: string, length = 16): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += ALPHABET[b & 31];
  return `${prefix}_${out}`;
}

/** A high-entropy secret for tokens and cookies (base62-ish, URL safe). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}
