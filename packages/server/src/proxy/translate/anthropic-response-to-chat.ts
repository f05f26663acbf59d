import { isObject, num, str } from "../json.js";
import { anthropicStopToChat } from "./stop-reasons.js";
import {
  type AnthropicMessage,
  type AnthropicUsage,
  type ChatChunk,
  type ChatCompletion,
  type ChatFinishReason,
  type ChatToolCall,
  type ChatUsage,
  DONE,
  type StreamEvent,
  type StreamTranslator,
} from "./types.js";

const chatId = (messageId: string | undefined) => `chatcmpl-${(messageId ?? "").replace(/^msg_/, "")}`;

/** Anthropic counts cached prompt tokens apart; OpenAI's prompt_tokens includes them. */
export function anthropicUsageToChat(u: Partial<AnthropicUsage> | undefined): ChatUsage {
  const cacheRead = u?.cache_read_input_tokens ?? 0;
  const prompt = (u?.input_tokens ?? 0) + (u?.cache_creation_input_tokens ?? 0) + cacheRead;
  const completion = u?.output_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(cacheRead ? { prompt_tokens_details: { cached_tokens: cacheRead } } : {}),
  };
}

/** Anthropic message → OpenAI chat completion. */
export function anthropicMessageToChat(m: AnthropicMessage, created = Math.floor(Date.now() / 1000)): ChatCompletion {
  let text = "";
  const toolCalls: ChatToolCall[] = [];
  for (const b of m.content ?? []) {
    if (b.type === "text") text += b.text;
    else if (b.type === "tool_use") {
      toolCalls.push({
        id: b.id,
        type: "function",
        function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
      });
    }
  }
  return {
    id: chatId(m.id),
    object: "chat.completion",
    created,
    model: m.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: text || null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          refusal: null,
        },
        finish_reason: anthropicStopToChat(m.stop_reason),
        logprobs: null,
      },
    ],
    usage: anthropicUsageToChat(m.usage),
  };
}

/**
 * Anthropic message stream events → OpenAI chat completion chunks, ending with `[DONE]`.
 * The usage chunk (empty `choices`) is sent only when the caller asked for it, as OpenAI does.
 */
export class AnthropicToChatStream implements StreamTranslator {
  private id = chatId(undefined);
  private model = "";
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly toolIndexOfBlock = new Map<number, number>();
  private usage: Partial<AnthropicUsage> = {};
  private finish: ChatFinishReason | null = null;
  private done = false;

  constructor(private readonly includeUsage: boolean) {}

  push(e: StreamEvent): StreamEvent[] {
    if (this.done || !isObject(e.data)) return [];
    const d = e.data;
    switch (str(d.type) ?? e.event) {
      case "message_start": {
        const m = isObject(d.message) ? d.message : {};
        this.id = chatId(str(m.id));
        this.model = str(m.model) ?? "";
        if (isObject(m.usage)) this.usage = { ...(m.usage as Partial<AnthropicUsage>) };
        return [this.chunk({ role: "assistant", content: "" })];
      }
      case "content_block_start": {
        const b = isObject(d.content_block) ? d.content_block : {};
        const index = num(d.index) ?? 0;
        if (b.type === "text" && str(b.text)) return [this.chunk({ content: b.text as string })];
        if (b.type === "tool_use") {
          const toolIndex = this.toolIndexOfBlock.size;
          this.toolIndexOfBlock.set(index, toolIndex);
          return [
            this.chunk({
              tool_calls: [
                {
                  index: toolIndex,
                  id: str(b.id) ?? "",
                  type: "function",
                  function: { name: str(b.name) ?? "", arguments: "" },
                },
              ],
            }),
          ];
        }
        return [];
      }
      case "content_block_delta": {
        const delta = isObject(d.delta) ? d.delta : {};
        if (delta.type === "text_delta" && str(delta.text)) return [this.chunk({ content: delta.text as string })];
        if (delta.type === "input_json_delta" && str(delta.partial_json)) {
          const toolIndex = this.toolIndexOfBlock.get(num(d.index) ?? -1);
          if (toolIndex === undefined) return [];
          return [
            this.chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json as string } }] }),
          ];
        }
        return [];
      }
      case "message_delta": {
        const delta = isObject(d.delta) ? d.delta : {};
        if (isObject(d.usage)) {
          for (const [k, v] of Object.entries(d.usage)) {
            if (typeof v === "number") (this.usage as Record<string, number>)[k] = v;
          }
        }
        this.finish = anthropicStopToChat(str(delta.stop_reason));
        return [this.chunk({}, this.finish)];
      }
      case "message_stop":
        return this.close();
      case "error": {
        this.done = true;
        const err = isObject(d.error) ? d.error : {};
        return [
          {
            data: {
              error: {
                message: str(err.message) ?? "the provider reported an error mid-stream",
                type: str(err.type) ?? "api_error",
                code: null,
              },
            },
          },
        ];
      }
      default:
        // ping, content_block_stop, thinking and signature deltas: nothing to say in Chat Completions.
        return [];
    }
  }

  end(): StreamEvent[] {
    if (this.done) return [];
    const out = this.finish ? [] : [this.chunk({}, "stop")];
    return [...out, ...this.close()];
  }

  private close(): StreamEvent[] {
    this.done = true;
    const out: StreamEvent[] = [];
    if (this.includeUsage) {
      out.push({
        data: {
          id: this.id,
          object: "chat.completion.chunk",
          created: this.created,
          model: this.model,
          choices: [],
          usage: anthropicUsageToChat(this.usage),
        } satisfies ChatChunk,
      });
    }
    out.push({ data: DONE });
    return out;
  }

  private chunk(delta: ChatChunk["choices"][number]["delta"], finish: ChatFinishReason | null = null): StreamEvent {
    const data: ChatChunk = {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    };
    return { data };
  }
}
