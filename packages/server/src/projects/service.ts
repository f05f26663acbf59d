import type { CreateProjectBody, CreateRepoBody, Project, UpdateProjectBody, UpdateRepoBody } from "@strand/protocol";
import { and, asc, eq, like, or } from "drizzle-orm";
import type { SecretBox } from "../crypto/secret-box.js";
import type { Db } from "../db/database.js";
import { uniqueViolation } from "../db/errors.js";
import { projects, repos } from "../db/schema.js";
import { importRepo, RepoStore, type UpstreamSource } from "../git/index.js";
import { refusedAddress } from "../git/upstream-address.js";
import { conflict, forbidden, HttpError, notFound } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";
import {
  type Actor,
  accessTo,
  assertAccess,
  assertCanWorkIn,
  canManageTeam,
  type Owned,
  personIdOf,
  personOf,
} from "../policy/policy.js";
import { projectScope } from "../policy/scopes.js";
import { repoHost, tokenUserFor } from "../pull-requests/repo-host.js";
import { firstFreeSlug, slugify } from "../teams/slug.js";
import { type ProjectRow, type RepoRow, toProject } from "./to-project.js";

type Patch = Partial<typeof projects.$inferInsert>;

export const ownedProject = (row: ProjectRow): Owned => ({ ownerId: row.ownerId, teamId: row.teamId });

/**
 * Projects and their repos. The repos themselves are bare git repositories under the data
 * dir (git/); this keeps their rows and the credentials for their upstreams.
 */
export class ProjectService {
  readonly store: RepoStore;

  constructor(
    private readonly db: Db,
    gitRoot: string,
    private readonly box: SecretBox,
  ) {
    this.store = new RepoStore(gitRoot);
  }

