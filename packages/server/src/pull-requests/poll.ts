import type { PullRequestHost, PullRequestState } from "./types.js";

export interface PolledPullRequest {
  /** The caller's id for the pull request (e.g. its row), handed back in reports. */
  id: string;
  host: PullRequestHost;
  number: number;
  /** What the caller last recorded. Only `open` ones are checked: merged and closed are final here. */
  state: PullRequestState;
}

export interface PollReport {
  checked: number;
  changed: { id: string; state: PullRequestState }[];
  /** One per pull request that could not be read, or whose change `onChange` failed to record. */
  errors: { id: string; error: unknown }[];
}

/**
 * The fallback for missed webhooks: reads each open pull request once and reports the ones whose
 * state moved. One at a time, so a round stays gentle on hosts' rate limits; a host that is down
 * or refuses costs that pull request only, and every failure comes back in the report.
 */
export async function pollPullRequests(
  list: readonly PolledPullRequest[],
  onChange: (id: string, state: PullRequestState) => Promise<void>,
): Promise<PollReport> {
  const report: PollReport = { checked: 0, changed: [], errors: [] };
  for (const pr of list) {
    if (pr.state !== "open") continue;
    report.checked++;
    try {
      const now = await pr.host.get(pr.number);
      if (now.state === pr.state) continue;
      await onChange(pr.id, now.state);
      report.changed.push({ id: pr.id, state: now.state });
    } catch (error) {
      report.errors.push({ id: pr.id, error });
    }
  }
  return report;
}
