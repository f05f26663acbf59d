import { isObject } from "../json.js";
import type { ChatTarget } from "./anthropic-request-to-chat.js";
import type {
  GeminiContent,
  GeminiFunctionResponse,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiRequest,
  GeminiToolConfig,
} from "./gemini-types.js";
import {
  type ChatContentPart,
  type ChatMessage,
  type ChatRequest,
  type ChatTool,
  type ChatToolCall,
  type ChatToolChoice,
  TranslationError,
} from "./types.js";

/**
 * Gemini `generateContent` request → OpenAI Chat Completions request, so Gemini CLI (and any
 * `@google/genai` caller) can use every provider the proxy reaches. Supported: `contents` with
 * text, functionCall, functionResponse and inline images; `systemInstruction`;
 * `tools[].functionDeclarations` (`parametersJsonSchema`, or OpenAPI-style `parameters`);
 * `toolConfig`; `generationConfig` (temperature, topP, maxOutputTokens, stopSequences,
 * penalties, seed, JSON output). Thought parts are dropped: their signatures only Google can
 * check. Not supported: Google's built-in tools (search, code execution), file URIs, other
 * inline media than images.
 */
export function geminiRequestToChat(req: GeminiRequest, target: ChatTarget, stream: boolean): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemText(req.systemInstruction);
  if (system) messages.push({ role: "system", content: system });
  const ids = new CallIds();
  (req.contents ?? []).forEach((content, turn) => {
    if (content.role === "model") messages.push(assistantMessage(content, turn, ids));
    else messages.push(...userMessages(content, ids));
  });
  const out: ChatRequest = { model: target.model, messages };
  const tools = chatTools(req.tools);
  if (tools.length) {
    out.tools = tools;
    const choice = toolChoice(req.toolConfig);
    if (choice !== undefined) out.tool_choice = choice;
  }
  applyGenerationConfig(out, req.generationConfig, target);
  if (stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

function systemText(s: GeminiContent | string | undefined): string {
  if (typeof s === "string") return s;
  return (s?.parts ?? [])
    .map((p) => (typeof p.text === "string" && !p.thought ? p.text : ""))
    .filter(Boolean)
    .join("\n\n");
}

/**
 * Chat Completions pairs tool results with calls by id; Gemini's ids are optional. Calls without
 * one get an id here, and a result without one takes the oldest unanswered call of its name.
 */
class CallIds {
  private readonly pending: { id: string; name: string }[] = [];

  forCall(name: string, id: string | undefined, turn: number, index: number): string {
    const callId = id || `call_${turn}_${index}`;
    this.pending.push({ id: callId, name });
    return callId;
  }

  forResult(r: GeminiFunctionResponse): string {
    let i = r.id ? this.pending.findIndex((p) => p.id === r.id) : -1;
    if (i < 0) i = this.pending.findIndex((p) => p.name === r.name);
    if (i < 0) return r.id || `call_unmatched_${r.name}`;
    const [match] = this.pending.splice(i, 1);
    return r.id || (match?.id as string);
  }
}

function assistantMessage(content: GeminiContent, turn: number, ids: CallIds): ChatMessage {
  const texts: string[] = [];
  const calls: ChatToolCall[] = [];
  for (const p of content.parts ?? []) {
    if (p.thought) continue;
    if (typeof p.text === "string" && p.text) texts.push(p.text);
    else if (p.functionCall) {
      const f = p.functionCall;
      calls.push({
        id: ids.forCall(f.name, f.id, turn, calls.length),
        type: "function",
        function: { name: f.name, arguments: JSON.stringify(f.args ?? {}) },
      });
    }
  }
  const text = texts.join("");
  return {
    role: "assistant",
    content: text || (calls.length ? null : ""),
    ...(calls.length ? { tool_calls: calls } : {}),
  };
}

/**
 * One Gemini user turn becomes tool messages (which must directly follow the assistant's calls)
 * and then a user message with whatever else it held.
 */
function userMessages(content: GeminiContent, ids: CallIds): ChatMessage[] {
  const tools: ChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  for (const p of content.parts ?? []) {
    if (p.functionResponse) {
      const r = p.functionResponse;
      tools.push({ role: "tool", tool_call_id: ids.forResult(r), content: resultText(r) });
    } else {
      const part = userPart(p);
      if (part) parts.push(part);
    }
  }
  if (parts.length === 0) return tools;
  const allText = parts.every((p) => p.type === "text");
  const user = allText ? parts.map((p) => (p as { text: string }).text).join("\n") : parts;
  return [...tools, { role: "user", content: user }];
}

function userPart(p: GeminiPart): ChatContentPart | undefined {
  if (p.thought) return undefined;
  if (typeof p.text === "string") return p.text ? { type: "text", text: p.text } : undefined;
  if (p.inlineData) {
    const { mimeType, data } = p.inlineData;
    if (mimeType?.startsWith("image/")) {
      return { type: "image_url", image_url: { url: `data:${mimeType};base64,${data}` } };
    }
    throw new TranslationError(
      `inline data of type ${JSON.stringify(mimeType)} cannot be sent to this provider; only images can`,
    );
  }
  if (p.fileData) {
    throw new TranslationError("fileData parts (files uploaded to Google) cannot be sent to this provider");
  }
  // executableCode, codeExecutionResult, videoMetadata…: Google-only, nothing to carry.
  return undefined;
}

/** Gemini CLI answers `{output: "…"}` or `{error: "…"}`; anything else travels as JSON. */
function resultText(r: GeminiFunctionResponse): string {
  const res = r.response ?? {};
  const keys = Object.keys(res);
  let text: string;
  if (keys.length === 1 && typeof res.output === "string") text = res.output;
  else if (keys.length === 1 && typeof res.error === "string") text = `Error: ${res.error}`;
  else text = keys.length ? JSON.stringify(res) : "";
  const extra = (r.parts ?? []).filter((p) => p.inlineData).length;
  if (extra) text += `\n[${extra} attachment(s) omitted: tool results carry text only here]`;
  return text;
}

function chatTools(tools: GeminiRequest["tools"]): ChatTool[] {
  const out: ChatTool[] = [];
  for (const t of tools ?? []) {
    const builtIn = Object.keys(t).filter((k) => k !== "functionDeclarations");
    if (builtIn.length) {
      throw new TranslationError(
        `tool ${builtIn.join(", ")} is one of Google's built-in tools; only Google's own API can run it`,
      );
    }
    for (const d of t.functionDeclarations ?? []) {
      const parameters =
        d.parametersJsonSchema ??
        (d.parameters !== undefined ? openApiToJsonSchema(d.parameters) : { type: "object", properties: {} });
      out.push({
        type: "function",
        function: { name: d.name, ...(d.description ? { description: d.description } : {}), parameters },
      });
    }
  }
  return out;
}

const INTEGER_FIELDS = new Set(["minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"]);

/**
 * Gemini's OpenAPI-style `Schema` → JSON Schema: types in lower case, `nullable` as a `null`
 * type, int64 counts (sent as strings) as numbers, and Google's `propertyOrdering` dropped.
 */
export function openApiToJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openApiToJsonSchema);
  if (!isObject(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "propertyOrdering" || k === "nullable") continue;
    if (k === "type" && typeof v === "string") {
      if (v !== "TYPE_UNSPECIFIED") out.type = v.toLowerCase();
    } else if (k === "properties" && isObject(v)) {
      out.properties = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, openApiToJsonSchema(s)]));
    } else if (INTEGER_FIELDS.has(k) && typeof v === "string" && /^\d+$/.test(v)) {
      out[k] = Number(v);
    } else if (k === "items" || k === "anyOf") {
      out[k] = openApiToJsonSchema(v);
    } else {
      out[k] = v;
    }
  }
  if (schema.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  return out;
}

