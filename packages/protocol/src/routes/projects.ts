import { z } from "zod";
import { ApiErrorSchema } from "../errors.js";
import {
  ChangesSchema,
  CreateProjectBodySchema,
  CreateRepoBodySchema,
  MergeBodySchema,
  MergeResultSchema,
  ProjectListSchema,
  ProjectSchema,
  RepoDetailSchema,
  RepoListSchema,
  RepoSchema,
  UpdateProjectBodySchema,
} from "../projects.js";
import { ERROR_RESPONSES, IdParamsSchema, NoContentSchema } from "./common.js";
import { defineRoute } from "./define.js";

const tags = ["projects"];
export const RepoParamsSchema = z.object({ id: z.string().max(100), name: z.string().max(100) });

/** Projects, their hosted repos (docs/projects.md), and review and merge of a session's branch. */
export const projectRoutes = {
  "projects.create": defineRoute({
    method: "POST",
    path: "/api/v1/projects",
    tags,
    summary: "Create a project (personal, or a team's with team_id)",
    body: CreateProjectBodySchema,
    response: { 201: ProjectSchema, ...ERROR_RESPONSES },
  }),
  "projects.list": defineRoute({
    method: "GET",
    path: "/api/v1/projects",
    tags,
    summary: "Your projects and your teams'",
    response: { 200: ProjectListSchema, ...ERROR_RESPONSES },
  }),
  "projects.get": defineRoute({
    method: "GET",
    path: "/api/v1/projects/:id",
    tags,
    summary: "Get a project by id or slug",
    params: IdParamsSchema,
    response: { 200: ProjectSchema, ...ERROR_RESPONSES },
  }),
  "projects.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/projects/:id",
    tags,
    summary: "Change a project's name or settings (members and up)",
    params: IdParamsSchema,
    body: UpdateProjectBodySchema,
    response: { 200: ProjectSchema, ...ERROR_RESPONSES },
  }),
  "repos.create": defineRoute({
    method: "POST",
    path: "/api/v1/projects/:id/repos",
    tags,
    summary: "Create an empty repo, or import one from an http(s), ssh or git URL",
    params: IdParamsSchema,
    body: CreateRepoBodySchema,
    response: { 201: RepoSchema, ...ERROR_RESPONSES, 502: ApiErrorSchema, 504: ApiErrorSchema },
  }),
  "repos.list": defineRoute({
    method: "GET",
    path: "/api/v1/projects/:id/repos",
    tags,
    summary: "The project's repos",
    params: IdParamsSchema,
    response: { 200: RepoListSchema, ...ERROR_RESPONSES },
  }),
  "repos.get": defineRoute({
    method: "GET",
    path: "/api/v1/projects/:id/repos/:name",
    tags,
    summary: "A repo with its branches and recent commits on the default branch",
    params: RepoParamsSchema,
    response: { 200: RepoDetailSchema, ...ERROR_RESPONSES },
  }),
  "repos.delete": defineRoute({
    method: "DELETE",
    path: "/api/v1/projects/:id/repos/:name",
    tags,
    summary: "Delete a repo and its history (the project's owner, or its team's owners and admins)",
    params: RepoParamsSchema,
    response: { 204: NoContentSchema, ...ERROR_RESPONSES },
  }),
  "sessions.changes": defineRoute({
    method: "GET",
    path: "/api/v1/sessions/:id/changes",
    tags: ["sessions"],
    summary: "The session branch's changes against its base (base…head, renames detected)",
    params: IdParamsSchema,
    response: { 200: ChangesSchema, ...ERROR_RESPONSES },
  }),
  "sessions.merge": defineRoute({
    method: "POST",
    path: "/api/v1/sessions/:id/merge",
    tags: ["sessions"],
    summary: "Merge the session's branch into its base on the server; 409 merge_conflict lists the files",
    params: IdParamsSchema,
    body: MergeBodySchema,
    response: { 200: MergeResultSchema, ...ERROR_RESPONSES },
  }),
};
