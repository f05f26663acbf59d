/**
 * The part of the `x11` npm package (pure-JS X11 client, callback API, no bundled types) that
 * agentd and its tests use. Shapes follow the package's docs/core-requests.md and docs/ext/*.md.
 */
declare module "x11" {
  type Cb<T> = (err: Error | null, result: T) => void;

  export interface XEvent {
    type: number;
    name: string;
    seq: number;
    [field: string]: unknown;
  }

  export interface XScreen {
    root: number;
    pixel_width: number;
    pixel_height: number;
    root_depth: number;
    white_pixel: number;
    black_pixel: number;
  }

  export interface XDisplay {
    client: XClient;
    screen: XScreen[];
    min_keycode: number;
    max_keycode: number;
    /** 0: LSBFirst, 1: MSBFirst. */
    image_byte_order: number;
    /** Pixmap formats by depth. */
    format: Record<number, { bits_per_pixel: number; scanline_pad: number }>;
  }

  export interface XTestExt {
    KeyPress: 2;
    KeyRelease: 3;
    ButtonPress: 4;
    ButtonRelease: 5;
    MotionNotify: 6;
    FakeInput(type: number, detail: number, time: number, window: number, x: number, y: number): void;
  }

  export interface FixesExt {
    firstEvent: number;
    SelectionEventMask: { SetSelectionOwner: 1; SelectionWindowDestroy: 2; SelectionClientClose: 4 };
    SelectSelectionInput(window: number, selection: number, eventMask: number): void;
  }

  export interface RandrModeInfo {
    id: number;
    width: number;
    height: number;
    name: string;
  }

  export interface RandrResources {
    timestamp: number;
    config_timestamp: number;
    crtcs: number[];
    outputs: number[];
    modeinfos: RandrModeInfo[];
  }

  export interface RandrExt {
    firstEvent: number;
    NotifyMask: { ScreenChange: 1 };
    QueryVersion(major: number, minor: number, cb: Cb<[number, number]>): void;
    SelectInput(win: number, mask: number): void;
    GetScreenSizeRange(
      win: number,
      cb: Cb<{ minWidth: number; minHeight: number; maxWidth: number; maxHeight: number }>,
    ): void;
    SetScreenSize(win: number, width: number, height: number, mmWidth: number, mmHeight: number): void;
    GetScreenResourcesCurrent(win: number, cb: Cb<RandrResources>): void;
    GetOutputInfo(
      output: number,
      configTimestamp: number,
      cb: Cb<{ crtc: number; connection: number; modes: number[]; name: string }>,
    ): void;
    GetCrtcInfo(
      crtc: number,
      configTimestamp: number,
      cb: Cb<{ x: number; y: number; width: number; height: number; mode: number; rotation: number; output: number[] }>,
    ): void;
    CreateMode(
      win: number,
      modeInfo: { width: number; height: number; name: string; dot_clock?: number; h_total?: number; v_total?: number },
      cb: Cb<number>,
    ): void;
    AddOutputMode(output: number, mode: number): void;
    SetCrtcConfig(
      crtc: number,
      timestamp: number,
      configTimestamp: number,
      x: number,
      y: number,
      mode: number,
      rotation: number,
      outputs: number[],
      cb: Cb<{ status: number; timestamp: number }>,
    ): void;
  }

  export interface XClient {
    atoms: Record<string, number>;
    AllocID(): number;
    CreateWindow(
      wid: number,
      parent: number,
      x: number,
      y: number,
      width: number,
      height: number,
      borderWidth?: number,
      depth?: number,
      cls?: number,
      visual?: number,
      values?: Record<string, number>,
    ): void;
    ChangeWindowAttributes(wid: number, values: Record<string, number>, cb?: (err: Error | null) => void): void;
    MapWindow(wid: number): void;
    DestroyWindow(wid: number): void;
    SetInputFocus(wid: number, revertTo: number): void;
    GetInputFocus(cb: Cb<{ focus: number; revertTo: number }>): void;
    InternAtom(onlyIfExists: boolean, name: string, cb: Cb<number>): void;
    GetSelectionOwner(selection: number, cb: Cb<number>): void;
    /** format 2 = ZPixmap. */
    GetImage(
      format: number,
      drawable: number,
      x: number,
      y: number,
      width: number,
      height: number,
      planeMask: number,
      cb: Cb<{ depth: number; visualId: number; data: Buffer }>,
    ): void;
    GetGeometry(drawable: number, cb: Cb<{ width: number; height: number; xPos: number; yPos: number }>): void;
    QueryPointer(
      wid: number,
      cb: Cb<{ rootX: number; rootY: number; childX: number; childY: number; keyMask: number; child: number }>,
    ): void;
    QueryKeymap(cb: Cb<Buffer>): void;
    GetKeyboardMapping(startCode: number, num: number, cb: Cb<number[][]>): void;
    ChangeKeyboardMapping(firstKeycode: number, keysymsPerKeycode: number, keysyms: number[]): void;
    GetModifierMapping(cb: Cb<number[][]>): void;
    ChangeKeyboardControl(values: { autoRepeatMode?: number }): void;
    GetKeyboardControl(cb: Cb<{ globalAutoRepeat: number }>): void;
    require(name: "xtest", cb: Cb<XTestExt>): void;
    require(name: "fixes", cb: Cb<FixesExt>): void;
    require(name: "randr", cb: Cb<RandrExt>): void;
    sync(): Promise<void>;
    flush(): Promise<void>;
    terminate(): void;
    close(cb?: () => void): void;
    on(event: "event", listener: (ev: XEvent) => void): this;
    on(event: "error", listener: (err: Error) => void): this;
    on(event: "end" | "close", listener: () => void): this;
    removeAllListeners(event?: string): this;
  }

  export function createClient(
    options: { display?: string; shm?: boolean | string; disableBigRequests?: boolean; bufferRequests?: boolean },
    cb: (err: Error | null, display: XDisplay) => void,
  ): XClient;

  export const eventMask: Record<string, number>;

  const x11: {
    createClient: typeof createClient;
    eventMask: typeof eventMask;
  };
  export default x11;
}

/** The package's fd passing (SCM_RIGHTS over an IPC-mode libuv pipe), used for Wayland keymaps. */
declare module "x11/lib/fdpass.js" {
  import type { Socket } from "node:net";
  export function available(): boolean;
  export function connect(
    socketPath: string,
  ): (Socket & { sendFds(buf: Buffer, fds: number[], cb: (err: Error | null) => void): void }) | null;
}
