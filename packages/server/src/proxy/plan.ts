import type { ProviderKind } from "@strand/protocol";
import { wireApi } from "../providers/endpoints.js";
import { type CallerApi, ProxyError } from "./errors.js";
import { isObject, type JsonObject } from "./json.js";
import { anthropicRequestToChat, type ChatTarget } from "./translate/anthropic-request-to-chat.js";
import { AnthropicToChatStream, anthropicMessageToChat } from "./translate/anthropic-response-to-chat.js";
import { chain } from "./translate/chain.js";
import { chatRequestToAnthropic } from "./translate/chat-request-to-anthropic.js";
import { ChatToAnthropicStream, chatCompletionToAnthropic } from "./translate/chat-response-to-anthropic.js";
import { ChatToGeminiStream, chatCompletionToGemini } from "./translate/chat-response-to-gemini.js";
import { ChatToResponsesStream, chatCompletionToResponses } from "./translate/chat-response-to-responses.js";
import { geminiRequestToChat } from "./translate/gemini-request-to-chat.js";
import type { GeminiRequest } from "./translate/gemini-types.js";
import { responsesRequestToChat } from "./translate/responses-request-to-chat.js";
import type {
  AnthropicMessage,
  AnthropicRequest,
  ChatCompletion,
  ChatRequest,
  ResponsesRequest,
  StreamTranslator,
} from "./translate/types.js";
import type { StreamFormat } from "./usage.js";

/**
 * How one call travels: which provider endpoint, in which format, and the translations between
 * the caller's format and the provider's. `translate*` are absent when the formats match, and
 * then the provider's bytes go to the caller unchanged.
 */
export interface CallPlan {
  /** Path under the provider's API root (`…/v1`). */
  path: string;
  /** The provider's response format, for reading usage. */
  upstream: StreamFormat | "embeddings";
  body: JsonObject;
  stream: boolean;
  translateResponse?: (json: unknown) => unknown;
  translateStream?: () => StreamTranslator;
  /** Passing chat chunks through: drop the usage chunk Strand asked for but the caller did not. */
  dropUsageChunk: boolean;
  /**
   * How translated stream events reach the caller: server-sent events, or (Google's
   * `streamGenerateContent` without `alt=sse`) the elements of one JSON array.
   */
  framing?: "sse" | "json-array";
}

const withModel = (body: JsonObject, model: string): JsonObject => ({ ...body, model });

/**
 * A caller format translated to Chat Completions on the way out (Responses, Gemini): sent as it
 * is to chat providers, or on to Anthropic Messages, with the answer translated back through chat.
 */
function throughChat(
  base: Pick<CallPlan, "stream" | "dropUsageChunk">,
  wire: ReturnType<typeof wireApi>,
  chat: ChatRequest,
  model: string,
  answer: (completion: ChatCompletion) => unknown,
  fromChatStream: () => StreamTranslator,
): CallPlan {
  if (wire === "anthropic") {
    return {
      ...base,
      path: "/messages",
      upstream: "anthropic",
      body: chatRequestToAnthropic(chat, { model }) as JsonObject,
      translateResponse: (j) => answer(anthropicMessageToChat(j as AnthropicMessage)),
      translateStream: () => chain(new AnthropicToChatStream(true), fromChatStream()),
    };
  }
  return {
    ...base,
    path: "/chat/completions",
    upstream: "chat",
    body: chat as JsonObject,
    translateResponse: (j) => answer(j as ChatCompletion),
    translateStream: fromChatStream,
  };
}

export function planCall(api: CallerApi, kind: ProviderKind, body: JsonObject, model: string): CallPlan {
  const stream = body.stream === true;
  const chatTarget: ChatTarget = {
    model,
    maxTokensField: kind === "openai" ? "max_completion_tokens" : "max_tokens",
  };
  const wire = wireApi(kind);
  const base = { stream, dropUsageChunk: false };
  switch (api) {
    case "messages":
      if (wire === "anthropic")
        return { ...base, path: "/messages", upstream: "anthropic", body: withModel(body, model) };
      return {
        ...base,
        path: "/chat/completions",
        upstream: "chat",
        body: anthropicRequestToChat(body as AnthropicRequest, chatTarget) as JsonObject,
        translateResponse: (j) => chatCompletionToAnthropic(j as ChatCompletion),
        translateStream: () => new ChatToAnthropicStream(),
      };
    case "count_tokens":
      if (wire !== "anthropic") {
        throw new ProxyError(
          400,
          "invalid_request",
          "token counting (/v1/messages/count_tokens) needs an Anthropic provider; OpenAI-style APIs have none",
          { status: "invalid_request" },
        );
      }
      return {
        ...base,
        stream: false,
        path: "/messages/count_tokens",
        upstream: "anthropic",
        body: withModel(body, model),
      };
    case "chat": {
      const req = body as ChatRequest;
      const callerWantsUsage = req.stream_options?.include_usage === true;
      if (wire === "anthropic") {
        return {
          ...base,
          path: "/messages",
          upstream: "anthropic",
          body: chatRequestToAnthropic(req, { model }) as JsonObject,
          translateResponse: (j) => anthropicMessageToChat(j as AnthropicMessage),
          translateStream: () => new AnthropicToChatStream(callerWantsUsage),
        };
      }
      const out = withModel(body, model);
      // Usage arrives in a final chunk only when asked for; the spend limits need it.
      if (stream)
        out.stream_options = { ...(isObject(body.stream_options) ? body.stream_options : {}), include_usage: true };
      return {
        ...base,
        path: "/chat/completions",
        upstream: "chat",
        body: out,
        dropUsageChunk: stream && !callerWantsUsage,
      };
    }
    case "responses": {
      const req = body as ResponsesRequest;
      if (kind === "openai")
        return { ...base, path: "/responses", upstream: "responses", body: withModel(body, model) };
      const chat = responsesRequestToChat(req, chatTarget);
      return throughChat(
        base,
        wire,
        chat,
        model,
        (c) => chatCompletionToResponses(c, req),
        () => new ChatToResponsesStream(req),
      );
    }
    case "gemini": {
      // No provider kind speaks Google's format: always through Chat Completions.
      const chat = geminiRequestToChat(body as GeminiRequest, chatTarget, stream);
      return throughChat(base, wire, chat, model, chatCompletionToGemini, () => new ChatToGeminiStream(model));
    }
    case "embeddings":
      if (wire === "anthropic") {
        throw new ProxyError(
          400,
          "invalid_request",
          "Anthropic has no embeddings API; use a model of an OpenAI-style provider (openai, together, ollama, vllm…)",
          { status: "invalid_request" },
        );
      }
      return { ...base, stream: false, path: "/embeddings", upstream: "embeddings", body: withModel(body, model) };
    default:
      throw new Error(`no call plan for ${api}`);
  }
}
