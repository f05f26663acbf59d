/** Past either, agentd is asked for a keyframe so the cache (and a joiner's catch-up) stays small. */
const SOFT_MAX_BYTES = 4 * 1024 * 1024;
const SOFT_MAX_FRAMES = 300;
/** Past this the cache is dropped: joiners wait for the next keyframe instead of growing memory. */
const HARD_MAX_BYTES = 16 * 1024 * 1024;

export type GopPush = "cached" | "not-cached";

/**
 * The frames since the last keyframe, as received (whole wire frames). A joining viewer decodes
 * them all to reach the current picture, which works with any encoder and costs it nothing.
 */
export class GopCache {
  private frames: Uint8Array[] = [];
  private size = 0;

  get length(): number {
    return this.frames.length;
  }

  get bytes(): number {
    return this.size;
  }

  /** True when the cache is past its soft bound and a fresh keyframe would help. */
  get wantsKeyframe(): boolean {
    return this.size > SOFT_MAX_BYTES || this.frames.length > SOFT_MAX_FRAMES;
  }

  /** Adds a frame; a keyframe starts a new GOP. A delta frame with no keyframe before it is not cached. */
  push(frame: Uint8Array, keyframe: boolean): GopPush {
    if (keyframe) this.clear();
    else if (this.frames.length === 0) return "not-cached";
    if (this.size + frame.byteLength > HARD_MAX_BYTES) {
      this.clear();
      return "not-cached";
    }
    this.frames.push(frame);
    this.size += frame.byteLength;
    return "cached";
  }

  snapshot(): readonly Uint8Array[] {
    return this.frames.slice();
  }

  clear(): void {
    this.frames = [];
    this.size = 0;
  }
}
