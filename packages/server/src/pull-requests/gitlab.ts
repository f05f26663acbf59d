import { z } from "zod";
import { adoptExisting, type RequestContext } from "./host-errors.js";
import { type HostOptions, transport } from "./host-options.js";
import { expect, send } from "./host-request.js";
import type { OpenPullRequestInput, PullRequestHost, PullRequestRef } from "./types.js";

const mergeRequest = z.object({
  iid: z.number().int(),
  web_url: z.string(),
  state: z.enum(["opened", "closed", "locked", "merged"]),
});

// `locked` is GitLab's brief state while a merge is being carried out: still open until it lands.
const toRef = (mr: z.output<typeof mergeRequest>): PullRequestRef => ({
  number: mr.iid,
  url: mr.web_url,
  state: mr.state === "merged" ? "merged" : mr.state === "closed" ? "closed" : "open",
});

/** GitLab (gitlab.com and self-managed), API v4. `owner` is the namespace, subgroups included. */
export function createGitLabHost(opts: HostOptions): PullRequestHost {
  const t = transport(opts, { "private-token": opts.token, accept: "application/json" });
  const repo = `${opts.owner}/${opts.repo}`;
  // GitLab takes the project's path, URL-encoded as one segment, wherever it takes its id.
  const mrs = `/projects/${encodeURIComponent(repo)}/merge_requests`;
  const ctx = (doing: string, input?: OpenPullRequestInput, number?: number): RequestContext => ({
    kind: "gitlab",
    apiBase: t.apiBase,
    repo,
    doing,
    ...(input ? { head: input.head, base: input.base } : {}),
    ...(number !== undefined ? { number } : {}),
  });

  async function findOpen(input: OpenPullRequestInput): Promise<PullRequestRef | undefined> {
    const c = ctx(`looking up the open merge request for ${input.head} on ${repo}`, input);
    const query = new URLSearchParams({ state: "opened", source_branch: input.head, target_branch: input.base });
    const found = expect(c, await send(t, c, "GET", `${mrs}?${query}`), z.array(mergeRequest));
    return found[0] && toRef(found[0]);
  }

  return {
    kind: "gitlab",
    async open(input) {
      const c = ctx(`opening a merge request for ${input.head} on ${repo}`, input);
      const reply = await send(t, c, "POST", mrs, {
        source_branch: input.head,
        target_branch: input.base,
        title: input.title,
        description: input.body,
      });
      // 409 covers both "already exists" and a missing branch; only the first is a success.
      if (reply.status === 409) return adoptExisting(c, reply, () => findOpen(input));
      return toRef(expect(c, reply, mergeRequest));
    },
    async get(number) {
      const c = ctx(`reading merge request !${number} on ${repo}`, undefined, number);
      return toRef(expect(c, await send(t, c, "GET", `${mrs}/${number}`), mergeRequest));
    },
    async reopen(number) {
      const c = ctx(`reopening merge request !${number} on ${repo}`, undefined, number);
      const reply = await send(t, c, "PUT", `${mrs}/${number}`, { state_event: "reopen" });
      return toRef(expect(c, reply, mergeRequest));
    },
  };
}
