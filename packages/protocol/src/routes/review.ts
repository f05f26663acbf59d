import { z } from "zod";
import { ApiErrorSchema } from "../errors.js";
import {
  CreateReviewThreadBodySchema,
  ReplyReviewThreadBodySchema,
  ResolveConflictsResultSchema,
  ReviewThreadListSchema,
  ReviewThreadSchema,
  SendReviewResultSchema,
  UpdateReviewThreadBodySchema,
} from "../review.js";
import { ERROR_RESPONSES, IdParamsSchema } from "./common.js";
import { defineRoute } from "./define.js";

const tags = ["review"];
export const ReviewThreadParamsSchema = IdParamsSchema.extend({ thread_id: z.string().max(100) });
const responses = { ...ERROR_RESPONSES, 422: ApiErrorSchema };

/** Threaded line comments on a session's changes, and handing them to its agent (docs/teams-and-projects.md). */
export const reviewRoutes = {
  "review.threads.list": defineRoute({
    method: "GET",
    path: "/api/v1/sessions/:id/review/threads",
    tags,
    summary: "The review threads on the session's changes, each marked outdated if its lines changed since",
    params: IdParamsSchema,
    response: { 200: ReviewThreadListSchema, ...responses },
  }),
  "review.threads.create": defineRoute({
    method: "POST",
    path: "/api/v1/sessions/:id/review/threads",
    tags,
    summary: "Comment on a line or a range of one side of a changed file (members and up)",
    description:
      "The path must be a file of the current changes and the lines must exist on that side: `new` at the branch " +
      "head, `old` at the merge base; otherwise 422. The thread is anchored to the head and to those lines' text.",
    params: IdParamsSchema,
    body: CreateReviewThreadBodySchema,
    response: { 201: ReviewThreadSchema, ...responses },
  }),
  "review.threads.reply": defineRoute({
    method: "POST",
    path: "/api/v1/sessions/:id/review/threads/:thread_id/comments",
    tags,
    summary: "Reply in a thread (members and up)",
    params: ReviewThreadParamsSchema,
    body: ReplyReviewThreadBodySchema,
    response: { 201: ReviewThreadSchema, ...responses },
  }),
  "review.threads.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/sessions/:id/review/threads/:thread_id",
    tags,
    summary: "Resolve or reopen a thread (members and up)",
    params: ReviewThreadParamsSchema,
    body: UpdateReviewThreadBodySchema,
    response: { 200: ReviewThreadSchema, ...responses },
  }),
  "review.send": defineRoute({
    method: "POST",
    path: "/api/v1/sessions/:id/review/send",
    tags,
    summary: "Send the open threads' new comments to the agent as one prompt with file:line context",
    description:
      "Open = not resolved, with comments the agent has not been sent yet; outdated ones go too, labelled. " +
      "409 nothing_to_send when there are none.",
    params: IdParamsSchema,
    response: { 200: SendReviewResultSchema, ...responses },
  }),
  "review.resolveConflicts": defineRoute({
    method: "POST",
    path: "/api/v1/sessions/:id/review/resolve-conflicts",
    tags,
    summary: "Ask the agent to merge the base into its branch, resolve the conflicts and push",
    params: IdParamsSchema,
    response: { 200: ResolveConflictsResultSchema, ...responses },
  }),
};
