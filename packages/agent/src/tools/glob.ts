import { join } from "node:path";
import { z } from "zod";
import { findFiles } from "./search.js";
import { defineTool } from "./types.js";
import { resolveInWorkspace, toRelative } from "./workspace.js";

const MAX_RESULTS = 1000;

export const globTool = defineTool({
  name: "glob",
  description:
    'Find files by glob pattern (e.g. "**/*.ts", "src/**/test_*.py"), sorted by path. node_modules, .git and .strand are skipped.',
  schema: z.object({
    pattern: z.string().describe("Glob pattern, relative to path."),
    path: z
      .string()
      .default(".")
      .describe("Folder to search from, relative to the workspace root (default: the root)."),
  }),
  kind: "search",
  needsPermission: false,
  title: (a) => `Find ${a.pattern}${a.path && a.path !== "." ? ` in ${a.path}` : ""}`,
  async run(a, ctx) {
    const dir = resolveInWorkspace(ctx.workspace, a.path);
    const files = await findFiles(dir, a.pattern);
    if (!files.length) return { content: `no files match ${a.pattern}` };
    const shown = files.slice(0, MAX_RESULTS).map((f) => toRelative(ctx.workspace, join(dir, f)));
    if (files.length > MAX_RESULTS) shown.push(`[${files.length - MAX_RESULTS} more not shown; narrow the pattern]`);
    return { content: shown.join("\n") };
  },
});
