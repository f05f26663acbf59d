import { isObject } from "../json.js";
import {
  type AnthropicContentBlock,
  type AnthropicRequest,
  type AnthropicToolChoice,
  type ChatContentPart,
  type ChatMessage,
  type ChatRequest,
  type ChatToolCall,
  type ChatToolChoice,
  TranslationError,
} from "./types.js";

export interface ChatTarget {
  /** The provider's own model id. */
  model: string;
  /** OpenAI's current models take `max_completion_tokens`; most compatible servers take `max_tokens`. */
  maxTokensField: "max_tokens" | "max_completion_tokens";
}

/** Anthropic Messages request → OpenAI Chat Completions request. */
export function anthropicRequestToChat(req: AnthropicRequest, target: ChatTarget): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemText(req.system);
  if (system) messages.push({ role: "system", content: system });
  for (const m of req.messages ?? []) {
    if (m.role === "assistant") messages.push(assistantMessage(m.content));
    else messages.push(...userMessages(m.content));
  }
  const out: ChatRequest = { model: target.model, messages };
  if (req.max_tokens !== undefined) out[target.maxTokensField] = req.max_tokens;
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.top_p !== undefined) out.top_p = req.top_p;
  if (req.stop_sequences?.length) out.stop = req.stop_sequences;
  if (req.metadata?.user_id) out.user = req.metadata.user_id;
  if (req.tools?.length) {
    out.tools = req.tools.map((t) => {
      if (t.type !== undefined && t.type !== "custom") {
        throw new TranslationError(
          `tool ${JSON.stringify(t.name)} is an Anthropic server tool (${t.type}); an OpenAI-style provider cannot run it`,
        );
      }
      return {
        type: "function" as const,
        function: {
          name: t.name,
          ...(t.description !== undefined ? { description: t.description } : {}),
          parameters: t.input_schema ?? { type: "object", properties: {} },
        },
      };
    });
    if (req.tool_choice) {
      out.tool_choice = toolChoice(req.tool_choice);
      if (req.tool_choice.disable_parallel_tool_use) out.parallel_tool_calls = false;
    }
  }
  if (req.stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

function systemText(system: AnthropicRequest["system"]): string {
  if (system === undefined) return "";
  if (typeof system === "string") return system;
  return system
    .filter((b) => b.type === "text")
    .map((b) => b.text)
    .join("\n\n");
}

function toolChoice(c: AnthropicToolChoice): ChatToolChoice {
  switch (c.type) {
    case "any":
      return "required";
    case "none":
      return "none";
    case "tool":
      return { type: "function", function: { name: c.name } };
    default:
      return "auto";
  }
}

const asBlocks = (content: string | AnthropicContentBlock[]): AnthropicContentBlock[] =>
  typeof content === "string" ? [{ type: "text", text: content }] : Array.isArray(content) ? content : [];

function assistantMessage(content: string | AnthropicContentBlock[]): ChatMessage {
  const texts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  for (const b of asBlocks(content)) {
    if (b.type === "text") texts.push(b.text);
    else if (b.type === "tool_use") {
      toolCalls.push({
        id: b.id,
        type: "function",
        function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
      });
    }
    // Thinking blocks carry Anthropic signatures no other provider can check; they stay behind.
  }
  const text = texts.join("\n\n");
  return {
    role: "assistant",
    content: text || (toolCalls.length ? null : ""),
    ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
  };
}

/**
 * One Anthropic user turn becomes tool messages (which must directly follow the assistant's
 * tool calls) and then a user message with whatever else it held.
 */
function userMessages(content: string | AnthropicContentBlock[]): ChatMessage[] {
  const tools: ChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  for (const b of asBlocks(content)) {
    if (b.type === "tool_result") {
      tools.push({ role: "tool", tool_call_id: b.tool_use_id, content: toolResultText(b.content, b.is_error) });
    } else {
      const part = userPart(b);
      if (part) parts.push(part);
    }
  }
  if (parts.length === 0) return tools;
  const allText = parts.every((p) => p.type === "text");
  const userContent = allText ? parts.map((p) => (p as { text: string }).text).join("\n\n") : parts;
  return [...tools, { role: "user", content: userContent }];
}

function userPart(b: AnthropicContentBlock): ChatContentPart | undefined {
  switch (b.type) {
    case "text":
      return { type: "text", text: b.text };
    case "image": {
      const src = b.source;
      if (!isObject(src)) throw new TranslationError("an image block needs a source");
      const url = src.type === "base64" ? `data:${src.media_type};base64,${src.data}` : src.url;
      return { type: "image_url", image_url: { url } };
    }
    case "thinking":
    case "redacted_thinking":
      return undefined;
    default: {
      const other = b as { type: string; source?: unknown };
      // A plain-text document is just text; PDFs and other blocks have no Chat Completions form.
      if (other.type === "document" && isObject(other.source) && other.source.type === "text") {
        return { type: "text", text: String(other.source.data ?? "") };
      }
      throw new TranslationError(
        `content block type ${JSON.stringify(other.type)} cannot be sent to an OpenAI-style provider`,
      );
    }
  }
}

function toolResultText(content: string | AnthropicContentBlock[] | undefined, isError?: boolean): string {
  let text: string;
  if (typeof content === "string") text = content;
  else if (!Array.isArray(content)) text = "";
  else {
    text = content
      .map((b) =>
        b.type === "text" ? b.text : b.type === "image" ? "[image omitted: not supported in tool results]" : "",
      )
      .filter(Boolean)
      .join("\n");
  }
  return isError ? `Error: ${text}` : text;
}
