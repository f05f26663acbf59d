import { z } from "zod";

/** The upstream hosts Strand opens pull requests on (GitHub Enterprise, self-managed GitLab, Forgejo included). */
export const HOST_KINDS = ["github", "gitlab", "gitea"] as const;
export const HostKindSchema = z.enum(HOST_KINDS, {
  error: () => "host_kind must be one of: github, gitlab, gitea",
});
export type HostKindName = z.infer<typeof HostKindSchema>;

export const PULL_REQUEST_STATES = ["open", "merged", "closed"] as const;
export const PullRequestStateSchema = z.enum(PULL_REQUEST_STATES);
export type PullRequestStateName = z.infer<typeof PullRequestStateSchema>;

export const PullRequestSchema = z
  .object({
    number: z.number().int().describe("The number people see: GitHub's and Gitea's #12, GitLab's !12."),
    url: z.string().describe("The pull request's page on the host."),
    state: PullRequestStateSchema.describe("Follows the host's webhooks, with polling as the fallback."),
    host_kind: HostKindSchema,
    head: z.string().describe("The session's branch, pushed to the upstream."),
    base: z.string().describe("The branch it asks to merge into."),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "PullRequest" });
export type PullRequest = z.infer<typeof PullRequestSchema>;

/** How a repo's pull requests reach its upstream host; never the token or the webhook secret themselves. */
export const RepoPullRequestSettingsSchema = z
  .object({
    host_kind: HostKindSchema,
    api_base: z.string().describe("The host's REST API that pull requests are opened through."),
    token_set: z.boolean().describe("Whether a host token is stored (needed to open pull requests)."),
    webhook_secret_set: z.boolean().describe("Whether a webhook secret is stored (needed to accept webhooks)."),
    webhook_url: z.string().describe("Give this URL to the host's webhook settings, with the same secret."),
  })
  .meta({ id: "RepoPullRequestSettings" });
export type RepoPullRequestSettings = z.infer<typeof RepoPullRequestSettingsSchema>;

const secretSchema = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty; send null to clear it`)
    .max(4096, `${what} must be at most 4096 characters`)
    .nullable()
    .optional();

export const UpdateRepoBodySchema = z
  .strictObject({
    host_kind: HostKindSchema.nullable()
      .optional()
      .describe(
        "Which software serves the upstream; needed unless it is github.com, gitlab.com, gitea.com or codeberg.org.",
      ),
    host_api_base: z
      .url({ protocol: /^https?$/, error: "host_api_base must be an http(s) URL, e.g. https://git.example.com/api/v1" })
      .max(2000)
      .nullable()
      .optional()
      .describe("The host's REST API when not at the kind's usual place (/api/v3, /api/v4, /api/v1 on the same host)."),
    host_token: secretSchema("host_token").describe(
      "Token for the host's REST API (opens pull requests, reads their state); stored encrypted, never returned.",
    ),
    webhook_secret: secretSchema("webhook_secret").describe(
      "The secret the host signs webhooks with; stored encrypted, never returned.",
    ),
  })
  .refine((b) => Object.keys(b).length > 0, {
    message: "send at least one of: host_kind, host_api_base, host_token, webhook_secret",
  })
  .meta({ id: "UpdateRepoBody" });
export type UpdateRepoBody = z.input<typeof UpdateRepoBodySchema>;

export const OpenPullRequestBodySchema = z
  .strictObject({
    title: z
      .string()
      .trim()
      .min(1, "title must not be empty")
      .max(256, "title must be at most 256 characters")
      .optional()
      .describe("Default: the session's name."),
    body: z.string().max(60_000).optional().describe("Default: the branch's commits and a link to the session."),
  })
  .meta({ id: "OpenPullRequestBody" });
export type OpenPullRequestBody = z.input<typeof OpenPullRequestBodySchema>;

export const RefUpdateSchema = z.object({
  ref: z.string(),
  old: z.string().nullable().describe("Null when the ref is new here."),
  new: z.string(),
});
export const RepoFetchResultSchema = z
  .object({
    updated: z.array(RefUpdateSchema).describe("Branches and tags created or fast-forwarded to the upstream's."),
    ahead: z.array(z.string()).describe("Branches where Strand has commits the upstream lacks: push to bring it up."),
    rejected: z
      .array(z.object({ ref: z.string(), reason: z.string() }))
      .describe("Left alone because Strand and the upstream diverged there."),
  })
  .meta({ id: "RepoFetchResult" });
export type RepoFetchResult = z.infer<typeof RepoFetchResultSchema>;

export const RepoPushBodySchema = z
  .strictObject({
    branches: z
      .array(z.string().trim().min(1).max(200))
      .min(1, "branches must name at least one branch")
      .max(50)
      .optional()
      .describe("Default: the repo's default branch."),
  })
  .meta({ id: "RepoPushBody" });
export const RepoPushResultSchema = z
  .object({
    pushed: z.array(
      z.object({
        ref: z.string(),
        status: z.enum(["new", "updated", "up_to_date", "forced", "deleted"]),
        summary: z.string(),
      }),
    ),
  })
  .meta({ id: "RepoPushResult" });
export type RepoPushResult = z.infer<typeof RepoPushResultSchema>;

export const WebhookResultSchema = z
  .object({
    outcome: z
      .enum(["updated", "unchanged", "ignored"])
      .describe("`ignored`: not a state change of a pull request Strand opened (pings, pushes, other PRs)."),
    message: z.string(),
  })
  .meta({ id: "WebhookResult" });
export type WebhookResult = z.infer<typeof WebhookResultSchema>;
