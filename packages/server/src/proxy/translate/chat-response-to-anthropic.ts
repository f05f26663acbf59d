import { randomBytes } from "node:crypto";
import { isObject, num, parseToolArguments, str } from "../json.js";
import { chatFinishToAnthropic } from "./stop-reasons.js";
import {
  type AnthropicMessage,
  type AnthropicStopReason,
  type ChatChunk,
  type ChatCompletion,
  DONE,
  type StreamEvent,
  type StreamTranslator,
} from "./types.js";

const newToolId = () => `toolu_${randomBytes(12).toString("hex")}`;
const messageId = (chatId: string | undefined) =>
  `msg_${(chatId ?? randomBytes(12).toString("hex")).replace(/^chatcmpl-/, "")}`;

/** OpenAI chat completion → Anthropic message. */
export function chatCompletionToAnthropic(c: ChatCompletion): AnthropicMessage {
  const choice = c.choices?.[0];
  const content: AnthropicMessage["content"] = [];
  const text = choice?.message?.content;
  if (text) content.push({ type: "text", text });
  for (const tc of choice?.message?.tool_calls ?? []) {
    content.push({
      type: "tool_use",
      id: tc.id || newToolId(),
      name: tc.function.name,
      input: parseToolArguments(tc.function.arguments),
    });
  }
  return {
    id: messageId(c.id),
    type: "message",
    role: "assistant",
    model: c.model,
    content,
    stop_reason: chatFinishToAnthropic(choice?.finish_reason),
    stop_sequence: null,
    usage: { input_tokens: c.usage?.prompt_tokens ?? 0, output_tokens: c.usage?.completion_tokens ?? 0 },
  };
}

const ev = (type: string, data: object): StreamEvent => ({ event: type, data: { type, ...data } });

/**
 * OpenAI chat completion chunks → Anthropic message stream events. OpenAI reports usage at the
 * very end, so input tokens go out in `message_delta` (which the Anthropic SDKs read) rather
 * than in `message_start`.
 */
export class ChatToAnthropicStream implements StreamTranslator {
  private started = false;
  private finished = false;
  private blockIndex = -1;
  private open: { kind: "text" } | { kind: "tool"; key: string } | null = null;
  private readonly toolBlocks = new Map<string, number>();
  private lastToolKey: string | undefined;
  private stopReason: AnthropicStopReason = "end_turn";
  private inputTokens = 0;
  private outputTokens = 0;

  push(e: StreamEvent): StreamEvent[] {
    if (this.finished) return [];
    if (e.data === DONE) return this.finish();
    if (!isObject(e.data)) return [];
    const out: StreamEvent[] = [];
    if (isObject(e.data.error)) {
      this.finished = true;
      const message = str(e.data.error.message) ?? "the provider reported an error mid-stream";
      return [ev("error", { error: { type: "api_error", message } })];
    }
    const chunk = e.data as unknown as ChatChunk;
    if (!this.started) out.push(this.start(chunk));
    if (isObject(chunk.usage)) {
      this.inputTokens = num(chunk.usage.prompt_tokens) ?? this.inputTokens;
      this.outputTokens = num(chunk.usage.completion_tokens) ?? this.outputTokens;
    }
    const choice = chunk.choices?.[0];
    if (!choice) return out;
    const delta = choice.delta ?? {};
    if (typeof delta.content === "string" && delta.content !== "") {
      if (this.open?.kind !== "text") {
        out.push(...this.closeBlock());
        this.blockIndex++;
        this.open = { kind: "text" };
        out.push(ev("content_block_start", { index: this.blockIndex, content_block: { type: "text", text: "" } }));
      }
      out.push(
        ev("content_block_delta", { index: this.blockIndex, delta: { type: "text_delta", text: delta.content } }),
      );
    }
    for (const tc of delta.tool_calls ?? []) {
      const key = tc.index !== undefined ? String(tc.index) : (tc.id ?? this.lastToolKey ?? "0");
      let index = this.toolBlocks.get(key);
      if (index === undefined) {
        out.push(...this.closeBlock());
        index = ++this.blockIndex;
        this.toolBlocks.set(key, index);
        this.open = { kind: "tool", key };
        out.push(
          ev("content_block_start", {
            index,
            content_block: { type: "tool_use", id: tc.id || newToolId(), name: tc.function?.name ?? "", input: {} },
          }),
        );
      }
      this.lastToolKey = key;
      const args = tc.function?.arguments;
      if (args) out.push(ev("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: args } }));
    }
    if (choice.finish_reason) this.stopReason = chatFinishToAnthropic(choice.finish_reason);
    return out;
  }

  end(): StreamEvent[] {
    return this.finished ? [] : this.finish();
  }

  private start(chunk: ChatChunk): StreamEvent {
    this.started = true;
    const message: AnthropicMessage = {
      id: messageId(chunk.id),
      type: "message",
      role: "assistant",
      model: chunk.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return ev("message_start", { message });
  }

  private closeBlock(): StreamEvent[] {
    if (!this.open) return [];
    this.open = null;
    return [ev("content_block_stop", { index: this.blockIndex })];
  }

  private finish(): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (!this.started) out.push(this.start({ id: "", model: "", choices: [] } as unknown as ChatChunk));
    out.push(...this.closeBlock());
    out.push(
      ev("message_delta", {
        delta: { stop_reason: this.stopReason, stop_sequence: null },
        usage: { input_tokens: this.inputTokens, output_tokens: this.outputTokens },
      }),
    );
    out.push(ev("message_stop", {}));
    this.finished = true;
    return out;
  }
}
