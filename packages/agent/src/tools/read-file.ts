import { open, stat } from "node:fs/promises";
import { z } from "zod";
import { readTextOrThrow } from "./files.js";
import { defineTool, ToolError } from "./types.js";
import { resolveInWorkspace } from "./workspace.js";

const MAX_LINES = 2000;
const MAX_BYTES = 256 * 1024;
const MAX_FILE_BYTES = 32 * 1024 * 1024;
const MAX_LINE_CHARS = 2000;

export const readFile = defineTool({
  name: "read_file",
  description:
    `Read a text file from the workspace. Lines come back numbered ("   12\\t…"); the numbers are not part of the file. ` +
    `Reads at most ${MAX_LINES} lines / ${MAX_BYTES / 1024} KiB at a time; use start_line and end_line (1-based, inclusive) for more.`,
  schema: z.object({
    path: z.string().describe("Path relative to the workspace root."),
    start_line: z.int().min(1).optional().describe("First line to return (1-based)."),
    end_line: z.int().min(1).optional().describe("Last line to return (inclusive)."),
  }),
  kind: "read",
  needsPermission: false,
  title: (a) => `Read ${a.path}${a.start_line ? `:${a.start_line}${a.end_line ? `-${a.end_line}` : ""}` : ""}`,
  locations: (a, ws) => [{ path: resolveInWorkspace(ws, a.path), line: a.start_line ?? 1 }],
  async run(a, ctx) {
    const abs = resolveInWorkspace(ctx.workspace, a.path);
    const info = await stat(abs).catch(() => undefined);
    if (info?.isDirectory()) throw new ToolError(`${a.path} is a directory; use list_dir to see what is in it`);
    if (info && info.size > MAX_FILE_BYTES) {
      throw new ToolError(
        `${a.path} is ${info.size} bytes, too large to read; use grep, or run_command with sed -n / head`,
      );
    }
    if (info && (await looksBinary(abs)))
      throw new ToolError(`${a.path} is a binary file (${info.size} bytes); not shown`);
    const text = await readTextOrThrow(ctx.files, abs, a.path);
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    const total = lines.length;
    const start = a.start_line ?? 1;
    if (a.end_line !== undefined && a.end_line < start) throw new ToolError("end_line is before start_line");
    if (total === 0) return { content: `(${a.path} is empty)` };
    if (start > total) throw new ToolError(`${a.path} has ${total} lines; start_line ${start} is past the end`);
    const end = Math.min(a.end_line ?? total, total, start + MAX_LINES - 1);
    let out = "";
    let last = start - 1;
    for (let n = start; n <= end; n++) {
      let line = lines[n - 1] ?? "";
      if (line.length > MAX_LINE_CHARS)
        line = `${line.slice(0, MAX_LINE_CHARS)}… [line cut at ${MAX_LINE_CHARS} characters]`;
      const row = `${String(n).padStart(6)}\t${line}\n`;
      if (out.length + row.length > MAX_BYTES) break;
      out += row;
      last = n;
    }
    if (last < total && (a.end_line === undefined || last < a.end_line)) {
      out += `[showing lines ${start}-${last} of ${total}; read on with start_line ${last + 1}]\n`;
    }
    return { content: out, rawOutput: { lines: [start, last], total } };
  },
});

async function looksBinary(abs: string): Promise<boolean> {
  const fh = await open(abs, "r").catch(() => undefined);
  if (!fh) return false;
  try {
    const buf = Buffer.alloc(8000);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).includes(0);
  } finally {
    await fh.close();
  }
}
