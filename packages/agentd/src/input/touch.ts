import { TouchAction, type TouchInput } from "@strand/protocol";

export type PointerAction = { kind: "move"; x: number; y: number } | { kind: "press" } | { kind: "release" };

/**
 * Pointer emulation for touch: the first finger down drives the pointer (move + press, move,
 * release on end or cancel); other fingers are ignored until it lifts.
 */
export class TouchPointer {
  private active: number | undefined;

  handle(t: TouchInput): PointerAction[] {
    switch (t.action) {
      case TouchAction.start:
        if (this.active !== undefined) return [];
        this.active = t.id;
        return [{ kind: "move", x: t.x, y: t.y }, { kind: "press" }];
      case TouchAction.move:
        return t.id === this.active ? [{ kind: "move", x: t.x, y: t.y }] : [];
      case TouchAction.end:
      case TouchAction.cancel:
        if (t.id !== this.active) return [];
        this.active = undefined;
        return [{ kind: "move", x: t.x, y: t.y }, { kind: "release" }];
      default:
        return [];
    }
  }

  /** Forgets the finger (its press is released by the caller's releaseAll). */
  reset(): void {
    this.active = undefined;
  }
}
