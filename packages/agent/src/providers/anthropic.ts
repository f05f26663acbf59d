/**
 * Anthropic Messages API (`POST {base}/v1/messages`, streamed), tool use and extended thinking.
 * Types come from the official SDK (type-only imports, nothing bundled) so the wire shapes are checked.
 */
import type {
  ContentBlockParam,
  MessageParam,
  RawMessageStreamEvent,
  Tool,
} from "@anthropic-ai/sdk/resources/messages/messages";
import { ProviderError } from "./errors.js";
import { postSse } from "./sse.js";
import type { ChatMessage, FinishReason, ModelEvent, ModelRequest, Provider, ThinkingBlock } from "./types.js";

export interface AnthropicOptions {
  baseUrl: string;
  apiKey: string;
  idleTimeoutMs: number;
}

export function anthropicProvider(opts: AnthropicOptions): Provider {
  return {
    api: "anthropic",
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent> {
      const body = anthropicBody(request);
      const events = postSse({
        url: `${opts.baseUrl}/v1/messages`,
        headers: { "x-api-key": opts.apiKey, "anthropic-version": "2023-06-01" },
        body,
        signal,
        idleTimeoutMs: opts.idleTimeoutMs,
        label: "the Anthropic-format endpoint",
      });
      const blocks = new Map<number, { type: string; id?: string; name?: string; text: string; signature?: string }>();
      let usage = { input: 0, output: 0 };
      let reason: FinishReason = "other";
      for await (const sse of events) {
        if (sse.event === "ping" || !sse.data) continue;
        const ev = JSON.parse(sse.data) as
          | RawMessageStreamEvent
          | { type: "error"; error: { type: string; message: string } };
        switch (ev.type) {
          case "error":
            throw new ProviderError(`the Anthropic-format endpoint failed mid-stream: ${ev.error.message}`, {
              status: ev.error.type === "overloaded_error" ? 529 : undefined,
              retryable: ev.error.type === "overloaded_error" || ev.error.type === "api_error",
            });
          case "message_start":
            usage = { input: ev.message.usage.input_tokens ?? 0, output: ev.message.usage.output_tokens ?? 0 };
            break;
          case "content_block_start": {
            const b = ev.content_block;
            if (b.type === "tool_use") {
              blocks.set(ev.index, { type: "tool_use", id: b.id, name: b.name, text: "" });
              yield { type: "tool_call_start", id: b.id, name: b.name };
            } else if (b.type === "thinking") {
              blocks.set(ev.index, { type: "thinking", text: b.thinking ?? "", signature: b.signature });
              if (b.thinking) yield { type: "thinking", text: b.thinking };
            } else if (b.type === "redacted_thinking") {
              blocks.set(ev.index, { type: "redacted_thinking", text: b.data });
            } else if (b.type === "text") {
              blocks.set(ev.index, { type: "text", text: "" });
              if (b.text) yield { type: "text", text: b.text };
            }
            break;
          }
          case "content_block_delta": {
            const block = blocks.get(ev.index);
            const d = ev.delta;
            if (d.type === "text_delta") yield { type: "text", text: d.text };
            else if (d.type === "thinking_delta") {
              if (block) block.text += d.thinking;
              yield { type: "thinking", text: d.thinking };
            } else if (d.type === "signature_delta") {
              if (block) block.signature = (block.signature ?? "") + d.signature;
            } else if (d.type === "input_json_delta" && block) block.text += d.partial_json;
            break;
          }
          case "content_block_stop": {
            const block = blocks.get(ev.index);
            if (block?.type === "tool_use") {
              yield { type: "tool_call", call: { id: block.id ?? "", name: block.name ?? "", argsText: block.text } };
            } else if (block?.type === "thinking") {
              yield { type: "thinking_block", block: { text: block.text, signature: block.signature } };
            } else if (block?.type === "redacted_thinking") {
              yield { type: "thinking_block", block: { text: "", redacted: block.text } };
            }
            break;
          }
          case "message_delta":
            reason = finishReason(ev.delta.stop_reason);
            usage.output = ev.usage.output_tokens ?? usage.output;
            break;
          case "message_stop":
            yield { type: "finish", reason, usage };
            return;
        }
      }
      throw new ProviderError("the Anthropic-format stream ended without message_stop", { retryable: true });
    },
  };
}

function finishReason(r: string | null | undefined): FinishReason {
  switch (r) {
    case "end_turn":
    case "stop_sequence":
      return "end_turn";
    case "tool_use":
      return "tool_use";
    case "max_tokens":
      return "max_tokens";
    case "refusal":
      return "refusal";
    default:
      return "other";
  }
}

export function anthropicBody(request: ModelRequest) {
  const tools: Tool[] = request.tools.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: t.parameters as Tool["input_schema"],
  }));
  const messages = anthropicMessages(request.messages);
  // Prompt caching: the system prompt and tools are stable, and the conversation grows by appending,
  // so a breakpoint on the last block lets the next round read everything before it from the cache.
  const last = messages.at(-1);
  if (last && Array.isArray(last.content) && last.content.length) {
    const block = last.content[last.content.length - 1] as ContentBlockParam & { cache_control?: unknown };
    block.cache_control = { type: "ephemeral" };
  }
  return {
    model: request.model,
    max_tokens: request.maxTokens,
    system: [{ type: "text", text: request.system, cache_control: { type: "ephemeral" } }],
    messages,
    tools,
    ...(request.thinkingBudget ? { thinking: { type: "enabled", budget_tokens: request.thinkingBudget } } : {}),
    stream: true,
  };
}

export function anthropicMessages(history: ChatMessage[]): MessageParam[] {
  const out: MessageParam[] = [];
  // The API wants user and assistant turns to alternate; consecutive user content is merged.
  const pushUser = (content: ContentBlockParam[]) => {
    const prev = out.at(-1);
    if (prev?.role === "user" && Array.isArray(prev.content)) prev.content.push(...content);
    else out.push({ role: "user", content });
  };
  for (const m of history) {
    if (m.role === "user") {
      const content: ContentBlockParam[] = m.content.map((p) =>
        p.type === "text"
          ? { type: "text", text: p.text }
          : {
              type: "image",
              source: { type: "base64", media_type: p.mimeType as "image/png", data: p.data },
            },
      );
      if (content.length) pushUser(content);
    } else if (m.role === "assistant") {
      const content: ContentBlockParam[] = [
        ...m.thinking.map(thinkingParam),
        ...(m.text ? [{ type: "text" as const, text: m.text }] : []),
        ...m.toolCalls.map((c) => ({
          type: "tool_use" as const,
          id: c.id,
          name: c.name,
          input: argsObject(c.argsText),
        })),
      ];
      if (content.length) out.push({ role: "assistant", content });
    } else {
      pushUser(
        m.results.map((r) => ({
          type: "tool_result" as const,
          tool_use_id: r.id,
          content: r.content || "(no output)",
          ...(r.isError ? { is_error: true } : {}),
        })),
      );
    }
  }
  return out;
}

function thinkingParam(b: ThinkingBlock): ContentBlockParam {
  if (b.redacted !== undefined) return { type: "redacted_thinking", data: b.redacted };
  return { type: "thinking", thinking: b.text, signature: b.signature ?? "" };
}

/** tool_use.input must be an object; malformed arguments are replaced (the tool result explains the error). */
function argsObject(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text || "{}");
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}
