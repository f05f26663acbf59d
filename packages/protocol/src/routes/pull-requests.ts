import { z } from "zod";
import { ApiErrorSchema } from "../errors.js";
import { RepoSchema } from "../projects.js";
import {
  OpenPullRequestBodySchema,
  PullRequestSchema,
  RepoFetchResultSchema,
  RepoPushBodySchema,
  RepoPushResultSchema,
  UpdateRepoBodySchema,
  WebhookResultSchema,
} from "../pull-requests.js";
import { ERROR_RESPONSES, IdParamsSchema } from "./common.js";
import { defineRoute } from "./define.js";

const RepoParams = z.object({ id: z.string().max(100), name: z.string().max(100) });
/** A failure of the upstream host or of git talking to it: its words and what to do are in `message`. */
const UPSTREAM_FAILURES = { 422: ApiErrorSchema, 502: ApiErrorSchema, 504: ApiErrorSchema } as const;

/**
 * A repo's upstream host (docs/teams-and-projects.md#pull-requests): its settings, on-demand fetch
 * and push, a session's pull request there, and the webhook the host reports pull request states to.
 */
export const pullRequestRoutes = {
  "repos.update": defineRoute({
    method: "PATCH",
    path: "/api/v1/projects/:id/repos/:name",
    tags: ["projects"],
    summary: "Set the repo's upstream host, its API token and webhook secret (members and up; null clears)",
    params: RepoParams,
    body: UpdateRepoBodySchema,
    response: { 200: RepoSchema, ...ERROR_RESPONSES, 422: ApiErrorSchema },
  }),
  "repos.fetch": defineRoute({
    method: "POST",
    path: "/api/v1/projects/:id/repos/:name/fetch",
    tags: ["projects"],
    summary: "Fetch from the repo's upstream: branches and tags move only by fast-forward (members and up)",
    params: RepoParams,
    response: { 200: RepoFetchResultSchema, ...ERROR_RESPONSES, ...UPSTREAM_FAILURES },
  }),
  "repos.push": defineRoute({
    method: "POST",
    path: "/api/v1/projects/:id/repos/:name/push",
    tags: ["projects"],
    summary: "Push branches (default: the default branch) to the repo's upstream, never forced (members and up)",
    params: RepoParams,
    body: RepoPushBodySchema,
    response: { 200: RepoPushResultSchema, ...ERROR_RESPONSES, ...UPSTREAM_FAILURES },
  }),
  "sessions.pullRequest.open": defineRoute({
    method: "POST",
    path: "/api/v1/sessions/:id/pull-request",
    tags: ["sessions"],
    summary:
      "Push the session's branch to the repo's upstream and open a pull request there (200 with the one already opened)",
    params: IdParamsSchema,
    body: OpenPullRequestBodySchema,
    response: { 200: PullRequestSchema, 201: PullRequestSchema, ...ERROR_RESPONSES, ...UPSTREAM_FAILURES },
  }),
  "sessions.pullRequest.get": defineRoute({
    method: "GET",
    path: "/api/v1/sessions/:id/pull-request",
    tags: ["sessions"],
    summary: "The session's pull request on the upstream host and its state; 404 when none was opened",
    params: IdParamsSchema,
    response: { 200: PullRequestSchema, ...ERROR_RESPONSES },
  }),
  "webhooks.repo": defineRoute({
    method: "POST",
    path: "/api/v1/webhooks/repos/:repo_id",
    auth: "public",
    tags: ["webhooks"],
    summary: "Where GitHub, GitLab and Gitea report pull request changes; checked against the repo's webhook secret",
    description:
      "Takes the host's own webhook deliveries (GitHub `X-Hub-Signature-256`, Gitea `X-Gitea-Signature`, GitLab " +
      "`X-Gitlab-Token`). Answers 202 for deliveries that change nothing Strand tracks.",
    params: z.object({ repo_id: z.string().max(100) }),
    response: {
      200: WebhookResultSchema,
      202: WebhookResultSchema,
      400: ApiErrorSchema,
      401: ApiErrorSchema,
      404: ApiErrorSchema,
      409: ApiErrorSchema,
      413: ApiErrorSchema,
    },
  }),
};
