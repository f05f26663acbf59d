/**
 * One small interface over every wire format (in the spirit of the Vercel AI SDK's providers):
 * the loop speaks this neutral conversation, each module in this folder translates it to one API.
 */
import type { WireApi } from "../config.js";

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the tool's arguments object. */
  parameters: Record<string, unknown>;
}

export type UserPart = { type: "text"; text: string } | { type: "image"; mimeType: string; data: string };

/** Thinking kept verbatim, because Anthropic wants signed thinking blocks echoed back during tool use. */
export interface ThinkingBlock {
  text: string;
  signature?: string;
  /** Opaque data of a redacted_thinking block. */
  redacted?: string;
}

export interface ToolCallRequest {
  id: string;
  name: string;
  /** The raw JSON text the model produced; it may be malformed, the loop checks it. */
  argsText: string;
}

export interface ToolResult {
  id: string;
  name: string;
  content: string;
  isError: boolean;
}

export type ChatMessage =
  | { role: "user"; content: UserPart[] }
  | { role: "assistant"; text: string; thinking: ThinkingBlock[]; toolCalls: ToolCallRequest[] }
  | { role: "tool_results"; results: ToolResult[] };

export interface ModelRequest {
  model: string;
  system: string;
  messages: ChatMessage[];
  tools: ToolSpec[];
  maxTokens: number;
  /** Extended thinking budget (Anthropic); 0 = off. */
  thinkingBudget?: number;
}

export type FinishReason = "end_turn" | "tool_use" | "max_tokens" | "refusal" | "other";

export type ModelEvent =
  | { type: "text"; text: string }
  | { type: "thinking"; text: string }
  /** A complete thinking block, for the history. */
  | { type: "thinking_block"; block: ThinkingBlock }
  /** The model started a tool call; its arguments are still streaming. */
  | { type: "tool_call_start"; id: string; name: string }
  | { type: "tool_call"; call: ToolCallRequest }
  | { type: "finish"; reason: FinishReason; usage?: { input: number; output: number } }
  /**
   * The stream broke and the request is being retried: every event before this one belongs to a
   * failed attempt and must be dropped; the retried response follows.
   */
  | { type: "restart" };

export interface Provider {
  readonly api: WireApi;
  /** Streams one model response. Throws ProviderError; aborting `signal` stops the request at once. */
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent>;
}
