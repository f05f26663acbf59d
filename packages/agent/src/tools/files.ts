import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type FileAccess, ToolError } from "./types.js";

export const localFiles: FileAccess = {
  readText: (abs) => readFile(abs, "utf8"),
  async writeText(abs, content) {
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content);
  },
};

/** Reads a file, or undefined when it does not exist (asked of the local disk: ACP clients word "not found" differently). */
export async function readTextIfExists(files: FileAccess, abs: string): Promise<string | undefined> {
  if (!existsSync(abs)) return undefined;
  try {
    return await files.readText(abs);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function readTextOrThrow(files: FileAccess, abs: string, shown: string): Promise<string> {
  try {
    return await files.readText(abs);
  } catch (err) {
    if (isNotFound(err)) throw new ToolError(`${shown} does not exist; use list_dir or glob to find the right path`);
    if ((err as NodeJS.ErrnoException).code === "EISDIR") throw new ToolError(`${shown} is a directory`);
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; message?: string };
  // The ACP client answers JSON-RPC -32002 (resource not found) for a missing file.
  return e?.code === "ENOENT" || e?.code === -32002 || /not found|no such file/i.test(e?.message ?? "");
}

export function lineCount(text: string): number {
  if (!text) return 0;
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}
