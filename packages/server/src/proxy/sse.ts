import { StringDecoder } from "node:string_decoder";

/** One server-sent event: its name, its (joined) data lines, and its exact text for pass-through. */
export interface SseMessage {
  event: string | undefined;
  data: string;
  raw: string;
}

const BOUNDARY = /\r\n\r\n|\n\n|\r\r/;

/**
 * Incremental `text/event-stream` parser. `push` returns the events completed by a chunk, each
 * with its raw text, so a proxy can forward provider bytes unchanged while still reading them.
 */
export class SseParser {
  private buffer = "";
  private readonly decoder = new StringDecoder("utf8");

  push(chunk: Buffer | string): SseMessage[] {
    this.buffer += typeof chunk === "string" ? chunk : this.decoder.write(chunk);
    const out: SseMessage[] = [];
    for (;;) {
      const m = BOUNDARY.exec(this.buffer);
      if (!m) break;
      const end = m.index + m[0].length;
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end);
      out.push(parseBlock(raw, m.index));
    }
    return out;
  }

  /** What is left when the stream closes: a last event without its blank line, if any. */
  end(): SseMessage[] {
    this.buffer += this.decoder.end();
    const rest = this.buffer;
    this.buffer = "";
    return rest.trim() ? [parseBlock(rest, rest.length)] : [];
  }
}

function parseBlock(raw: string, bodyLength: number): SseMessage {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of raw.slice(0, bodyLength).split(/\r\n|\n|\r/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return { event, data: data.join("\n"), raw };
}

/** Serializes one event; data is JSON unless it is already a string (`[DONE]`). */
export function formatSse(event: string | undefined, data: unknown): string {
  const body = typeof data === "string" ? data : JSON.stringify(data);
  return event ? `event: ${event}\ndata: ${body}\n\n` : `data: ${body}\n\n`;
}
