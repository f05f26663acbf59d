/**
 * A minimal Wayland client: enough of the wire protocol to bind globals and send requests to
 * them over one persistent connection. Requests are encoded by hand (object id, opcode, args);
 * events are decoded only as far as the registry, callbacks and errors need. File descriptors
 * (a virtual keyboard's keymap) travel as SCM_RIGHTS through the `x11` package's fd passing,
 * the one piece of Node that cannot be written with public APIs.
 */
/// <reference path="../x11/x11.d.ts" />
import { connect as netConnect, type Socket } from "node:net";
import { join } from "node:path";
import * as fdpass from "x11/lib/fdpass.js";

export type Arg =
  | { t: "u"; v: number }
  | { t: "i"; v: number }
  | { t: "f"; v: number }
  | { t: "o"; v: number }
  | { t: "s"; v: string }
  | { t: "fd"; v: number };

export const u = (v: number): Arg => ({ t: "u", v });
export const i = (v: number): Arg => ({ t: "i", v });
/** wl_fixed: 24.8 signed fixed point. */
export const f = (v: number): Arg => ({ t: "f", v });
export const o = (v: number): Arg => ({ t: "o", v });
export const s = (v: string): Arg => ({ t: "s", v });
export const fd = (v: number): Arg => ({ t: "fd", v });

interface Global {
  name: number;
  iface: string;
  version: number;
}

type FdSocket = Socket & { sendFds?: (buf: Buffer, fds: number[], cb: (err: Error | null) => void) => void };

const DISPLAY = 1;

export class WaylandClient {
  private nextId = 2;
  private readonly globals = new Map<string, Global>();
  private registry = 0;
  private inbuf: Buffer = Buffer.alloc(0);
  private corked = false;
  private readonly callbacks = new Map<number, () => void>();
  /** The first protocol error or connection loss, reported once. */
  error: Error | undefined;
  private onFatal: (err: Error) => void = () => {};

  private constructor(private readonly sock: FdSocket) {
    sock.on("data", (d: Buffer) => this.receive(d));
    sock.on("error", (err) => this.fail(new Error(`Wayland connection error: ${err.message}`)));
    sock.on("close", () => this.fail(new Error("the Wayland compositor closed the connection")));
  }

  /** Connects to `$XDG_RUNTIME_DIR/<display>` and reads the compositor's globals. */
  static async connect(display: string, runtimeDir: string, opts: { fds?: boolean } = {}): Promise<WaylandClient> {
    const path = display.startsWith("/") ? display : join(runtimeDir, display);
    const sock = await openSocket(path, opts.fds ?? false);
    const c = new WaylandClient(sock);
    c.registry = c.newId();
    c.send(DISPLAY, 1, [o(c.registry)]);
    await c.roundtrip();
    return c;
  }

  set fatal(handler: (err: Error) => void) {
    this.onFatal = handler;
    if (this.error) handler(this.error);
  }

  global(iface: string): Global | undefined {
    return this.globals.get(iface);
  }

  /** wl_registry.bind: returns the new object's id. */
  bind(iface: string, maxVersion: number): number {
    const g = this.globals.get(iface);
    if (!g) throw new Error(`the Wayland compositor does not offer ${iface}`);
    const id = this.newId();
    this.send(this.registry, 0, [u(g.name), s(iface), u(Math.min(g.version, maxVersion)), o(id)]);
    return id;
  }

  newId(): number {
    return this.nextId++;
  }

