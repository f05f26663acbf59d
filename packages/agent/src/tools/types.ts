import type { PlanEntry, ToolCallContent, ToolCallLocation, ToolKind } from "@agentclientprotocol/sdk";
import type { z } from "zod";
import type { AgentConfig } from "../config.js";
import type { Desktop } from "../desktop/desktop.js";

/** Text file access: the local disk, or the ACP client's fs methods when it offers them. */
export interface FileAccess {
  /** Rejects with an error whose `code` is "ENOENT" when the file does not exist. */
  readText(absPath: string): Promise<string>;
  writeText(absPath: string, content: string): Promise<void>;
}

export interface ToolContext {
  /** Absolute, real path of the workspace root; tools refuse paths outside it. */
  workspace: string;
  signal: AbortSignal;
  files: FileAccess;
  desktop: Desktop;
  config: AgentConfig;
  setPlan(entries: PlanEntry[]): Promise<void>;
}

export interface ToolOutcome {
  /** What the model reads. */
  content: string;
  isError?: boolean;
  /** What the client shows (diffs, text); defaults to `content` as text. */
  display?: ToolCallContent[];
  locations?: ToolCallLocation[];
  rawOutput?: unknown;
}

export interface Tool<A = unknown> {
  name: string;
  description: string;
  schema: z.ZodType<A>;
  /** The JSON Schema the model is shown, when it is not generated from `schema` (MCP tools bring their own). */
  parameters?: Record<string, unknown>;
  kind: ToolKind;
  /** Asked for in `ask` permission mode. */
  needsPermission: boolean;
  /** A short human title for the client, e.g. "Edit src/app.ts". */
  title(args: A): string;
  locations?(args: A, workspace: string): ToolCallLocation[];
  /** What the call would change (a diff), shown when asking for permission. */
  preview?(args: A, ctx: ToolContext): Promise<ToolCallContent[] | undefined>;
  run(args: A, ctx: ToolContext): Promise<ToolOutcome>;
}

/** An error the model should read and can act on (bad path, text not found …); not a crash. */
export class ToolError extends Error {
  override name = "ToolError";
}

export function defineTool<A>(tool: Tool<A>): Tool<A> {
  return tool;
}
