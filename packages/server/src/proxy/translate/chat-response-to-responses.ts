import { randomBytes } from "node:crypto";
import { isObject, str } from "../json.js";
import { namespacedTools } from "./responses-request-to-chat.js";
import {
  type ChatChunk,
  type ChatCompletion,
  type ChatUsage,
  DONE,
  type ResponsesOutputItem,
  type ResponsesRequest,
  type ResponsesResponse,
  type ResponsesUsage,
  type StreamEvent,
  type StreamTranslator,
} from "./types.js";

const rid = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

export function chatUsageToResponses(u: ChatUsage | null | undefined): ResponsesUsage {
  const input = u?.prompt_tokens ?? 0;
  const output = u?.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u?.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

/** The fields of a Response that echo the request. */
function responseShell(req: ResponsesRequest, id: string, model: string, createdAt: number): ResponsesResponse {
  return {
    id,
    object: "response",
    created_at: createdAt,
    status: "in_progress",
    error: null,
    incomplete_details: null,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    model,
    output: [],
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: null,
    temperature: req.temperature ?? null,
    tool_choice: req.tool_choice ?? "auto",
    tools: req.tools ?? [],
    top_p: req.top_p ?? null,
    usage: null,
    metadata: {},
    text: { format: { type: "text" } },
  };
}

function finalStatus(r: ResponsesResponse, finish: string | null | undefined): void {
  if (finish === "length") {
    r.status = "incomplete";
    r.incomplete_details = { reason: "max_output_tokens" };
  } else r.status = "completed";
}

/** A call of a flattened `namespace` function goes back as the group's own `{name, namespace}`. */
function callName(grouped: ReturnType<typeof namespacedTools>, name: string): { name: string; namespace?: string } {
  const g = grouped.get(name);
  return g ? { name: g.name, namespace: g.namespace } : { name };
}

/** Chat completion → Responses response. */
export function chatCompletionToResponses(c: ChatCompletion, req: ResponsesRequest): ResponsesResponse {
  const r = responseShell(req, rid("resp"), c.model, c.created ?? Math.floor(Date.now() / 1000));
  const choice = c.choices?.[0];
  const text = choice?.message?.content;
  if (text) {
    r.output.push({
      type: "message",
      id: rid("msg"),
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text, annotations: [] }],
    });
  }
  const grouped = namespacedTools(req);
  for (const tc of choice?.message?.tool_calls ?? []) {
    r.output.push({
      type: "function_call",
      id: rid("fc"),
      call_id: tc.id,
      ...callName(grouped, tc.function.name),
      arguments: tc.function.arguments,
      status: "completed",
    });
  }
  finalStatus(r, choice?.finish_reason);
  r.usage = chatUsageToResponses(c.usage);
  return r;
}

/** Chat completion chunks → Responses stream events (`response.created` … `response.completed`). */
export class ChatToResponsesStream implements StreamTranslator {
  private readonly response: ResponsesResponse;
  private seq = 0;
  private started = false;
  private finished = false;
  /** Index in `response.output` of the item still receiving deltas. */
  private openIndex: number | null = null;
  private readonly toolItems = new Map<string, number>();
  private finish: string | null = null;

  private readonly grouped: ReturnType<typeof namespacedTools>;

  constructor(req: ResponsesRequest) {
    this.response = responseShell(req, rid("resp"), req.model, Math.floor(Date.now() / 1000));
    this.grouped = namespacedTools(req);
  }

