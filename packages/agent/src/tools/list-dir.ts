import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { defineTool, ToolError } from "./types.js";
import { resolveInWorkspace, toRelative } from "./workspace.js";

const MAX_ENTRIES = 1000;

export const listDir = defineTool({
  name: "list_dir",
  description: "List a directory of the workspace: sub-directories end with /, symlinks with @, files show their size.",
  schema: z.object({
    path: z.string().default(".").describe("Directory relative to the workspace root (default: the root)."),
  }),
  kind: "read",
  needsPermission: false,
  title: (a) => `List ${a.path ?? "."}`,
  locations: (a, ws) => [{ path: resolveInWorkspace(ws, a.path ?? ".") }],
  async run(a, ctx) {
    const abs = resolveInWorkspace(ctx.workspace, a.path);
    const entries = await readdir(abs, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new ToolError(`${a.path} does not exist`);
      if (err.code === "ENOTDIR") throw new ToolError(`${a.path} is a file; use read_file`);
      throw err;
    });
    entries.sort((x, y) => Number(y.isDirectory()) - Number(x.isDirectory()) || x.name.localeCompare(y.name));
    const lines: string[] = [];
    for (const e of entries.slice(0, MAX_ENTRIES)) {
      if (e.isDirectory()) lines.push(`${e.name}/`);
      else if (e.isSymbolicLink()) lines.push(`${e.name}@`);
      else {
        const size = await lstat(join(abs, e.name)).then(
          (s) => s.size,
          () => undefined,
        );
        lines.push(size === undefined ? e.name : `${e.name}  (${size} bytes)`);
      }
    }
    if (entries.length > MAX_ENTRIES) lines.push(`[${entries.length - MAX_ENTRIES} more entries not shown]`);
    const rel = toRelative(ctx.workspace, abs);
    return { content: lines.length ? `${rel}/\n${lines.join("\n")}` : `${rel}/ is empty` };
  },
});
