/**
 * OpenAI Chat Completions (`POST {base}/chat/completions`, streamed) with function tools. Works with
 * any OpenAI-compatible endpoint; `reasoning_content` / `reasoning` deltas (DeepSeek, vLLM, OpenRouter)
 * become thinking. Types come from the official SDK (type-only imports, nothing bundled).
 */
import type {
  ChatCompletionChunk,
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";
import { ProviderError } from "./errors.js";
import { postSse } from "./sse.js";
import type { ChatMessage, FinishReason, ModelEvent, ModelRequest, Provider } from "./types.js";

export interface OpenAiOptions {
  baseUrl: string;
  apiKey: string;
  idleTimeoutMs: number;
}

type ReasoningDelta = { reasoning_content?: string | null; reasoning?: string | null };

export function openaiProvider(opts: OpenAiOptions): Provider {
  return {
    api: "openai",
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent> {
      const events = postSse({
        url: `${opts.baseUrl}/chat/completions`,
        headers: { authorization: `Bearer ${opts.apiKey}` },
        body: openaiBody(request),
        signal,
        idleTimeoutMs: opts.idleTimeoutMs,
        label: "the OpenAI-format endpoint",
      });
      const calls = new Map<number, { id: string; name: string; args: string; started: boolean; done: boolean }>();
      let reason: FinishReason | undefined;
      let usage: { input: number; output: number } | undefined;
      let done = false;
      for await (const sse of events) {
        if (sse.data === "[DONE]") {
          done = true;
          break;
        }
        if (!sse.data) continue;
        const chunk = JSON.parse(sse.data) as ChatCompletionChunk & { error?: { message?: string; code?: unknown } };
        if (chunk.error) {
          throw new ProviderError(`the OpenAI-format endpoint failed mid-stream: ${chunk.error.message ?? "unknown"}`, {
            retryable: true,
          });
        }
        if (chunk.usage) usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const delta = choice.delta as ChatCompletionChunk.Choice.Delta & ReasoningDelta;
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (reasoning) yield { type: "thinking", text: reasoning };
        if (delta.content) yield { type: "text", text: delta.content };
        for (const tc of delta.tool_calls ?? []) {
          let call = calls.get(tc.index);
          if (!call) {
            // Calls stream one after another: a new index means the earlier ones are complete.
            for (const [index, c] of calls) {
              if (index < tc.index && !c.done) {
                c.done = true;
                yield { type: "tool_call", call: { id: c.id || `call_${index}`, name: c.name, argsText: c.args } };
              }
            }
            call = { id: "", name: "", args: "", started: false, done: false };
            calls.set(tc.index, call);
          }
          if (tc.id) call.id = tc.id;
          if (tc.function?.name) call.name += tc.function.name;
          if (tc.function?.arguments) call.args += tc.function.arguments;
          if (!call.started && call.id && call.name) {
            call.started = true;
            yield { type: "tool_call_start", id: call.id, name: call.name };
          }
        }
        if (choice.finish_reason) reason = finishReason(choice.finish_reason);
      }
      if (!done && !reason) {
        throw new ProviderError("the OpenAI-format stream ended before finish_reason", { retryable: true });
      }
      for (const [index, c] of [...calls.entries()].sort((a, b) => a[0] - b[0])) {
        if (c.done) continue;
        yield { type: "tool_call", call: { id: c.id || `call_${index}`, name: c.name, argsText: c.args } };
      }
      yield { type: "finish", reason: reason ?? "other", usage };
    },
  };
}

function finishReason(r: string): FinishReason {
  switch (r) {
    case "stop":
      return "end_turn";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "length":
      return "max_tokens";
    case "content_filter":
      return "refusal";
    default:
      return "other";
  }
}

export function openaiBody(request: ModelRequest) {
  const tools: ChatCompletionTool[] = request.tools.map((t) => ({
    type: "function",
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
  return {
    model: request.model,
    messages: [
      { role: "system", content: request.system } as ChatCompletionMessageParam,
      ...openaiMessages(request.messages),
    ],
    tools,
    stream: true,
    stream_options: { include_usage: true },
  };
}

export function openaiMessages(history: ChatMessage[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  for (const m of history) {
    if (m.role === "user") {
      const onlyText = m.content.every((p) => p.type === "text");
      if (onlyText) {
        out.push({ role: "user", content: m.content.map((p) => (p.type === "text" ? p.text : "")).join("\n\n") });
      } else {
        const parts: ChatCompletionContentPart[] = m.content.map((p) =>
          p.type === "text"
            ? { type: "text", text: p.text }
            : { type: "image_url", image_url: { url: `data:${p.mimeType};base64,${p.data}` } },
        );
        out.push({ role: "user", content: parts });
      }
    } else if (m.role === "assistant") {
      if (!m.text && !m.toolCalls.length) continue;
      out.push({
        role: "assistant",
        content: m.text || null,
        ...(m.toolCalls.length
          ? {
              tool_calls: m.toolCalls.map((c) => ({
                id: c.id,
                type: "function" as const,
                // Malformed arguments are not echoed back: some compatible servers reject them outright.
                function: { name: c.name, arguments: validJson(c.argsText) ? c.argsText : "{}" },
              })),
            }
          : {}),
      });
    } else {
      for (const r of m.results) {
        out.push({
          role: "tool",
          tool_call_id: r.id,
          content: (r.isError ? "Error: " : "") + (r.content || "(no output)"),
        });
      }
    }
  }
  return out;
}

function validJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}
