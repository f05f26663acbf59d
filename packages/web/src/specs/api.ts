import { type CreateSpecThreadBody, ROUTES } from "@strand/protocol";
import { call } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";

/** The calls the spec review makes; paths and types come from @strand/protocol's ROUTES. */
export const specApi = {
  spec: (id: string, revision?: number) =>
    call(ROUTES["specs.get"], { params: { id }, query: revision === undefined ? {} : { revision } }),
  revisions: (id: string) => call(ROUTES["specs.revisions"], { params: { id } }),
  diff: (id: string, from: number, to?: number) =>
    call(ROUTES["specs.diff"], { params: { id }, query: to === undefined ? { from } : { from, to } }),
  threads: (id: string) => call(ROUTES["specs.threads.list"], { params: { id } }),
  comment: (id: string, body: CreateSpecThreadBody) => call(ROUTES["specs.threads.create"], { params: { id }, body }),
  reply: (id: string, threadId: string, body: string) =>
    call(ROUTES["specs.threads.reply"], { params: { id, thread_id: threadId }, body: { body } }),
  setResolved: (id: string, threadId: string, resolved: boolean) =>
    call(ROUTES["specs.threads.update"], { params: { id, thread_id: threadId }, body: { resolved } }),
};

/** Keys under queryKeys.spec(taskId), so one spec event reloads all of them. */
export const specKeys = {
  document: (taskId: string, revision: number | undefined) =>
    [...queryKeys.spec(taskId), "documents", revision ?? "latest"] as const,
  revisions: (taskId: string) => [...queryKeys.spec(taskId), "revisions"] as const,
  threads: (taskId: string) => [...queryKeys.spec(taskId), "threads"] as const,
  diff: (taskId: string, from: number, to: number | undefined) =>
    [...queryKeys.spec(taskId), "diff", from, to ?? "latest"] as const,
};
