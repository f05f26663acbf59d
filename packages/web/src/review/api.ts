import { type CreateReviewThreadBody, type MergeStrategyName, ROUTES } from "@strand/protocol";
import { call } from "../api/client.js";

/** The calls the Changes tab makes; paths and types come from @strand/protocol's ROUTES. */
export const reviewApi = {
  changes: (id: string) => call(ROUTES["sessions.changes"], { params: { id } }),
  threads: (id: string) => call(ROUTES["review.threads.list"], { params: { id } }),
  comment: (id: string, body: CreateReviewThreadBody) =>
    call(ROUTES["review.threads.create"], { params: { id }, body }),
  reply: (id: string, threadId: string, body: string) =>
    call(ROUTES["review.threads.reply"], { params: { id, thread_id: threadId }, body: { body } }),
  setResolved: (id: string, threadId: string, resolved: boolean) =>
    call(ROUTES["review.threads.update"], { params: { id, thread_id: threadId }, body: { resolved } }),
  send: (id: string) => call(ROUTES["review.send"], { params: { id } }),
  resolveConflicts: (id: string) => call(ROUTES["review.resolveConflicts"], { params: { id } }),
  merge: (id: string, strategy: MergeStrategyName | undefined) =>
    call(ROUTES["sessions.merge"], { params: { id }, body: strategy ? { strategy } : {} }),
  project: (id: string) => call(ROUTES["projects.get"], { params: { id } }),
};
