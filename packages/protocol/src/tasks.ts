import { z } from "zod";

/**
 * Tasks on a project's board (docs/tasks.md): planned as a spec on the task's own branch,
 * reviewed, implemented by the same session, reviewed again, merged. One state machine, like the
 * session's: every change goes through `canTaskTransition` in one transaction.
 */
export const TASK_STATES = [
  "backlog",
  "planning",
  "spec_review",
  "spec_revision",
  "implementing",
  "code_review",
  "code_revision",
  "merging",
  "done",
  "planning_failed",
  "implementation_failed",
  "cancelled",
] as const;
export const TaskStateSchema = z.enum(TASK_STATES);
export type TaskState = z.infer<typeof TaskStateSchema>;

/** Where each state may go. `cancelled` is reachable from every state that is not final. */
export const TASK_TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  backlog: ["planning", "implementing", "cancelled"],
  planning: ["spec_review", "planning_failed", "cancelled"],
  planning_failed: ["planning", "cancelled"],
  spec_review: ["spec_revision", "implementing", "cancelled"],
  spec_revision: ["spec_review", "planning_failed", "cancelled"],
  implementing: ["code_review", "implementation_failed", "cancelled"],
  implementation_failed: ["implementing", "cancelled"],
  code_review: ["code_revision", "merging", "cancelled"],
  code_revision: ["code_review", "implementation_failed", "cancelled"],
  merging: ["done", "code_revision", "code_review", "cancelled"],
  done: [],
  cancelled: ["backlog"],
};

export function canTaskTransition(from: TaskState, to: TaskState): boolean {
  return TASK_TRANSITIONS[from].includes(to);
}

/** States in which an agent turn is working for the task (its session is busy on it). */
export const TASK_WORKING_STATES: readonly TaskState[] = ["planning", "spec_revision", "implementing", "code_revision"];

/** The board's columns, left to right, and the states each shows. */
export const BOARD_COLUMNS = ["backlog", "planning", "spec_review", "in_progress", "code_review", "done"] as const;
export type BoardColumn = (typeof BOARD_COLUMNS)[number];
export const BOARD_COLUMN_TITLES: Readonly<Record<BoardColumn, string>> = {
  backlog: "Backlog",
  planning: "Planning",
  spec_review: "Spec review",
  in_progress: "In progress",
  code_review: "Code review",
  done: "Done",
};
export const COLUMN_OF_STATE: Readonly<Record<TaskState, BoardColumn>> = {
  backlog: "backlog",
  planning: "planning",
  planning_failed: "planning",
  spec_review: "spec_review",
  spec_revision: "spec_review",
  implementing: "in_progress",
  implementation_failed: "in_progress",
  code_review: "code_review",
  code_revision: "code_review",
  merging: "code_review",
  done: "done",
  cancelled: "done",
};

/** Columns with a WIP limit, and the defaults (a project's `wip_limits` overrides them). */
export const WIP_COLUMNS = ["planning", "spec_review", "in_progress"] as const;
export type WipColumn = (typeof WIP_COLUMNS)[number];
export const DEFAULT_WIP_LIMITS: Readonly<Record<WipColumn, number>> = { planning: 3, spec_review: 5, in_progress: 5 };
/** States that count against a column's WIP limit (failed tasks hold no agent, so they do not). */
export const WIP_STATES: Readonly<Record<WipColumn, readonly TaskState[]>> = {
  planning: ["planning"],
  spec_review: ["spec_review", "spec_revision"],
  in_progress: ["implementing"],
};
export const WipLimitsSchema = z
  .strictObject({
    planning: z.number().int().min(1).max(1000).optional(),
    spec_review: z.number().int().min(1).max(1000).optional(),
    in_progress: z.number().int().min(1).max(1000).optional(),
  })
  .meta({ id: "WipLimits" });
export type WipLimits = z.infer<typeof WipLimitsSchema>;

export const TASK_MODES = ["spec", "direct"] as const;
export const TaskModeSchema = z.enum(TASK_MODES, {
  error: () => "mode must be spec (plan and review a spec first) or direct (implement at once)",
});
export type TaskMode = z.infer<typeof TaskModeSchema>;

