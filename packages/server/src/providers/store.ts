import {
  type CreateProviderBody,
  DEFAULT_BASE_URLS,
  ErrorCodes,
  type Provider,
  type ProviderKind,
  type UpdateProviderBody,
} from "@strand/protocol";
import { and, asc, eq } from "drizzle-orm";
import type { SecretBox } from "../crypto/secret-box.js";
import type { Db } from "../db/database.js";
import { uniqueViolation } from "../db/errors.js";
import { providers } from "../db/schema.js";
import { conflict, HttpError, notFound } from "../lib/http-error.js";
import { newId } from "../lib/ids.js";
import {
  type Actor,
  assertCanManageProvider,
  assertCanShareProvider,
  personIdOf,
  personOf,
  teamProviderOwner,
} from "../policy/policy.js";
import { providerScope } from "../policy/scopes.js";
import { normalizeBaseUrl } from "./endpoints.js";
import type { NetworkGuard } from "./network-guard.js";
import { type ProviderRow, toProvider } from "./to-provider.js";

/** A provider ready to call: the key decrypted, only ever held in server memory. */
export interface ResolvedProvider {
  id: string;
  name: string;
  kind: ProviderKind;
  baseUrl: string;
  apiKey: string | null;
  shared: boolean;
  updatedAt: Date;
}

/** Short keys would give too much away in their last 4 characters. */
const last4 = (key: string) => (key.length >= 16 ? key.slice(-4) : null);

/**
 * Providers belong to a user or to a team (its sessions use it; its owners and admins manage
 * it); an admin may mark one `shared` so every user can route to it. By name, a personal
 * provider wins over a team's, and a team's over a shared one.
 */
