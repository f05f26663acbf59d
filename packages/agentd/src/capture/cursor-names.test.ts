import { describe, expect, it } from "vitest";
import { cssCursor } from "./cursor-names.js";

describe("X cursor names to CSS", () => {
  it("maps the cursors a desktop shows every day", () => {
    expect(cssCursor("left_ptr")).toBe("default");
    expect(cssCursor("xterm")).toBe("text");
    expect(cssCursor("hand2")).toBe("pointer");
    expect(cssCursor("watch")).toBe("wait");
    expect(cssCursor("left_ptr_watch")).toBe("progress");
    expect(cssCursor("sb_h_double_arrow")).toBe("ew-resize");
    expect(cssCursor("sb_v_double_arrow")).toBe("ns-resize");
    expect(cssCursor("bottom_right_corner")).toBe("se-resize");
    expect(cssCursor("fleur")).toBe("move");
  });

  it("keeps names that already are CSS cursors (cursor-spec themes)", () => {
    expect(cssCursor("col-resize")).toBe("col-resize");
    expect(cssCursor("not-allowed")).toBe("not-allowed");
  });

  it("falls back to the default arrow for unnamed and hashed cursors", () => {
    expect(cssCursor("")).toBe("default");
    expect(cssCursor("9d800788f1b08800ae810202380a0822")).toBe("default");
  });
});
