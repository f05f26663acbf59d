import {
  type AgentServerMessage,
  decodeFrame,
  encodeFrame,
  type StreamFrame,
  VideoCodec,
  VideoFlags,
  type VideoFrame,
} from "@strand/protocol";
import WebSocket from "ws";
import { issueApiToken } from "../../packages/server/src/auth/api-tokens.js";
import type { Db } from "../../packages/server/src/db/database.js";

/** Waits until `pred` holds over a growing list, or fails with what arrived. */
function waitFor<T>(list: T[], pred: (m: T) => boolean, what: string, timeoutMs: number): Promise<T> {
  const found = list.find(pred);
  if (found !== undefined) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const hit = list.find(pred);
      if (hit !== undefined) {
        clearInterval(timer);
        resolve(hit);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(list.slice(-10), bigints)}`));
      }
    }, 5);
  });
}

const bigints = (_k: string, v: unknown) =>
  typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? `<${v.byteLength} bytes>` : v;

/** Resolves once open; listeners must be attached before, since the first messages can arrive with the handshake. */
function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

/** Mints the token the node would give the session's container. */
export async function sessionToken(db: Db, userId: string, sessionId: string): Promise<string> {
  return (await issueApiToken(db, { userId, name: `session ${sessionId}`, sessionId })).token;
}

/** Plays strand-agentd on its server link: says hello, records what the server sends, sends frames. */
export class ScriptedAgent {
  readonly messages: AgentServerMessage[] = [];
  readonly input: Uint8Array[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) this.input.push(new Uint8Array(data as Buffer));
      else this.messages.push(JSON.parse(data.toString()));
    });
  }

  static async connect(baseUrl: string, token: string, sessionId: string, size = { width: 1280, height: 720 }) {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/api/v1/agent/connect`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const agent = new ScriptedAgent(ws);
    await opened(ws);
    agent.send({ type: "hello", session_id: sessionId, version: "test", desktop: "xfce", display: size });
    await agent.next((m) => m.type === "welcome");
    return agent;
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  sendFrame(frame: Omit<VideoFrame, "type" | "codec"> & { codec?: number }): void {
    this.ws.send(encodeFrame({ type: "video", codec: VideoCodec.h264, ...frame }), { binary: true });
  }

  next(pred: (m: AgentServerMessage) => boolean, timeoutMs = 5_000): Promise<AgentServerMessage> {
    return waitFor(this.messages, pred, "matching agent message", timeoutMs);
  }

  count(type: AgentServerMessage["type"]): number {
    return this.messages.filter((m) => m.type === type).length;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once("close", () => resolve());
      this.ws.close();
    });
  }
}

/** A viewer socket that keeps every control message and decoded binary frame. */
export class StreamClient {
  readonly control: any[] = [];
  readonly frames: StreamFrame[] = [];
  readonly closed: Promise<number>;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) this.frames.push(decodeFrame(new Uint8Array(data as Buffer)));
      else this.control.push(JSON.parse(data.toString()));
    });
    this.closed = new Promise((resolve) => ws.once("close", (code) => resolve(code)));
  }

  static async open(baseUrl: string, sessionId: string, headers: Record<string, string>, query = "") {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/api/v1/sessions/${sessionId}/stream${query}`, {
      headers,
    });
    const client = new StreamClient(ws);
    await opened(ws);
    return client;
  }

  get videos(): VideoFrame[] {
    return this.frames.filter((f): f is VideoFrame => f.type === "video");
  }

  nextControl(pred: (m: any) => boolean, timeoutMs = 5_000): Promise<any> {
    return waitFor(this.control, pred, "matching control message", timeoutMs);
  }

  nextFrame(pred: (f: StreamFrame) => boolean, timeoutMs = 5_000): Promise<StreamFrame> {
    return waitFor(this.frames, pred, "matching frame", timeoutMs);
  }

  send(frame: StreamFrame): void {
    this.ws.send(encodeFrame(frame), { binary: true });
  }

  sendRaw(bytes: Uint8Array): void {
    this.ws.send(bytes, { binary: true });
  }

  sendJson(msg: unknown): void {
    this.ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }

  /** Stops reading from the socket: the server sees a viewer that never keeps up. */
  pauseReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resumeReading(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once("close", () => resolve());
      this.ws.close();
    });
  }
}

export const isCatchUp = (f: VideoFrame) => (f.flags & VideoFlags.catchUp) !== 0;
export const isKeyframe = (f: VideoFrame) => (f.flags & VideoFlags.keyframe) !== 0;
