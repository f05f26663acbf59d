import { defaultTimeoutMs, type HostTransport, trimBase } from "./host-request.js";

/** How to reach one repository on a host. */
export interface HostOptions {
  /** e.g. `https://api.github.com`, `https://gitlab.example.com/api/v4` (see parseUpstream). */
  apiBase: string;
  /** User or organisation; on GitLab the whole namespace (`group/subgroup`). */
  owner: string;
  repo: string;
  token: string;
  /** Defaults to the global fetch; tests and callers with a custom dispatcher pass their own. */
  fetch?: typeof fetch;
  /** Per request; a host that hangs must not hold a poll round forever. Default 15 s. */
  timeoutMs?: number;
}

export function transport(opts: HostOptions, headers: Record<string, string>): HostTransport {
  return {
    apiBase: trimBase(opts.apiBase),
    // GitHub refuses requests without a User-Agent; the others do not mind one.
    headers: { "user-agent": "strand", ...headers },
    fetch: opts.fetch ?? globalThis.fetch,
    timeoutMs: opts.timeoutMs ?? defaultTimeoutMs,
  };
}
