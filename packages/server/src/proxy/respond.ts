import type { FastifyReply } from "fastify";
import type { Dispatcher } from "undici";
import { type CallerApi, googleErrorBody, ProxyError } from "./errors.js";
import { isObject } from "./json.js";
import type { CallPlan } from "./plan.js";
import type { ModelRoute } from "./resolve-model.js";
import { formatSse, type SseMessage, SseParser } from "./sse.js";
import { DONE } from "./translate/types.js";
import { noUsage, readAnthropicUsage, readOpenAiUsage, StreamTap, type Usage } from "./usage.js";

/** Mutable facts about one call, written to llm_calls when it ends, however it ends. */
export interface CallFacts {
  route?: ModelRoute;
  stream: boolean;
  attempts: number;
  usage: Usage;
  ttftMs: number | null;
  status: string;
  httpStatus: number;
  error: string | null;
}

/** A whole (non-streamed) answer: read, usage taken, translated if the caller speaks another format. */
export async function sendWhole(
  plan: CallPlan,
  response: Dispatcher.ResponseData,
  reply: FastifyReply,
  facts: CallFacts,
): Promise<void> {
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (isObject(json)) {
    facts.usage =
      (plan.upstream === "anthropic" ? readAnthropicUsage(json.usage) : readOpenAiUsage(json.usage)) ?? noUsage();
  }
  if (!plan.translateResponse) {
    const type = String(response.headers["content-type"] ?? "application/json");
    await reply.code(response.statusCode).type(type).send(text);
    return;
  }
  if (!isObject(json)) {
    throw new ProxyError(502, "provider_error", "the provider answered something that is not JSON", {
      status: "bad_response",
    });
  }
  let translated: unknown;
  try {
    translated = plan.translateResponse(json);
  } catch (err) {
    throw new ProxyError(
      502,
      "provider_error",
      `the provider's answer could not be translated: ${(err as Error).message}`,
      {
        status: "bad_response",
      },
    );
  }
  await reply.code(200).send(translated);
}

/**
 * Passes a provider's event stream on as it arrives: each complete event is written at once,
 * unchanged when no translation is needed. Usage and the first content event are read on the way.
 */
export async function streamThrough(
  api: CallerApi,
  plan: CallPlan,
  response: Dispatcher.ResponseData,
  reply: FastifyReply,
  signal: AbortSignal,
  facts: CallFacts,
  onFirstContent: () => void,
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  const frame = framer(plan.framing ?? "sse");
  res.writeHead(200, {
    "content-type": frame.contentType,
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  const parser = new SseParser();
  const tap = new StreamTap(plan.upstream === "embeddings" ? "chat" : plan.upstream);
  const translator = plan.translateStream?.();
  const handle = (events: SseMessage[]): string => {
    let out = "";
    for (const e of events) {
      const data = parseData(e.data);
      if (tap.observe(e.event, data)) onFirstContent();
      if (!translator) {
        if (plan.dropUsageChunk && isUsageOnlyChunk(data)) continue;
        out += e.raw;
      } else {
        for (const x of translator.push({ event: e.event, data })) out += frame.event(x.event, x.data);
      }
    }
    return out;
  };
  try {
    for await (const chunk of response.body) {
      const out = handle(parser.push(chunk as Buffer));
      if (out && !res.write(out)) await drained(res);
    }
    let out = handle(parser.end());
    if (translator) for (const x of translator.end()) out += frame.event(x.event, x.data);
    res.end(out + frame.close());
  } catch (err) {
    facts.usage = tap.usage;
    if (signal.aborted || res.destroyed) {
      throw new ProxyError(499, "internal", "the agent closed the connection mid-stream", { status: "client_closed" });
    }
    const message = `the stream from the provider broke off: ${(err as Error).message}`;
    const last = streamError(api, message);
    res.end(frame.event(last.event, last.data) + frame.close());
    throw new ProxyError(502, "provider_error", message, { status: "stream_error" });
  }
  facts.usage = tap.usage;
  if (tap.error) {
    facts.status = "stream_error";
    facts.error = tap.error;
  }
}

function parseData(data: string): unknown {
  if (data === "") return undefined;
  if (data === DONE) return DONE;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

const isUsageOnlyChunk = (d: unknown) =>
  isObject(d) && Array.isArray(d.choices) && d.choices.length === 0 && isObject(d.usage);

function drained(res: FastifyReply["raw"]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** A last event telling the caller's SDK the stream failed, in its own format. */
function streamError(api: CallerApi, message: string): { event?: string; data: object } {
  if (api === "messages") return { event: "error", data: { type: "error", error: { type: "api_error", message } } };
  if (api === "responses") {
    return {
      event: "error",
      data: { type: "error", code: "server_error", message, param: null, error: { type: "server_error", message } },
    };
  }
  if (api === "gemini") return { data: googleErrorBody(502, "provider_error", message) };
  return { data: { error: { message, type: "server_error", code: "stream_error", param: null } } };
}

interface Framer {
  contentType: string;
  event(event: string | undefined, data: unknown): string;
  close(): string;
}

/**
 * Server-sent events, or the elements of one JSON array written as they come (what Google's
 * `streamGenerateContent` returns without `alt=sse`).
 */
function framer(framing: "sse" | "json-array"): Framer {
  if (framing === "sse") return { contentType: "text/event-stream; charset=utf-8", event: formatSse, close: () => "" };
  let first = true;
  return {
    contentType: "application/json; charset=utf-8",
    event: (_event, data) => {
      const sep = first ? "[" : ",\r\n";
      first = false;
      return sep + JSON.stringify(data);
    },
    close: () => (first ? "[]" : "]"),
  };
}
