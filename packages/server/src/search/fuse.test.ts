import { describe, expect, it } from "vitest";
import { fuse, RRF_K } from "./fuse.js";
import type { Hit } from "./keyword.js";

const hit = (id: string): Hit => ({
  id,
  sessionId: "s",
  sessionName: "s",
  seq: 1,
  kind: "text",
  searchText: id,
  createdAt: new Date(0),
  projectId: null,
  teamId: null,
  runtime: "strand-agent",
  score: 99,
  stems: [],
});

describe("reciprocal rank fusion", () => {
  it("sums 1 / (k + rank) over the lists, so agreement wins", () => {
    const fused = fuse([
      [hit("a"), hit("b"), hit("c")],
      [hit("c"), hit("d")],
    ]);
    expect(fused.map((h) => h.id)).toEqual(["c", "a", "d", "b"]);
    expect(fused[0]?.score).toBeCloseTo(1 / (RRF_K + 3) + 1 / (RRF_K + 1));
    expect(fused[1]?.score).toBeCloseTo(1 / (RRF_K + 1));
  });

  it("breaks ties by id, so pages are stable", () => {
    expect(fuse([[hit("x")], [hit("y")]]).map((h) => h.id)).toEqual(["y", "x"]);
  });
});
