import { z } from "zod";
import { ensureMtimeAdvanced, mtimeMs } from "../desktop/mtime.js";
import { lineCount, readTextIfExists } from "./files.js";
import { defineTool } from "./types.js";
import { resolveInWorkspace, toRelative } from "./workspace.js";

export const writeFile = defineTool({
  name: "write_file",
  description:
    "Create a file, or replace a file's whole content. Parent directories are created. " +
    "To change part of an existing file, prefer edit_file.",
  schema: z.object({
    path: z.string().describe("Path relative to the workspace root."),
    content: z.string().describe("The complete new content of the file."),
  }),
  kind: "edit",
  needsPermission: true,
  title: (a) => `Write ${a.path}`,
  locations: (a, ws) => [{ path: resolveInWorkspace(ws, a.path) }],
  async preview(a, ctx) {
    const abs = resolveInWorkspace(ctx.workspace, a.path);
    return [{ type: "diff", path: abs, oldText: (await readTextIfExists(ctx.files, abs)) ?? null, newText: a.content }];
  },
  async run(a, ctx) {
    const abs = resolveInWorkspace(ctx.workspace, a.path);
    const old = await readTextIfExists(ctx.files, abs);
    const before = await mtimeMs(abs);
    await ctx.files.writeText(abs, a.content);
    await ensureMtimeAdvanced(abs, before);
    ctx.desktop.openFile(abs);
    const rel = toRelative(ctx.workspace, abs);
    const what = old === undefined ? "Created" : "Wrote";
    return {
      content: `${what} ${rel} (${Buffer.byteLength(a.content)} bytes, ${lineCount(a.content)} lines)`,
      display: [{ type: "diff", path: abs, oldText: old ?? null, newText: a.content }],
      locations: [{ path: abs, line: 1 }],
    };
  },
});
