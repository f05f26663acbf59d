import { readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { findFiles } from "./search.js";
import { defineTool, ToolError } from "./types.js";
import { resolveInWorkspace, toRelative } from "./workspace.js";

const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_OUTPUT = 64 * 1024;
const MAX_LINE = 300;

export const grep = defineTool({
  name: "grep",
  description:
    "Search file contents with a JavaScript regular expression; answers path:line: text. Binary files, files over 2 MiB, " +
    "node_modules, .git and .strand are skipped.",
  schema: z.object({
    pattern: z.string().describe("Regular expression (JavaScript syntax)."),
    path: z
      .string()
      .default(".")
      .describe("File or folder to search, relative to the workspace root (default: the root)."),
    glob: z.string().optional().describe('Only files matching this glob, e.g. "**/*.ts".'),
    case_insensitive: z.boolean().optional(),
    max_results: z.int().min(1).max(1000).default(200).describe("Stop after this many matching lines (default 200)."),
  }),
  kind: "search",
  needsPermission: false,
  title: (a) => `Search for /${a.pattern}/${a.path && a.path !== "." ? ` in ${a.path}` : ""}`,
  async run(a, ctx) {
    let re: RegExp;
    try {
      re = new RegExp(a.pattern, a.case_insensitive ? "i" : "");
    } catch (err) {
      throw new ToolError(`invalid regular expression: ${(err as Error).message}`);
    }
    const target = resolveInWorkspace(ctx.workspace, a.path);
    const info = await stat(target).catch(() => undefined);
    if (!info) throw new ToolError(`${a.path} does not exist`);
    const [dir, files] = info.isDirectory()
      ? [target, await findFiles(target, a.glob ?? "**/*")]
      : [dirname(target), [basename(target)]];
    const out: string[] = [];
    let bytes = 0;
    let matches = 0;
    let truncated = false;
    outer: for (const f of files) {
      if (ctx.signal.aborted) break;
      const abs = join(dir, f);
      const size = await stat(abs).then(
        (s) => s.size,
        () => 0,
      );
      if (size === 0 || size > MAX_FILE_BYTES) continue;
      const buf = await readFile(abs).catch(() => undefined);
      if (!buf || buf.subarray(0, 8000).includes(0)) continue;
      const rel = toRelative(ctx.workspace, abs);
      const lines = buf.toString("utf8").split("\n");
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] ?? "";
        if (!re.test(line)) continue;
        const row = `${rel}:${i + 1}: ${line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line}`;
        matches++;
        bytes += row.length + 1;
        if (matches > a.max_results || bytes > MAX_OUTPUT) {
          truncated = true;
          break outer;
        }
        out.push(row);
      }
    }
    if (!out.length) return { content: `no matches for /${a.pattern}/ in ${a.path} (${files.length} files searched)` };
    if (truncated) out.push(`[stopped after ${out.length} matches; narrow the pattern, path or glob]`);
    return { content: out.join("\n") };
  },
});
