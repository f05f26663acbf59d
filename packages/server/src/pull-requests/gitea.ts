import { z } from "zod";
import { adoptExisting, type RequestContext } from "./host-errors.js";
import { type HostOptions, transport } from "./host-options.js";
import { expect, send } from "./host-request.js";
import type { OpenPullRequestInput, PullRequestHost, PullRequestRef } from "./types.js";

const pull = z.object({
  number: z.number().int(),
  html_url: z.string(),
  state: z.enum(["open", "closed"]),
  merged: z.boolean(),
  head: z.object({ ref: z.string() }).optional(),
  base: z.object({ ref: z.string() }).optional(),
});

const toRef = (p: z.output<typeof pull>): PullRequestRef => ({
  number: p.number,
  url: p.html_url,
  state: p.merged ? "merged" : p.state,
});

// Gitea caps pages at its MAX_RESPONSE_ITEMS (50 by default); a repository with more open pull
// requests than this many pages is not one a duplicate search should crawl.
const pageSize = 50;
const maxPages = 10;

/** Gitea and Forgejo, API v1. */
export function createGiteaHost(opts: HostOptions): PullRequestHost {
  const t = transport(opts, { authorization: `token ${opts.token}`, accept: "application/json" });
  const repo = `${opts.owner}/${opts.repo}`;
  const pulls = `/repos/${encodeURIComponent(opts.owner)}/${encodeURIComponent(opts.repo)}/pulls`;
  const ctx = (doing: string, input?: OpenPullRequestInput, number?: number): RequestContext => ({
    kind: "gitea",
    apiBase: t.apiBase,
    repo,
    doing,
    ...(input ? { head: input.head, base: input.base } : {}),
    ...(number !== undefined ? { number } : {}),
  });

  /** The open pull request from `head` into `base`, if there is one: the list has no branch filter. */
  async function findOpen(input: OpenPullRequestInput): Promise<PullRequestRef | undefined> {
    const c = ctx(`looking up the open pull request for ${input.head} on ${repo}`, input);
    for (let page = 1; page <= maxPages; page++) {
      const query = new URLSearchParams({ state: "open", page: String(page), limit: String(pageSize) });
      const found = expect(c, await send(t, c, "GET", `${pulls}?${query}`), z.array(pull));
      const match = found.find((p) => p.head?.ref === input.head && p.base?.ref === input.base);
      if (match) return toRef(match);
      if (found.length < pageSize) return undefined;
    }
    return undefined;
  }

  return {
    kind: "gitea",
    async open(input) {
      const c = ctx(`opening a pull request for ${input.head} on ${repo}`, input);
      const reply = await send(t, c, "POST", pulls, {
        head: input.head,
        base: input.base,
        title: input.title,
        body: input.body,
      });
      // Gitea answers 409 when an unmerged pull request for the same head and base exists.
      if (reply.status === 409) return adoptExisting(c, reply, () => findOpen(input));
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
