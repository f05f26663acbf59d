import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { InputFrame } from "@strand/protocol";
import { KeyboardState } from "../keyboard.js";
import { TouchPointer } from "../touch.js";
import type { InputOptions, InputSink } from "../types.js";
import { WheelAccumulator } from "../wheel.js";
import { WaylandClipboard } from "./clipboard.js";
import { BTN, VirtualDevices } from "./devices.js";
import { IpcType, swayCommand, swayRequest } from "./sway-ipc.js";

/** Viewer buttons (X numbering) → evdev button codes. */
const BUTTONS = new Map<number, number>([
  [1, BTN.left],
  [2, BTN.middle],
  [3, BTN.right],
  [8, BTN.side],
  [9, BTN.extra],
]);
const MAX_NOTCHES = 64;
/** Sway's headless output can take any size; software rendering makes larger ones costly. */
const DEFAULT_MAX = { width: 2560, height: 1440 };

/** The sway (Wayland) input sink: a virtual pointer and keyboard on one persistent connection. */
export async function createWaylandInput(opts: InputOptions): Promise<InputSink> {
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  if (!runtimeDir) throw new Error("XDG_RUNTIME_DIR is not set, so the Wayland display cannot be found");
  const devices = await VirtualDevices.open(opts.display, runtimeDir, opts.log);
  const env = { ...process.env, WAYLAND_DISPLAY: opts.display, XDG_RUNTIME_DIR: runtimeDir };
  const clipboard = new WaylandClipboard(env, opts.log, (text) => opts.handlers.onClipboard(text));
  return new WaylandSink(devices, clipboard, runtimeDir, opts);
}

export class WaylandSink implements InputSink {
  private readonly keyboard: KeyboardState;
  private buttons = new Set<number>();
  private wheel = new WheelAccumulator();
  private touch = new TouchPointer();
  private closed = false;

  constructor(
    private readonly devices: VirtualDevices,
    private readonly clipboard: WaylandClipboard,
    private readonly runtimeDir: string,
    private readonly opts: InputOptions,
  ) {
    this.keyboard = new KeyboardState(devices);
    devices.fatal = (err) => {
      if (this.closed) return;
      this.closed = true;
      clipboard.close();
      opts.handlers.onError(`viewer input stopped: ${err.message}`);
    };
  }

  apply(frame: InputFrame): void {
    if (this.closed) return;
    try {
      switch (frame.type) {
        case "key":
          this.keyboard.apply(frame);
          break;
        case "mouseAbs":
          this.devices.moveTo(frame.x, frame.y);
          break;
        case "mouseRel":
          this.devices.moveBy(frame.dx, frame.dy);
          break;
        case "mouseButton":
          this.button(frame.button, frame.down);
          break;
        case "wheel": {
          const n = this.wheel.add(frame.dx, frame.dy);
          const clamp = (v: number) => Math.max(-MAX_NOTCHES, Math.min(MAX_NOTCHES, v));
          if (n.x || n.y) this.devices.scroll(clamp(n.x), clamp(n.y));
          break;
        }
        case "touch":
          for (const a of this.touch.handle(frame)) {
            if (a.kind === "move") this.devices.moveTo(a.x, a.y);
            else this.button(1, a.kind === "press");
          }
          break;
      }
    } catch (err) {
      this.opts.log("warn", "input frame dropped", { type: frame.type, error: (err as Error).message });
    }
  }

  releaseAll(): void {
    if (this.closed) return;
    this.keyboard.releaseAll();
    for (const b of [...this.buttons]) this.button(b, false);
    this.touch.reset();
    this.wheel.reset();
  }

  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.devices.roundtrip();
  }

  setClipboard(text: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the input sink is closed"));
    return this.clipboard.set(text);
  }

  async resize(width: number, height: number): Promise<{ width: number; height: number }> {
    if (this.closed) throw new Error("the input sink is closed");
    const sock = process.env.SWAYSOCK || findSwaySocket(this.runtimeDir);
    if (!sock) throw new Error(`sway's IPC socket is not set (SWAYSOCK) nor in ${this.runtimeDir}; cannot resize`);
    const max = this.opts.maxSize ?? DEFAULT_MAX;
    const w = even(Math.max(320, Math.min(max.width, Math.round(width))));
    const h = even(Math.max(240, Math.min(max.height, Math.round(height))));
    const output = await activeOutput(sock);
    await swayCommand(sock, `output "${output}" mode ${w}x${h}`);
    const after = (await swayRequest(sock, IpcType.getOutputs)) as SwayOutput[];
    const mode = after.find((o) => o.name === output)?.current_mode;
    if (!mode) throw new Error(`sway lost output ${output} while resizing it`);
    return { width: mode.width, height: mode.height };
  }

  close(): void {
    if (this.closed) return;
    this.releaseAll();
    this.closed = true;
    this.clipboard.close();
    this.devices.close();
  }

  private button(button: number, down: boolean): void {
    const code = BUTTONS.get(button);
    if (code === undefined || down === this.buttons.has(button)) return;
    this.devices.button(code, down);
    if (down) this.buttons.add(button);
    else this.buttons.delete(button);
  }
}

interface SwayOutput {
  name: string;
  active: boolean;
  current_mode?: { width: number; height: number };
}

async function activeOutput(sock: string): Promise<string> {
  const outputs = (await swayRequest(sock, IpcType.getOutputs)) as SwayOutput[];
  const output = outputs.find((o) => o.active) ?? outputs[0];
  if (!output) throw new Error("sway has no output to resize");
  return output.name;
}

function findSwaySocket(runtimeDir: string): string | undefined {
  try {
    const name = readdirSync(runtimeDir).find((n) => n.startsWith("sway-ipc."));
    return name ? join(runtimeDir, name) : undefined;
  } catch {
    return undefined;
  }
}

const even = (n: number) => n - (n % 2);
