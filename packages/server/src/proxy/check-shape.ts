import { type CallerApi, ProxyError } from "./errors.js";
import { isObject, type JsonObject } from "./json.js";

const bad = (message: string) => new ProxyError(400, "invalid_request", message, { status: "invalid_request" });

function checkContent(where: string, content: unknown): void {
  if (content === undefined || content === null || typeof content === "string") return;
  if (!Array.isArray(content)) throw bad(`${where}.content must be a string or an array of content blocks`);
  content.forEach((block, j) => {
    if (!isObject(block) || typeof block.type !== "string") {
      throw bad(`${where}.content[${j}] must be an object with a type`);
    }
  });
}

function checkList(body: JsonObject, field: string, itemCheck: (item: JsonObject, where: string) => void): void {
  const list = body[field];
  if (!Array.isArray(list)) throw bad(`${field} must be an array`);
  list.forEach((item, i) => {
    const where = `${field}[${i}]`;
    if (!isObject(item)) throw bad(`${where} must be an object`);
    itemCheck(item, where);
  });
}

const withRole = (item: JsonObject, where: string) => {
  if (typeof item.role !== "string") throw bad(`${where}.role must be a string`);
  checkContent(where, item.content);
};

/**
 * The structure the proxy itself reads (messages, content blocks, tools) must be what the API
 * says, so a malformed request is a 400 in the caller's format, never a failure inside a
 * translator. Values the provider checks anyway (numbers, enums) are left to the provider.
 */
export function checkShape(api: CallerApi, body: JsonObject): void {
  if (body.stream !== undefined && typeof body.stream !== "boolean") throw bad("stream must be true or false");
  if (body.tools !== undefined) checkList(body, "tools", () => {});
  if (api === "messages" || api === "count_tokens" || api === "chat") {
    checkList(body, "messages", withRole);
  } else if (api === "responses") {
    const input = body.input;
    if (input !== undefined && typeof input !== "string") {
      checkList(body, "input", (item, where) => {
        if (item.type === undefined || item.type === "message") withRole(item, where);
      });
    }
  } else if (api === "gemini") {
    if (body.contents !== undefined) {
      checkList(body, "contents", (item, where) => {
        if (item.parts === undefined) return;
        if (!Array.isArray(item.parts)) throw bad(`${where}.parts must be an array`);
        item.parts.forEach((part, j) => {
          if (!isObject(part)) throw bad(`${where}.parts[${j}] must be an object`);
        });
      });
    }
  } else if (api === "embeddings" && body.input === undefined) {
    throw bad("input is required: a string or an array of strings");
  }
}
