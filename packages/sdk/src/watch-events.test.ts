import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { watchEvents } from "./watch-events.js";

const event = (id: number) => ({
  type: "event",
  event: { id, type: "session.updated", session_id: "ses_1", at: "2026-01-01T00:00:00Z", session: {} },
});

let wss: WebSocketServer | undefined;
afterEach(() => new Promise<void>((r) => (wss ? wss.close(() => r()) : r())));

describe("watchEvents", () => {
  it("reconnects after a drop with since = the last id seen, and yields each event once", async () => {
    const urls: string[] = [];
    wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    wss.on("connection", (ws, req) => {
      urls.push(req.url ?? "");
      ws.send(JSON.stringify({ type: "hello", user_id: "u", last_event_id: 10 }));
      if (urls.length === 1) {
        for (const id of [11, 12]) ws.send(JSON.stringify(event(id)));
        setTimeout(() => ws.terminate(), 50);
      } else {
        // A server replaying a little too much: 12 again must not reach the consumer twice.
        for (const id of [12, 13]) ws.send(JSON.stringify(event(id)));
      }
    });
    await new Promise((r) => wss?.once("listening", r));
    const port = (wss.address() as AddressInfo).port;
    const drops: string[] = [];
    const watch = watchEvents({
      url: `ws://127.0.0.1:${port}/api/v1/events`,
      headers: {},
      retryMs: 20,
      onDisconnect: (r) => drops.push(r),
    });
    expect(await watch.connected).toBe(10);
    const seen: number[] = [];
    for await (const e of watch) {
      seen.push(e.id);
      if (e.id === 13) break;
    }
    expect(seen).toEqual([11, 12, 13]);
    expect(urls).toEqual(["/api/v1/events", "/api/v1/events?since=12"]);
    expect(drops).toHaveLength(1);
  });

  it("fails with a clear message when the server cannot be reached at all", async () => {
    const watch = watchEvents({ url: "ws://127.0.0.1:1/api/v1/events", headers: {} });
    await expect(watch.connected).rejects.toThrow(/cannot open the events socket .* is the server running/);
  });
});
