import {
  decodeFrame,
  encodeFrame,
  type InputFrame,
  type PongFrame,
  type StreamControl,
  StreamControlSchema,
  type VideoFrame,
} from "@strand/protocol";

export interface ConnectionHandlers {
  onOpen(): void;
  onVideo(frame: VideoFrame, bytes: number): void;
  onControl(msg: StreamControl): void;
  onPong(pong: PongFrame, nowMs: number): void;
  /** The socket closed; it redials by itself after `retryInMs`. */
  onClose(retryInMs: number): void;
}

/** Quick redials first: a restarting server is back within a second or two and viewers must follow in ≤ 3 s. */
const BACKOFF_MS = [100, 250, 500, 1000];
const SLOW_BACKOFF_MS = 3000;
const FAST_TRIES = 30;
const PING_MS = 1000;

/** The viewer's WebSocket to the gateway: decodes frames, pings every second, redials when it drops. */
export class StreamConnection {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pingId = 0;

  constructor(
    private readonly url: string,
    private readonly h: ConnectionHandlers,
  ) {}

  start(): void {
    this.dial();
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  send(frame: InputFrame): void {
    if (this.open) this.ws?.send(encodeFrame(frame) as Uint8Array<ArrayBuffer>);
  }

  sendControl(msg: StreamControl): void {
    if (this.open) this.ws?.send(JSON.stringify(msg));
  }

  /** Drops the socket and dials again now (e.g. to leave a broken state behind). */
  reconnect(): void {
    this.ws?.close();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.ws?.close(1000, "viewer closed");
  }

  private dial(): void {
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.h.onOpen();
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.ping(), PING_MS);
      this.ping();
    };
    ws.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
      if (typeof e.data === "string") {
        const parsed = StreamControlSchema.safeParse(safeJson(e.data));
        if (parsed.success) this.h.onControl(parsed.data);
        return;
      }
      let frame: ReturnType<typeof decodeFrame>;
      try {
        frame = decodeFrame(new Uint8Array(e.data));
      } catch {
        return;
      }
      if (frame.type === "video") this.h.onVideo(frame, e.data.byteLength);
      else if (frame.type === "pong") this.h.onPong(frame, performance.now());
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      clearInterval(this.pingTimer);
      if (this.closed) return;
      const wait =
        this.attempt < FAST_TRIES
          ? (BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] ?? 1000)
          : SLOW_BACKOFF_MS;
      this.attempt++;
      this.h.onClose(wait);
      this.retryTimer = setTimeout(() => this.dial(), wait);
    };
  }

  private ping(): void {
    if (!this.open) return;
    this.ws?.send(
      encodeFrame({ type: "ping", id: ++this.pingId, clientMs: performance.now() }) as Uint8Array<ArrayBuffer>,
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