  push(e: StreamEvent): StreamEvent[] {
    if (this.finished) return [];
    if (e.data === DONE) return this.complete();
    if (!isObject(e.data)) return [];
    if (isObject(e.data.error)) {
      this.finished = true;
      const message = str(e.data.error.message) ?? "the provider reported an error mid-stream";
      return [
        this.ev("error", { code: "server_error", message, param: null, error: { type: "server_error", message } }),
      ];
    }
    const chunk = e.data as unknown as ChatChunk;
    const out: StreamEvent[] = [];
    if (!this.started) {
      this.started = true;
      if (chunk.model) this.response.model = chunk.model;
      out.push(this.ev("response.created", { response: structuredClone(this.response) }));
      out.push(this.ev("response.in_progress", { response: structuredClone(this.response) }));
    }
    if (isObject(chunk.usage)) this.response.usage = chatUsageToResponses(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice) return out;
    const delta = choice.delta ?? {};
    if (typeof delta.content === "string" && delta.content !== "") out.push(...this.text(delta.content));
    for (const tc of delta.tool_calls ?? []) {
      const key = tc.index !== undefined ? String(tc.index) : (tc.id ?? "0");
      let index = this.toolItems.get(key);
      if (index === undefined) {
        out.push(...this.closeOpen());
        index = this.response.output.length;
        this.toolItems.set(key, index);
        const item: ResponsesOutputItem = {
          type: "function_call",
          id: rid("fc"),
          call_id: tc.id || rid("call"),
          ...callName(this.grouped, tc.function?.name ?? ""),
          arguments: "",
          status: "in_progress",
        };
        this.response.output.push(item);
        this.openIndex = index;
        out.push(this.ev("response.output_item.added", { output_index: index, item: structuredClone(item) }));
      }
      const args = tc.function?.arguments;
      const item = this.response.output[index];
      if (args && item?.type === "function_call") {
        item.arguments += args;
        out.push(
          this.ev("response.function_call_arguments.delta", { item_id: item.id, output_index: index, delta: args }),
        );
      }
    }
    if (choice.finish_reason) this.finish = choice.finish_reason;
    return out;
  }

  end(): StreamEvent[] {
    return this.finished ? [] : this.complete();
  }

  private text(delta: string): StreamEvent[] {
    const out: StreamEvent[] = [];
    let item = this.openIndex === null ? undefined : this.response.output[this.openIndex];
    if (item?.type !== "message") {
      out.push(...this.closeOpen());
      item = { type: "message", id: rid("msg"), status: "in_progress", role: "assistant", content: [] };
      this.openIndex = this.response.output.length;
      this.response.output.push(item);
      out.push(this.ev("response.output_item.added", { output_index: this.openIndex, item: structuredClone(item) }));
      item.content.push({ type: "output_text", text: "", annotations: [] });
      out.push(
        this.ev("response.content_part.added", {
          item_id: item.id,
          output_index: this.openIndex,
          content_index: 0,
          part: { type: "output_text", text: "", annotations: [] },
        }),
      );
    }
    const part = item.content[0];
    if (part) part.text += delta;
    out.push(
      this.ev("response.output_text.delta", {
        item_id: item.id,
        output_index: this.openIndex,
        content_index: 0,
        delta,
        logprobs: [],
      }),
    );
    return out;
  }

  private closeOpen(): StreamEvent[] {
    if (this.openIndex === null) return [];
    const index = this.openIndex;
    const item = this.response.output[index];
    this.openIndex = null;
    if (!item) return [];
    const out: StreamEvent[] = [];
    item.status = "completed";
    if (item.type === "message") {
      const part = item.content[0] ?? { type: "output_text" as const, text: "", annotations: [] };
      out.push(
        this.ev("response.output_text.done", {
          item_id: item.id,
          output_index: index,
          content_index: 0,
          text: part.text,
          logprobs: [],
        }),
      );
      out.push(
        this.ev("response.content_part.done", {
          item_id: item.id,
          output_index: index,
          content_index: 0,
          part: structuredClone(part),
        }),
      );
    } else {
      out.push(
        this.ev("response.function_call_arguments.done", {
          item_id: item.id,
          output_index: index,
          arguments: item.arguments,
        }),
      );
    }
    out.push(this.ev("response.output_item.done", { output_index: index, item: structuredClone(item) }));
    return out;
  }

  private complete(): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (!this.started) {
      this.started = true;
      out.push(this.ev("response.created", { response: structuredClone(this.response) }));
    }
    out.push(...this.closeOpen());
    // Parallel tool calls may leave earlier items open; everything is done now.
    for (const item of this.response.output) item.status = "completed";
    finalStatus(this.response, this.finish);
    this.response.usage ??= chatUsageToResponses(undefined);
    const type = this.response.status === "incomplete" ? "response.incomplete" : "response.completed";
    out.push(this.ev(type, { response: structuredClone(this.response) }));
    this.finished = true;
    return out;
  }

  private ev(type: string, data: object): StreamEvent {
    return { event: type, data: { type, sequence_number: this.seq++, ...data } };
  }
}
