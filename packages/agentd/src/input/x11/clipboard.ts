import type { Log } from "../../log.js";
import { checkClipboardText, readCommand, writeCommand } from "../clipboard-text.js";
import { call, type FixesExt, type XClient, type XEvent } from "./connection.js";

const XA_PRIMARY = 1;
const OWNER_WAIT_MS = 2000;

/**
 * The X CLIPBOARD both ways. XFixes tells us when its owner changes; the text is then read with
 * `xclip -o` (a copy is rare, so a process per copy is fine and spares us the selection
 * protocol's INCR transfers). Viewer text is served by `xclip -i`, which stays in the background
 * owning the selection until the next copy.
 */
export class X11Clipboard {
  private window = 0;
  private atom = 0;
  private reading = false;
  private readAgain = false;
  /** Text we set ourselves: its owner change must not be echoed back to the viewers. */
  private lastSet: string | undefined;
  private closed = false;

  private constructor(
    private readonly X: XClient,
    private readonly fixes: FixesExt | undefined,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: Log,
    private readonly onText: (text: string) => void,
  ) {}

  static async create(
    X: XClient,
    root: number,
    fixes: FixesExt | undefined,
    display: string,
    log: Log,
    onText: (text: string) => void,
  ): Promise<X11Clipboard> {
    const c = new X11Clipboard(X, fixes, { ...process.env, DISPLAY: display }, log, onText);
    c.atom = await call<number>((cb) => X.InternAtom(false, "CLIPBOARD", cb));
    if (!fixes) {
      log("warn", "the X server has no XFIXES extension: text copied in the desktop will not reach viewers");
      return c;
    }
    c.window = X.AllocID();
    // An unmapped 1×1 window only to receive the selection events.
    X.CreateWindow(c.window, root, -1, -1, 1, 1, 0, 0, 2, 0, {});
    fixes.SelectSelectionInput(c.window, c.atom, fixes.SelectionEventMask.SetSelectionOwner);
    return c;
  }

  onEvent(ev: XEvent): void {
    if (!this.fixes || (ev.type & 0x7f) !== this.fixes.firstEvent) return;
    if (ev.selection !== this.atom || !ev.owner) return;
    void this.read();
  }

  async set(text: string): Promise<void> {
    checkClipboardText(text);
    this.lastSet = text;
    const selections = [this.atom, XA_PRIMARY];
    const owners = () => Promise.all(selections.map((a) => call<number>((cb) => this.X.GetSelectionOwner(a, cb))));
    const before = await owners();
    await Promise.all(
      ["clipboard", "primary"].map((sel) => writeCommand("xclip", ["-i", "-selection", sel], this.env, text)),
    );
    // xclip's forked server takes the selections when it first flushes, just after the command
    // exits: wait for it, so a paste right after this resolves gets the new text.
    const deadline = Date.now() + OWNER_WAIT_MS;
    for (;;) {
      const now = await owners();
      if (now.every((o, i) => o !== 0 && o !== before[i])) return;
      if (Date.now() > deadline) throw new Error(`xclip did not take the selection within ${OWNER_WAIT_MS} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.closed = true;
    if (this.window) this.X.DestroyWindow(this.window);
  }

  private async read(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.readAgain = false;
        const r = await readCommand("xclip", ["-o", "-selection", "clipboard", "-t", "UTF8_STRING"], this.env);
        if (this.closed) return;
        if (!r.ok) {
          // Usually an image or file list was copied: nothing a text clipboard can carry.
          this.log("debug", "desktop clipboard not sent to viewers", { reason: r.reason });
        } else if (r.text !== this.lastSet) {
          this.lastSet = undefined;
          this.onText(r.text);
        }
      } while (this.readAgain);
    } finally {
      this.reading = false;
    }
  }
}