  async create(actor: Actor, body: CreateProjectBody): Promise<Project> {
    const person = personOf(actor);
    if (body.team_id) assertCanWorkIn(actor, body.team_id);
    const name = body.name.trim();
    const base = slugify(name, "project");
    return this.db.transaction(async (tx) => {
      const taken = await tx
        .select({ slug: projects.slug })
        .from(projects)
        .where(or(eq(projects.slug, base), like(projects.slug, `${base}-%`)));
      const now = new Date();
      const [row] = await tx
        .insert(projects)
        .values({
          id: newId("prj"),
          slug: firstFreeSlug(base, new Set(taken.map((t) => t.slug))),
          name,
          ownerId: person.userId,
          teamId: body.team_id ?? null,
          ...settingsPatch(body),
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!row) throw new Error("insert into projects returned no row");
      return toProject(row);
    });
  }

  async list(actor: Actor): Promise<Project[]> {
    const rows = await this.db.select().from(projects).where(projectScope(actor)).orderBy(asc(projects.name));
    return rows.map(toProject);
  }

  async get(actor: Actor, idOrSlug: string): Promise<Project> {
    return toProject(await this.row(actor, idOrSlug, "view"));
  }

  async update(actor: Actor, idOrSlug: string, body: UpdateProjectBody): Promise<Project> {
    const row = await this.row(actor, idOrSlug, "control");
    const patch: Patch = { ...settingsPatch(body), updatedAt: new Date() };
    if (body.name !== undefined) patch.name = body.name.trim();
    const [updated] = await this.db.update(projects).set(patch).where(eq(projects.id, row.id)).returning();
    return toProject(updated as ProjectRow);
  }

  /**
   * The same service over another handle: a transaction, so what a caller does through it (a
   * session's placement, a merge) reads with the caller's locks and commits with its writes.
   */
  withDb(db: Db): ProjectService {
    const bound = Object.create(this) as ProjectService;
    Object.defineProperty(bound, "db", { value: db });
    return bound;
  }

  /** The project row, if the actor has `need` on it (404 otherwise, 403 for a viewer's change). */
  async row(actor: Actor, idOrSlug: string, need: "view" | "control"): Promise<ProjectRow> {
    const [row] = await this.db
      .select()
      .from(projects)
      .where(or(eq(projects.id, idOrSlug), eq(projects.slug, idOrSlug)));
    if (!row) throw notFound("project", idOrSlug);
    assertAccess(actor, ownedProject(row), need, { kind: "project", id: idOrSlug }, accessTo(actor, ownedProject(row)));
    return row;
  }

  async byId(id: string): Promise<ProjectRow | undefined> {
    const [row] = await this.db.select().from(projects).where(eq(projects.id, id));
    return row;
  }

  async bySlug(slug: string): Promise<ProjectRow | undefined> {
    const [row] = await this.db.select().from(projects).where(eq(projects.slug, slug));
    return row;
  }

  async repos(project: ProjectRow): Promise<RepoRow[]> {
    return this.db
      .select()
      .from(repos)
      .where(eq(repos.projectId, project.id))
      .orderBy(asc(repos.createdAt), asc(repos.name));
  }

  async repo(project: ProjectRow, name: string): Promise<RepoRow> {
    const [row] = await this.db
      .select()
      .from(repos)
      .where(and(eq(repos.projectId, project.id), eq(repos.name, name)));
    if (!row) {
      throw notFound(`repo in project ${project.slug}`, name);
    }
    return row;
  }

  /**
   * A new empty repo, or an import of an upstream one. The git side is made first (an import
   * clones beside its place and renames in only when whole), so a failure leaves no row and no files.
   */
  async createRepo(
    actor: Actor,
    idOrSlug: string,
    body: CreateRepoBody,
  ): Promise<{ project: ProjectRow; repo: RepoRow }> {
    const project = await this.row(actor, idOrSlug, "control");
    const name = body.name;
    const [existing] = await this.db
      .select({ id: repos.id })
      .from(repos)
      .where(and(eq(repos.projectId, project.id), eq(repos.name, name)));
    if (existing) throw conflict(`project ${project.slug} already has a repo named ${name}; pick another name`);
    let defaultBranch = body.default_branch || "main";
    const id = newId("repo");
    if (body.import_url) {
      const imported = await importRepo(this.store, project.slug, name, {
        url: body.import_url,
        ...(body.import_username ? { username: body.import_username } : {}),
        ...(body.import_password ? { password: body.import_password } : {}),
      });
      defaultBranch = imported.defaultBranch;
    } else {
      await this.store.create(project.slug, name, { defaultBranch });
    }
    try {
      const [row] = await this.db
        .insert(repos)
        .values({
          id,
          projectId: project.id,
          name,
          defaultBranch,
          upstreamUrl: body.import_url ? redact(body.import_url) : null,
          upstreamUsername: body.import_username ?? null,
          upstreamSecretEnc: body.import_password ? this.box.seal(body.import_password, id) : null,
        })
        .returning();
      return { project, repo: row as RepoRow };
    } catch (err) {
      await this.store.remove(project.slug, name).catch(() => {});
      if (uniqueViolation(err)) throw conflict(`project ${project.slug} already has a repo named ${name}`);
      throw err;
    }
  }

  /**
   * Deletes a repo and its history: the project's owner, or its team's owners and admins. Its
   * sessions keep running; their review and merge then say the repo is gone.
   */
  async deleteRepo(actor: Actor, idOrSlug: string, name: string): Promise<void> {
    const project = await this.row(actor, idOrSlug, "view");
    const manages = project.teamId ? canManageTeam(actor, project.teamId) : personIdOf(actor) === project.ownerId;
    if (!manages) throw forbidden(`only the project's owner, or its team's owners and admins, can delete repo ${name}`);
    const repo = await this.repo(project, name);
    await this.db.delete(repos).where(eq(repos.id, repo.id));
    await this.store.remove(project.slug, repo.name);
  }

  /** The upstream's credentials, for server-side fetches and pushes only. */
  upstreamCredentials(repo: RepoRow): { username?: string; password?: string } {
    return {
      ...(repo.upstreamUsername ? { username: repo.upstreamUsername } : {}),
      ...(repo.upstreamSecretEnc ? { password: this.box.open(repo.upstreamSecretEnc, repo.id) } : {}),
    };
  }

  /**
   * How the server's git reaches the upstream: the import's credentials, or else the host token
   * (GitHub, GitLab and Gitea all take an API token as the password of a git push over HTTPS).
   * Undefined for a repo born on Strand.
   */
  upstreamSource(repo: RepoRow): UpstreamSource | undefined {
    if (!repo.upstreamUrl) return undefined;
    const creds = this.upstreamCredentials(repo);
    const token = creds.password === undefined ? this.hostToken(repo) : undefined;
    if (token === undefined) return { url: repo.upstreamUrl, ...creds };
    const host = repoHost(repo);
    const username = creds.username ?? (host.ok ? tokenUserFor[host.upstream.kind] : "git");
    return { url: repo.upstreamUrl, username, password: token };
  }

  /** The token for the upstream host's REST API, if one is stored. */
  hostToken(repo: RepoRow): string | undefined {
    return repo.hostTokenEnc ? this.box.open(repo.hostTokenEnc, sealContext(repo.id, "host_token")) : undefined;
  }

  /** The secret the upstream host signs webhooks with, if one is stored. */
  webhookSecret(repo: RepoRow): string | undefined {
    return repo.webhookSecretEnc
      ? this.box.open(repo.webhookSecretEnc, sealContext(repo.id, "webhook_secret"))
      : undefined;
  }

  /**
   * Sets or clears (null) the repo's upstream host settings: members and up, like creating a repo.
   * A host kind or API address that does not fit the upstream URL is refused with why.
   */
  async updateRepo(
    actor: Actor,
    idOrSlug: string,
    name: string,
    body: UpdateRepoBody,
  ): Promise<{ project: ProjectRow; repo: RepoRow }> {
    const project = await this.row(actor, idOrSlug, "control");
    // Before the row lock: a DNS answer may take seconds.
    const refused = body.host_api_base ? await refusedAddress(body.host_api_base) : undefined;
    if (refused) throw new HttpError(422, "host_refused", `host_api_base ${body.host_api_base}: ${refused}`);
    return this.db.transaction(async (tx) => {
      const [locked] = await tx
        .select()
        .from(repos)
        .where(and(eq(repos.projectId, project.id), eq(repos.name, name)))
        .for("update");
      if (!locked) throw notFound(`repo in project ${project.slug}`, name);
      const patch: Partial<typeof repos.$inferInsert> = {};
      if (body.host_kind !== undefined) patch.hostKind = body.host_kind;
      if (body.host_api_base !== undefined) patch.hostApiBase = body.host_api_base?.replace(/\/+$/, "") ?? null;
      if (body.host_token !== undefined)
        patch.hostTokenEnc =
          body.host_token === null ? null : this.box.seal(body.host_token, sealContext(locked.id, "host_token"));
      if (body.webhook_secret !== undefined)
        patch.webhookSecretEnc =
          body.webhook_secret === null
            ? null
            : this.box.seal(body.webhook_secret, sealContext(locked.id, "webhook_secret"));
      const next = { ...locked, ...patch };
      const setsSomething = Object.values(patch).some((v) => v !== null);
      if (setsSomething && !next.upstreamUrl) {
        throw new HttpError(
          409,
          "no_upstream",
          `repo ${name} was not imported from an upstream, so there is no host to open pull requests on; import the repo from GitHub, GitLab or Gitea to use one`,
        );
      }
      if (next.upstreamUrl && (body.host_kind || body.host_api_base)) {
        const host = repoHost(next);
        if (!host.ok) throw new HttpError(422, "invalid_host", host.problem);
      }
      const [updated] = await tx.update(repos).set(patch).where(eq(repos.id, locked.id)).returning();
      return { project, repo: updated as RepoRow };
    });
  }
}

/** Each sealed value is bound to its repo and field, so one cannot be copied over another. */
const sealContext = (repoId: string, field: "host_token" | "webhook_secret") => `${repoId}:${field}`;

function settingsPatch(b: CreateProjectBody | UpdateProjectBody): Patch {
  const p: Patch = {};
  if (b.desktop !== undefined) p.desktop = b.desktop;
  if (b.runtime !== undefined) p.runtime = b.runtime;
  if (b.model !== undefined) p.model = b.model;
  if (b.resources?.cpus !== undefined) p.cpus = b.resources.cpus;
  if (b.resources?.memory_mb !== undefined) p.memoryMb = b.resources.memory_mb;
  if (b.branch_prefix !== undefined) p.branchPrefix = b.branch_prefix;
  if (b.protected_branches !== undefined) p.protectedBranches = b.protected_branches;
  if (b.merge_strategy !== undefined) p.mergeStrategy = b.merge_strategy;
  if (b.checkpoints !== undefined) p.checkpoints = b.checkpoints;
  // Keys left out fall back to the defaults (to-project.ts), so sending {} restores them all.
  if (b.wip_limits !== undefined) p.wipLimits = b.wip_limits as Record<string, number>;
  return p;
}

/** Credentials typed into a URL never get stored with it. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url; // scp-like ssh (git@host:path) has no password part
  }
}
