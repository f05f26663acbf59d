import { randomBytes } from "node:crypto";
import { isObject, parseToolArguments, str } from "../json.js";
import type { GeminiFinishReason, GeminiPart, GeminiResponse, GeminiUsageMetadata } from "./gemini-types.js";
import {
  type ChatChunk,
  type ChatCompletion,
  type ChatUsage,
  DONE,
  type StreamEvent,
  type StreamTranslator,
} from "./types.js";

const responseId = () => randomBytes(12).toString("base64url");

export function chatFinishToGemini(reason: string | null | undefined): GeminiFinishReason {
  switch (reason) {
    case "length":
      return "MAX_TOKENS";
    case "content_filter":
      return "SAFETY";
    default:
      // Gemini ends a turn of function calls with STOP too.
      return "STOP";
  }
}

export function chatUsageToGemini(u: ChatUsage | null | undefined): GeminiUsageMetadata {
  const prompt = u?.prompt_tokens ?? 0;
  const candidates = u?.completion_tokens ?? 0;
  const cached = u?.prompt_tokens_details?.cached_tokens;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates,
    ...(cached ? { cachedContentTokenCount: cached } : {}),
  };
}

/** Reasoning text some OpenAI-compatible servers (vLLM, DeepSeek, Ollama) send beside the answer. */
const reasoningOf = (o: Record<string, unknown>): string | undefined => str(o.reasoning_content) ?? str(o.reasoning);

/** Chat completion → Gemini `GenerateContentResponse`. */
export function chatCompletionToGemini(c: ChatCompletion): GeminiResponse {
  const choice = c.choices?.[0];
  const message = (choice?.message ?? {}) as ChatCompletion["choices"][number]["message"] & Record<string, unknown>;
  const parts: GeminiPart[] = [];
  const thought = reasoningOf(message);
  if (thought) parts.push({ text: thought, thought: true });
  if (typeof message.content === "string" && message.content) parts.push({ text: message.content });
  for (const tc of message.tool_calls ?? []) {
    parts.push({
      functionCall: { id: tc.id, name: tc.function.name, args: parseToolArguments(tc.function.arguments) },
    });
  }
  return {
    candidates: [
      { content: { role: "model", parts }, finishReason: chatFinishToGemini(choice?.finish_reason), index: 0 },
    ],
    usageMetadata: chatUsageToGemini(c.usage),
    modelVersion: c.model,
    responseId: c.id || responseId(),
  };
}

/**
 * Chat completion chunks → Gemini stream chunks (each a whole `GenerateContentResponse`). Text
 * passes on as it comes; Gemini sends each function call whole, so tool call arguments are
 * gathered and the calls leave in the last chunk, with the finish reason and the usage.
 */
export class ChatToGeminiStream implements StreamTranslator {
  private readonly id = responseId();
  private model: string;
  private readonly calls = new Map<string, { id: string; name: string; args: string }>();
  private finish: string | null = null;
  private usage: ChatUsage | null = null;
  private finished = false;

  constructor(model: string) {
    this.model = model;
  }

  push(e: StreamEvent): StreamEvent[] {
    if (this.finished) return [];
    if (e.data === DONE) return this.complete();
    if (!isObject(e.data)) return [];
    if (isObject(e.data.error)) {
      this.finished = true;
      const message = str(e.data.error.message) ?? "the provider reported an error mid-stream";
      return [{ data: { error: { code: 500, message, status: "INTERNAL" } } }];
    }
    const chunk = e.data as unknown as ChatChunk;
    if (chunk.model) this.model = chunk.model;
    if (isObject(chunk.usage)) this.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return [];
    const delta = (choice.delta ?? {}) as ChatChunk["choices"][number]["delta"] & Record<string, unknown>;
    const parts: GeminiPart[] = [];
    const thought = reasoningOf(delta);
    if (thought) parts.push({ text: thought, thought: true });
    if (typeof delta.content === "string" && delta.content !== "") parts.push({ text: delta.content });
    for (const tc of delta.tool_calls ?? []) {
      const key = tc.index !== undefined ? String(tc.index) : (tc.id ?? "0");
      let call = this.calls.get(key);
      if (!call) {
        call = { id: tc.id || `call_${randomBytes(6).toString("hex")}`, name: "", args: "" };
        this.calls.set(key, call);
      }
      if (tc.function?.name) call.name += tc.function.name;
      if (tc.function?.arguments) call.args += tc.function.arguments;
    }
    if (choice.finish_reason) this.finish = choice.finish_reason;
    return parts.length ? [this.chunk(parts)] : [];
  }

  end(): StreamEvent[] {
    return this.finished ? [] : this.complete();
  }

  private complete(): StreamEvent[] {
    this.finished = true;
    const parts: GeminiPart[] = [...this.calls.values()].map((c) => ({
      functionCall: { id: c.id, name: c.name, args: parseToolArguments(c.args) },
    }));
    const last = this.chunk(parts);
    const candidate = last.data.candidates[0];
    if (candidate) candidate.finishReason = chatFinishToGemini(this.finish);
    last.data.usageMetadata = chatUsageToGemini(this.usage);
    return [last];
  }

  private chunk(parts: GeminiPart[]): { data: GeminiResponse } {
    return {
      data: {
        candidates: [{ content: { role: "model", parts }, index: 0 }],
        modelVersion: this.model,
        responseId: this.id,
      },
    };
  }
}
