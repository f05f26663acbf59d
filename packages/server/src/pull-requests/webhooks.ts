import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { HostKind, PullRequestState } from "./types.js";

/** Request headers as Node and Fastify give them; names are matched case-insensitively. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface PullRequestEvent {
  /** GitHub's and Gitea's `repository.full_name`, GitLab's `project.path_with_namespace`. */
  repo: string;
  number: number;
  state: PullRequestState;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** Constant time whatever the lengths: compares digests, which always have the same length. */
const sameSecret = (presented: string, secret: string) =>
  timingSafeEqual(createHash("sha256").update(presented).digest(), createHash("sha256").update(secret).digest());

function sameHmac(presentedHex: string | undefined, rawBody: Buffer, secret: string): boolean {
  if (presentedHex === undefined || !/^[0-9a-f]{64}$/i.test(presentedHex)) return false;
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  return timingSafeEqual(Buffer.from(presentedHex, "hex"), expected);
}

const hubSignature = (headers: WebhookHeaders) => {
  const value = header(headers, "x-hub-signature-256");
  return value?.startsWith("sha256=") ? value.slice("sha256=".length) : undefined;
};

/**
 * Whether a delivery comes from the host that knows `secret`: GitHub signs the raw body
 * (`X-Hub-Signature-256: sha256=<hex>`), Gitea too (`X-Gitea-Signature: <hex>`, and the GitHub
 * header), GitLab sends the secret itself (`X-Gitlab-Token`). `rawBody` must be the bytes as
 * received: a re-serialised body does not match. An empty secret verifies nothing.
 */
export function verifyWebhook(kind: HostKind, headers: WebhookHeaders, rawBody: Buffer, secret: string): boolean {
  if (!secret) return false;
  switch (kind) {
    case "github":
      return sameHmac(hubSignature(headers), rawBody, secret);
    case "gitea": {
      const gitea = header(headers, "x-gitea-signature");
      return sameHmac(gitea ?? hubSignature(headers), rawBody, secret);
    }
    case "gitlab": {
      const token = header(headers, "x-gitlab-token");
      return token !== undefined && sameSecret(token, secret);
    }
  }
}

const pullRequestPayload = z.object({
  action: z.string(),
  number: z.number().int().optional(),
  pull_request: z.object({ number: z.number().int(), merged: z.boolean().nullish() }),
  repository: z.object({ full_name: z.string() }),
});

const mergeRequestPayload = z.object({
  object_kind: z.literal("merge_request"),
  project: z.object({ path_with_namespace: z.string() }),
  object_attributes: z.object({
    iid: z.number().int(),
    state: z.string(),
    action: z.string().optional(),
  }),
});

/** GitHub and Gitea: a merge arrives as `closed` with `merged: true`. Edits, labels and pushes say nothing about state. */
function fromPullRequest(body: unknown): PullRequestEvent | null {
  const p = pullRequestPayload.safeParse(body);
  if (!p.success) return null;
  const { action, pull_request: pr, repository } = p.data;
  const number = p.data.number ?? pr.number;
  if (action === "opened" || action === "reopened") return { repo: repository.full_name, number, state: "open" };
  if (action === "closed") return { repo: repository.full_name, number, state: pr.merged ? "merged" : "closed" };
  return null;
}

const gitlabStates: Record<string, PullRequestState> = {
  opened: "open",
  locked: "open",
  merged: "merged",
  closed: "closed",
};
const gitlabStateActions = new Set(["open", "reopen", "close", "merge"]);

function fromMergeRequest(body: unknown): PullRequestEvent | null {
  const p = mergeRequestPayload.safeParse(body);
  if (!p.success) return null;
  const { action, state, iid } = p.data.object_attributes;
  const mapped = gitlabStates[state];
  if (!action || !gitlabStateActions.has(action) || !mapped) return null;
  return { repo: p.data.project.path_with_namespace, number: iid, state: mapped };
}

/**
 * The pull request state change a verified delivery reports, or null for any other event (pings,
 * pushes, edits, reviews): those are not errors, there is just nothing to record.
 */
export function parseWebhook(kind: HostKind, headers: WebhookHeaders, body: unknown): PullRequestEvent | null {
  switch (kind) {
    case "github":
      return header(headers, "x-github-event") === "pull_request" ? fromPullRequest(body) : null;
    case "gitea": {
      // Gitea also sends X-Gogs-Event and X-GitHub-Event with the same value.
      const event = header(headers, "x-gitea-event") ?? header(headers, "x-github-event");
      return event === "pull_request" ? fromPullRequest(body) : null;
    }
    case "gitlab":
      return header(headers, "x-gitlab-event") === "Merge Request Hook" ? fromMergeRequest(body) : null;
  }
}
