import { parseToolArguments } from "../json.js";
import {
  type AnthropicContentBlock,
  type AnthropicMessageParam,
  type AnthropicRequest,
  type AnthropicToolChoice,
  type ChatContentPart,
  type ChatRequest,
  type ChatToolChoice,
  TranslationError,
} from "./types.js";

/** Anthropic requires max_tokens; Chat Completions does not. Every Claude model allows this many. */
export const DEFAULT_MAX_TOKENS = 4096;

/** OpenAI Chat Completions request → Anthropic Messages request. */
export function chatRequestToAnthropic(req: ChatRequest, target: { model: string }): AnthropicRequest {
  if (req.n !== undefined && req.n !== 1) {
    throw new TranslationError("n > 1 is not supported by Anthropic providers; send one request per completion");
  }
  const system: string[] = [];
  const messages: AnthropicMessageParam[] = [];
  const add = (role: "user" | "assistant", blocks: AnthropicContentBlock[]) => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    // Anthropic wants turns to alternate; consecutive same-role messages become one turn.
    if (last && last.role === role) (last.content as AnthropicContentBlock[]).push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const m of req.messages ?? []) {
    switch (m.role) {
      case "system":
      case "developer":
        system.push(textOf(m.content));
        break;
      case "user":
        add("user", userBlocks(m.content));
        break;
      case "assistant": {
        const blocks: AnthropicContentBlock[] = [];
        const text = m.content == null ? "" : textOf(m.content);
        if (text) blocks.push({ type: "text", text });
        for (const c of m.tool_calls ?? []) {
          blocks.push({
            type: "tool_use",
            id: c.id,
            name: c.function.name,
            input: parseToolArguments(c.function.arguments),
          });
        }
        add("assistant", blocks);
        break;
      }
      case "tool":
        add("user", [{ type: "tool_result", tool_use_id: m.tool_call_id, content: textOf(m.content) }]);
        break;
      default:
        throw new TranslationError(`message role ${JSON.stringify((m as { role: unknown }).role)} is not supported`);
    }
  }
  const out: AnthropicRequest = {
    model: target.model,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS,
    messages,
  };
  const systemText = system.filter(Boolean).join("\n\n");
  if (systemText) out.system = systemText;
  // OpenAI's temperature goes to 2, Anthropic's to 1.
  if (req.temperature !== undefined) out.temperature = Math.min(req.temperature, 1);
  if (req.top_p !== undefined) out.top_p = req.top_p;
  if (req.stop) out.stop_sequences = typeof req.stop === "string" ? [req.stop] : req.stop;
  if (req.user) out.metadata = { user_id: req.user };
  if (req.tools?.length) {
    out.tools = req.tools.map((t) => {
      if (t.type !== "function") {
        throw new TranslationError(`tool type ${JSON.stringify(t.type)} is not supported by Anthropic providers`);
      }
      if (!t.function?.name) throw new TranslationError("every function tool needs function.name");
      return {
        name: t.function.name,
        ...(t.function.description !== undefined ? { description: t.function.description } : {}),
        input_schema: t.function.parameters ?? { type: "object", properties: {} },
      };
    });
    const choice = toolChoice(req.tool_choice);
    if (req.parallel_tool_calls === false) choice.disable_parallel_tool_use = true;
    if (req.tool_choice !== undefined || req.parallel_tool_calls === false) out.tool_choice = choice;
  }
  if (req.stream) out.stream = true;
  return out;
}

function toolChoice(c: ChatToolChoice | undefined): AnthropicToolChoice {
  if (c === undefined || c === "auto") return { type: "auto" };
  if (c === "none") return { type: "none" };
  if (c === "required") return { type: "any" };
  return { type: "tool", name: c.function.name };
}

function textOf(content: string | ChatContentPart[] | null | undefined): string {
  if (typeof content === "string") return content;
  return Array.isArray(content) ? content.map(partText).filter(Boolean).join("\n") : "";
}

function partText(p: ChatContentPart): string {
  const o = p as { text?: unknown; refusal?: unknown };
  if (p.type === "text" && typeof o.text === "string") return o.text;
  if (p.type === "refusal" && typeof o.refusal === "string") return o.refusal;
  return "";
}

function userBlocks(content: string | ChatContentPart[]): AnthropicContentBlock[] {
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  if (!Array.isArray(content)) return [];
  const blocks: AnthropicContentBlock[] = [];
  for (const p of content) {
    if (p.type === "text") {
      const text = partText(p);
      if (text) blocks.push({ type: "text", text });
    } else if (p.type === "image_url") {
      const url = String((p as { image_url?: { url?: unknown } }).image_url?.url ?? "");
      const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
      blocks.push({
        type: "image",
        source: data
          ? { type: "base64", media_type: data[1] as string, data: data[2] as string }
          : { type: "url", url },
      });
    } else {
      throw new TranslationError(`content part type ${JSON.stringify(p.type)} is not supported by Anthropic providers`);
    }
  }
  return blocks;
}
