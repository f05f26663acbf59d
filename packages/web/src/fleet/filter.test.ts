import type { Session } from "@strand/protocol";
import { describe, expect, it } from "vitest";
import { countByState, filterSessions, spendOf } from "./filter.js";

const session = (id: string, name: string, state: Session["state"], model: string | null = null) =>
  ({ id, name, state, model, runtime: "strand-agent", desktop: "xfce" }) as Session;

const fleet = [
  session("ses_1", "Fix login bug", "ready", "work/claude-sonnet"),
  session("ses_2", "Refactor API", "failed"),
  session("ses_3", "Docs", "stopped", "local/qwen"),
  session("ses_4", "New feature", "starting"),
];

describe("fleet filter", () => {
  it("filters by state, with 'active' meaning running or on its way", () => {
    expect(filterSessions(fleet, "failed", "").map((s) => s.id)).toEqual(["ses_2"]);
    expect(filterSessions(fleet, "active", "").map((s) => s.id)).toEqual(["ses_1", "ses_4"]);
    expect(filterSessions(fleet, "all", "")).toHaveLength(4);
  });

  it("searches name, id and model, ignoring case", () => {
    expect(filterSessions(fleet, "all", "LOGIN").map((s) => s.id)).toEqual(["ses_1"]);
    expect(filterSessions(fleet, "all", "qwen").map((s) => s.id)).toEqual(["ses_3"]);
    expect(filterSessions(fleet, "all", "ses_4").map((s) => s.id)).toEqual(["ses_4"]);
    expect(filterSessions(fleet, "ready", "docs")).toEqual([]);
  });

  it("counts sessions per state", () => {
    expect(countByState(fleet)).toMatchObject({ all: 4, active: 2, ready: 1, failed: 1, stopped: 1, starting: 1 });
  });

  it("reads spend only when the server sends it", () => {
    expect(spendOf(fleet[0] as Session)).toBeUndefined();
    expect(spendOf({ ...(fleet[0] as Session), spend_usd: 0.42 } as Session)).toBe(0.42);
  });
});
