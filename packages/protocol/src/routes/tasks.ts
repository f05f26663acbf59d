import { z } from "zod";
import { ApiErrorSchema } from "../errors.js";
import {
  AddAttachmentBodySchema,
  AgentTaskSchema,
  AskReviewerBodySchema,
  CreateTaskBodySchema,
  ListTasksQuerySchema,
  MoveTaskBodySchema,
  RequestChangesBodySchema,
  TaskAttachmentSchema,
  TaskDetailSchema,
  TaskListSchema,
  TickChecklistBodySchema,
  UpdateTaskBodySchema,
} from "../tasks.js";
import { ERROR_RESPONSES, IdParamsSchema, NoContentSchema } from "./common.js";
import { defineRoute } from "./define.js";

const tags = ["tasks"];
const responses = { ...ERROR_RESPONSES, 422: ApiErrorSchema };
export const TaskAttachmentParamsSchema = IdParamsSchema.extend({ attachment_id: z.string().max(100) });

const action = (path: `/${string}`, summary: string, description: string) =>
  defineRoute({
    method: "POST",
    path,
    tags,
    summary,
    description,
    params: IdParamsSchema,
    response: { 200: TaskDetailSchema, ...responses },
  });
// Apart from `action`: a conditionally spread body is lost from the route's type, and clients derive bodies from it.
const actionWithBody = <B extends z.ZodType>(path: `/${string}`, summary: string, description: string, body: B) =>
  defineRoute({
    method: "POST",
    path,
    tags,
    summary,
    description,
    params: IdParamsSchema,
    body,
    response: { 200: TaskDetailSchema, ...responses },
  });

/** The board: tasks of a project, their state machine, and the agent's view of its own task (docs/tasks.md). */
export const taskRoutes = {
  "tasks.create": defineRoute({
    method: "POST",
    path: "/api/v1/projects/:id/tasks",
    tags,
    summary: "Create a task on the project's board (members and up); it starts in the backlog",
    params: IdParamsSchema,
    body: CreateTaskBodySchema,
    response: { 201: TaskDetailSchema, ...responses },
  }),
  "tasks.list": defineRoute({
    method: "GET",
    path: "/api/v1/projects/:id/tasks",
    tags,
    summary: "The project's tasks, for the board (filters: state, label, assignee, words)",
    params: IdParamsSchema,
    query: ListTasksQuerySchema,
    response: { 200: TaskListSchema, ...responses },
  }),
  "tasks.get": defineRoute({
    method: "GET",
    path: "/api/v1/tasks/:id",
    tags,
    summary: "A task, with its state history",
    params: IdParamsSchema,
    response: { 200: TaskDetailSchema, ...responses },
  }),
  "tasks.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/tasks/:id",
    tags,
    summary: "Edit a task: title, description, priority, labels, assignee, dependencies (members and up)",
    description: "A dependency on a task of another project, or one that would make a cycle, is refused with 422.",
    params: IdParamsSchema,
    body: UpdateTaskBodySchema,
    response: { 200: TaskDetailSchema, ...responses },
  }),
  "tasks.delete": defineRoute({
    method: "DELETE",
    path: "/api/v1/tasks/:id",
    tags,
    summary: "Delete a task that no session works on (backlog, done, cancelled or failed)",
    params: IdParamsSchema,
    response: { 204: NoContentSchema, ...responses },
  }),
  "tasks.start": action(
    "/api/v1/tasks/:id/start",
    "Start a backlog task: plan it (spec mode) or implement it (direct mode) in a new session",
    "The task starts when its dependencies are done and its column has room; until then it stays put and says why " +
      "(`waiting`). 422 when the project has no repository.",
  ),
  "tasks.approve": action(
    "/api/v1/tasks/:id/approve",
    "Approve the spec (→ implementing) or the code (→ merging: merged, or a pull request opened)",
    "409 not_in_review when the task is in neither spec_review nor code_review.",
  ),
  "tasks.requestChanges": actionWithBody(
    "/api/v1/tasks/:id/request-changes",
    "Send the open review comments (and `comments`) to the agent (→ spec_revision or code_revision)",
    "409 not_in_review when the task is not in review; 409 nothing_to_send with no open comments and no `comments`.",
    RequestChangesBodySchema,
  ),
  "tasks.cancel": action(
    "/api/v1/tasks/:id/cancel",
    "Cancel the task; its session is stopped",
    "A cancelled task can go back to the backlog (move it there).",
  ),
  "tasks.retry": action(
    "/api/v1/tasks/:id/retry",
    "Try a failed task again (planning_failed → planning, implementation_failed → implementing)",
    "409 not_failed when it did not fail.",
  ),
  "tasks.nudge": action(
    "/api/v1/tasks/:id/nudge",
    "Remind the planning agent to write the spec files it has not pushed yet",
    "409 when the task is not in planning or its agent is still working.",
  ),
  "tasks.move": actionWithBody(
    "/api/v1/tasks/:id/move",
    "Move the task to a board column (drag and drop), as the state machine allows",
    "Backlog → Planning or In progress starts it; Spec review → In progress approves the spec; Code review → Done " +
      "approves the code; anything → Backlog from cancelled. Others: 409 bad_transition naming what is allowed.",
    MoveTaskBodySchema,
  ),
  "tasks.attachments.add": defineRoute({
    method: "POST",
    path: "/api/v1/tasks/:id/attachments",
    tags,
    summary: "Attach a file; the agent finds it under specs/<number>-<slug>/attachments/ on the task branch",
    params: IdParamsSchema,
    body: AddAttachmentBodySchema,
    response: { 201: TaskAttachmentSchema, ...responses },
  }),
  "tasks.attachments.delete": defineRoute({
    method: "DELETE",
    path: "/api/v1/tasks/:id/attachments/:attachment_id",
    tags,
    summary: "Remove an attachment (before the task starts)",
    params: TaskAttachmentParamsSchema,
    response: { 204: NoContentSchema, ...responses },
  }),
  "agent.task.get": defineRoute({
    method: "GET",
    path: "/api/v1/agent/task",
    auth: "session",
    tags: ["agent"],
    summary: "The task this session works on, with its checklist (session token only)",
    response: { 200: AgentTaskSchema, ...ERROR_RESPONSES },
  }),
  "agent.task.tick": defineRoute({
    method: "POST",
    path: "/api/v1/agent/task/checklist",
    auth: "session",
    tags: ["agent"],
    summary: "Tick or untick an item of the task's checklist (session token only)",
    body: TickChecklistBodySchema,
    response: { 200: AgentTaskSchema, ...responses },
  }),
  "agent.task.ask": defineRoute({
    method: "POST",
    path: "/api/v1/agent/task/questions",
    auth: "session",
    tags: ["agent"],
    summary: "Ask the task's reviewer a question; they are notified (session token only)",
    body: AskReviewerBodySchema,
    response: { 201: z.object({ ok: z.literal(true) }), ...responses },
  }),
};
