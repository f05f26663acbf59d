import { ApiErrorSchema } from "../errors.js";
import {
  CreateKnowledgeSourceBodySchema,
  KnowledgeDocumentListSchema,
  KnowledgeDocumentParamsSchema,
  KnowledgeDocumentSchema,
  KnowledgeDocumentsQuerySchema,
  KnowledgeDocumentWithChunksSchema,
  KnowledgeListQuerySchema,
  KnowledgeSourceListSchema,
  KnowledgeSourceSchema,
  KnowledgeTestResultSchema,
  KnowledgeUploadResultSchema,
  PutKnowledgeDocumentBodySchema,
  TestKnowledgeConfigBodySchema,
  UpdateKnowledgeSourceBodySchema,
} from "../knowledge.js";
import { ERROR_RESPONSES, IdParamsSchema } from "./common.js";
import { defineRoute } from "./define.js";

const tags = ["knowledge"];

/** Knowledge sources of teams and projects (docs/knowledge.md). */
export const knowledgeRoutes = {
  "knowledge.create": defineRoute({
    method: "POST",
    path: "/api/v1/knowledge",
    tags,
    summary: "Attach a knowledge source to a team or a project; secrets in config are sealed and never returned",
    body: CreateKnowledgeSourceBodySchema,
    response: { 201: KnowledgeSourceSchema, ...ERROR_RESPONSES },
  }),
  "knowledge.list": defineRoute({
    method: "GET",
    path: "/api/v1/knowledge",
    tags,
    summary: "The knowledge sources you may see, optionally of one team or project",
    query: KnowledgeListQuerySchema,
    response: { 200: KnowledgeSourceListSchema, ...ERROR_RESPONSES },
  }),
  "knowledge.get": defineRoute({
    method: "GET",
    path: "/api/v1/knowledge/:id",
    tags,
    summary: "One knowledge source with its state and progress",
    params: IdParamsSchema,
    response: { 200: KnowledgeSourceSchema, ...ERROR_RESPONSES },
  }),
  "knowledge.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/knowledge/:id",
    tags,
    summary: "Rename a source, or change its description, settings or schedule",
    params: IdParamsSchema,
    body: UpdateKnowledgeSourceBodySchema,
    response: { 200: KnowledgeSourceSchema, ...ERROR_RESPONSES },
  }),
  "knowledge.delete": defineRoute({
    method: "DELETE",
    path: "/api/v1/knowledge/:id",
    tags,
    summary: "Delete a source with its documents and chunks",
    params: IdParamsSchema,
    response: { 200: KnowledgeSourceSchema, ...ERROR_RESPONSES },
  }),
  "knowledge.sync": defineRoute({
    method: "POST",
    path: "/api/v1/knowledge/:id/sync",
    tags,
    summary: "Sync now: the sync runner picks the source up at once",
    params: IdParamsSchema,
    response: { 202: KnowledgeSourceSchema, ...ERROR_RESPONSES },
  }),
  "knowledge.testConfig": defineRoute({
    method: "POST",
    path: "/api/v1/knowledge/test",
    tags,
    summary:
      "Test connection before saving: checks a Jira or Confluence URL and credentials (ok: false says what is wrong)",
    body: TestKnowledgeConfigBodySchema,
    response: { 200: KnowledgeTestResultSchema, ...ERROR_RESPONSES },
  }),
  "knowledge.test": defineRoute({
    method: "POST",
    path: "/api/v1/knowledge/:id/test",
    tags,
    summary: "Test connection of a saved source with its stored credentials",
    params: IdParamsSchema,
    response: { 200: KnowledgeTestResultSchema, ...ERROR_RESPONSES },
  }),
  "knowledge.upload": defineRoute({
    method: "POST",
    path: "/api/v1/knowledge/:id/files",
    tags,
    summary:
      "Upload files or zips (multipart/form-data, at most 200 MB each) to a files source; indexed before the answer",
    description:
      "Each file becomes a document named by its file name (a zip: one per member, by its path). A file that " +
      "cannot be indexed is listed with state error and its reason; the rest is indexed. Re-uploading a changed " +
      "file replaces its chunks; an unchanged one is not indexed again.",
    params: IdParamsSchema,
    response: { 200: KnowledgeUploadResultSchema, 413: ApiErrorSchema, ...ERROR_RESPONSES },
  }),
  "knowledge.documents": defineRoute({
    method: "GET",
    path: "/api/v1/knowledge/:id/documents",
    tags,
    summary: "The source's documents, errors included, by external id",
    params: IdParamsSchema,
    query: KnowledgeDocumentsQuerySchema,
    response: { 200: KnowledgeDocumentListSchema, ...ERROR_RESPONSES },
  }),
  "knowledge.document": defineRoute({
    method: "GET",
    path: "/api/v1/knowledge/:id/documents/:doc_id",
    tags,
    summary: "One document with its chunks, by external id",
    params: KnowledgeDocumentParamsSchema,
    response: { 200: KnowledgeDocumentWithChunksSchema, ...ERROR_RESPONSES },
  }),
  "knowledge.putDocument": defineRoute({
    method: "PUT",
    path: "/api/v1/knowledge/:id/documents/:doc_id",
    tags,
    summary: "Add or replace a pushed document (kind api only); an unchanged one is not indexed again",
    params: KnowledgeDocumentParamsSchema,
    body: PutKnowledgeDocumentBodySchema,
    response: { 200: KnowledgeDocumentSchema, ...ERROR_RESPONSES },
  }),
  "knowledge.deleteDocument": defineRoute({
    method: "DELETE",
    path: "/api/v1/knowledge/:id/documents/:doc_id",
    tags,
    summary: "Remove a pushed document and its chunks (kind api only)",
    params: KnowledgeDocumentParamsSchema,
    response: { 200: KnowledgeDocumentSchema, ...ERROR_RESPONSES },
  }),
} as const;
