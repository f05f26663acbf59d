import type { Logger } from "pino";
import type { z } from "zod";
import type { McpCaller } from "./auth.js";

/** What a tool's handler gets besides its input. */
export interface McpToolCall {
  caller: McpCaller;
  log: Logger;
}

/** A tool's answer: text for the model to read, and the same facts as data for clients that parse. */
export interface McpToolResult {
  text: string;
  structured: Record<string, unknown>;
}

/**
 * One tool of Strand's MCP server. Adding a tool (knowledge, tasks) is one module exporting a
 * factory of these and a line in `routes.ts`'s list; the server registers whatever is listed.
 * `input` is a zod object from packages/protocol (the wire contract lives there): the SDK turns
 * it into the tool's JSON Schema and validates calls against it, so a bad argument comes back as
 * a tool error naming the field and never reaches `run`.
 */
export interface McpTool<S extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: S;
  run(input: z.output<S>, call: McpToolCall): Promise<McpToolResult>;
}

/** A failure the agent should read (bad session id, nothing to read): a tool error, not a crash. */
export class McpToolError extends Error {
  override name = "McpToolError";
}

/** Keeps a tool's type parameter when it goes into the untyped list. */
export const defineTool = <S extends z.ZodObject>(tool: McpTool<S>): McpTool => tool as unknown as McpTool;
