import { ErrorCodes } from "@strand/protocol";
import { HttpError } from "../lib/http-error.js";

/** Keyset pagination position: the last row of the previous page, ordered by (created_at, id) desc. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id])).toString("base64url");
}

export function decodeCursor(s: string): Cursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as [string, string];
    const createdAt = new Date(at);
    if (typeof id !== "string" || Number.isNaN(createdAt.getTime())) throw new Error("bad cursor");
    return { createdAt, id };
  } catch {
    throw new HttpError(
      400,
      ErrorCodes.validationFailed,
      "cursor is not one this server returned; omit it to start from the first page",
      [{ path: "cursor", message: "invalid cursor" }],
    );
  }
}
