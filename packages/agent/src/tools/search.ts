/** File walking shared by glob and grep: skips dependency and VCS folders, never leaves the workspace. */
import { glob } from "tinyglobby";
import { ToolError } from "./types.js";

export const IGNORED = ["**/node_modules/**", "**/.git/**", "**/.strand/**"];

export function checkPattern(pattern: string): void {
  if (pattern.startsWith("/") || pattern.split("/").includes("..")) {
    throw new ToolError(
      `pattern "${pattern}" points outside the search folder; use a pattern relative to it, without ..`,
    );
  }
}

/** Files matching `pattern` under `dir`, sorted, relative to `dir`. */
export async function findFiles(dir: string, pattern: string): Promise<string[]> {
  checkPattern(pattern);
  const files = await glob(pattern, {
    cwd: dir,
    dot: true,
    onlyFiles: true,
    ignore: IGNORED,
    followSymbolicLinks: false,
  });
  return files.sort();
}
