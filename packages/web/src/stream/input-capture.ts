import {
  evdevCode,
  type InputFrame,
  type KeyInput,
  keysymFor,
  modifiersOf,
  type StreamControl,
  TouchAction,
} from "@strand/protocol";

export interface InputTarget {
  send(frame: InputFrame): void;
  sendControl(msg: StreamControl): void;
}

export interface InputCaptureOptions {
  /** Desktop size in pixels, to place the pointer inside the letterboxed picture. */
  videoSize(): { width: number; height: number } | undefined;
  /** False while view-only: nothing is captured or prevented. */
  enabled(): boolean;
}

/** Browser button numbers (MouseEvent.button) → the protocol's X11 numbering. */
const BUTTONS: Record<number, number> = { 0: 1, 1: 2, 2: 3, 3: 8, 4: 9 };
/** Pixels of a pixel-mode wheel event per 1/120 notch unit (Chrome scrolls 100 px per notch). */
const WHEEL_PX_PER_UNIT = 100 / 120;
/** How long a paste shortcut waits for the browser's paste event before it is sent anyway. */
const PASTE_WAIT_MS = 150;

/**
 * Turns keyboard, pointer, wheel and touch events on the focused viewer element into input
 * frames. Keys the desktop should get (Tab, Ctrl+W, F5…) are kept from the browser while focused
 * (in fullscreen the Keyboard Lock API also keeps the ones browsers reserve). Pointer lock
 * switches the mouse to relative motion.
 */
