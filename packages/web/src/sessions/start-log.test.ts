import { describe, expect, it } from "vitest";
import { nextStartLog, type StartStep } from "./start-log.js";

describe("start log", () => {
  it("records each new reason once, in order", () => {
    let log: StartStep[] = [];
    for (const [state, reason] of [
      ["pending", "Waiting for a sandbox node to start it."],
      ["starting", "Creating the desktop container."],
      ["starting", "Creating the desktop container."],
      ["starting", "Creating the session network."],
      ["ready", null],
    ] as const) {
      log = nextStartLog(log, { state, state_reason: reason });
    }
    expect(log.map((s) => `${s.state}: ${s.text}`)).toEqual([
      "pending: Waiting for a sandbox node to start it.",
      "starting: Creating the desktop container.",
      "starting: Creating the session network.",
      "ready: The desktop and its agent are ready.",
    ]);
  });

  it("starts over when a failed session is started again", () => {
    let log = nextStartLog([], { state: "failed", state_reason: "image missing" });
    log = nextStartLog(log, { state: "pending", state_reason: "Waiting for a sandbox node to start it." });
    expect(log.map((s) => s.state)).toEqual(["pending"]);
  });
});
