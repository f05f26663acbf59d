import { z } from "zod";

/**
 * Review of a session's changes: threads of comments anchored to lines of one side of a file's diff.
 * `new` = lines of the file at the branch head, `old` = lines of the file at the merge base (a
 * removed line). Threads outlive pushes; a thread whose lines' text changed since it was written is
 * `outdated`, never moved or deleted (docs/teams-and-projects.md, "Review").
 */
export const REVIEW_SIDES = ["old", "new"] as const;
export const ReviewSideSchema = z.enum(REVIEW_SIDES, {
  error: () => "side must be old (the base's lines, for a removed line) or new (the head's lines)",
});
export type ReviewSide = z.infer<typeof ReviewSideSchema>;

export const ReviewCommentSchema = z
  .object({
    id: z.string(),
    author_id: z.string(),
    author_email: z.string(),
    body: z.string(),
    created_at: z.string(),
  })
  .meta({ id: "ReviewComment" });
export type ReviewComment = z.infer<typeof ReviewCommentSchema>;

export const ReviewThreadSchema = z
  .object({
    id: z.string(),
    session_id: z.string(),
    path: z.string().describe("The file's path on its side: at the head for new, at the merge base for old."),
    side: ReviewSideSchema,
    start_line: z.number().int(),
    end_line: z.number().int(),
    commit: z.string().describe("The branch head the thread was written against."),
    anchor: z.string().describe("The text of the anchored lines at `commit` (side old: at the merge base)."),
    outdated: z
      .boolean()
      .describe("Those lines read differently now (or are gone): the thread stays, marked, where it was written."),
    resolved: z.boolean(),
    resolved_by: z.string().nullable(),
    resolved_at: z.string().nullable(),
    sent_at: z.string().nullable().describe("When its comments were last sent to the agent."),
    unsent: z.boolean().describe("Has comments the agent has not been sent yet (what Send to agent sends, if open)."),
    created_at: z.string(),
    updated_at: z.string(),
    comments: z.array(ReviewCommentSchema),
  })
  .meta({ id: "ReviewThread" });
export type ReviewThread = z.infer<typeof ReviewThreadSchema>;

export const ReviewThreadListSchema = z
  .object({
    items: z.array(ReviewThreadSchema).describe("Oldest first."),
    head: z.string().nullable().describe("The branch head `outdated` was judged against (null: nothing pushed)."),
    can_control: z.boolean().describe("Whether you may comment, resolve, send to the agent and merge."),
  })
  .meta({ id: "ReviewThreadList" });
export type ReviewThreadList = z.infer<typeof ReviewThreadListSchema>;

const bodySchema = z
  .string()
  .refine((s) => s.trim().length > 0, "body must not be empty: write the comment")
  .refine((s) => s.length <= 20_000, "body must be at most 20000 characters");

const lineSchema = (name: string) =>
  z
    .number({ error: () => `${name} must be a line number (1 or more)` })
    .int(`${name} must be a whole line number`)
    .min(1, `${name} must be 1 or more: lines count from 1`)
    .max(10_000_000);

export const CreateReviewThreadBodySchema = z
  .strictObject({
    path: z.string().min(1, "path must name a file of the changes").max(4096),
    side: ReviewSideSchema.default("new"),
    start_line: lineSchema("start_line"),
    end_line: lineSchema("end_line").optional().describe("Last line of a range (default: start_line)."),
    body: bodySchema,
  })
  .refine((b) => b.end_line === undefined || b.end_line >= b.start_line, {
    message: "end_line must not be before start_line",
    path: ["end_line"],
  })
  .meta({ id: "CreateReviewThreadBody" });
export type CreateReviewThreadBody = z.input<typeof CreateReviewThreadBodySchema>;

export const ReplyReviewThreadBodySchema = z.strictObject({ body: bodySchema }).meta({ id: "ReplyReviewThreadBody" });
export type ReplyReviewThreadBody = z.input<typeof ReplyReviewThreadBodySchema>;

export const UpdateReviewThreadBodySchema = z
  .strictObject({ resolved: z.boolean({ error: () => "resolved must be true or false" }) })
  .meta({ id: "UpdateReviewThreadBody" });
export type UpdateReviewThreadBody = z.input<typeof UpdateReviewThreadBodySchema>;

export const SendReviewResultSchema = z
  .object({
    sent: z.number().int().describe("How many threads the prompt carries."),
    prompt: z.string().describe("The prompt as the agent receives it."),
    entry_id: z.string().describe("The conversation entry of the prompt."),
  })
  .meta({ id: "SendReviewResult" });
export type SendReviewResult = z.infer<typeof SendReviewResultSchema>;

export const ResolveConflictsResultSchema = z
  .object({
    files: z.array(z.string()).describe("The files a trial merge reports as conflicting (may be empty)."),
    prompt: z.string(),
    entry_id: z.string(),
  })
  .meta({ id: "ResolveConflictsResult" });
export type ResolveConflictsResult = z.infer<typeof ResolveConflictsResultSchema>;

/** What a `review.updated` event says changed; a Changes tab reads its threads (and diff) again. */
export const REVIEW_CHANGES = ["thread", "sent", "branch"] as const;
export const ReviewChangeSchema = z.object({
  what: z
    .enum(REVIEW_CHANGES)
    .describe("thread: created, replied to, resolved; sent: sent to the agent; branch: moved"),
  thread_id: z.string().nullable(),
});
export type ReviewChange = z.infer<typeof ReviewChangeSchema>;
