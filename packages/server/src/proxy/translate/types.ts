/**
 * The subset of the Anthropic Messages and OpenAI Chat Completions / Responses wire formats the
 * translators read and write. Loose on purpose: fields not named here are ignored, not rejected.
 */

// ---- Anthropic Messages ----

export interface AnthropicTextBlock {
  type: "text";
  text: string;
}
export interface AnthropicImageBlock {
  type: "image";
  source: { type: "base64"; media_type: string; data: string } | { type: "url"; url: string };
}
export interface AnthropicToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: unknown;
}
export interface AnthropicToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content?: string | AnthropicContentBlock[];
  is_error?: boolean;
}
export interface AnthropicThinkingBlock {
  type: "thinking" | "redacted_thinking";
  thinking?: string;
}
export interface AnthropicOtherBlock {
  type: string;
  [k: string]: unknown;
}
export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock;

export interface AnthropicMessageParam {
  role: "user" | "assistant";
  content: string | AnthropicContentBlock[];
}

export interface AnthropicTool {
  type?: string;
  name: string;
  description?: string;
  input_schema?: unknown;
}

export type AnthropicToolChoice =
  | { type: "auto" | "any" | "none"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean };

export interface AnthropicRequest {
  model: string;
  max_tokens?: number;
  system?: string | AnthropicTextBlock[];
  messages: AnthropicMessageParam[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stream?: boolean;
  metadata?: { user_id?: string };
  [k: string]: unknown;
}

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export type AnthropicStopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "pause_turn" | "refusal";

export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: (AnthropicTextBlock | AnthropicToolUseBlock | AnthropicThinkingBlock)[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

// ---- OpenAI Chat Completions ----

export interface ChatTextPart {
  type: "text";
  text: string;
}
export interface ChatImagePart {
  type: "image_url";
  image_url: { url: string; detail?: string };
}
export type ChatContentPart = ChatTextPart | ChatImagePart | { type: string; [k: string]: unknown };

export interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: "system" | "developer"; content: string | ChatContentPart[] }
  | { role: "user"; content: string | ChatContentPart[] }
  | {
      role: "assistant";
      content?: string | ChatContentPart[] | null;
      tool_calls?: ChatToolCall[];
      refusal?: string | null;
    }
  | { role: "tool"; tool_call_id: string; content: string | ChatContentPart[] };

export interface ChatTool {
  type: "function";
  function: { name: string; description?: string; parameters?: unknown; strict?: boolean };
}

export type ChatToolChoice = "auto" | "none" | "required" | { type: "function"; function: { name: string } };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[] | null;
  temperature?: number;
  top_p?: number;
  n?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  user?: string;
  [k: string]: unknown;
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

export type ChatFinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: "assistant"; content: string | null; tool_calls?: ChatToolCall[]; refusal?: string | null };
    finish_reason: ChatFinishReason | null;
    logprobs?: null;
  }[];
  usage?: ChatUsage;
}

export interface ChatChunkToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface ChatChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: {
    index: number;
    delta: {
      role?: "assistant";
      content?: string | null;
      tool_calls?: ChatChunkToolCallDelta[];
      refusal?: string | null;
    };
    finish_reason: ChatFinishReason | null;
    logprobs?: null;
  }[];
  usage?: ChatUsage | null;
}

// ---- Streams, format-neutral ----

/** One server-sent event with its data parsed (or `[DONE]`, the OpenAI end marker). */
export interface StreamEvent {
  event?: string | undefined;
  data: unknown;
}

/** Turns a stream of one format's events into another's; `end` flushes whatever the source left open. */
export interface StreamTranslator {
  push(ev: StreamEvent): StreamEvent[];
  end(): StreamEvent[];
}

export const DONE = "[DONE]";

/** A request the target format cannot express; becomes a 400 in the caller's format. */
export class TranslationError extends Error {
  override name = "TranslationError";
}

// ---- OpenAI Responses (the subset translated to Chat Completions) ----

export type ResponsesContentPart =
  | { type: "input_text" | "output_text"; text: string }
  | { type: "input_image"; image_url?: string; detail?: string }
  | { type: "refusal"; refusal: string }
  | { type: string; [k: string]: unknown };

export type ResponsesInputItem =
  | { type?: "message"; role: "user" | "assistant" | "system" | "developer"; content: string | ResponsesContentPart[] }
  | { type: "function_call"; call_id: string; name: string; arguments: string; id?: string; namespace?: string }
  | { type: "function_call_output"; call_id: string; output: string | ResponsesContentPart[] }
  | { type: string; [k: string]: unknown };

export interface ResponsesTool {
  type: string;
  name?: string;
  description?: string | null;
  parameters?: unknown;
  strict?: boolean | null;
  /** A `namespace` tool group's tools (Codex sends MCP servers' tools so: `mcp__<server>`). */
  tools?: ResponsesTool[];
}

export interface ResponsesRequest {
  model: string;
  input?: string | ResponsesInputItem[];
  instructions?: string | null;
  tools?: ResponsesTool[];
  tool_choice?: "auto" | "none" | "required" | { type: string; name?: string };
  parallel_tool_calls?: boolean;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stream?: boolean;
  previous_response_id?: string | null;
  user?: string;
  text?: { format?: { type: string; name?: string; schema?: unknown; strict?: boolean } };
  [k: string]: unknown;
}

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponsesOutputItem =
  | {
      type: "message";
      id: string;
      status: "in_progress" | "completed";
      role: "assistant";
      content: { type: "output_text"; text: string; annotations: unknown[] }[];
    }
  | {
      type: "function_call";
      id: string;
      call_id: string;
      name: string;
      /** The tool group the function belongs to, when it came from a `namespace` tool. */
      namespace?: string;
      arguments: string;
      status: "in_progress" | "completed";
    };

export interface ResponsesResponse {
  id: string;
  object: "response";
  created_at: number;
  status: "in_progress" | "completed" | "incomplete";
  error: null;
  incomplete_details: { reason: string } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: ResponsesOutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: null;
  temperature: number | null;
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  usage: ResponsesUsage | null;
  metadata: Record<string, string>;
  text: { format: { type: string } };
}