  /** Resolves once the compositor has handled every request sent so far (wl_display.sync). */
  roundtrip(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.error) return reject(this.error);
      const id = this.newId();
      this.callbacks.set(id, resolve);
      this.send(DISPLAY, 0, [o(id)]);
    });
  }

  send(object: number, opcode: number, args: Arg[]): void {
    if (this.error) return;
    let size = 8;
    for (const a of args) {
      if (a.t === "s") size += 4 + pad4(Buffer.byteLength(a.v) + 1);
      else if (a.t !== "fd") size += 4;
    }
    const buf = Buffer.alloc(size);
    buf.writeUInt32LE(object, 0);
    buf.writeUInt32LE(((size << 16) | opcode) >>> 0, 4);
    let at = 8;
    const fds: number[] = [];
    for (const a of args) {
      switch (a.t) {
        case "u":
        case "o":
          buf.writeUInt32LE(a.v >>> 0, at);
          at += 4;
          break;
        case "i":
          buf.writeInt32LE(a.v | 0, at);
          at += 4;
          break;
        case "f":
          buf.writeInt32LE(Math.round(a.v * 256) | 0, at);
          at += 4;
          break;
        case "s": {
          const len = Buffer.byteLength(a.v) + 1;
          buf.writeUInt32LE(len, at);
          buf.write(a.v, at + 4, "utf8");
          at += 4 + pad4(len);
          break;
        }
        case "fd":
          fds.push(a.v);
          break;
      }
    }
    if (fds.length === 0) {
      // Requests of one tick leave in one write (a key is a key and a modifiers request).
      if (!this.corked) {
        this.corked = true;
        this.sock.cork();
        process.nextTick(() => this.uncork());
      }
      this.sock.write(buf);
      return;
    }
    if (!this.sock.sendFds) throw new Error("this connection cannot pass file descriptors");
    // Bytes written before must reach the compositor before this request's.
    this.uncork();
    this.sock.sendFds(buf, fds, (err) => {
      if (err) this.fail(new Error(`could not pass a file descriptor to the compositor: ${err.message}`));
    });
  }

  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.sock.uncork();
  }

  close(): void {
    this.uncork();
    this.error ??= new Error("closed");
    this.sock.destroy();
  }

  private fail(err: Error): void {
    if (this.error) return;
    this.error = err;
    this.onFatal(err);
  }

  private receive(d: Buffer): void {
    this.inbuf = this.inbuf.length ? Buffer.concat([this.inbuf, d]) : d;
    while (this.inbuf.length >= 8) {
      const object = this.inbuf.readUInt32LE(0);
      const word = this.inbuf.readUInt32LE(4);
      const size = word >>> 16;
      const opcode = word & 0xffff;
      if (size < 8 || this.inbuf.length < size) break;
      this.event(object, opcode, this.inbuf.subarray(8, size));
      this.inbuf = this.inbuf.subarray(size);
    }
  }

  private event(object: number, opcode: number, body: Buffer): void {
    if (object === DISPLAY && opcode === 0) {
      const id = body.readUInt32LE(0);
      const code = body.readUInt32LE(4);
      const message = readString(body, 8);
      this.fail(new Error(`Wayland protocol error on object ${id} (code ${code}): ${message}`));
    } else if (object === this.registry && opcode === 0) {
      const name = body.readUInt32LE(0);
      const iface = readString(body, 4);
      const version = body.readUInt32LE(4 + 4 + pad4(body.readUInt32LE(4)));
      this.globals.set(iface, { name, iface, version });
    } else if (object === this.registry && opcode === 1) {
      const name = body.readUInt32LE(0);
      for (const [k, g] of this.globals) if (g.name === name) this.globals.delete(k);
    } else if (opcode === 0 && this.callbacks.has(object)) {
      const cb = this.callbacks.get(object);
      this.callbacks.delete(object);
      cb?.();
    }
    // Everything else (seat capabilities, delete_id) needs no answer from an input-only client.
  }
}

const pad4 = (n: number) => (n + 3) & ~3;

function readString(body: Buffer, at: number): string {
  const len = body.readUInt32LE(at);
  return body.toString("utf8", at + 4, at + 4 + Math.max(0, len - 1));
}

function openSocket(path: string, fds: boolean): Promise<FdSocket> {
  return new Promise((resolve, reject) => {
    let sock: FdSocket | null = null;
    if (fds) {
      // The x11 package's fd passing: an IPC-mode libuv pipe that can carry SCM_RIGHTS.
      sock = fdpass.connect(path);
      if (!sock) return reject(new Error("this Node cannot pass file descriptors over a unix socket"));
    } else {
      sock = netConnect(path);
    }
    const s = sock;
    const onError = (err: Error) =>
      reject(new Error(`cannot connect to the Wayland compositor at ${path}: ${err.message}`));
    s.once("error", onError);
    s.once("connect", () => {
      s.off("error", onError);
      resolve(s);
    });
  });
}
