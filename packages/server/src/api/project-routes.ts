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
} from "@strand/protocol";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { listBranches, recentCommits } from "../git/index.js";
import { actorOf } from "../policy/policy.js";
import { type RepoRow, toRepo } from "../projects/to-project.js";
import { ERROR_RESPONSES } from "./error-responses.js";
import { caller } from "./require-auth.js";

const ProjectParams = z.object({ id: z.string().max(100) });
const RepoParams = z.object({ id: z.string().max(100), name: z.string().max(100) });
const errors = ERROR_RESPONSES;

/** Clone URLs in answers use the origin the caller reached us at. */
const originOf = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

export const projectRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = ctx.projects;
  const tags = ["projects"];
  const actor = (req: FastifyRequest) => actorOf(caller(req));

  app.post(
    "/projects",
    {
      schema: {
        tags,
        summary: "Create a project (personal, or a team's with team_id)",
        body: CreateProjectBodySchema,
        response: { 201: ProjectSchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await svc.create(actor(req), req.body)),
  );

  app.get(
    "/projects",
    { schema: { tags, summary: "Your projects and your teams'", response: { 200: ProjectListSchema, ...errors } } },
    async (req) => ({ items: await svc.list(actor(req)) }),
  );

  app.get(
    "/projects/:id",
    {
      schema: {
        tags,
        summary: "Get a project by id or slug",
        params: ProjectParams,
        response: { 200: ProjectSchema, ...errors },
      },
    },
    async (req) => svc.get(actor(req), req.params.id),
  );

  app.patch(
    "/projects/:id",
    {
      schema: {
        tags,
        summary: "Change a project's name or settings (members and up)",
        params: ProjectParams,
        body: UpdateProjectBodySchema,
        response: { 200: ProjectSchema, ...errors },
      },
    },
    async (req) => svc.update(actor(req), req.params.id, req.body),
  );

  app.post(
    "/projects/:id/repos",
    {
      schema: {
        tags,
        summary: "Create an empty repo, or import one from an http(s), ssh or git URL",
        params: ProjectParams,
        body: CreateRepoBodySchema,
        response: { 201: RepoSchema, ...errors, 502: errors[400], 504: errors[400] },
      },
    },
    async (req, reply) => {
      const { project, repo } = await svc.createRepo(actor(req), req.params.id, req.body);
      return reply.code(201).send(toRepo(repo, project.slug, originOf(req)));
    },
  );

  app.get(
    "/projects/:id/repos",
    {
      schema: {
        tags,
        summary: "The project's repos",
        params: ProjectParams,
        response: { 200: RepoListSchema, ...errors },
      },
    },
    async (req) => {
      const project = await svc.row(actor(req), req.params.id, "view");
      return { items: (await svc.repos(project)).map((r: RepoRow) => toRepo(r, project.slug, originOf(req))) };
    },
  );

  app.get(
    "/projects/:id/repos/:name",
    {
      schema: {
        tags,
        summary: "A repo with its branches and recent commits on the default branch",
        params: RepoParams,
        response: { 200: RepoDetailSchema, ...errors },
      },
    },
    async (req) => {
      const project = await svc.row(actor(req), req.params.id, "view");
      const repo = await svc.repo(project, req.params.name);
      const path = svc.store.pathFor(project.slug, repo.name);
      const branches = await listBranches(path);
      const commits = branches.some((b) => b.name === repo.defaultBranch)
        ? await recentCommits(path, repo.defaultBranch, 20)
        : [];
      return { ...toRepo(repo, project.slug, originOf(req)), branches, recent_commits: commits };
    },
  );
};

const SessionParams = z.object({ id: z.string().max(100) });

/** Review and merge of a project session's branch. */
export const reviewRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const tags = ["sessions"];
  const actor = (req: FastifyRequest) => actorOf(caller(req));

  app.get(
    "/sessions/:id/changes",
    {
      schema: {
        tags,
        summary: "The session branch's changes against its base (base…head, renames detected)",
        params: SessionParams,
        response: { 200: ChangesSchema, ...errors },
      },
    },
    async (req) => ctx.review.changes(actor(req), req.params.id),
  );

  app.post(
    "/sessions/:id/merge",
    {
      schema: {
        tags,
        summary: "Merge the session's branch into its base on the server; 409 merge_conflict lists the files",
        params: SessionParams,
        body: MergeBodySchema,
        response: { 200: MergeResultSchema, ...errors },
      },
    },
    async (req) => ctx.review.merge(actor(req), req.params.id, req.body.strategy),
  );
};
