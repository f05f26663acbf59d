import type { Provider, ProviderKind } from "@strand/protocol";
import type { providers } from "../db/schema.js";
import { iso } from "../lib/time.js";

export type ProviderRow = typeof providers.$inferSelect;

export function toProvider(row: ProviderRow): Provider {
  return {
    id: row.id,
    owner_id: row.ownerId,
    team_id: row.teamId,
    name: row.name,
    kind: row.kind as ProviderKind,
    base_url: row.baseUrl,
    shared: row.shared,
    api_key_set: row.apiKeyEnc !== null,
    // A team's key is visible to nobody, not even in part.
    api_key_last4: row.teamId ? null : row.apiKeyLast4,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}
