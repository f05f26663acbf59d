import { z } from "zod";
import type { ToolSpec } from "../providers/types.js";
import { editFile } from "./edit-file.js";
import { globTool } from "./glob.js";
import { grep } from "./grep.js";
import { listDir } from "./list-dir.js";
import { readFile } from "./read-file.js";
import { reportPlan } from "./report-plan.js";
import { runCommand } from "./run-command.js";
import type { Tool } from "./types.js";
import { writeFile } from "./write-file.js";

export const TOOLS: Tool[] = [readFile, writeFile, editFile, listDir, globTool, grep, runCommand, reportPlan];

const byName = new Map(TOOLS.map((t) => [t.name, t]));

export function findTool(name: string): Tool | undefined {
  return byName.get(name);
}

/** The tools as the model sees them; the JSON Schema is generated from the same zod schema that checks the arguments. */
export function toolSpecs(tools: Tool[] = TOOLS): ToolSpec[] {
  return tools.map((t) => {
    if (t.parameters) return { name: t.name, description: t.description, parameters: t.parameters };
    const { $schema: _, ...parameters } = z.toJSONSchema(t.schema, { io: "input" }) as Record<string, unknown>;
    return { name: t.name, description: t.description, parameters };
  });
}

let builtInSpecs: ToolSpec[] | undefined;

/**
 * The tools of one session: the built-in ones plus those its MCP servers brought. Built-in names
 * win a clash (MCP names all start with `mcp__`, so none should).
 */
export class ToolSet {
  private readonly byName: Map<string, Tool>;
  readonly specs: ToolSpec[];

  constructor(readonly extra: Tool[] = []) {
    const added = extra.filter((t) => !byName.has(t.name));
    this.byName = new Map([...byName, ...added.map((t) => [t.name, t] as const)]);
    // The built-in schemas never change while the process runs: generated once.
    builtInSpecs ??= toolSpecs(TOOLS);
    this.specs = [...builtInSpecs, ...toolSpecs(added)];
  }

  find(name: string): Tool | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

export type ParsedArgs = { ok: true; args: unknown; raw: unknown } | { ok: false; error: string; raw: unknown };

/** Malformed arguments (bad JSON, wrong types) become an error the model reads, never an exception. */
export function parseArgs(tool: Tool, argsText: string): ParsedArgs {
  let raw: unknown;
  try {
    raw = JSON.parse(argsText.trim() === "" ? "{}" : argsText);
  } catch (err) {
    const excerpt = argsText.length > 200 ? `${argsText.slice(0, 200)}…` : argsText;
    return {
      ok: false,
      raw: argsText,
      error: `the arguments for ${tool.name} are not valid JSON (${(err as Error).message}): ${excerpt}. Send one JSON object that matches the tool's schema.`,
    };
  }
  const parsed = tool.schema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      raw,
      error: `invalid arguments for ${tool.name}:\n${z.prettifyError(parsed.error)}\nFix them and call the tool again.`,
    };
  }
  return { ok: true, args: parsed.data, raw };
}
