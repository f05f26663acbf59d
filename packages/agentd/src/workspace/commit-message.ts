import type { GitIdentity } from "@strand/protocol";
import { coAuthorTrailer } from "./commit-identity.js";

const SUBJECT_CHARS = 72;
const BODY_BYTES = 2048;

/**
 * A checkpoint's message: the turn's prompt as a one-line subject of at most 72 characters, the
 * whole prompt (up to 2 KB) as the body when the subject had to shorten it, and the owner's
 * Co-authored-by trailer.
 */
export function checkpointMessage(prompt: string, coAuthor: GitIdentity | null): string {
  const oneLine = prompt.replace(/\s+/g, " ").trim();
  const subject = oneLine ? shorten(oneLine, SUBJECT_CHARS) : "Checkpoint";
  const parts = [subject];
  const body = prompt.trim();
  // A prompt the subject already shows whole would only repeat itself.
  if (body && body !== subject) parts.push(truncateBytes(body, BODY_BYTES));
  if (coAuthor) parts.push(coAuthorTrailer(coAuthor));
  return `${parts.join("\n\n")}\n`;
}

function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max
    ? text
    : `${chars
        .slice(0, max - 1)
        .join("")
        .trimEnd()}…`;
}

/** At most `max` UTF-8 bytes, cut at a character boundary, with an ellipsis when cut. */
function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  const budget = max - Buffer.byteLength("…");
  let out = "";
  let bytes = 0;
  for (const ch of text) {
    bytes += Buffer.byteLength(ch);
    if (bytes > budget) break;
    out += ch;
  }
  return `${out}…`;
}
