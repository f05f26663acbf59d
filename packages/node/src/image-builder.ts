import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Desktop } from "@strand/protocol";
import Docker from "dockerode";
import lockfile from "proper-lockfile";
import { baseImageTag, COMMON_DIR, desktopImageTag, filesUnder, IMAGES_DIR } from "./images.js";
import { LABELS } from "./labels.js";

export type Progress = (line: string) => void;

/** One image build at a time on a host (per Docker Engine, which is the host's). */
const BUILD_LOCK = "/run/lock/strand-image-build.lock";

/** Where Debian keeps locally added CAs; the build trusts them as the host does. */
const HOST_CA_DIR = "/usr/local/share/ca-certificates";

/**
 * PEM of the CAs this host added beyond Debian's bundle (for example a TLS-inspecting proxy in
 * front of the npm registry). Without them `npm ci` inside the build fails on the certificate.
 */
export function hostExtraCaCerts(dir = HOST_CA_DIR): string {
  return filesUnder(dir)
    .filter((p) => p.endsWith(".crt"))
    .map((p) => readFileSync(p, "utf8").trim())
    .join("\n");
}

/** Builds the debootstrap base and a desktop image, each only when its recipe hash is new. */
export class ImageBuilder {
  constructor(
    private readonly docker: Docker = new Docker(),
    private readonly imagesDir = IMAGES_DIR,
    private readonly lockPath = BUILD_LOCK,
  ) {}

  async ensureDesktop(desktop: Desktop, progress: Progress, force = false): Promise<string> {
    if (!readdirSync(this.imagesDir).includes(desktop)) {
      throw new Error(`no recipe for the ${desktop} desktop in ${this.imagesDir}`);
    }
    const tag = desktopImageTag(desktop, this.imagesDir);
    if (!force && (await this.has(tag))) {
      progress(`${tag} is up to date`);
      return tag;
    }
    // Builds take minutes and Docker is the whole host's: a second builder (another server, an
    // installer, a test run) waits for the first and then finds the image made, instead of
    // building the same layers twice at once.
    const release = await this.buildLock(progress);
    try {
      if (!force && (await this.has(tag))) {
        progress(`${tag} was built by another process meanwhile`);
        return tag;
      }
      return await this.build(desktop, tag, progress, force);
    } finally {
      await release().catch(() => {});
    }
  }

  private async buildLock(progress: Progress): Promise<() => Promise<void>> {
    mkdirSync(dirname(this.lockPath), { recursive: true });
    const opts = {
      realpath: false,
      // A holder refreshes the lock every few seconds; one that died leaves it stale after 30 s.
      stale: 30_000,
      update: 5_000,
    };
    try {
      return await lockfile.lock(this.lockPath, { ...opts, retries: 0 });
    } catch (err) {
      if ((err as { code?: string }).code !== "ELOCKED") throw err;
    }
    progress("another process is building desktop images on this host; waiting for it");
    // Up to an hour: a first build on a slow mirror is long, but not endless.
    return lockfile.lock(this.lockPath, { ...opts, retries: { retries: 1800, minTimeout: 2_000, maxTimeout: 2_000 } });
  }

  private async build(desktop: Desktop, tag: string, progress: Progress, force: boolean): Promise<string> {
    const base = await this.ensureBase(progress, force);
    progress(`building ${tag} from images/${desktop}/Dockerfile`);
    // The context is images/ with only this desktop's folder and the shared one in it.
    const stream = await this.docker.buildImage(
      { context: this.imagesDir, src: [desktop, COMMON_DIR] },
      {
        t: tag,
        dockerfile: `${desktop}/Dockerfile`,
        buildargs: { BASE_IMAGE: base, EXTRA_CA_CERTS: hostExtraCaCerts() },
        labels: { [LABELS.managed]: "true" },
        rm: true,
        forcerm: true,
      },
    );
    await new Promise<void>((resolve, reject) =>
      this.docker.modem.followProgress(
        stream,
        (err, output) => {
          const failed = (output as { error?: string }[] | null)?.find((o) => o.error);
          if (err || failed) reject(new Error(`building ${tag} failed: ${err?.message ?? failed?.error}`));
          else resolve();
        },
        (event: { stream?: string; status?: string }) => {
          const line = (event.stream ?? event.status ?? "").trimEnd();
          if (line) progress(line);
        },
      ),
    );
    progress(`built ${tag}`);
    await this.pruneOlder(tag, progress);
    return tag;
  }

  /** Earlier builds of the same image take gigabytes; drop those no container still uses. */
  private async pruneOlder(tag: string, progress: Progress): Promise<void> {
    // Operators who want to roll back (and developers with several checkouts) keep old builds.
    if (process.env.STRAND_KEEP_OLD_IMAGES === "1") return;
    const repo = tag.split(":")[0] as string;
    for (const image of await this.docker.listImages({ filters: { reference: [repo] } })) {
      for (const old of (image.RepoTags ?? []).filter((t) => t !== tag)) {
        try {
          await this.docker.getImage(old).remove();
          progress(`removed the previous build ${old}`);
        } catch {
          // Still used by a session's container: it stays until that session is deleted.
        }
      }
    }
  }

  private async ensureBase(progress: Progress, force: boolean): Promise<string> {
    const tag = baseImageTag(this.imagesDir);
    if (!force && (await this.has(tag))) return tag;
    const conf = parseConf(readFileSync(join(this.imagesDir, "base", "debootstrap.conf"), "utf8"));
    const dir = mkdtempSync(join(tmpdir(), "strand-rootfs-"));
    try {
      progress(`debootstrap ${conf.suite} (${conf.variant}) from ${conf.mirror}`);
      await run(
        "debootstrap",
        [`--variant=${conf.variant}`, `--include=${conf.include}`, conf.suite ?? "bookworm", dir, conf.mirror ?? ""],
        progress,
      );
      progress(`importing the root filesystem as ${tag}`);
      const tar = spawn("tar", ["-C", dir, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
      const [repo, version] = tag.split(":");
      const out = await this.docker.importImage(tar.stdout, { repo, tag: version });
      await new Promise<void>((resolve, reject) =>
        this.docker.modem.followProgress(out, (err) => (err ? reject(err) : resolve())),
      );
      return tag;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private async has(tag: string): Promise<boolean> {
    try {
      await this.docker.getImage(tag).inspect();
      return true;
    } catch {
      return false;
    }
  }
}

function parseConf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([a-z]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m?.[1]) out[m[1]] = m[2] ?? "";
  }
  return out;
}

function run(cmd: string, args: string[], progress: Progress): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const onData = (c: Buffer) => {
      for (const line of c.toString().split("\n")) {
        if (!line.trim()) continue;
        tail = `${tail}\n${line}`.slice(-2000);
        if (line.startsWith("I: Retrieving") || line.startsWith("I: Base system")) progress(line);
      }
    };
    p.stdout.on("data", onData);
    p.stderr.on("data", onData);
    p.once("error", (err) =>
      reject(new Error(`${cmd} could not run (${err.message}); install it: apt-get install ${cmd}`)),
    );
    p.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}:${tail}`))));
  });
}
