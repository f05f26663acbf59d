import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { AGENT_UID, isMounted, mountsUnder, SessionDisks } from "./session-disk.js";

const log = pino({ level: "silent" });
const dirs: string[] = [];
const stateDir = () => {
  const d = mkdtempSync(join(tmpdir(), "strand-disks-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) {
    for (const m of mountsUnder(d)) execFileSync("umount", ["--lazy", m]);
    rmSync(d, { recursive: true, force: true });
  }
});

const sizeMb = (path: string) => Number(execFileSync("df", ["-m", "--output=size", path]).toString().split("\n")[1]);
const asRoot = process.getuid?.() === 0 && existsSync("/dev/loop-control");

describe.runIf(asRoot)("session disks on a host that can loop-mount", () => {
  it("makes, mounts, grows and removes a session's own filesystem", async () => {
    const disks = await SessionDisks.open(stateDir(), log);
    expect(disks.limits).toEqual({ mode: "loop-ext4" });
    const l = await disks.prepare("ses_disktest000001", 1024, { trusted: false });
    expect(isMounted(l.root)).toBe(true);
    expect(sizeMb(l.work)).toBeGreaterThan(900);
    expect(sizeMb(l.work)).toBeLessThanOrEqual(1024);
    // The agent owns its folders; /tmp is sticky and shared.
    expect(statSync(l.home).uid).toBe(AGENT_UID);
    expect(statSync(l.tmp).mode & 0o7777).toBe(0o1777);
    writeFileSync(join(l.work, "kept.txt"), "kept");
    writeFileSync(join(l.tmp, "stale.lock"), "x");

    await disks.release("ses_disktest000001");
    expect(isMounted(l.root)).toBe(false);
    // A start after the size grew: bigger, the work is still there, /tmp is empty again.
    await disks.prepare("ses_disktest000001", 2048, { trusted: true });
    expect(sizeMb(l.work)).toBeGreaterThan(1900);
    expect(existsSync(join(l.work, "kept.txt"))).toBe(true);
    expect(existsSync(join(l.tmp, "stale.lock"))).toBe(false);
    // A trusted session's root dockerd owns its data folder.
    expect(statSync(l.docker).uid).toBe(0);
    expect(await disks.sessions()).toEqual(["ses_disktest000001"]);

    // A node killed between growing the file and resize2fs: the next start finishes the job.
    await disks.release("ses_disktest000001");
    execFileSync("truncate", ["-s", "3072M", join(l.root, "..", "disk.img")]);
    await disks.prepare("ses_disktest000001", 3072, { trusted: true });
    expect(sizeMb(l.work)).toBeGreaterThan(2900);
    expect(existsSync(join(l.work, "kept.txt"))).toBe(true);

    await disks.remove("ses_disktest000001");
    expect(isMounted(l.root)).toBe(false);
    expect(existsSync(l.root)).toBe(false);
    expect(await disks.sessions()).toEqual([]);
    // Idempotent.
    await disks.remove("ses_disktest000001");
  });
});

describe.runIf(asRoot)("a disk whose making was cut off", () => {
  it("is made again, not mounted half-made", async () => {
    const dir = stateDir();
    const disks = await SessionDisks.open(dir, log);
    const sessionDir = join(dir, "sessions", "ses_disktest000003");
    execFileSync("mkdir", ["-p", sessionDir]);
    // What a SIGKILL between truncate and mkfs leaves behind.
    execFileSync("truncate", ["-s", "1024M", join(sessionDir, "disk.img.new")]);
    const l = await disks.prepare("ses_disktest000003", 1024, { trusted: false });
    expect(isMounted(l.root)).toBe(true);
    expect(existsSync(join(sessionDir, "disk.img.new"))).toBe(false);
    await disks.remove("ses_disktest000003");
  });
});

describe("session disks on a host that cannot enforce them", () => {
  it("says so, and gives sessions plain folders", async () => {
    const disks = await SessionDisks.open(stateDir(), log, false);
    expect(disks.limits.mode).toBe("none");
    expect(disks.limits.note).toMatch(/turned off/);
    const l = await disks.prepare("ses_disktest000002", 1024, { trusted: false });
    expect(isMounted(l.root)).toBe(false);
    expect(existsSync(l.work)).toBe(true);
    await disks.remove("ses_disktest000002");
    expect(existsSync(l.root)).toBe(false);
  });
});
