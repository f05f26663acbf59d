import type { OpenPullRequestBody, PullRequest, WebhookResult } from "@strand/protocol";
import { eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import { pullRequests, repos, sessions } from "../db/schema.js";
import { recordEvent } from "../events/record.js";
import { branchExists, GitCommandError, pushUpstream, runGit } from "../git/index.js";
import { refusedAddress } from "../git/upstream-address.js";
import { HttpError, notFound } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";
import type { Notifier } from "../notifications/notify.js";
import { type Actor, assertAccess } from "../policy/policy.js";
import type { ProjectService } from "../projects/service.js";
import type { ProjectRow, RepoRow } from "../projects/to-project.js";
import { owned } from "../sessions/owned.js";
import { toSession } from "../sessions/to-session.js";
import { createHost } from "./create-host.js";
import { type PolledPullRequest, type PollReport, pollPullRequests } from "./poll.js";
import { repoHost } from "./repo-host.js";
import { type PullRequestRow, toPullRequest } from "./rows.js";
import { HostError, hostNames, type PullRequestHost, type PullRequestState } from "./types.js";
import type { Upstream } from "./upstream-url.js";
import { parseWebhook, verifyWebhook, type WebhookHeaders } from "./webhooks.js";

export interface PullRequestServiceOptions {
  /** For host API calls; tests and custom dispatchers pass their own. */
  fetch?: typeof fetch;
  /** Per host API request (default 15 s). */
  hostTimeoutMs?: number;
  /** Tells the session's owner when its pull request merges. */
  notifier?: Notifier;
}

export interface WebhookAnswer {
  status: 200 | 202;
  result: WebhookResult;
}

const MAX_COMMITS_IN_BODY = 50;

/**
 * A session branch's pull request on the repo's upstream host: opened through the host's REST API
 * with the repo's stored token, its state kept current by the host's webhooks and, for deliveries
 * that never came, by polling.
 */
export class PullRequestService {
  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
    private readonly log: Logger,
    private readonly opts: PullRequestServiceOptions = {},
  ) {}

  async get(actor: Actor, sessionId: string): Promise<PullRequest> {
    const s = await this.session(actor, sessionId, "view");
    const [row] = await this.db.select().from(pullRequests).where(eq(pullRequests.sessionId, s.id));
    if (!row) throw notFound("pull request of session", sessionId);
    return toPullRequest(row);
  }

  /**
   * Pushes the session's branch to the upstream and opens a pull request from it into the session's
   * base. Opening again answers the pull request already opened; the host clients do the same when
   * the host already has one for the branch, so a retry after a crash never opens a second.
   */
  async open(
    actor: Actor,
    sessionId: string,
    body: OpenPullRequestBody,
    origin: string,
  ): Promise<{ pullRequest: PullRequest; created: boolean }> {
    const s = await this.session(actor, sessionId, "control");
    const existing = await this.rowOfSession(s.id);
    if (existing) return { pullRequest: toPullRequest(existing), created: false };
    const { project, repo, branch, base } = await this.workOf(s);
    const { host, upstream } = await this.hostFor(project, repo);
    const path = this.projects.store.pathFor(project.slug, repo.name);
    if (!(await branchExists(path, branch))) {
      throw new HttpError(
        409,
        "nothing_to_push",
        `${branch} has not been pushed to Strand yet, so there is nothing to open a pull request for`,
      );
    }
    const source = this.projects.upstreamSource(repo);
    if (!source) throw new Error(`repo ${repo.id} has a host but no upstream source`);
    await pushUpstream(path, source, [`refs/heads/${branch}:refs/heads/${branch}`]);

    let ref: Awaited<ReturnType<PullRequestHost["open"]>>;
    try {
      ref = await host.open({
        head: branch,
        base,
        title: body.title ?? s.name,
        body: body.body ?? (await defaultBody(path, s, base, branch, origin)),
      });
    } catch (err) {
      if (err instanceof HostError) throw hostFailure(err);
      throw err;
    }

    return this.db.transaction(async (tx) => {
      const [locked] = await tx.select().from(sessions).where(eq(sessions.id, s.id)).for("update");
      if (!locked) throw notFound("session", sessionId);
      const now = new Date();
      const [row] = await tx
        .insert(pullRequests)
        .values({
          id: newId("pr"),
          sessionId: s.id,
          repoId: repo.id,
          hostKind: upstream.kind,
          number: ref.number,
          url: ref.url,
          state: ref.state,
          head: branch,
          base,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing()
        .returning();
      if (!row) {
        // Opened meanwhile by a concurrent request for this session, or the host handed back one that
        // another session already holds.
        const [theirs] = await tx.select().from(pullRequests).where(eq(pullRequests.sessionId, s.id));
        if (theirs) return { pullRequest: toPullRequest(theirs), created: false };
        throw new HttpError(
          409,
          "conflict",
          `${hostNames[upstream.kind]} answered with pull request #${ref.number} (${ref.url}), which another session of repo ${repo.name} already has`,
        );
      }
      await this.announce(tx, s.id, row, now);
      return { pullRequest: toPullRequest(row), created: true };
    });
  }

  /**
   * Reopens the session's pull request that was closed without merging, after pushing the branch
   * again (the agent may have revised it since). A pull request that is open or merged is answered
   * as it is, so a retry after a crash does nothing twice.
   */
  async reopen(actor: Actor, sessionId: string): Promise<PullRequest> {
    const s = await this.session(actor, sessionId, "control");
    const row = await this.rowOfSession(s.id);
    if (!row) throw notFound("pull request of session", sessionId);
    if (row.state !== "closed") return toPullRequest(row);
    const { project, repo, branch } = await this.workOf(s);
    const { host } = await this.hostFor(project, repo);
    const source = this.projects.upstreamSource(repo);
    if (!source) throw new Error(`repo ${repo.id} has a host but no upstream source`);
    await pushUpstream(this.projects.store.pathFor(project.slug, repo.name), source, [
      `refs/heads/${branch}:refs/heads/${branch}`,
    ]);
    let ref: Awaited<ReturnType<PullRequestHost["reopen"]>>;
    try {
      ref = await host.reopen(row.number);
    } catch (err) {
      if (err instanceof HostError) throw hostFailure(err);
      throw err;
    }
    await this.setState(row.id, ref.state);
    return toPullRequest((await this.rowOfSession(s.id)) ?? row);
  }

  /**
   * A delivery from the upstream host. Its authenticity is the repo's webhook secret (an HMAC of the
   * raw body, or GitLab's token); anything that is not a state change of a pull request Strand opened
   * is acknowledged and ignored, so the host does not mark the hook as failing.
   */
  async webhook(repoId: string, headers: WebhookHeaders, raw: Buffer): Promise<WebhookAnswer> {
    const [repo] = await this.db.select().from(repos).where(eq(repos.id, repoId));
    if (!repo) {
      throw new HttpError(
        404,
        "not_found",
        `no repo with id ${JSON.stringify(repoId)}: check the webhook URL against the repo's pull_requests.webhook_url`,
      );
    }
    const project = await this.projects.byId(repo.projectId);
    const cli = `strand repos update ${project?.slug ?? repo.projectId} ${repo.name}`;
    const host = repoHost(repo);
    if (!host.ok) throw new HttpError(409, "webhook_not_configured", `${host.problem} (\`${cli} --host …\`)`);
    const secret = this.projects.webhookSecret(repo);
    if (!secret) {
      throw new HttpError(
        409,
        "webhook_not_configured",
        `repo ${repo.name} has no webhook secret, so no delivery can be trusted: set one with \`${cli} --webhook-secret <secret>\` and the same secret in the host's webhook settings`,
      );
    }
    const { kind, path } = host.upstream;
    if (!verifyWebhook(kind, headers, raw, secret)) {
      const how = kind === "gitlab" ? "X-Gitlab-Token" : "signature";
      throw new HttpError(
        401,
        "invalid_signature",
        `the delivery's ${how} does not match repo ${repo.name}'s webhook secret: give the host's webhook the same secret as \`${cli} --webhook-secret\``,
      );
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString("utf8"));
    } catch (err) {
      throw new HttpError(
        400,
        "invalid_json",
        `the delivery is not JSON (${(err as Error).message}): set the host's webhook content type to application/json`,
      );
    }
    const event = parseWebhook(kind, headers, payload);
    if (!event) return ignored("not a pull request opening, closing, reopening or merge: nothing to record");
    if (event.repo.toLowerCase() !== path.toLowerCase()) {
      return ignored(`the delivery is about ${event.repo}, but repo ${repo.name}'s upstream is ${path}`);
    }
    const [row] = await this.db
      .select()
      .from(pullRequests)
      .where(sql`${pullRequests.repoId} = ${repo.id} and ${pullRequests.number} = ${event.number}`);
    if (!row) return ignored(`pull request #${event.number} of ${path} was not opened by Strand`);
    const changed = await this.setState(row.id, event.state);
    return {
      status: 200,
      result: changed
        ? { outcome: "updated", message: `pull request #${event.number} is now ${event.state}` }
        : { outcome: "unchanged", message: `pull request #${event.number} was already ${row.state}` },
    };
  }

  /**
   * One round of the fallback poll: asks the hosts about open pull requests not polled for
   * `olderThanMs`, up to `limit`, and records the ones whose state moved. Rows are claimed with
   * SKIP LOCKED, so replicas polling at once ask about each pull request only once.
   */
  async pollRound(opts: { olderThanMs: number; limit?: number; now?: Date }): Promise<PollReport> {
    const now = opts.now ?? new Date();
    const cutoff = new Date(now.getTime() - opts.olderThanMs).toISOString();
    const due = await this.db
      .update(pullRequests)
      .set({ polledAt: now })
      .where(
        sql`${pullRequests.id} in (select ${pullRequests.id} from ${pullRequests} where ${pullRequests.state} = 'open' and (${pullRequests.polledAt} is null or ${pullRequests.polledAt} <= ${cutoff}::timestamptz) order by ${pullRequests.polledAt} nulls first limit ${opts.limit ?? 100} for update skip locked)`,
      )
      .returning();
    const hosts = new Map<string, PullRequestHost | Error>();
    const list: PolledPullRequest[] = [];
    const unusable: PollReport["errors"] = [];
    for (const row of due) {
      let host = hosts.get(row.repoId);
      if (!host) {
        host = await this.pollHost(row.repoId).catch((err: unknown) => err as Error);
        hosts.set(row.repoId, host);
      }
      if (host instanceof Error) unusable.push({ id: row.id, error: host });
      else list.push({ id: row.id, host, number: row.number, state: row.state as PullRequestState });
    }
    const report = await pollPullRequests(list, async (id, state) => {
      await this.setState(id, state);
    });
    report.errors.push(...unusable);
    for (const { id, error } of report.errors) {
      this.log.warn({ err: error, pullRequest: id }, "pull request poll: could not read its state");
    }
    return report;
  }

  /** Moves a pull request to `state` and tells the session's viewers; false when nothing changed. */
  private async setState(id: string, state: PullRequestState): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(pullRequests).where(eq(pullRequests.id, id)).for("update");
      // Merged is final: a late or replayed delivery must not turn it back.
      if (!row || row.state === state || row.state === "merged") return false;
      const now = new Date();
      const [updated] = await tx
        .update(pullRequests)
        .set({ state, updatedAt: now })
        .where(eq(pullRequests.id, id))
        .returning();
      const session = await this.announce(tx, row.sessionId, updated as PullRequestRow, now);
      if (state === "merged" && session && this.opts.notifier) {
        await this.opts.notifier.notify(tx, {
          kind: "pull_request.merged",
          title: "Pull request merged",
          body: `#${row.number} ${row.head} → ${row.base} (${session.name})`,
          link: `/sessions/${session.id}`,
          projectId: session.projectId,
          taskId: null,
          sessionId: session.id,
          recipients: [session.ownerId],
        });
      }
      return true;
    });
  }

  /** The session changed (its pull request did): viewers get it with the rest of the session. */
  private async announce(tx: Db, sessionId: string, row: PullRequestRow, now: Date) {
    const [s] = await tx.update(sessions).set({ updatedAt: now }).where(eq(sessions.id, sessionId)).returning();
    if (s) await recordEvent(tx, "session.updated", toSession(s, toPullRequest(row)));
    return s;
  }

  private async pollHost(repoId: string): Promise<PullRequestHost> {
    const [repo] = await this.db.select().from(repos).where(eq(repos.id, repoId));
    if (!repo) throw new Error(`repo ${repoId} no longer exists`);
    const project = await this.projects.byId(repo.projectId);
    if (!project) throw new Error(`the project of repo ${repoId} no longer exists`);
    return (await this.hostFor(project, repo)).host;
  }

  /** The client for the repo's host, or the error that says what to configure. */
  private async hostFor(project: ProjectRow, repo: RepoRow): Promise<{ host: PullRequestHost; upstream: Upstream }> {
    const cli = `strand repos update ${project.slug} ${repo.name}`;
    const h = repoHost(repo);
    if (!h.ok) {
      if (h.reason === "no_upstream") throw new HttpError(409, "no_upstream", h.problem);
      throw new HttpError(
        422,
        "pull_requests_not_configured",
        `${h.problem} (\`${cli} --host github|gitlab|gitea [--api-base URL]\`)`,
      );
    }
    const { upstream } = h;
    const token = this.projects.hostToken(repo);
    if (!token) {
      throw new HttpError(
        422,
        "pull_requests_not_configured",
        `repo ${repo.name} has no token for ${hostNames[upstream.kind]}'s API at ${upstream.apiBase}: store one that may open pull requests on ${upstream.path} with \`${cli} --host-token-file <file>\``,
      );
    }
    const refused = await refusedAddress(upstream.apiBase);
    if (refused) {
      throw new HttpError(
        422,
        "host_refused",
        `cannot call ${hostNames[upstream.kind]}'s API at ${upstream.apiBase}: ${refused}; set another with \`${cli} --api-base URL\``,
      );
    }
    const host = createHost(upstream.kind, {
      apiBase: upstream.apiBase,
      owner: upstream.owner,
      repo: upstream.repo,
      token,
      ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
      ...(this.opts.hostTimeoutMs ? { timeoutMs: this.opts.hostTimeoutMs } : {}),
    });
    return { host, upstream };
  }

  private async session(actor: Actor, id: string, need: "view" | "control") {
    const [s] = await this.db.select().from(sessions).where(eq(sessions.id, id));
    if (!s) throw notFound("session", id);
    assertAccess(actor, owned(s), need, { kind: "session", id });
    return s;
  }

  private async rowOfSession(sessionId: string): Promise<PullRequestRow | undefined> {
    const [row] = await this.db.select().from(pullRequests).where(eq(pullRequests.sessionId, sessionId));
    return row;
  }

  private async workOf(s: typeof sessions.$inferSelect) {
    if (!s.projectId || !s.repo || !s.branch || !s.base) {
      throw new HttpError(
        409,
        "no_workspace",
        `session ${s.id} is not on a project, so it has no branch to open a pull request for`,
      );
    }
    const project = await this.projects.byId(s.projectId);
    if (!project) throw new HttpError(409, "project_gone", `the project of session ${s.id} no longer exists`);
    const repo = await this.projects.repo(project, s.repo).catch(() => undefined);
    if (!repo || !(await this.projects.store.exists(project.slug, repo.name))) {
      throw new HttpError(
        409,
        "repo_gone",
        `repo ${s.repo} of session ${s.id} was deleted from project ${project.slug}; its work cannot go into a pull request`,
      );
    }
    return { project, repo, branch: s.branch, base: s.base };
  }
}

