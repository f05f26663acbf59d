import { z } from "zod";
import { ensureMtimeAdvanced, mtimeMs } from "../desktop/mtime.js";
import { readTextOrThrow } from "./files.js";
import { defineTool, type ToolContext, ToolError } from "./types.js";
import { resolveInWorkspace, toRelative } from "./workspace.js";

const schema = z.object({
  path: z.string().describe("Path relative to the workspace root."),
  old_text: z.string().describe("The exact text to replace."),
  new_text: z.string().describe("The text to put in its place."),
  replace_all: z.boolean().optional().describe("Replace every occurrence instead of exactly one."),
});
type EditArgs = z.infer<typeof schema>;

export const editFile = defineTool({
  name: "edit_file",
  description:
    "Replace exact text in a file. old_text must match the file exactly (whitespace and indentation included, " +
    "without read_file's line numbers) and be unique, unless replace_all is true. Include a few lines of context to make it unique.",
  schema,
  kind: "edit",
  needsPermission: true,
  title: (a) => `Edit ${a.path}`,
  locations: (a, ws) => [{ path: resolveInWorkspace(ws, a.path) }],
  async preview(a, ctx) {
    const abs = resolveInWorkspace(ctx.workspace, a.path);
    const { old, next } = await plan(a, abs, ctx);
    return [{ type: "diff", path: abs, oldText: old, newText: next }];
  },
  async run(a, ctx) {
    const abs = resolveInWorkspace(ctx.workspace, a.path);
    const { old, next, count, first } = await plan(a, abs, ctx);
    const before = await mtimeMs(abs);
    await ctx.files.writeText(abs, next);
    await ensureMtimeAdvanced(abs, before);
    const line = old.slice(0, first).split("\n").length;
    ctx.desktop.openFile(abs, line);
    const rel = toRelative(ctx.workspace, abs);
    return {
      content: `Edited ${rel}: replaced ${a.replace_all ? `${count} occurrence${count > 1 ? "s" : ""}` : "1 occurrence"} (first at line ${line})`,
      display: [{ type: "diff", path: abs, oldText: old, newText: next }],
      locations: [{ path: abs, line }],
    };
  },
});

/** Checks the edit against the current file and computes the result, without writing. */
async function plan(a: EditArgs, abs: string, ctx: ToolContext) {
  if (a.old_text === "") throw new ToolError("old_text is empty; use write_file to create or replace a whole file");
  if (a.old_text === a.new_text) throw new ToolError("old_text and new_text are the same; nothing to change");
  const old = await readTextOrThrow(ctx.files, abs, a.path);
  const count = occurrences(old, a.old_text);
  if (count === 0) throw new ToolError(notFoundMessage(old, a.old_text, a.path));
  if (count > 1 && !a.replace_all) {
    throw new ToolError(
      `old_text appears ${count} times in ${a.path}; include more surrounding lines to make it unique, or set replace_all to true`,
    );
  }
  const first = old.indexOf(a.old_text);
  const next = a.replace_all ? old.split(a.old_text).join(a.new_text) : old.replace(a.old_text, () => a.new_text);
  return { old, next, count, first };
}

function occurrences(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

function notFoundMessage(text: string, needle: string, path: string): string {
  const squash = (s: string) => s.replace(/\s+/g, " ").trim();
  let hint = "read the file again and copy the text exactly";
  if (/^\s*\d+\t/m.test(needle)) hint = "old_text seems to include read_file's line numbers; leave them out";
  else if (squash(text).includes(squash(needle))) hint = "the text is there but its whitespace or indentation differs";
  return `old_text was not found in ${path}; ${hint}`;
}
