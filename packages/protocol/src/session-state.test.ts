import { describe, expect, it } from "vitest";
import { canTransition, SESSION_TRANSITIONS } from "./session-state.js";
import { SESSION_STATES } from "./sessions.js";

describe("session lifecycle", () => {
  it("allows the happy path and a restart", () => {
    const path = ["pending", "starting", "ready", "stopping", "stopped", "pending"] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });

  it("lets every state except stopped fail, and a failed session retry or stop", () => {
    for (const s of SESSION_STATES)
      if (s !== "stopped" && s !== "failed") expect(canTransition(s, "failed")).toBe(true);
    expect(canTransition("failed", "pending")).toBe(true);
    expect(canTransition("failed", "stopped")).toBe(true);
  });

  it("forbids skipping steps", () => {
    expect(canTransition("pending", "ready")).toBe(false);
    expect(canTransition("stopped", "ready")).toBe(false);
    expect(canTransition("ready", "stopped")).toBe(false);
    expect(canTransition("stopping", "ready")).toBe(false);
  });

  it("names a rule for every state", () => {
    expect(Object.keys(SESSION_TRANSITIONS).sort()).toEqual([...SESSION_STATES].sort());
  });
});
