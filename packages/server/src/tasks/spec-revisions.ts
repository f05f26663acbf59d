import { SPEC_DOCUMENTS, type SpecDocumentName } from "@strand/protocol";
import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { specRevisions } from "../db/schema.js";
import { recordSpecEvent } from "../events/record.js";
import { newId } from "../lib/ids.js";
import { specDocumentsAt } from "./git-work.js";
import { specPathOf } from "./slug.js";
import type { TaskRow } from "./to-task.js";
import { audienceOfProject } from "./transition.js";

type Docs = Record<SpecDocumentName, string | null>;

/**
 * Records the branch head as the task's next spec revision when its spec documents differ from
 * the last revision's (a push that changed only code, or nothing, is not a revision). Call it in
 * a transaction holding the task's lock; `docs` are the documents at `head`. Returns the new
 * revision's number, or null.
 */
export async function recordSpecRevision(
  tx: Db,
  repoPath: string,
  row: TaskRow,
  head: string,
  docs: Docs,
): Promise<number | null> {
  if (SPEC_DOCUMENTS.every((d) => docs[d] === null)) return null;
  const [last] = await tx
    .select()
    .from(specRevisions)
    .where(eq(specRevisions.taskId, row.id))
    .orderBy(desc(specRevisions.number))
    .limit(1);
  if (last) {
    if (last.commit === head) return null;
    const before = await specDocumentsAt(repoPath, last.commit, specPathOf(row.number, row.slug));
    if (SPEC_DOCUMENTS.every((d) => before[d] === docs[d])) return null;
  }
  const number = (last?.number ?? 0) + 1;
  const [inserted] = await tx
    .insert(specRevisions)
    .values({ id: newId("srv"), taskId: row.id, number, commit: head })
    .onConflictDoNothing()
    .returning();
  if (!inserted) return null;
  await recordSpecEvent(
    tx,
    { id: row.id, project_id: row.projectId },
    await audienceOfProject(tx, row.projectId),
    "revision",
  );
  return number;
}
