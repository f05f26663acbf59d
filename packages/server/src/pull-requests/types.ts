/** What Strand needs to know about a pull request: hosts' finer states (draft, locked) fold into these. */
export type PullRequestState = "open" | "merged" | "closed";

export interface PullRequestRef {
  /** GitHub's and Gitea's `number`, GitLab's `iid`: the number people see (`#12`, `!12`). */
  number: number;
  /** The pull request's page on the host, for people. */
  url: string;
  state: PullRequestState;
}

export type HostKind = "github" | "gitlab" | "gitea";

export const hostKinds: readonly HostKind[] = ["github", "gitlab", "gitea"];

export interface OpenPullRequestInput {
  /** The branch with the changes (a session's branch), in the same repository. */
  head: string;
  /** The branch to merge into. */
  base: string;
  title: string;
  body: string;
}

export interface PullRequestHost {
  readonly kind: HostKind;
  /**
   * Opens a pull request from `head` into `base`. If the host says one is already open for that
   * branch, returns that one instead: opening is retried after crashes and must not fail on its
   * own earlier success.
   */
  open(input: OpenPullRequestInput): Promise<PullRequestRef>;
  get(number: number): Promise<PullRequestRef>;
  /** Reopens a pull request closed without merging (the reviewer approved its code again). */
  reopen(number: number): Promise<PullRequestRef>;
}

export const hostNames: Record<HostKind, string> = { github: "GitHub", gitlab: "GitLab", gitea: "Gitea" };

/**
 * A host refused a request or could not be reached. `status` is the HTTP status (0 when no answer
 * came), `hostMessage` what the host said, `hint` what the operator can do about it.
 */
export class HostError extends Error {
  constructor(
    readonly kind: HostKind,
    readonly status: number,
    readonly hostMessage: string,
    readonly hint: string,
    /** What Strand was doing, e.g. `opening a pull request on acme/app`. */
    readonly doing: string,
    options?: { cause?: unknown },
  ) {
    const host = hostNames[kind];
    const said = hostMessage ? ` (${JSON.stringify(hostMessage)})` : "";
    super(
      status === 0
        ? `${host} could not be reached while ${doing}${said}: ${hint}`
        : `${host} answered ${status} while ${doing}${said}: ${hint}`,
      options,
    );
    this.name = "HostError";
  }
}
