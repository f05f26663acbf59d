import {
  type AddAttachmentBody,
  type BoardColumn,
  type CreateTaskBody,
  type ListTasksQuery,
  ROUTES,
  type UpdateTaskBody,
} from "@strand/protocol";
import { call } from "../api/client.js";

/** The calls the board and the task page make; paths and types come from @strand/protocol's ROUTES. */
export const tasksApi = {
  list: (projectId: string, query: ListTasksQuery = {}) =>
    call(ROUTES["tasks.list"], { params: { id: projectId }, query }),
  get: (id: string) => call(ROUTES["tasks.get"], { params: { id } }),
  create: (projectId: string, body: CreateTaskBody) =>
    call(ROUTES["tasks.create"], { params: { id: projectId }, body }),
  update: (id: string, body: UpdateTaskBody) => call(ROUTES["tasks.update"], { params: { id }, body }),
  remove: (id: string) => call(ROUTES["tasks.delete"], { params: { id } }),
  start: (id: string) => call(ROUTES["tasks.start"], { params: { id } }),
  approve: (id: string) => call(ROUTES["tasks.approve"], { params: { id } }),
  requestChanges: (id: string, comments?: string) =>
    call(ROUTES["tasks.requestChanges"], { params: { id }, body: comments ? { comments } : {} }),
  cancel: (id: string) => call(ROUTES["tasks.cancel"], { params: { id } }),
  retry: (id: string) => call(ROUTES["tasks.retry"], { params: { id } }),
  nudge: (id: string) => call(ROUTES["tasks.nudge"], { params: { id } }),
  move: (id: string, column: BoardColumn) => call(ROUTES["tasks.move"], { params: { id }, body: { column } }),
  addAttachment: (id: string, body: AddAttachmentBody) =>
    call(ROUTES["tasks.attachments.add"], { params: { id }, body }),
  removeAttachment: (id: string, attachmentId: string) =>
    call(ROUTES["tasks.attachments.delete"], { params: { id, attachment_id: attachmentId } }),
  spec: (id: string) => call(ROUTES["specs.get"], { params: { id }, query: {} }),
};
