import { describe, expect, it } from "vitest";
import { formatSse, SseParser } from "./sse.js";

describe("SseParser", () => {
  it("splits events across arbitrary chunk boundaries and keeps their raw text", () => {
    const text = 'event: a\ndata: {"x":1}\n\ndata: line1\ndata: line2\n\n: comment\n\ndata: [DONE]\n\n';
    for (const size of [1, 3, 7, 1000]) {
      const p = new SseParser();
      const out = [];
      for (let i = 0; i < text.length; i += size) out.push(...p.push(Buffer.from(text.slice(i, i + size))));
      out.push(...p.end());
      expect(out.map((e) => [e.event, e.data])).toEqual([
        ["a", '{"x":1}'],
        [undefined, "line1\nline2"],
        [undefined, ""],
        [undefined, "[DONE]"],
      ]);
      expect(out.map((e) => e.raw).join("")).toBe(text);
    }
  });

  it("handles CRLF and multi-byte characters split between chunks", () => {
    const bytes = Buffer.from("data: héllo ☃\r\n\r\n");
    const p = new SseParser();
    const out = [...p.push(bytes.subarray(0, 9)), ...p.push(bytes.subarray(9, 15)), ...p.push(bytes.subarray(15))];
    expect(out).toHaveLength(1);
    expect(out[0]?.data).toBe("héllo ☃");
  });

  it("returns a last event that lacks its blank line at the end", () => {
    const p = new SseParser();
    expect(p.push("data: tail")).toEqual([]);
    expect(p.end().map((e) => e.data)).toEqual(["tail"]);
  });

  it("formats named and unnamed events", () => {
    expect(formatSse("ping", { type: "ping" })).toBe('event: ping\ndata: {"type":"ping"}\n\n');
    expect(formatSse(undefined, "[DONE]")).toBe("data: [DONE]\n\n");
  });
});