function toolChoice(config: GeminiToolConfig | undefined): ChatToolChoice | undefined {
  const c = config?.functionCallingConfig;
  switch (c?.mode) {
    case "NONE":
      return "none";
    case "ANY": {
      const names = c.allowedFunctionNames ?? [];
      return names.length === 1 ? { type: "function", function: { name: names[0] as string } } : "required";
    }
    case "AUTO":
    case "VALIDATED":
      return "auto";
    default:
      return undefined;
  }
}

function applyGenerationConfig(out: ChatRequest, g: GeminiGenerationConfig | undefined, target: ChatTarget): void {
  if (!g) return;
  if (g.candidateCount !== undefined && g.candidateCount > 1) {
    throw new TranslationError("candidateCount above 1 is not supported through the Strand proxy");
  }
  if (g.maxOutputTokens !== undefined) out[target.maxTokensField] = g.maxOutputTokens;
  if (g.temperature !== undefined) out.temperature = g.temperature;
  if (g.topP !== undefined) out.top_p = g.topP;
  if (g.stopSequences?.length) out.stop = g.stopSequences;
  if (g.presencePenalty !== undefined) out.presence_penalty = g.presencePenalty;
  if (g.frequencyPenalty !== undefined) out.frequency_penalty = g.frequencyPenalty;
  if (g.seed !== undefined) out.seed = g.seed;
  if (g.responseMimeType === "application/json") {
    const schema =
      g.responseJsonSchema ?? (g.responseSchema !== undefined ? openApiToJsonSchema(g.responseSchema) : undefined);
    out.response_format = schema
      ? { type: "json_schema", json_schema: { name: "response", schema, strict: false } }
      : { type: "json_object" };
  }
}
