import { inArray } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { specComments, specThreads } from "../db/schema.js";
import { HttpError } from "../lib/http-error.js";
import { buildSpecReviewPrompt, SPEC_PROMPT_LIMIT } from "./prompt.js";
import { recordSpecChange, type SpecService } from "./service.js";

// The service knows where the repos are (to judge outdated quotes); the server binds it at start so
// that the task service can call this with only its transaction, as the contract has it.
let bound: SpecService | undefined;

/** Called once by the server when it builds its SpecService. */
export function bindOpenSpecComments(specs: SpecService): void {
  bound = specs;
}

/**
 * The open spec review comments of a task that the agent has not been sent, as prompt text with
 * each comment's document and quoted selection; marks them sent. Null when there are none.
 * Called by the task service inside its request-changes transaction.
 */
export async function takeOpenSpecComments(tx: Db, taskId: string): Promise<string | null> {
  if (!bound) throw new Error("takeOpenSpecComments: the server has not bound its SpecService yet");
  const open = await bound.openUnsent(tx, taskId);
  if (!open) return null;
  const { task, project, specPath, threads, unsentComments } = open;
  const prompt = buildSpecReviewPrompt(
    { specPath, branch: task.branch },
    threads.map((t) => ({
      document: t.document,
      quote: t.quote,
      outdated: t.outdated,
      // The whole discussion, not only what is new: a reply makes sense only after what it answers.
      comments: t.comments.map((c) => ({ author: c.author_email ?? "agent", body: c.body })),
    })),
  );
  if (prompt.length > SPEC_PROMPT_LIMIT) {
    throw new HttpError(
      422,
      "prompt_too_long",
      `the ${threads.length} open spec threads make a prompt of ${prompt.length} characters (at most ${SPEC_PROMPT_LIMIT}); ` +
        "resolve some threads and request changes for the rest in parts",
    );
  }
  const now = new Date();
  const ids = threads.map((t) => t.id);
  await tx.update(specComments).set({ sentAt: now }).where(inArray(specComments.id, unsentComments));
  await tx.update(specThreads).set({ sentAt: now }).where(inArray(specThreads.id, ids));
  await recordSpecChange(tx, { task, project }, "sent", null);
  return prompt;
}
