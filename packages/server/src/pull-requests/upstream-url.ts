import { type HostKind, hostKinds } from "./types.js";

/** Where a project's upstream repository lives and how to reach its API. */
export interface Upstream {
  kind: HostKind;
  /** Without a trailing slash. */
  apiBase: string;
  /** User or organisation; on GitLab the whole namespace (`group/subgroup`). */
  owner: string;
  repo: string;
  /** `owner/repo`: GitLab's project path, GitHub's and Gitea's `full_name`. */
  path: string;
}

export interface UpstreamHint {
  /** Required for self-hosted instances: nothing in a URL says which software serves it. */
  kind?: HostKind;
  /** When the API is not at the kind's usual place on the same host. */
  apiBase?: string;
}

const publicHosts: Record<string, { kind: HostKind; apiBase: string }> = {
  "github.com": { kind: "github", apiBase: "https://api.github.com" },
  "gitlab.com": { kind: "gitlab", apiBase: "https://gitlab.com/api/v4" },
  "gitea.com": { kind: "gitea", apiBase: "https://gitea.com/api/v1" },
  "codeberg.org": { kind: "gitea", apiBase: "https://codeberg.org/api/v1" },
};

/** Where each kind serves its API on a self-hosted instance (GitHub Enterprise Server for github). */
const apiPath: Record<HostKind, string> = { github: "/api/v3", gitlab: "/api/v4", gitea: "/api/v1" };

const schemes = new Set(["https:", "http:", "ssh:", "git+ssh:", "git:"]);

interface Located {
  /** `https://host[:port]` for the web and API side. */
  origin: string;
  hostname: string;
  segments: string[];
}

// `git@host:owner/repo.git`: git's scp-like syntax, recognised the way git does (a colon before
// any slash, and no `://`).
const scpLike = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/;

function locate(url: string): Located {
  const trimmed = url.trim();
  const scp = trimmed.includes("://") ? null : scpLike.exec(trimmed);
  let hostname: string;
  let origin: string;
  let rawPath: string;
  if (scp) {
    const [, host = "", path = ""] = scp;
    hostname = host.toLowerCase();
    origin = `https://${hostname}`;
    rawPath = path;
  } else {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      throw new Error(
        `the upstream URL ${JSON.stringify(url)} is not a URL git can clone: use https://host/owner/repo.git or git@host:owner/repo.git`,
      );
    }
    if (!schemes.has(parsed.protocol))
      throw new Error(
        `the upstream URL ${JSON.stringify(url)} uses the ${parsed.protocol.slice(0, -1)} scheme: use an https:// or ssh URL of a hosted repository`,
      );
    hostname = parsed.hostname.toLowerCase();
    // An ssh port is not the web port, so ssh URLs reach the API over plain https on the same name.
    origin =
      parsed.protocol === "http:" || parsed.protocol === "https:"
        ? `${parsed.protocol}//${parsed.host.toLowerCase()}`
        : `https://${hostname}`;
    rawPath = parsed.pathname;
  }
  // GitLab web addresses put `/-/` before pages of a project (`/-/tree/main`, `/-/merge_requests`).
  const [projectPart = ""] = rawPath.split("/-/");
  let segments: string[];
  try {
    segments = projectPart
      .split("/")
      .filter((s) => s !== "")
      .map((s, i, all) => decodeURIComponent(i === all.length - 1 ? s.replace(/\.git$/, "") : s));
  } catch {
    throw new Error(`the upstream URL ${JSON.stringify(url)} has a malformed %-escape in its path`);
  }
  if (!hostname) throw new Error(`the upstream URL ${JSON.stringify(url)} names no host`);
  return { origin, hostname, segments };
}

/**
 * The host kind, API address and repository an upstream clone URL names. github.com, gitlab.com,
 * gitea.com and codeberg.org are known; any other host needs `hint.kind`. On a self-hosted GitHub
 * or Gitea, path segments before `owner/repo` are taken as the install's sub-path; on GitLab all
 * of them are the project's namespace (pass `hint.apiBase` for a GitLab under a sub-path).
 */
export function parseUpstream(url: string, hint: UpstreamHint = {}): Upstream {
  if (hint.kind !== undefined && !hostKinds.includes(hint.kind))
    throw new Error(
      `unknown host kind ${JSON.stringify(hint.kind)}: set the upstream's host kind: github, gitlab or gitea`,
    );
  const { origin, hostname, segments } = locate(url);
  const known = publicHosts[hostname];
  if (known && hint.kind && hint.kind !== known.kind)
    throw new Error(
      `${hostname} is served by ${known.kind}, but the upstream's host kind is set to ${hint.kind}: fix the host kind`,
    );
  const kind = known?.kind ?? hint.kind;
  if (!kind)
    throw new Error(
      `cannot tell which software serves ${hostname}: set the upstream's host kind: github, gitlab or gitea`,
    );

  let namespace: string[];
  let subPath = "";
  if (kind === "gitlab") {
    if (segments.length < 2)
      throw new Error(
        `the upstream URL ${JSON.stringify(url)} names no project: expected https://${hostname}/group/project.git`,
      );
    namespace = segments;
  } else {
    if (segments.length < 2 || (known && segments.length !== 2))
      throw new Error(
        `the upstream URL ${JSON.stringify(url)} does not name one repository: expected https://${hostname}/owner/repo.git`,
      );
    namespace = segments.slice(-2);
    subPath = segments
      .slice(0, -2)
      .map((s) => `/${encodeURIComponent(s)}`)
      .join("");
  }
  const owner = namespace.slice(0, -1).join("/");
  const [repo = ""] = namespace.slice(-1);
  const apiBase = (hint.apiBase ?? known?.apiBase ?? `${origin}${subPath}${apiPath[kind]}`).replace(/\/+$/, "");
  return { kind, apiBase, owner, repo, path: `${owner}/${repo}` };
}
