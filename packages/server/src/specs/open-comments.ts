import type { Db } from "../db/database.js";

/**
 * The open spec review comments of a task that the agent has not been sent, as prompt text with
 * each comment's document and quoted selection; marks them sent. Null when there are none.
 * Called by the task service inside its request-changes transaction.
 */
export async function takeOpenSpecComments(_tx: Db, _taskId: string): Promise<string | null> {
  // Filled in by the spec review (specs/); until then there are never open comments.
  return null;
}
