import { createGiteaHost } from "./gitea.js";
import { createGitHubHost } from "./github.js";
import { createGitLabHost } from "./gitlab.js";
import type { HostOptions } from "./host-options.js";
import type { HostKind, PullRequestHost } from "./types.js";

const factories: Record<HostKind, (opts: HostOptions) => PullRequestHost> = {
  github: createGitHubHost,
  gitlab: createGitLabHost,
  gitea: createGiteaHost,
};

/** The client for an upstream's kind, e.g. `createHost(up.kind, {...up, token})` after parseUpstream. */
export const createHost = (kind: HostKind, opts: HostOptions): PullRequestHost => factories[kind](opts);
