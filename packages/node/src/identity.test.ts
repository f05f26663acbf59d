import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadNodeIdentity } from "./identity.js";

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "strand-identity-"));
  dirs.push(d);
  return join(d, "node");
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("node identity", () => {
  it("is made once per state dir, kept, and differs between state dirs", async () => {
    const a = fresh();
    const first = await loadNodeIdentity(a);
    expect(first.created).toBe(true);
    expect(first.id).toMatch(/^n[0-9a-z]{12}$/);
    expect(await loadNodeIdentity(a)).toEqual({ id: first.id, created: false });
    expect((await loadNodeIdentity(fresh())).id).not.toBe(first.id);
  });

  it("takes over a legacy name-based identity only when asked, and only the first time", async () => {
    const dir = fresh();
    const legacy = await loadNodeIdentity(dir, async () => "build-host-1");
    expect(legacy).toEqual({ id: "build-host-1", created: true });
    expect(readFileSync(join(dir, "id"), "utf8").trim()).toBe("build-host-1");
    expect((await loadNodeIdentity(dir, async () => "something-else")).id).toBe("build-host-1");
    expect((await loadNodeIdentity(fresh(), async () => undefined)).id).not.toBe("build-host-1");
  });

  it("refuses a damaged id file with what to do", async () => {
    const dir = fresh();
    await loadNodeIdentity(dir);
    writeFileSync(join(dir, "id"), "not an id!\n");
    await expect(loadNodeIdentity(dir)).rejects.toThrow(/no valid node id.*delete it/);
  });
});
