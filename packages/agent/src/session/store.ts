/**
 * A session's saved state, one JSON file per ACP session in the workspace
 * (`.strand/agent/sessions/<sessionId>.json`), so a restarted agent can `session/load` it: the
 * model-facing history and the transcript to replay, turn by turn. Written whole and atomically
 * (temporary file + rename); the oldest turns are dropped once the file would pass its size limit.
 */

import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { SessionUpdate } from "@agentclientprotocol/sdk";
import { z } from "zod";
import type { ChatMessage } from "../providers/types.js";

export const SESSION_DIR = join(".strand", "agent", "sessions");

/** ACP session ids this agent hands out are UUIDs; anything else could name a path outside the folder. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface SavedTurn {
  messages: ChatMessage[];
  updates: SessionUpdate[];
}

export interface SavedSession {
  version: 1;
  sessionId: string;
  savedAt: string;
  /** Tools the user allowed for the rest of the session (ask mode). */
  alwaysAllowed: string[];
  /** Oldest first. */
  turns: SavedTurn[];
}

const UserPartSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("image"), mimeType: z.string(), data: z.string() }),
]);
const ChatMessageSchema = z.discriminatedUnion("role", [
  z.object({ role: z.literal("user"), content: z.array(UserPartSchema) }),
  z.object({
    role: z.literal("assistant"),
    text: z.string(),
    thinking: z.array(
      z.object({ text: z.string(), signature: z.string().optional(), redacted: z.string().optional() }),
    ),
    toolCalls: z.array(z.object({ id: z.string(), name: z.string(), argsText: z.string() })),
  }),
  z.object({
    role: z.literal("tool_results"),
    results: z.array(z.object({ id: z.string(), name: z.string(), content: z.string(), isError: z.boolean() })),
  }),
]);
const SavedSessionSchema = z.object({
  version: z.literal(1),
  sessionId: z.string(),
  savedAt: z.string(),
  alwaysAllowed: z.array(z.string()),
  turns: z.array(
    z.object({
      messages: z.array(ChatMessageSchema),
      // Written by this agent from updates it sent; only their shape's anchor is checked.
      updates: z.array(z.looseObject({ sessionUpdate: z.string() })),
    }),
  ),
});

export function isSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}

export function sessionFile(workspace: string, sessionId: string): string {
  if (!isSessionId(sessionId)) throw new Error(`"${sessionId}" is not a session id this agent gave out`);
  return join(workspace, SESSION_DIR, `${sessionId}.json`);
}

/** The saved session, or undefined when there is none. Throws, saying why, when the file is unreadable. */
export async function readSession(path: string): Promise<SavedSession | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = SavedSessionSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path} is not a saved strand-agent session: ${z.prettifyError(parsed.error)}`);
  return parsed.data as SavedSession;
}

/**
 * Writes the session, dropping its oldest turns until it fits `maxBytes` (the newest turn is
 * always kept). Returns how many turns were dropped.
 */
export async function writeSession(path: string, session: SavedSession, maxBytes: number): Promise<number> {
  let turns = session.turns;
  let text = JSON.stringify({ ...session, turns });
  let dropped = 0;
  while (Buffer.byteLength(text) > maxBytes && turns.length > 1) {
    // Drop a slice at once when far over, so a huge history costs a few serializations, not one per turn.
    const over = Buffer.byteLength(text) / maxBytes;
    const n = over > 2 ? Math.min(turns.length - 1, Math.floor(turns.length * (1 - 1 / over))) : 1;
    turns = turns.slice(n);
    dropped += n;
    text = JSON.stringify({ ...session, turns });
  }
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  await keepOutOfGit(join(dir, "..", ".."));
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
  return dropped;
}

/** The agent's bookkeeping under `.strand/` never shows in the user's `git status`. */
async function keepOutOfGit(strandDir: string): Promise<void> {
  const ignore = join(strandDir, ".gitignore");
  if (!existsSync(ignore)) await writeFile(ignore, "*\n");
}