const ignored = (message: string): WebhookAnswer => ({ status: 202, result: { outcome: "ignored", message } });

/** A host's refusal or silence, as the API's 502: the host's own words and what to do about them. */
function hostFailure(err: HostError): HttpError {
  return new HttpError(502, "host_error", err.message, {
    host: err.kind,
    host_status: err.status,
    host_message: err.hostMessage,
    hint: err.hint,
  });
}

/** The branch's commits and where the work came from, for people reading the pull request. */
async function defaultBody(
  path: string,
  s: typeof sessions.$inferSelect,
  base: string,
  branch: string,
  origin: string,
): Promise<string> {
  let commits: string[] = [];
  try {
    const { stdout } = await runGit(
      [
        "log",
        "--no-merges",
        "--format=%s",
        "-n",
        String(MAX_COMMITS_IN_BODY),
        `refs/heads/${base}..refs/heads/${branch}`,
      ],
      { gitDir: path },
    );
    commits = stdout.split("\n").filter(Boolean);
  } catch (err) {
    // A base missing on Strand leaves the list out, not the pull request.
    if (!(err instanceof GitCommandError)) throw err;
  }
  const lines = [`Opened from the Strand session "${s.name}": ${origin}/sessions/${s.id}`];
  if (commits.length > 0) lines.push("", "Commits:", ...commits.map((c) => `- ${c}`));
  return lines.join("\n");
}