export const TASK_PRIORITIES = ["low", "medium", "high", "urgent"] as const;
export const TaskPrioritySchema = z.enum(TASK_PRIORITIES, {
  error: () => "priority must be one of: low, medium, high, urgent",
});
export type TaskPriority = z.infer<typeof TaskPrioritySchema>;

/** The spec documents a planning turn writes, under specs/<number>-<slug>/. */
export const SPEC_DOCUMENTS = ["requirements", "design", "tasks"] as const;
export const SpecDocumentNameSchema = z.enum(SPEC_DOCUMENTS, {
  error: () => "document must be one of: requirements, design, tasks",
});
export type SpecDocumentName = z.infer<typeof SpecDocumentNameSchema>;

/** Who caused a transition: a person, the task's agent (its session), or the orchestrator. */
export const TaskActorSchema = z
  .object({
    kind: z.enum(["user", "agent", "system"]),
    id: z.string().nullable().describe("The person's user id, or the agent's session id; null for system."),
    email: z.string().nullable().describe("The person's email, when a person did it."),
  })
  .meta({ id: "TaskActor" });
export type TaskActor = z.infer<typeof TaskActorSchema>;

export const TaskTransitionSchema = z
  .object({
    from: TaskStateSchema.nullable(),
    to: TaskStateSchema,
    by: TaskActorSchema,
    reason: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: "TaskTransition" });
export type TaskTransition = z.infer<typeof TaskTransitionSchema>;

export const TaskAttachmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    content_type: z.string(),
    size: z.number().int(),
    created_at: z.string(),
  })
  .meta({ id: "TaskAttachment" });
export type TaskAttachment = z.infer<typeof TaskAttachmentSchema>;

