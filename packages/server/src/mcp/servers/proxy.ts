import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { type Dispatcher, errors, request } from "undici";
import type { ResolvedMcpServer } from "./service.js";

/** Request headers an MCP client sends that the upstream needs; everything else (Authorization above all) stays here. */
const FORWARDED_REQUEST_HEADERS = ["accept", "content-type", "mcp-session-id", "mcp-protocol-version", "last-event-id"];
/** Response headers the client needs back. */
const FORWARDED_RESPONSE_HEADERS = ["content-type", "mcp-session-id", "mcp-protocol-version", "cache-control"];

/** A JSON answer larger than this is not an MCP message a runtime could use. */
export const MAX_UPSTREAM_JSON_BYTES = 16 * 1024 * 1024;

export interface ProxyOptions {
  dispatcher: Dispatcher;
  timeoutMs: number;
  log: Logger;
}

/** The JSON-RPC id of a single request, so an error can answer it (a batch or notification has none). */
export function rpcIdOf(body: unknown): string | number | null {
  if (body && typeof body === "object" && !Array.isArray(body) && "id" in body) {
    const id = (body as { id: unknown }).id;
    if (typeof id === "string" || typeof id === "number") return id;
  }
  return null;
}

/**
 * Answers with a JSON-RPC error. With a request id it is a 200 whose body answers that request, so
 * an MCP client shows the message as the tool call's error instead of a bare HTTP status.
 */
export function sendRpcError(res: ServerResponse, status: number, id: string | number | null, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(id === null ? status : 200, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32000, message } }));
}

/**
 * Forwards one MCP Streamable HTTP request to a team's server, adding its sealed headers. JSON
 * answers are read whole and checked to be JSON (garbage becomes a clear error); event streams
 * are piped through as they come. The wait for the answer and every pause in a stream are bounded
 * by `timeoutMs`, so a server that hangs gives the agent an error instead of a hung tool call.
 */
export async function proxyMcpRequest(
  server: ResolvedMcpServer,
  req: { method: "GET" | "POST" | "DELETE"; headers: IncomingHttpHeaders; body: unknown },
  res: ServerResponse,
  opts: ProxyOptions,
): Promise<void> {
  const id = rpcIdOf(req.body);
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const v = req.headers[name];
    if (typeof v === "string") headers[name] = v;
  }
  // The sealed headers last: an agent cannot override them (nor learn them).
  Object.assign(headers, server.headers);
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  const seconds = `${Math.round(opts.timeoutMs / 100) / 10} s`;
  let upstream: Dispatcher.ResponseData;
  try {
    upstream = await request(server.url, {
      method: req.method,
      headers,
      body: req.method === "POST" ? JSON.stringify(req.body ?? null) : undefined,
      dispatcher: opts.dispatcher,
      headersTimeout: opts.timeoutMs,
      // A GET is the server's idle notification stream: it may rightly stay quiet for hours.
      bodyTimeout: req.method === "GET" ? 0 : opts.timeoutMs,
      signal: abort.signal,
    });
  } catch (err) {
    if (abort.signal.aborted) return;
    const message =
      err instanceof errors.HeadersTimeoutError
        ? `MCP server ${server.name} did not answer within ${seconds}`
        : `MCP server ${server.name} could not be reached: ${(err as Error).message}`;
    opts.log.warn({ mcp_server: server.name, err: (err as Error).message }, "mcp server proxy: upstream failed");
    sendRpcError(res, err instanceof errors.HeadersTimeoutError ? 504 : 502, id, message);
    return;
  }
  const contentType = String(upstream.headers["content-type"] ?? "");
  const out: Record<string, string> = {};
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const v = upstream.headers[name];
    if (typeof v === "string") out[name] = v;
  }
  try {
    if (contentType.startsWith("text/event-stream")) {
      res.writeHead(upstream.statusCode, out);
      res.flushHeaders();
      for await (const chunk of upstream.body) res.write(chunk);
      res.end();
      return;
    }
    const text = await readLimited(upstream.body, MAX_UPSTREAM_JSON_BYTES);
    if (text === undefined) {
      sendRpcError(res, 502, id, `MCP server ${server.name} sent an answer over ${MAX_UPSTREAM_JSON_BYTES} bytes`);
      return;
    }
    if (text.length === 0) {
      // 202 Accepted for notifications, 200/204 for a DELETE: nothing to check.
      res.writeHead(upstream.statusCode, out);
      res.end();
      return;
    }
    if (!isJson(text)) {
      const shown = text.slice(0, 200).replace(/\s+/g, " ");
      const why = upstream.statusCode >= 400 ? `HTTP ${upstream.statusCode}` : "a body that is not JSON-RPC";
      opts.log.warn(
        { mcp_server: server.name, status: upstream.statusCode },
        "mcp server proxy: garbage from upstream",
      );
      sendRpcError(res, 502, id, `MCP server ${server.name} answered with ${why}: ${JSON.stringify(shown)}`);
      return;
    }
    res.writeHead(upstream.statusCode, { ...out, "content-type": "application/json" });
    res.end(text);
  } catch (err) {
    if (abort.signal.aborted) return;
    const message =
      err instanceof errors.BodyTimeoutError
        ? `MCP server ${server.name} stopped sending for ${seconds}`
        : `MCP server ${server.name} broke off its answer: ${(err as Error).message}`;
    opts.log.warn({ mcp_server: server.name, err: (err as Error).message }, "mcp server proxy: upstream stream failed");
    sendRpcError(res, 502, id, message);
  }
}

function isJson(text: string): boolean {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === "object" && v !== null;
  } catch {
    return false;
  }
}

async function readLimited(body: AsyncIterable<Buffer>, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
