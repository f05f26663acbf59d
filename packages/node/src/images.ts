import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Desktop } from "@strand/protocol";

export const IMAGES_DIR = fileURLToPath(new URL("../../../images", import.meta.url));
/** Sources every desktop recipe may COPY (as `common/...`); part of each desktop's hash. */
export const COMMON_DIR = "common";

/** Every file under `dir`, depth first in name order; a missing folder has none. */
export function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Hash of every file under a recipe folder: the image is rebuilt only when this changes. */
export function recipeHash(dir: string, extra = ""): string {
  const h = createHash("sha256").update(extra);
  for (const p of filesUnder(dir)) h.update(relative(dir, p)).update("\0").update(readFileSync(p)).update("\0");
  return h.digest("hex").slice(0, 12);
}

export function baseImageTag(imagesDir = IMAGES_DIR): string {
  return `strand-base:${recipeHash(join(imagesDir, "base"))}`;
}

export function desktopImageTag(desktop: Desktop, imagesDir = IMAGES_DIR): string {
  if (!existsSync(join(imagesDir, desktop, "Dockerfile"))) {
    const available = readdirSync(imagesDir).filter((d) => existsSync(join(imagesDir, d, "Dockerfile")));
    throw new Error(
      `the ${desktop} desktop has no image recipe in this version of Strand (images/${desktop}); ` +
        `available: ${available.join(", ")}. Create the session with one of those, or add the recipe and run \`strand images build --desktop ${desktop}\``,
    );
  }
  // Every desktop also builds what images/common holds (the capture encoder, shared scripts).
  const base = baseImageTag(imagesDir) + recipeHash(join(imagesDir, COMMON_DIR));
  return `strand-desktop-${desktop}:${recipeHash(join(imagesDir, desktop), base)}`;
}
