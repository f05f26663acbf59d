import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, chown, mkdir, open, readdir, rename, rm, stat, statfs, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { DiskLimitMode } from "@strand/protocol";
import type { Logger } from "pino";

const run = promisify(execFile);
const MiB = 1024 * 1024;
/** The agent user of every desktop image. */
export const AGENT_UID = 1000;

/** Where a session's writable places live on the host. */
export interface SessionDiskLayout {
  /** The session's own filesystem (loop-mounted image), or a plain directory without limits. */
  root: string;
  home: string;
  work: string;
  docker: string;
  tmp: string;
  /** agentd, the built-in agent and the session token, bind-mounted read-only; outside the disk. */
  agentd: string;
}

export interface DiskLimits {
  mode: DiskLimitMode;
  note?: string;
}

/**
 * Each session writes only into a filesystem of its own size: a sparse ext4 image
 * (`<state dir>/sessions/<id>/disk.img`) that the node loop-mounts on the host, with the
 * desktop's home, workspace, Docker data and /tmp in it; the container's root is read-only. A
 * session that fills it gets ENOSPC inside, and nothing outside notices. Images are sparse, so a
 * session costs the host only what it wrote; the server's free-space reserve keeps the host from
 * running out underneath them (STRAND_MIN_FREE_DISK_MB).
 *
 * A host that cannot loop-mount (no root, no loop devices: some container hosts) gets plain
 * directories instead, and the node says so (`disk_limits: none`).
 */
export class SessionDisks {
  private constructor(
    private readonly stateDir: string,
    readonly limits: DiskLimits,
    private readonly log: Logger,
  ) {}

  /** Checks once whether this host can loop-mount ext4 images, by doing it. */
  static async open(stateDir: string, log: Logger, enforce = true): Promise<SessionDisks> {
    await mkdir(join(stateDir, "sessions"), { recursive: true, mode: 0o700 });
    const limits = enforce ? await probe(stateDir) : { mode: "none" as const, note: "disk limits turned off" };
    if (limits.mode === "none") {
      log.warn({ reason: limits.note }, "sessions' disk_mb is not enforced on this node");
    }
    return new SessionDisks(stateDir, limits, log);
  }

  private dir(sessionId: string): string {
    return join(this.stateDir, "sessions", sessionId);
  }

  layout(sessionId: string): SessionDiskLayout {
    const dir = this.dir(sessionId);
    const root = join(dir, "disk");
    return {
      root,
      home: join(root, "home"),
      work: join(root, "work"),
      docker: join(root, "docker"),
      tmp: join(root, "tmp"),
      agentd: join(dir, "agentd"),
    };
  }

  /**
   * Makes the session's disk ready for a start: created at `sizeMb` the first time, grown when
   * the session asks for more, mounted, with its folders in place and /tmp emptied (it is /tmp:
   * a stale X lock from the last run would stop the desktop).
   */
  async prepare(sessionId: string, sizeMb: number, opts: { trusted: boolean }): Promise<SessionDiskLayout> {
    const dir = this.dir(sessionId);
    const l = this.layout(sessionId);
    // 0700: the session token and the session's files are nobody else's business on the host.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await mkdir(l.agentd, { recursive: true, mode: 0o700 });
    await mkdir(l.root, { recursive: true, mode: 0o700 });
    if (this.limits.mode === "loop-ext4") await this.mountImage(sessionId, sizeMb);
    await chmod(l.root, 0o755);
    for (const d of [l.home, l.work, l.tmp]) await ensureDir(d, AGENT_UID);
    // A trusted session's own dockerd (root) keeps its data here; otherwise a rootless one would.
    await ensureDir(l.docker, opts.trusted ? 0 : AGENT_UID, opts.trusted ? 0o710 : 0o755);
    await emptyDir(l.tmp);
    await chmod(l.tmp, 0o1777);
    return l;
  }

  /** Unmounts the session's disk (the desktop stopped); its files stay in the image. */
  async release(sessionId: string): Promise<void> {
    const root = this.layout(sessionId).root;
    if (!isMounted(root)) return;
    try {
      await run("umount", [root]);
    } catch (err) {
      // Still busy (a container that would not stop): the next start or removal tries again.
      this.log.warn({ session: sessionId, err: errText(err) }, "could not unmount the session's disk yet");
    }
  }

  /** Removes the session's disk and everything on it. Idempotent. */
  async remove(sessionId: string): Promise<void> {
    const root = this.layout(sessionId).root;
    if (isMounted(root)) {
      // Lazy: the container is gone, but a process of Docker's may still hold a file open.
      await run("umount", ["--lazy", root]).catch((err) => {
        throw new Error(`could not unmount ${root}: ${errText(err)}`);
      });
    }
    await rm(this.dir(sessionId), { recursive: true, force: true });
  }

  /** Sessions that have a disk here. */
  async sessions(): Promise<string[]> {
    try {
      return (await readdir(join(this.stateDir, "sessions"))).filter((n) => n.startsWith("ses_"));
    } catch {
      return [];
    }
  }

  /** Free MiB on the filesystem that holds the session disks. */
  async freeMb(): Promise<number> {
    const s = await statfs(this.stateDir);
    return Math.floor((s.bavail * s.bsize) / MiB);
  }

