import type { Logger } from "pino";
import { type DiscoveredModel, discoverModels, type ProviderNetwork } from "../providers/discovery.js";
import type { ResolvedProvider } from "../providers/store.js";

export interface CatalogEntry {
  provider: string;
  id: string;
  display_name: string | null;
}

/**
 * The models of a user's providers for `GET /v1/models`, asked of each provider in parallel
 * and cached briefly: agents list models at start-up, and a provider that is down or slow is
 * left out rather than holding up the list.
 */
export class ModelCatalog {
  private readonly cache = new Map<string, { at: number; models: DiscoveredModel[] }>();

  constructor(
    private readonly net: ProviderNetwork,
    private readonly log: Logger,
    private readonly ttlMs = 60_000,
    private readonly timeoutMs = 5_000,
  ) {}

  async list(providers: ResolvedProvider[]): Promise<CatalogEntry[]> {
    const lists = await Promise.all(providers.map((p) => this.modelsOf(p)));
    return providers.flatMap((p, i) => (lists[i] ?? []).map((m) => ({ provider: p.name, ...m })));
  }

  private async modelsOf(p: ResolvedProvider): Promise<DiscoveredModel[]> {
    const key = `${p.id}:${p.updatedAt.getTime()}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.models;
    try {
      const models = await discoverModels(this.net, p, this.timeoutMs);
      this.cache.set(key, { at: Date.now(), models });
      return models;
    } catch (err) {
      this.log.warn({ provider: p.name, err: (err as Error).message }, "listing a provider's models failed");
      return hit?.models ?? [];
    }
  }
}