export class ProviderStore {
  /**
   * Name lookups for the proxy, kept briefly so a call does not wait on the database. Changes
   * made here clear it at once; changes made on another replica show within `cacheTtlMs`.
   */
  private readonly byName = new Map<string, { provider: ResolvedProvider | undefined; at: number }>();

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    /** Which addresses base URLs may reach; also guards every connection to providers. */
    readonly guard: NetworkGuard,
    private readonly cacheTtlMs = 5_000,
  ) {}

  async create(actor: Actor, body: CreateProviderBody): Promise<Provider> {
    const person = personOf(actor);
    const shared = body.shared ?? false;
    if (shared) assertCanShareProvider(person);
    const teamId = body.team_id ?? null;
    if (teamId) teamProviderOwner(person, teamId);
    const id = newId("prv");
    const baseUrl = normalizeBaseUrl(body.base_url ?? (DEFAULT_BASE_URLS[body.kind] as string));
    await this.checkBaseUrl(baseUrl);
    try {
      const [row] = await this.db
        .insert(providers)
        .values({
          id,
          ownerId: person.userId,
          teamId,
          name: body.name,
          kind: body.kind,
          baseUrl,
          shared,
          apiKeyEnc: body.api_key ? this.box.seal(body.api_key, id) : null,
          apiKeyLast4: body.api_key ? last4(body.api_key) : null,
        })
        .returning();
      if (!row) throw new Error("insert into providers returned no row");
      this.byName.clear();
      return toProvider(row);
    } catch (err) {
      throw this.nameConflict(err, body.name) ?? err;
    }
  }

  async list(actor: Actor): Promise<Provider[]> {
    const rows = await this.db
      .select()
      .from(providers)
      .where(providerScope(actor))
      .orderBy(asc(providers.name), asc(providers.id));
    return rows.map(toProvider);
  }

  async get(actor: Actor, id: string): Promise<Provider> {
    return toProvider(await this.visibleRow(actor, id));
  }

  async update(actor: Actor, id: string, body: UpdateProviderBody): Promise<Provider> {
    const row = await this.manageableRow(actor, id);
    if (body.shared) assertCanShareProvider(actor);
    const patch: Partial<typeof providers.$inferInsert> = { updatedAt: new Date() };
    if (body.name !== undefined) patch.name = body.name;
    if (body.base_url !== undefined) {
      patch.baseUrl = normalizeBaseUrl(body.base_url);
      await this.checkBaseUrl(patch.baseUrl);
    }
    if (body.shared !== undefined) patch.shared = body.shared;
    if (body.api_key === null) {
      patch.apiKeyEnc = null;
      patch.apiKeyLast4 = null;
    } else if (body.api_key !== undefined) {
      patch.apiKeyEnc = this.box.seal(body.api_key, row.id);
      patch.apiKeyLast4 = last4(body.api_key);
    }
    try {
      const [updated] = await this.db.update(providers).set(patch).where(eq(providers.id, row.id)).returning();
      this.byName.clear();
      return toProvider(updated as ProviderRow);
    } catch (err) {
      throw this.nameConflict(err, body.name ?? row.name) ?? err;
    }
  }

  async remove(actor: Actor, id: string): Promise<Provider> {
    const row = await this.manageableRow(actor, id);
    await this.db.delete(providers).where(eq(providers.id, row.id));
    this.byName.clear();
    return toProvider(row);
  }

  /** For the provider routes (models, test): any provider the actor can see. */
  async resolveById(actor: Actor, id: string): Promise<ResolvedProvider> {
    return this.resolve(await this.visibleRow(actor, id));
  }

  /** For the proxy: the provider of that name the actor routes to (personal, then team, then shared). */
  async resolveByName(actor: Actor, name: string): Promise<ResolvedProvider | undefined> {
    const key = `${cacheKeyOf(actor)}\u0000${name}`;
    const hit = this.byName.get(key);
    if (hit && Date.now() - hit.at < this.cacheTtlMs) return hit.provider;
    const provider = await this.lookupByName(actor, name);
    if (this.byName.size >= 10_000) this.byName.clear();
    this.byName.set(key, { provider, at: Date.now() });
    return provider;
  }

  private async lookupByName(actor: Actor, name: string): Promise<ResolvedProvider | undefined> {
    const rows = await this.db
      .select()
      .from(providers)
      .where(and(eq(providers.name, name), providerScope(actor)));
    const person = personIdOf(actor);
    const row = rows.sort((a, b) => precedence(a, person) - precedence(b, person))[0];
    return row ? this.resolve(row) : undefined;
  }

  /** Every provider the actor can route to, by name, personal ones shadowing team and shared ones. */
  async usable(actor: Actor): Promise<ResolvedProvider[]> {
    const rows = await this.db.select().from(providers).where(providerScope(actor)).orderBy(asc(providers.name));
    const byName = new Map<string, ProviderRow>();
    const person = personIdOf(actor);
    for (const r of rows) {
      const seen = byName.get(r.name);
      if (!seen || precedence(r, person) < precedence(seen, person)) byName.set(r.name, r);
    }
    const out: ResolvedProvider[] = [];
    for (const r of byName.values()) {
      try {
        out.push(this.resolve(r));
      } catch {
        // An unreadable key (changed secret) hides the provider here; calls to it say why.
      }
    }
    return out;
  }

  private resolve(row: ProviderRow): ResolvedProvider {
    let apiKey: string | null = null;
    if (row.apiKeyEnc) {
      try {
        apiKey = this.box.open(row.apiKeyEnc, row.id);
      } catch (err) {
        throw new HttpError(
          500,
          "provider_key_unreadable",
          `the API key of provider ${row.name} cannot be read: ${(err as Error).message}. ` +
            `Enter it again with PATCH /api/v1/providers/${row.id} {"api_key": "…"}.`,
        );
      }
    }
    return {
      id: row.id,
      name: row.name,
      kind: row.kind as ProviderKind,
      baseUrl: row.baseUrl,
      apiKey,
      shared: row.shared,
      updatedAt: row.updatedAt,
    };
  }

  private async visibleRow(actor: Actor, id: string): Promise<ProviderRow> {
    const [row] = await this.db
      .select()
      .from(providers)
      .where(and(eq(providers.id, id), providerScope(actor)));
    if (!row) throw notFound("provider", id);
    return row;
  }

  private async manageableRow(actor: Actor, id: string): Promise<ProviderRow> {
    const row = await this.visibleRow(actor, id);
    assertCanManageProvider(actor, { name: row.name, ownerId: row.ownerId, teamId: row.teamId });
    return row;
  }

  /** Refuses, as a field error, a base URL that is or resolves to an address the guard refuses. */
  private async checkBaseUrl(baseUrl: string): Promise<void> {
    const refusal = await this.guard.checkBaseUrl(baseUrl);
    if (!refusal) return;
    const message = `base_url: ${refusal}`;
    throw new HttpError(400, ErrorCodes.validationFailed, message, [{ path: "body.base_url", message }]);
  }

  private nameConflict(err: unknown, name: string): HttpError | undefined {
    const constraint = uniqueViolation(err);
    if (!constraint) return undefined;
    const message =
      constraint === "providers_shared_name_key"
        ? `name: a shared provider named ${JSON.stringify(name)} already exists; choose another name`
        : constraint === "providers_team_name_key"
          ? `name: the team already has a provider named ${JSON.stringify(name)}; choose another name`
          : `name: you already have a provider named ${JSON.stringify(name)}; choose another name, or change that one with PATCH /api/v1/providers/:id`;
    return conflict(message, [{ path: "body.name", message }]);
  }
}

/** Lower wins: the person's own, then a team's, then shared ones. */
function precedence(row: ProviderRow, person: string): number {
  if (row.teamId === null && row.ownerId === person) return 0;
  if (row.teamId !== null) return 1;
  return 2;
}

/** Name lookups differ per caller: a session sees its team's providers, a person all of theirs. */
function cacheKeyOf(actor: Actor): string {
  return actor.kind === "session" ? `s:${actor.sessionId}` : `u:${actor.userId}`;
}