  private async mountImage(sessionId: string, sizeMb: number): Promise<void> {
    const dir = this.dir(sessionId);
    const image = join(dir, "disk.img");
    const root = this.layout(sessionId).root;
    const bytes = sizeMb * MiB;
    const size = await stat(image).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined) {
      // Made under another name and renamed when formatted: a node killed half-way (between the
      // truncate and mkfs, say) leaves a `.new` file that the next start makes again, never a
      // disk.img that is no filesystem.
      const fresh = `${image}.new`;
      await rm(fresh, { force: true });
      await writeFile(fresh, "", { mode: 0o600 });
      await truncate(fresh, bytes);
      // Lazy inode tables and journal: the kernel fills them in the background, so a 20 GiB disk is
      // made in milliseconds. No reserved blocks: the session's root is not the host's.
      await run("mkfs.ext4", ["-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1", fresh]).catch(
        (err) => {
          throw new Error(`could not make the session's disk (mkfs.ext4 ${fresh}): ${errText(err)}`);
        },
      );
      await rename(fresh, image);
    } else if ((await ext4Bytes(image)) < bytes) {
      // Grown while stopped (decided by the filesystem, not the file: a node killed between the
      // truncate and resize2fs finishes the job at the next start). Offline resize needs a
      // checked, unmounted filesystem.
      if (isMounted(root)) await run("umount", [root]);
      if (size < bytes) await truncate(image, bytes);
      await run("e2fsck", ["-f", "-p", image]).catch((err) => {
        // 1: errors corrected; anything higher is a real problem worth saying.
        if ((err as { code?: number }).code !== 1) throw new Error(`e2fsck ${image}: ${errText(err)}`);
      });
      await run("resize2fs", [image]).catch((err) => {
        throw new Error(`could not grow the session's disk to ${sizeMb} MiB (resize2fs): ${errText(err)}`);
      });
      this.log.info({ session: sessionId, sizeMb }, "grew the session's disk");
    }
    if (!isMounted(root)) {
      await run("mount", ["-o", "loop,nosuid,nodev,noatime", image, root]).catch((err) => {
        throw new Error(`could not mount the session's disk (${image}): ${errText(err)}`);
      });
    }
  }
}

/**
 * The size of the ext4 filesystem in an image, from its superblock (1024 bytes in): block count
 * (low and, for 64-bit filesystems, high word) times block size. 0 when it is no ext4.
 */
async function ext4Bytes(image: string): Promise<number> {
  const fh = await open(image, "r");
  try {
    const sb = Buffer.alloc(0x154);
    await fh.read(sb, 0, sb.length, 1024);
    if (sb.readUInt16LE(0x38) !== 0xef53) return 0;
    const blockSize = 1024 * 2 ** sb.readUInt32LE(0x18);
    const is64 = (sb.readUInt32LE(0x60) & 0x80) !== 0;
    const blocks = sb.readUInt32LE(0x4) + (is64 ? sb.readUInt32LE(0x150) * 2 ** 32 : 0);
    return blocks * blockSize;
  } finally {
    await fh.close();
  }
}

/** Tries the whole path once (image, mkfs, loop mount) on a tiny image, so the answer is the truth. */
async function probe(stateDir: string): Promise<DiskLimits> {
  if (process.getuid?.() !== 0) return { mode: "none", note: "the node does not run as root, so it cannot mount" };
  if (!existsSync("/dev/loop-control"))
    return { mode: "none", note: "this host has no loop devices (/dev/loop-control)" };
  const image = join(stateDir, "probe.img");
  const mnt = join(stateDir, "probe.mnt");
  try {
    await mkdir(mnt, { recursive: true });
    await writeFile(image, "", { mode: 0o600 });
    await truncate(image, 8 * MiB);
    await run("mkfs.ext4", ["-q", "-F", image]);
    await run("mount", ["-o", "loop", image, mnt]);
    await run("umount", [mnt]);
    return { mode: "loop-ext4" };
  } catch (err) {
    return { mode: "none", note: `loop-mounting an ext4 image failed: ${errText(err)}` };
  } finally {
    if (isMounted(mnt)) await run("umount", ["--lazy", mnt]).catch(() => {});
    await rm(image, { force: true }).catch(() => {});
    await rm(mnt, { recursive: true, force: true }).catch(() => {});
  }
}

/** True when `path` is a mount point now (per /proc/self/mountinfo, which escapes spaces as \040). */
export function isMounted(path: string): boolean {
  try {
    return readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .some((line) => decodeMountPath(line.split(" ")[4] ?? "") === path);
  } catch {
    return false;
  }
}

/** Mount points at or below `dir`, deepest first (for cleaning up a state dir). */
export function mountsUnder(dir: string): string[] {
  let text = "";
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .map((line) => decodeMountPath(line.split(" ")[4] ?? ""))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

function decodeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

async function ensureDir(path: string, uid: number, mode = 0o755): Promise<void> {
  await mkdir(path, { recursive: true });
  // Only root can give a folder away; a node without root has no firewall either (docs/security.md).
  if (process.getuid?.() === 0) await chown(path, uid, uid);
  await chmod(path, mode);
}

async function emptyDir(path: string): Promise<void> {
  for (const name of await readdir(path)) await rm(join(path, name), { recursive: true, force: true });
}

function errText(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr?.trim() || e.message || String(err)).slice(0, 300);
}