export class InputCapture {
  /** Keys held down, by code, with the frame sent on press (the release must carry the same keysym). */
  private readonly pressed = new Map<string, KeyInput>();
  private readonly buttons = new Set<number>();
  private readonly touchIds = new Map<number, number>();
  private heldForPaste: KeyInput[] = [];
  private pasteTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly el: HTMLElement,
    private readonly target: InputTarget,
    private readonly opts: InputCaptureOptions,
  ) {
    const on = <K extends keyof HTMLElementEventMap>(
      type: K,
      fn: (e: HTMLElementEventMap[K]) => void,
      passive = false,
    ) => el.addEventListener(type, fn as EventListener, { signal: this.abort.signal, passive });
    on("keydown", (e) => this.onKey(e, true));
    on("keyup", (e) => this.onKey(e, false));
    on("blur", () => this.releaseAll());
    on("paste", (e) => this.onPaste(e));
    on("pointerdown", (e) => this.onPointerDown(e));
    on("pointerup", (e) => this.onPointerUp(e));
    on("pointercancel", (e) => this.onPointerUp(e, true));
    on("pointermove", (e) => this.onPointerMove(e));
    on("wheel", (e) => this.onWheel(e));
    on("contextmenu", (e) => e.preventDefault());
  }

  detach(): void {
    this.releaseAll();
    this.abort.abort();
    clearTimeout(this.pasteTimer);
  }

  /** Releases every key and button still held (focus lost, view-only, disconnect): nothing stays stuck. */
  releaseAll(): void {
    this.flushPaste();
    for (const frame of this.pressed.values()) this.target.send({ ...frame, down: false });
    this.pressed.clear();
    for (const button of this.buttons) this.target.send({ type: "mouseButton", button, down: false });
    this.buttons.clear();
  }

  private onKey(e: KeyboardEvent, down: boolean): void {
    if (!this.opts.enabled() || e.isComposing) return;
    const code = evdevCode(e.code);
    const keysym = keysymFor(e.key, e.code);
    if (!code && !keysym) return;
    if (!down) {
      const pressed = this.pressed.get(e.code);
      if (!pressed) return;
      e.preventDefault();
      this.pressed.delete(e.code);
      this.sendKey({ ...pressed, down: false, modifiers: modifiersOf(e) });
      return;
    }
    const frame: KeyInput = { type: "key", down: true, modifiers: modifiersOf(e), keysym, code };
    this.pressed.set(e.code, frame);
    if (isPasteShortcut(e)) {
      // Let the browser fire `paste` first, so the desktop's clipboard holds the page's text
      // by the time the desktop sees the shortcut.
      this.heldForPaste.push(frame);
      clearTimeout(this.pasteTimer);
      this.pasteTimer = setTimeout(() => this.flushPaste(), PASTE_WAIT_MS);
      return;
    }
    e.preventDefault();
    this.sendKey(frame);
  }

  private sendKey(frame: KeyInput): void {
    if (this.heldForPaste.length > 0) this.heldForPaste.push(frame);
    else this.target.send(frame);
  }

  private onPaste(e: ClipboardEvent): void {
    if (!this.opts.enabled()) return;
    const text = e.clipboardData?.getData("text/plain");
    e.preventDefault();
    if (text) this.target.sendControl({ type: "clipboard", text: text.slice(0, 1_000_000) });
    this.flushPaste();
  }

  private flushPaste(): void {
    clearTimeout(this.pasteTimer);
    const held = this.heldForPaste;
    this.heldForPaste = [];
    for (const f of held) this.target.send(f);
  }

  private onPointerDown(e: PointerEvent): void {
    this.el.focus({ preventScroll: true });
    if (!this.opts.enabled()) return;
    e.preventDefault();
    if (e.pointerType === "touch") {
      this.onTouch(e, TouchAction.start);
      return;
    }
    this.el.setPointerCapture(e.pointerId);
    this.onPointerMove(e);
    const button = BUTTONS[e.button];
    if (button === undefined) return;
    this.buttons.add(button);
    this.target.send({ type: "mouseButton", button, down: true });
  }

  private onPointerUp(e: PointerEvent, cancelled = false): void {
    if (!this.opts.enabled()) return;
    if (e.pointerType === "touch") {
      this.onTouch(e, cancelled ? TouchAction.cancel : TouchAction.end);
      return;
    }
    const button = BUTTONS[e.button];
    if (button === undefined || !this.buttons.delete(button)) return;
    e.preventDefault();
    this.target.send({ type: "mouseButton", button, down: false });
  }

  private onPointerMove(e: PointerEvent): void {
    if (!this.opts.enabled()) return;
    if (e.pointerType === "touch") {
      if (e.type === "pointermove") this.onTouch(e, TouchAction.move);
      return;
    }
    if (document.pointerLockElement === this.el) {
      if (e.movementX || e.movementY) this.target.send({ type: "mouseRel", dx: e.movementX, dy: e.movementY });
      return;
    }
    const p = this.normalise(e);
    if (p) this.target.send({ type: "mouseAbs", ...p });
  }

  private onWheel(e: WheelEvent): void {
    if (!this.opts.enabled()) return;
    e.preventDefault();
    const scale = e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? 120 * 3 : 1 / WHEEL_PX_PER_UNIT;
    const dx = Math.round(e.deltaX * scale);
    const dy = Math.round(e.deltaY * scale);
    if (dx || dy) this.target.send({ type: "wheel", dx, dy });
  }

  private onTouch(e: PointerEvent, action: number): void {
    let id = this.touchIds.get(e.pointerId);
    if (id === undefined) {
      if (action !== TouchAction.start) return;
      id = firstFree(new Set(this.touchIds.values()));
      this.touchIds.set(e.pointerId, id);
    }
    if (action === TouchAction.end || action === TouchAction.cancel) this.touchIds.delete(e.pointerId);
    const p = this.normalise(e) ?? { x: 0, y: 0 };
    this.target.send({ type: "touch", id, action, ...p });
  }

  /** The pointer's place in the picture, 0..65535 on each axis; undefined outside it. */
  private normalise(e: MouseEvent): { x: number; y: number } | undefined {
    const size = this.opts.videoSize();
    if (!size) return undefined;
    const r = this.el.getBoundingClientRect();
    // The picture is letterboxed inside the element (object-fit: contain).
    const scale = Math.min(r.width / size.width, r.height / size.height);
    const w = size.width * scale;
    const h = size.height * scale;
    const x = (e.clientX - r.left - (r.width - w) / 2) / w;
    const y = (e.clientY - r.top - (r.height - h) / 2) / h;
    if (!(x >= -0.01 && x <= 1.01 && y >= -0.01 && y <= 1.01)) return undefined;
    const clamp = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 65535);
    return { x: clamp(x), y: clamp(y) };
  }
}

function isPasteShortcut(e: KeyboardEvent): boolean {
  return ((e.ctrlKey || e.metaKey) && e.code === "KeyV") || (e.shiftKey && e.code === "Insert");
}

function firstFree(used: Set<number>): number {
  for (let i = 0; i < 256; i++) if (!used.has(i)) return i;
  return 255;
}