export const TaskSchema = z
  .object({
    id: z.string(),
    project_id: z.string(),
    number: z.number().int().describe("#1, #2, … within the project."),
    slug: z.string().describe("From the title; the branch is <prefix><number>-<slug>."),
    title: z.string(),
    description: z.string(),
    mode: TaskModeSchema,
    state: TaskStateSchema,
    column: z.enum(BOARD_COLUMNS).describe("The board column its state shows in."),
    state_reason: z.string().nullable().describe("Why it is in its state: a failure, the spec files still missing."),
    waiting: z
      .string()
      .nullable()
      .describe(
        'Why it does not move on though asked to, e.g. "waiting: 5 of 5 in progress"; null when nothing holds it.',
      ),
    queued_for: TaskStateSchema.nullable().describe("Where it was asked to go and is held back from."),
    priority: TaskPrioritySchema,
    labels: z.array(z.string()),
    assignee_id: z.string().nullable(),
    assignee_email: z.string().nullable(),
    depends_on: z.array(z.string()).describe("Ids of the tasks it waits for."),
    attachments: z.array(TaskAttachmentSchema),
    repo: z.string().nullable(),
    session_id: z.string().nullable().describe("The session working on it (planning and implementing)."),
    branch: z.string().nullable(),
    spec_path: z.string().describe("specs/<number>-<slug>: where its spec documents live on the branch."),
    progress: z
      .object({ done: z.number().int(), total: z.number().int() })
      .describe("The tasks.md checklist: items ticked of all."),
    pull_request: z
      .object({ url: z.string(), state: z.string() })
      .nullable()
      .describe("The upstream PR its approval opened, if the repo has an upstream."),
    state_changed_at: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Task" });
export type Task = z.infer<typeof TaskSchema>;

export const TaskDetailSchema = TaskSchema.extend({
  transitions: z.array(TaskTransitionSchema).describe("Oldest first."),
  can_control: z.boolean().describe("Whether you may start, approve, request changes, cancel and edit it."),
}).meta({ id: "TaskDetail" });
export type TaskDetail = z.infer<typeof TaskDetailSchema>;

export const TaskListSchema = z
  .object({
    items: z.array(TaskSchema),
    wip_limits: z.object({ planning: z.number(), spec_review: z.number(), in_progress: z.number() }),
  })
  .meta({ id: "TaskList" });
export type TaskList = z.infer<typeof TaskListSchema>;

const titleSchema = z
  .string()
  .trim()
  .min(1, "title must not be empty: say what the task is")
  .max(200, "title must be at most 200 characters");
const labelsSchema = z
  .array(z.string().trim().min(1).max(40, "a label is at most 40 characters"))
  .max(20, "at most 20 labels");

export const CreateTaskBodySchema = z
  .strictObject({
    title: titleSchema,
    description: z.string().max(50_000).default(""),
    mode: TaskModeSchema.default("spec"),
    priority: TaskPrioritySchema.default("medium"),
    labels: labelsSchema.default([]),
    assignee_id: z.string().max(100).nullable().optional(),
    depends_on: z.array(z.string().max(100)).max(50).default([]).describe("Ids of tasks of the same project."),
    repo: z.string().max(100).optional().describe("Default: the project's first repo."),
  })
  .meta({ id: "CreateTaskBody" });
export type CreateTaskBody = z.input<typeof CreateTaskBodySchema>;

export const UpdateTaskBodySchema = z
  .strictObject({
    title: titleSchema.optional(),
    description: z.string().max(50_000).optional(),
    priority: TaskPrioritySchema.optional(),
    labels: labelsSchema.optional(),
    assignee_id: z.string().max(100).nullable().optional(),
    depends_on: z.array(z.string().max(100)).max(50).optional(),
  })
  .meta({ id: "UpdateTaskBody" });
export type UpdateTaskBody = z.input<typeof UpdateTaskBodySchema>;

export const ListTasksQuerySchema = z.object({
  state: TaskStateSchema.optional(),
  label: z.string().max(40).optional(),
  assignee_id: z.string().max(100).optional(),
  q: z.string().max(200).optional().describe("Words in the title or description."),
});
export type ListTasksQuery = z.infer<typeof ListTasksQuerySchema>;

export const RequestChangesBodySchema = z
  .strictObject({
    comments: z
      .string()
      .max(50_000)
      .optional()
      .describe("Extra words for the agent, beside the open review comments (spec or code) it is sent."),
  })
  .meta({ id: "RequestChangesBody" });
export type RequestChangesBody = z.input<typeof RequestChangesBodySchema>;

/** Drag on the board: move to a column; the server picks the state and refuses what the state machine does not allow. */
export const MoveTaskBodySchema = z
  .strictObject({
    column: z.enum(BOARD_COLUMNS, { error: () => `column must be one of: ${BOARD_COLUMNS.join(", ")}` }),
  })
  .meta({ id: "MoveTaskBody" });
export type MoveTaskBody = z.input<typeof MoveTaskBodySchema>;

export const AddAttachmentBodySchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._ -]+$/, "an attachment's name may hold letters, digits, space, . _ and - only"),
    content_type: z.string().max(200).default("application/octet-stream"),
    content_base64: z.string().max(14_000_000, "an attachment is at most 10 MiB"),
  })
  .meta({ id: "AddAttachmentBody" });
export type AddAttachmentBody = z.input<typeof AddAttachmentBodySchema>;

// ---- The agent's own task (session token) ----

export const ChecklistItemSchema = z.object({ index: z.number().int(), text: z.string(), done: z.boolean() });
export type ChecklistItem = z.infer<typeof ChecklistItemSchema>;

export const AgentTaskSchema = z
  .object({
    task: TaskSchema,
    checklist: z.array(ChecklistItemSchema).describe("The tasks.md checklist at the branch head, with your ticks."),
  })
  .meta({ id: "AgentTask" });
export type AgentTask = z.infer<typeof AgentTaskSchema>;

export const TickChecklistBodySchema = z
  .strictObject({
    index: z.number().int().min(0).describe("The item's index in `checklist`."),
    done: z.boolean(),
  })
  .meta({ id: "TickChecklistBody" });
export type TickChecklistBody = z.input<typeof TickChecklistBodySchema>;

export const AskReviewerBodySchema = z
  .strictObject({ question: z.string().trim().min(1, "question must not be empty").max(10_000) })
  .meta({ id: "AskReviewerBody" });
export type AskReviewerBody = z.input<typeof AskReviewerBodySchema>;

/** What a `task.updated` / `task.deleted` event carries (project scope). */
export const TaskChangeSchema = z.object({
  task: TaskSchema,
  transition: TaskTransitionSchema.nullable().describe("Set when the state changed."),
});
export type TaskChange = z.infer<typeof TaskChangeSchema>;
