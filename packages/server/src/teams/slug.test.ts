import { describe, expect, it } from "vitest";
import { firstFreeSlug, slugify } from "./slug.js";

describe("slugs", () => {
  it("makes URL-safe slugs from names", () => {
    expect(slugify("Platform Team!")).toBe("platform-team");
    expect(slugify("  Équipe Données  ")).toBe("equipe-donnees");
    expect(slugify("???")).toBe("team");
    expect(slugify("a".repeat(60))).toHaveLength(40);
  });

  it("numbers a slug that is taken", () => {
    expect(firstFreeSlug("core", new Set())).toBe("core");
    expect(firstFreeSlug("core", new Set(["core", "core-2"]))).toBe("core-3");
  });
});
