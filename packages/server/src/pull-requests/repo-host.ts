import type { RepoRow } from "../projects/to-project.js";
import type { HostKind } from "./types.js";
import { parseUpstream, type Upstream } from "./upstream-url.js";

/** Where a repo's pull requests go, or in words why Strand cannot tell. */
export type RepoHost =
  | { ok: true; upstream: Upstream }
  | { ok: false; reason: "no_upstream" | "unknown_host"; problem: string };

/** The repo's upstream host from its upstream URL and the host settings stored with it. */
export function repoHost(repo: RepoRow): RepoHost {
  if (!repo.upstreamUrl) {
    return {
      ok: false,
      reason: "no_upstream",
      problem: `repo ${repo.name} was not imported from an upstream, so there is no host to open pull requests on; import the repo from GitHub, GitLab or Gitea`,
    };
  }
  try {
    const upstream = parseUpstream(repo.upstreamUrl, {
      ...(repo.hostKind ? { kind: repo.hostKind as HostKind } : {}),
      ...(repo.hostApiBase ? { apiBase: repo.hostApiBase } : {}),
    });
    return { ok: true, upstream };
  } catch (err) {
    return { ok: false, reason: "unknown_host", problem: (err as Error).message };
  }
}

/** The user name git sends with a host token as the password, as each host documents it. */
export const tokenUserFor: Record<HostKind, string> = {
  github: "x-access-token",
  gitlab: "oauth2",
  gitea: "strand",
};
