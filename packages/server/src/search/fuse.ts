import type { Hit } from "./keyword.js";

/** Reciprocal rank fusion's constant (Cormack et al.): ranks past the first few matter less and less. */
export const RRF_K = 60;

/** Reciprocal rank fusion: score = Σ 1 / (k + rank) over the lists an entry is in; ties by entry id. */
export function fuse<T extends Pick<Hit, "id" | "score" | "stems"> = Hit>(lists: T[][]): T[] {
  const byId = new Map<string, T>();
  for (const list of lists) {
    list.forEach((hit, i) => {
      const add = 1 / (RRF_K + i + 1);
      const seen = byId.get(hit.id);
      if (seen) {
        seen.score += add;
        if (!seen.stems.length) seen.stems = hit.stems;
      } else byId.set(hit.id, { ...hit, score: add });
    });
  }
  return [...byId.values()].sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
