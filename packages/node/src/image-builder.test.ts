import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterEach, describe, expect, it } from "vitest";
import { ImageBuilder } from "./image-builder.js";
import { baseImageTag, desktopImageTag } from "./images.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function recipes(): string {
  const dir = mkdtempSync(join(tmpdir(), "strand-images-"));
  dirs.push(dir);
  mkdirSync(join(dir, "base"));
  writeFileSync(join(dir, "base", "debootstrap.conf"), "suite = bookworm\n");
  mkdirSync(join(dir, "common"));
  writeFileSync(join(dir, "common", "README.md"), "shared\n");
  mkdirSync(join(dir, "xfce"));
  writeFileSync(join(dir, "xfce", "Dockerfile"), "FROM scratch\n");
  return dir;
}

/** An engine with the base image present, where a desktop build takes a moment and then exists. */
function fakeEngine(imagesDir: string) {
  const present = new Set([baseImageTag(imagesDir)]);
  const builds: string[] = [];
  const docker = {
    getImage: (tag: string) => ({
      inspect: async () => {
        if (!present.has(tag)) throw Object.assign(new Error("no such image"), { statusCode: 404 });
        return {};
      },
    }),
    buildImage: async (_ctx: unknown, opts: { t: string }) => {
      builds.push(opts.t);
      return opts.t;
    },
    listImages: async () => [],
    modem: {
      followProgress: (tag: string, done: (err: Error | null, out: unknown[]) => void) => {
        setTimeout(() => {
          present.add(tag);
          done(null, []);
        }, 300);
      },
    },
  };
  return { docker: docker as unknown as Docker, builds };
}

describe("ImageBuilder", () => {
  it("builds an image once when two builders on the host ask for it at the same time", async () => {
    const imagesDir = recipes();
    const lock = join(imagesDir, "build.lock");
    const { docker, builds } = fakeEngine(imagesDir);
    const lines: string[] = [];
    const [a, b] = await Promise.all([
      new ImageBuilder(docker, imagesDir, lock).ensureDesktop("xfce", (l) => lines.push(l)),
      new ImageBuilder(docker, imagesDir, lock).ensureDesktop("xfce", (l) => lines.push(l)),
    ]);
    const tag = desktopImageTag("xfce", imagesDir);
    expect([a, b]).toEqual([tag, tag]);
    expect(builds).toEqual([tag]);
    expect(lines).toContain("another process is building desktop images on this host; waiting for it");
    expect(lines).toContain(`${tag} was built by another process meanwhile`);
  });
});
