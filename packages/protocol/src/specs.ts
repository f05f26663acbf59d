import { z } from "zod";
import { SpecDocumentNameSchema } from "./tasks.js";

/**
 * A task's spec: requirements.md, design.md and tasks.md under specs/<number>-<slug>/ on the task's
 * branch. Each push that changes them is a revision; review comments sit on a selection of one
 * document and are outdated when a later revision no longer has the selected text.
 */
export const SpecDocumentSchema = z
  .object({
    name: SpecDocumentNameSchema,
    path: z.string().describe("specs/<number>-<slug>/<name>.md"),
    content: z.string().nullable().describe("Markdown; null when the file is not on the branch (yet)."),
  })
  .meta({ id: "SpecDocument" });
export type SpecDocument = z.infer<typeof SpecDocumentSchema>;

export const SpecSchema = z
  .object({
    revision: z.number().int().nullable().describe("The revision shown; null when nothing has been pushed."),
    commit: z.string().nullable(),
    latest_revision: z.number().int().nullable(),
    documents: z.array(SpecDocumentSchema).describe("requirements, design, tasks, in that order."),
    missing: z.array(SpecDocumentNameSchema).describe("The documents not on the branch at that revision."),
  })
  .meta({ id: "Spec" });
export type Spec = z.infer<typeof SpecSchema>;

export const SpecQuerySchema = z.object({
  revision: z.coerce.number().int().min(1).optional().describe("Default: the latest."),
});

export const SpecRevisionSchema = z
  .object({ number: z.number().int(), commit: z.string(), created_at: z.string() })
  .meta({ id: "SpecRevision" });
export type SpecRevision = z.infer<typeof SpecRevisionSchema>;
export const SpecRevisionListSchema = z
  .object({ items: z.array(SpecRevisionSchema).describe("Oldest first.") })
  .meta({ id: "SpecRevisionList" });
export type SpecRevisionList = z.infer<typeof SpecRevisionListSchema>;

export const SpecDiffQuerySchema = z.object({
  from: z.coerce.number().int().min(1).describe("The older revision."),
  to: z.coerce.number().int().min(1).optional().describe("Default: the latest."),
});
export const SpecDiffSchema = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    files: z.array(
      z.object({
        document: SpecDocumentNameSchema,
        path: z.string(),
        additions: z.number().int(),
        deletions: z.number().int(),
        patch: z.string().describe("Unified diff; empty when the document did not change."),
      }),
    ),
  })
  .meta({ id: "SpecDiff" });
export type SpecDiff = z.infer<typeof SpecDiffSchema>;

export const SpecCommentSchema = z
  .object({
    id: z.string(),
    author_id: z.string().nullable().describe("Null: the agent wrote it."),
    author_email: z.string().nullable(),
    body: z.string(),
    created_at: z.string(),
  })
  .meta({ id: "SpecComment" });
export type SpecComment = z.infer<typeof SpecCommentSchema>;

export const SpecThreadSchema = z
  .object({
    id: z.string(),
    task_id: z.string(),
    document: SpecDocumentNameSchema,
    quote: z.string().describe("The selected text."),
    prefix: z.string().describe("Text just before the selection, to place it when the quote recurs."),
    suffix: z.string(),
    revision: z.number().int().describe("The revision the selection was made on."),
    outdated: z.boolean().describe("The latest revision's document no longer contains the quote."),
    resolved: z.boolean(),
    resolved_by: z.string().nullable(),
    resolved_at: z.string().nullable(),
    sent_at: z.string().nullable().describe("When its comments were last sent to the agent."),
    unsent: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    comments: z.array(SpecCommentSchema),
  })
  .meta({ id: "SpecThread" });
export type SpecThread = z.infer<typeof SpecThreadSchema>;

export const SpecThreadListSchema = z
  .object({ items: z.array(SpecThreadSchema).describe("Oldest first."), can_control: z.boolean() })
  .meta({ id: "SpecThreadList" });
export type SpecThreadList = z.infer<typeof SpecThreadListSchema>;

const bodySchema = z
  .string()
  .refine((s) => s.trim().length > 0, "body must not be empty: write the comment")
  .refine((s) => s.length <= 20_000, "body must be at most 20000 characters");

export const CreateSpecThreadBodySchema = z
  .strictObject({
    document: SpecDocumentNameSchema,
    quote: z
      .string()
      .refine((s) => s.trim().length > 0, "quote must not be empty: select the text the comment is about")
      .refine((s) => s.length <= 5_000, "quote must be at most 5000 characters"),
    prefix: z.string().max(200).default(""),
    suffix: z.string().max(200).default(""),
    body: bodySchema,
  })
  .meta({ id: "CreateSpecThreadBody" });
export type CreateSpecThreadBody = z.input<typeof CreateSpecThreadBodySchema>;

export const ReplySpecThreadBodySchema = z.strictObject({ body: bodySchema }).meta({ id: "ReplySpecThreadBody" });
export type ReplySpecThreadBody = z.input<typeof ReplySpecThreadBodySchema>;

export const UpdateSpecThreadBodySchema = z
  .strictObject({ resolved: z.boolean({ error: () => "resolved must be true or false" }) })
  .meta({ id: "UpdateSpecThreadBody" });
export type UpdateSpecThreadBody = z.input<typeof UpdateSpecThreadBodySchema>;
