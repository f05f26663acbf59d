import { connect } from "node:net";

const MAGIC = Buffer.from("i3-ipc");
export const IpcType = { runCommand: 0, getOutputs: 3 } as const;

/**
 * One request over sway's IPC socket (the i3-ipc binary protocol: magic, u32 length, u32 type,
 * JSON payload; native byte order) and its parsed JSON reply. Used for rare requests such as a
 * resize, so each opens and closes its own connection.
 */
export function swayRequest(socketPath: string, type: number, payload = "", timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const body = Buffer.from(payload);
    const header = Buffer.alloc(14);
    MAGIC.copy(header, 0);
    header.writeUInt32LE(body.length, 6);
    header.writeUInt32LE(type, 10);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(
      () => done(new Error(`sway did not answer IPC request ${type} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const done = (err: Error | null, value?: unknown) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    sock.on("connect", () => sock.write(Buffer.concat([header, body])));
    sock.on("error", (err) => done(new Error(`cannot reach sway's IPC socket ${socketPath}: ${err.message}`)));
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 14) return;
      const len = buf.readUInt32LE(6);
      if (buf.length < 14 + len) return;
      try {
        done(null, JSON.parse(buf.subarray(14, 14 + len).toString("utf8")));
      } catch (err) {
        done(new Error(`sway sent an IPC reply that is not JSON: ${(err as Error).message}`));
      }
    });
  });
}

/** Runs sway commands; rejects with sway's own error when one fails. */
export async function swayCommand(socketPath: string, command: string): Promise<void> {
  const replies = (await swayRequest(socketPath, IpcType.runCommand, command)) as {
    success: boolean;
    error?: string;
  }[];
  const failed = replies.find((r) => !r.success);
  if (failed) throw new Error(`sway refused "${command}": ${failed.error ?? "no reason given"}`);
}
