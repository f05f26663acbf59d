import type { ChatTarget } from "./anthropic-request-to-chat.js";
import {
  type ChatContentPart,
  type ChatMessage,
  type ChatRequest,
  type ChatToolCall,
  type ResponsesContentPart,
  type ResponsesRequest,
  type ResponsesTool,
  TranslationError,
} from "./types.js";

/**
 * OpenAI Responses request → Chat Completions request, for providers without `/v1/responses`.
 * Supported: `input` as text or items (messages, function_call, function_call_output; reasoning
 * items are dropped), `instructions`, function tools, `tool_choice`, `parallel_tool_calls`,
 * `max_output_tokens`, `temperature`, `top_p`, `text.format` (JSON modes), `user`, `stream`.
 * Not supported: `previous_response_id` (no stored conversations). Tools a Chat provider cannot
 * run are left out of the request rather than failing it: OpenAI's built-in tools (`web_search`,
 * `file_search`, …); the model works with the function tools it is given, as it would with a
 * provider that has no such tools. Tool groups (`namespace`: Codex sends each MCP server's tools
 * as one, `mcp__strand`, and its sub-agent tools) become plain functions named
 * `<namespace>__<tool>`, and calls of them go back as `{name, namespace}` (`namespacedTools`).
 */
export function responsesRequestToChat(req: ResponsesRequest, target: ChatTarget): ChatRequest {
  if (req.previous_response_id) {
    throw new TranslationError(
      "previous_response_id needs conversations stored by the provider, which only kind openai has; " +
        "send the whole conversation in input instead",
    );
  }
  const messages: ChatMessage[] = [];
  if (req.instructions) messages.push({ role: "system", content: req.instructions });
  const items = typeof req.input === "string" ? [{ role: "user" as const, content: req.input }] : (req.input ?? []);
  for (const item of items) {
    const type = item.type ?? "message";
    if (type === "message") {
      const m = item as { role: string; content: string | ResponsesContentPart[] };
      if (m.role === "assistant") {
        messages.push({ role: "assistant", content: textOf(m.content) });
      } else if (m.role === "system" || m.role === "developer") {
        messages.push({ role: m.role, content: textOf(m.content) });
      } else {
        messages.push({ role: "user", content: userContent(m.content) });
      }
    } else if (type === "function_call") {
      const f = item as { call_id: string; name: string; arguments: string; namespace?: string };
      const call: ChatToolCall = {
        id: f.call_id,
        type: "function",
        function: { name: f.namespace ? flatName(f.namespace, f.name) : f.name, arguments: f.arguments },
      };
      const last = messages.at(-1);
      // Text and the calls that follow it are one assistant turn in Chat Completions.
      if (last?.role === "assistant") last.tool_calls = [...(last.tool_calls ?? []), call];
      else messages.push({ role: "assistant", content: null, tool_calls: [call] });
    } else if (type === "function_call_output") {
      const o = item as { call_id: string; output: string | ResponsesContentPart[] };
      messages.push({ role: "tool", tool_call_id: o.call_id, content: textOf(o.output) });
    } else if (type !== "reasoning") {
      throw new TranslationError(`input item type ${JSON.stringify(type)} is only supported by kind openai providers`);
    }
  }
  const out: ChatRequest = { model: target.model, messages };
  if (req.max_output_tokens != null) out[target.maxTokensField] = req.max_output_tokens;
  if (req.temperature != null) out.temperature = req.temperature;
  if (req.top_p != null) out.top_p = req.top_p;
  if (req.user) out.user = req.user;
  if (req.parallel_tool_calls !== undefined) out.parallel_tool_calls = req.parallel_tool_calls;
  const functions = (req.tools ?? []).flatMap((t) => (t.type === "function" && t.name ? [{ ...t, name: t.name }] : []));
  for (const [name, f] of namespacedTools(req)) functions.push({ ...f.tool, type: "function", name });
  if (functions.length) {
    out.tools = functions.map((t) => {
      return {
        type: "function" as const,
        function: {
          name: t.name,
          ...(t.description != null ? { description: t.description } : {}),
          parameters: t.parameters ?? { type: "object", properties: {} },
        },
      };
    });
  }
  const choice = req.tool_choice;
  if (choice !== undefined) {
    if (typeof choice === "string") out.tool_choice = functions.length || choice === "none" ? choice : "none";
    else if (choice.type === "function" && choice.name)
      out.tool_choice = { type: "function", function: { name: choice.name } };
  }
  const format = req.text?.format;
  if (format?.type === "json_schema") {
    out.response_format = {
      type: "json_schema",
      json_schema: { name: format.name ?? "response", schema: format.schema, strict: format.strict ?? false },
    };
  } else if (format?.type === "json_object") out.response_format = { type: "json_object" };
  if (req.stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

const flatName = (namespace: string, name: string) => `${namespace}__${name}`;

/**
 * The functions of the request's `namespace` tool groups, by the flat name the Chat provider sees
 * (`mcp__strand` + `search_history` → `mcp__strand__search_history`, what Codex itself calls an
 * MCP tool), so a call of one can be turned back into `{name, namespace}`.
 */
export function namespacedTools(
  req: ResponsesRequest,
): Map<string, { namespace: string; name: string; tool: ResponsesTool }> {
  const out = new Map<string, { namespace: string; name: string; tool: ResponsesTool }>();
  for (const group of req.tools ?? []) {
    if (group.type !== "namespace" || !group.name) continue;
    for (const t of group.tools ?? []) {
      if ((t.type ?? "function") !== "function" || !t.name) continue;
      out.set(flatName(group.name, t.name), { namespace: group.name, name: t.name, tool: t });
    }
  }
  return out;
}

function textOf(content: string | ResponsesContentPart[] | undefined): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((p) => {
      const o = p as { text?: unknown; refusal?: unknown };
      if (typeof o.text === "string") return o.text;
      return typeof o.refusal === "string" ? o.refusal : "";
    })
    .filter(Boolean)
    .join("\n");
}

function userContent(content: string | ResponsesContentPart[]): string | ChatContentPart[] {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const parts: ChatContentPart[] = [];
  for (const p of content) {
    const o = p as { type: string; text?: unknown; image_url?: unknown; detail?: unknown };
    if ((o.type === "input_text" || o.type === "output_text") && typeof o.text === "string") {
      parts.push({ type: "text", text: o.text });
    } else if (o.type === "input_image" && typeof o.image_url === "string") {
      parts.push({ type: "image_url", image_url: { url: o.image_url } });
    } else {
      throw new TranslationError(`content type ${JSON.stringify(o.type)} is only supported by kind openai providers`);
    }
  }
  return parts.every((p) => p.type === "text") ? parts.map((p) => (p as { text: string }).text).join("\n") : parts;
}
