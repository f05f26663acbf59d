import { z } from "zod";
import { ApiErrorSchema } from "../errors.js";
import {
  CreateSpecThreadBodySchema,
  ReplySpecThreadBodySchema,
  SpecDiffQuerySchema,
  SpecDiffSchema,
  SpecQuerySchema,
  SpecRevisionListSchema,
  SpecSchema,
  SpecThreadListSchema,
  SpecThreadSchema,
  UpdateSpecThreadBodySchema,
} from "../specs.js";
import { ERROR_RESPONSES, IdParamsSchema } from "./common.js";
import { defineRoute } from "./define.js";

const tags = ["specs"];
const responses = { ...ERROR_RESPONSES, 422: ApiErrorSchema };
export const SpecThreadParamsSchema = IdParamsSchema.extend({ thread_id: z.string().max(100) });

/** A task's spec documents, their revisions, and review comments on selections of them. */
export const specRoutes = {
  "specs.get": defineRoute({
    method: "GET",
    path: "/api/v1/tasks/:id/spec",
    tags,
    summary: "The task's spec documents at a revision (default: the latest)",
    params: IdParamsSchema,
    query: SpecQuerySchema,
    response: { 200: SpecSchema, ...responses },
  }),
  "specs.revisions": defineRoute({
    method: "GET",
    path: "/api/v1/tasks/:id/spec/revisions",
    tags,
    summary: "Each push that changed the spec documents, oldest first",
    params: IdParamsSchema,
    response: { 200: SpecRevisionListSchema, ...responses },
  }),
  "specs.diff": defineRoute({
    method: "GET",
    path: "/api/v1/tasks/:id/spec/diff",
    tags,
    summary: "What changed in the spec documents between two revisions",
    params: IdParamsSchema,
    query: SpecDiffQuerySchema,
    response: { 200: SpecDiffSchema, ...responses },
  }),
  "specs.threads.list": defineRoute({
    method: "GET",
    path: "/api/v1/tasks/:id/spec/threads",
    tags,
    summary: "Review threads on the spec, each marked outdated when the latest revision lost its quoted text",
    params: IdParamsSchema,
    response: { 200: SpecThreadListSchema, ...responses },
  }),
  "specs.threads.create": defineRoute({
    method: "POST",
    path: "/api/v1/tasks/:id/spec/threads",
    tags,
    summary: "Comment on a selection of a spec document (members and up)",
    description: "The quote must occur in the document at the latest revision; otherwise 422 quote_not_found.",
    params: IdParamsSchema,
    body: CreateSpecThreadBodySchema,
    response: { 201: SpecThreadSchema, ...responses },
  }),
  "specs.threads.reply": defineRoute({
    method: "POST",
    path: "/api/v1/tasks/:id/spec/threads/:thread_id/comments",
    tags,
    summary: "Reply in a spec thread (members and up)",
    params: SpecThreadParamsSchema,
    body: ReplySpecThreadBodySchema,
    response: { 201: SpecThreadSchema, ...responses },
  }),
  "specs.threads.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/tasks/:id/spec/threads/:thread_id",
    tags,
    summary: "Resolve or reopen a spec thread (members and up)",
    params: SpecThreadParamsSchema,
    body: UpdateSpecThreadBodySchema,
    response: { 200: SpecThreadSchema, ...responses },
  }),
};
