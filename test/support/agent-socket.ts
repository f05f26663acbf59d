import { issueApiToken } from "../../packages/server/src/auth/api-tokens.js";
import type { Db } from "../../packages/server/src/db/database.js";
import { TestSocket } from "./ws.js";

/** Plays strand-agentd on `/api/v1/agent/connect` with a real session token, message by message. */
export class ScriptedAgent {
  private mids = 0;
  constructor(
    readonly ws: TestSocket,
    readonly instance: string,
  ) {}

  /** Sends a durable chat message with a fresh `mid` and waits for its ack. */
  async call(msg: Record<string, unknown>): Promise<{ type: "ack"; mid: string; error?: string }> {
    const mid = `${this.instance}-${++this.mids}`;
    this.ws.send({ ...msg, mid });
    return this.ws.next((m) => m.type === "ack" && m.mid === mid);
  }

  /** The next `prompt` not seen before (by count of prompts received). */
  prompt(n = 1, timeoutMs = 5_000): Promise<any> {
    return this.ws
      .next(() => this.ws.messages.filter((m) => m.type === "prompt").length >= n, timeoutMs)
      .then(() => this.ws.messages.filter((m) => m.type === "prompt")[n - 1]);
  }

  prompts(): any[] {
    return this.ws.messages.filter((m) => m.type === "prompt");
  }

  close(): Promise<unknown> {
    this.ws.close();
    return this.ws.closed;
  }
}

/** Mints a session token the way the scheduler does when it starts a desktop. */
export async function sessionToken(db: Db, ownerId: string, sessionId: string): Promise<string> {
  return (await issueApiToken(db, { userId: ownerId, name: "test agent", sessionId })).token;
}

export async function connectAgent(
  baseUrl: string,
  sessionId: string,
  token: string,
  instance: string,
): Promise<ScriptedAgent> {
  const ws = new TestSocket(`${baseUrl.replace("http", "ws")}/api/v1/agent/connect`, {
    authorization: `Bearer ${token}`,
  });
  await ws.opened;
  ws.send({
    type: "hello",
    session_id: sessionId,
    version: "test",
    desktop: "xfce",
    display: { width: 1280, height: 720 },
    instance,
  });
  await ws.next((m) => m.type === "welcome");
  return new ScriptedAgent(ws, instance);
}
