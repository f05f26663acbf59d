import type { Provider, ProviderKind } from "@strand/protocol";
import type { providers } from "../db/schema.js";
import { iso } from "../lib/time.js";

export type ProviderRow = typeof providers.$inferSelect;

export function toProvider(row: ProviderRow): Provider {
  return {
    id: row.id,
    owner_id: row.ownerId,
    name: row.name,
    kind: row.kind as ProviderKind,
    base_url: row.baseUrl,
    shared: row.shared,
    api_key_set: row.apiKeyEnc !== null,
    api_key_last4: row.apiKeyLast4,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}
