import { isObject, num, str } from "./json.js";

/** Token counts of one call. `input` includes cached prompt tokens, as OpenAI counts them. */
export interface Usage {
  input: number;
  output: number;
  /** Prompt tokens read from the provider's cache (billed at a discount). */
  cacheRead: number;
  /** Prompt tokens written to Anthropic's cache (billed at a premium). */
  cacheWrite: number;
}

export const noUsage = (): Usage => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });

/** The `usage` object of an Anthropic message (or message_start / message_delta event). */
export function readAnthropicUsage(u: unknown, into: Usage = noUsage()): Usage {
  if (!isObject(u)) return into;
  // Anthropic reports uncached input apart from cache writes and reads; later events repeat totals.
  const base = num(u.input_tokens) ?? into.input - into.cacheRead - into.cacheWrite;
  into.cacheWrite = num(u.cache_creation_input_tokens) ?? into.cacheWrite;
  into.cacheRead = num(u.cache_read_input_tokens) ?? into.cacheRead;
  into.input = base + into.cacheWrite + into.cacheRead;
  const out = num(u.output_tokens);
  if (out !== undefined) into.output = out;
  return into;
}

/** The `usage` of a chat completion, an embeddings response, or a Responses response. */
export function readOpenAiUsage(u: unknown): Usage | undefined {
  if (!isObject(u)) return undefined;
  const input = num(u.prompt_tokens) ?? num(u.input_tokens) ?? 0;
  const output = num(u.completion_tokens) ?? num(u.output_tokens) ?? 0;
  const details = isObject(u.prompt_tokens_details)
    ? u.prompt_tokens_details
    : isObject(u.input_tokens_details)
      ? u.input_tokens_details
      : {};
  return { input, output, cacheRead: num(details.cached_tokens) ?? 0, cacheWrite: 0 };
}

export type StreamFormat = "anthropic" | "chat" | "responses";

/**
 * Watches a provider's stream (in the provider's own format) for usage and for the first
 * content event, whatever the proxy does with the events afterwards.
 */
export class StreamTap {
  readonly usage = noUsage();
  firstContentSeen = false;
  /** An error the provider reported inside the stream, if any. */
  error: string | undefined;

  constructor(private readonly format: StreamFormat) {}

  /** Returns true when this event is the first that carries content. */
  observe(event: string | undefined, data: unknown): boolean {
    if (!isObject(data)) return false;
    const type = str(data.type) ?? event;
    if (type === "error" || type === "response.failed" || isObject(data.error)) {
      const e = isObject(data.error)
        ? data.error
        : isObject(data.response) && isObject(data.response.error)
          ? data.response.error
          : data;
      this.error ??= str(e.message) ?? "the provider reported an error in the stream";
    }
    let content = false;
    if (this.format === "anthropic") {
      if (type === "message_start" && isObject(data.message)) readAnthropicUsage(data.message.usage, this.usage);
      else if (type === "message_delta") readAnthropicUsage(data.usage, this.usage);
      else if (type === "content_block_delta" || (type === "content_block_start" && isToolStart(data))) content = true;
    } else if (this.format === "chat") {
      const u = readOpenAiUsage(data.usage);
      if (u) Object.assign(this.usage, u);
      const choice = Array.isArray(data.choices) ? data.choices[0] : undefined;
      const delta = isObject(choice) && isObject(choice.delta) ? choice.delta : undefined;
      content =
        !!delta && ((typeof delta.content === "string" && delta.content !== "") || Array.isArray(delta.tool_calls));
    } else {
      if ((type === "response.completed" || type === "response.incomplete") && isObject(data.response)) {
        const u = readOpenAiUsage(data.response.usage);
        if (u) Object.assign(this.usage, u);
      }
      content = type === "response.output_text.delta" || type === "response.function_call_arguments.delta";
    }
    if (content && !this.firstContentSeen) {
      this.firstContentSeen = true;
      return true;
    }
    return false;
  }
}

const isToolStart = (d: Record<string, unknown>) => isObject(d.content_block) && d.content_block.type === "tool_use";
