import { z } from "zod";
import { adoptExisting, type RequestContext } from "./host-errors.js";
import { type HostOptions, transport } from "./host-options.js";
import { expect, send } from "./host-request.js";
import type { OpenPullRequestInput, PullRequestHost, PullRequestRef } from "./types.js";

// List items carry `merged_at` but not `merged`, so both are optional and either one decides.
const pull = z.object({
  number: z.number().int(),
  html_url: z.string(),
  state: z.enum(["open", "closed"]),
  merged: z.boolean().optional(),
  merged_at: z.string().nullable().optional(),
});

const toRef = (p: z.output<typeof pull>): PullRequestRef => ({
  number: p.number,
  url: p.html_url,
  state: p.state === "open" ? "open" : p.merged || p.merged_at ? "merged" : "closed",
});

/** GitHub and GitHub Enterprise Server, REST v3. */
export function createGitHubHost(opts: HostOptions): PullRequestHost {
  const t = transport(opts, {
    authorization: `Bearer ${opts.token}`,
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
  });
  const repo = `${opts.owner}/${opts.repo}`;
  const pulls = `/repos/${encodeURIComponent(opts.owner)}/${encodeURIComponent(opts.repo)}/pulls`;
  const ctx = (doing: string, input?: OpenPullRequestInput, number?: number): RequestContext => ({
    kind: "github",
    apiBase: t.apiBase,
    repo,
    doing,
    ...(input ? { head: input.head, base: input.base } : {}),
    ...(number !== undefined ? { number } : {}),
  });

  /** The open pull request from `head` into `base`, if there is one. */
  async function findOpen(input: OpenPullRequestInput): Promise<PullRequestRef | undefined> {
    const c = ctx(`looking up the open pull request for ${input.head} on ${repo}`, input);
    const query = new URLSearchParams({ state: "open", head: `${opts.owner}:${input.head}`, base: input.base });
    const found = expect(c, await send(t, c, "GET", `${pulls}?${query}`), z.array(pull));
    return found[0] && toRef(found[0]);
  }

  return {
    kind: "github",
    async open(input) {
      const c = ctx(`opening a pull request for ${input.head} on ${repo}`, input);
      const reply = await send(t, c, "POST", pulls, {
        title: input.title,
        head: input.head,
        base: input.base,
        body: input.body,
      });
      if (reply.status === 422) return adoptExisting(c, reply, () => findOpen(input));
      return toRef(expect(c, reply, pull));
    },
    async get(number) {
      const c = ctx(`reading pull request #${number} on ${repo}`, undefined, number);
      return toRef(expect(c, await send(t, c, "GET", `${pulls}/${number}`), pull));
    },
    async reopen(number) {
      const c = ctx(`reopening pull request #${number} on ${repo}`, undefined, number);
      return toRef(expect(c, await send(t, c, "PATCH", `${pulls}/${number}`, { state: "open" }), pull));
    },
  };
}
