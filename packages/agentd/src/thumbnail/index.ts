import type { AgentClientMessage, Desktop, ThumbnailRequest } from "@strand/protocol";
import type { Log } from "../log.js";
import { encodeJpeg } from "./encode.js";
import { downscale, downscaleRgba } from "./scale.js";
import { DEFAULT_GRIM_BIN, grimShot } from "./wayland-grab.js";
import { X11Grabber } from "./x11-grab.js";

export interface Thumbnail {
  mime: "image/jpeg";
  data: Buffer;
  width?: number;
  height?: number;
}

export interface ThumbnailerOptions {
  desktop: Desktop;
  /** X11 display (":1") for xfce; Wayland socket name ("wayland-1") for sway. */
  display: string;
  /** The display's size as agentd last knew it (sway: grim's scale is relative to it). */
  size: () => { width: number; height: number };
  grimBin?: string;
}

/** Takes small JPEG stills of the desktop on request (X11: GetImage + downscale; sway: grim + encode). */
export class Thumbnailer {
  private readonly x11: X11Grabber | undefined;

  constructor(private readonly o: ThumbnailerOptions) {
    this.x11 = o.desktop === "sway" ? undefined : new X11Grabber(o.display);
  }

  async take(maxWidth: number, maxHeight: number): Promise<Thumbnail> {
    if (this.x11) {
      const img = downscale(await this.x11.grab(), maxWidth, maxHeight);
      return { mime: "image/jpeg", data: encodeJpeg(img), width: img.width, height: img.height };
    }
    const { width, height } = this.o.size();
    const scale = Math.min(1, maxWidth / width, maxHeight / height);
    const shot = await grimShot(this.o.grimBin ?? DEFAULT_GRIM_BIN, this.o.display, scale);
    // grim's scale is relative to the output's real size, which a resize may have changed.
    const img = shot.width > maxWidth || shot.height > maxHeight ? downscaleRgba(shot, maxWidth, maxHeight) : shot;
    return { mime: "image/jpeg", data: encodeJpeg(img), width: img.width, height: img.height };
  }

  close(): void {
    this.x11?.close();
  }
}

/**
 * Answers the server's `thumbnail.request`s. Requests that arrive while a grab runs share its
 * result, so a dashboard full of viewers costs one grab at a time.
 */
export class ThumbnailResponder {
  private inFlight: Promise<Thumbnail> | undefined;

  constructor(
    private readonly thumbnailer: Pick<Thumbnailer, "take">,
    private readonly send: (msg: AgentClientMessage) => void,
    private readonly log: Log,
  ) {}

  async handle(req: ThumbnailRequest): Promise<void> {
    this.inFlight ??= this.thumbnailer.take(req.max_width, req.max_height).finally(() => {
      this.inFlight = undefined;
    });
    try {
      const t = await this.inFlight;
      this.send({
        type: "thumbnail",
        id: req.id,
        mime: t.mime,
        data: t.data.toString("base64"),
        ...(t.width ? { width: t.width, height: t.height } : {}),
      });
    } catch (err) {
      const message = (err as Error).message;
      this.log("warn", "could not take a thumbnail", { err: message });
      this.send({ type: "thumbnail", id: req.id, error: message.slice(0, 2000) });
    }
  }
}
