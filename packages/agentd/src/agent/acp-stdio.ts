import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import type { AnyMessage, Stream } from "@agentclientprotocol/sdk";

/** Longest line kept when quoting a runtime's malformed output. */
const QUOTE_CHARS = 200;

/**
 * An ACP stream over a runtime's stdio (newline-delimited JSON-RPC), like the SDK's ndJsonStream
 * but telling agentd about every line that is not a JSON-RPC object instead of silently
 * answering it: a runtime that prints debug text to stdout is worth a notice.
 */
export function stdioStream(child: ChildProcessWithoutNullStreams, onMalformed: (line: string) => void): Stream {
  const readable = new ReadableStream<AnyMessage>({
    start(controller) {
      const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on("line", (raw) => {
        const line = raw.trim();
        if (!line) return;
        let msg: unknown;
        try {
          msg = JSON.parse(line);
        } catch {
          return onMalformed(line.slice(0, QUOTE_CHARS));
        }
        if (
          typeof msg !== "object" ||
          msg === null ||
          Array.isArray(msg) ||
          (msg as { jsonrpc?: unknown }).jsonrpc !== "2.0"
        ) {
          return onMalformed(line.slice(0, QUOTE_CHARS));
        }
        const bad = badUpdate(msg as Record<string, unknown>);
        if (bad) return onMalformed(`${bad}: ${line.slice(0, QUOTE_CHARS)}`);
        controller.enqueue(msg as AnyMessage);
      });
      lines.on("close", () => {
        try {
          controller.close();
        } catch {
          // Already closed or errored.
        }
      });
    },
  });
  // A runtime that died leaves a broken pipe: writes fail (and are reported by the SDK), never throw.
  child.stdin.on("error", () => {});
  const writable = new WritableStream<AnyMessage>({
    write(msg) {
      return new Promise<void>((resolve, reject) => {
        if (child.stdin.destroyed || !child.stdin.writable) return reject(new Error("the runtime's stdin is closed"));
        child.stdin.write(`${JSON.stringify(msg)}\n`, (err) => (err ? reject(err) : resolve()));
      });
    },
  });
  return { readable, writable };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The SDK drops a session/update whose params do not match the schema with only a console line;
 * the common shapes are checked here so such an update is reported like any malformed output.
 */
function badUpdate(msg: Record<string, unknown>): string | undefined {
  if (msg.method !== "session/update") return undefined;
  const params = msg.params;
  if (!isObject(params) || typeof params.sessionId !== "string") return "session/update without a sessionId";
  const u = params.update;
  if (!isObject(u) || typeof u.sessionUpdate !== "string") return "session/update without an update";
  switch (u.sessionUpdate) {
    case "agent_message_chunk":
    case "agent_thought_chunk":
    case "user_message_chunk":
      return isObject(u.content) && typeof u.content.type === "string"
        ? undefined
        : `${u.sessionUpdate} without content`;
    case "tool_call":
      return typeof u.toolCallId === "string" && typeof u.title === "string"
        ? undefined
        : "tool_call without id or title";
    case "tool_call_update":
      return typeof u.toolCallId === "string" ? undefined : "tool_call_update without an id";
    case "plan":
      return Array.isArray(u.entries) ? undefined : "plan without entries";
    default:
      return undefined;
  }
}
