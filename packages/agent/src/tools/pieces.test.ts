import { mkdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureMtimeAdvanced } from "../desktop/mtime.js";
import { tempWorkspace } from "../test-support/agent-process.js";
import { CappedOutput } from "./capped-output.js";
import { parseArgs } from "./registry.js";
import { resolveInWorkspace } from "./workspace.js";
import { writeFile } from "./write-file.js";

describe("resolveInWorkspace", () => {
  it("accepts paths inside, including new files under new folders", () => {
    const ws = tempWorkspace();
    expect(resolveInWorkspace(ws, "a/b/new.txt")).toBe(join(ws, "a/b/new.txt"));
    expect(resolveInWorkspace(ws, join(ws, "x"))).toBe(join(ws, "x"));
    expect(resolveInWorkspace(ws, "a/../b")).toBe(join(ws, "b"));
    expect(resolveInWorkspace(ws, ".")).toBe(ws);
  });

  it("refuses .., absolute paths elsewhere, sibling prefixes and symlinked folders that lead out", () => {
    const ws = tempWorkspace();
    const out = tempWorkspace();
    mkdirSync(join(ws, "sub"));
    symlinkSync(out, join(ws, "sub/link"));
    expect(() => resolveInWorkspace(ws, "../x")).toThrow(/outside the workspace/);
    expect(() => resolveInWorkspace(ws, "/etc/passwd")).toThrow(/outside the workspace/);
    expect(() => resolveInWorkspace(ws, `${ws}-evil/x`)).toThrow(/outside the workspace/);
    expect(() => resolveInWorkspace(ws, "sub/link/new/file.txt")).toThrow(/resolves to/);
    expect(() => resolveInWorkspace(ws, "")).toThrow(/empty/);
  });
});

describe("CappedOutput", () => {
  it("keeps everything under the cap", () => {
    const o = new CappedOutput(100);
    o.push(Buffer.from("hello "));
    o.push(Buffer.from("world"));
    expect(o.toString()).toBe("hello world");
  });

  it("keeps head and tail over the cap and says how much is missing", () => {
    const o = new CappedOutput(10);
    for (const c of "abcdefghijklmnopqrstuvwxyz") o.push(Buffer.from(c));
    expect(o.toString()).toBe("abcde\n[… 16 bytes of output omitted …]\nvwxyz");
    expect(o.totalBytes).toBe(26);
  });

  it("splits one big chunk between head and tail", () => {
    const o = new CappedOutput(10);
    o.push(Buffer.from("0123456789ABCDEFGHIJ"));
    expect(o.toString()).toBe("01234\n[… 10 bytes of output omitted …]\nFGHIJ");
  });
});

describe("parseArgs", () => {
  it("explains invalid JSON and wrong types", () => {
    expect(parseArgs(writeFile, "{")).toMatchObject({ ok: false, error: expect.stringMatching(/not valid JSON/) });
    const wrong = parseArgs(writeFile, JSON.stringify({ path: 1 }));
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) {
      expect(wrong.error).toMatch(/path/);
      expect(wrong.error).toMatch(/content/);
    }
    expect(parseArgs(writeFile, JSON.stringify({ path: "a", content: "" }))).toMatchObject({ ok: true });
  });
});

describe("ensureMtimeAdvanced", () => {
  it("moves a rewrite within the same second to the next second, so the IDE notices it", async () => {
    const f = join(tempWorkspace(), "a.txt");
    writeFileSync(f, "one");
    const t = new Date(Math.floor(Date.now() / 1000) * 1000 + 100);
    utimesSync(f, t, t);
    const before = statSync(f).mtimeMs;
    writeFileSync(f, "two");
    utimesSync(f, new Date(before + 300), new Date(before + 300));
    await ensureMtimeAdvanced(f, before);
    expect(Math.floor(statSync(f).mtimeMs / 1000)).toBe(Math.floor(before / 1000) + 1);
    // A write in a later second is left alone.
    const later = new Date(before + 5000);
    utimesSync(f, later, later);
    await ensureMtimeAdvanced(f, before);
    expect(statSync(f).mtimeMs).toBeCloseTo(later.getTime(), -1);
  });
});
