import { describe, expect, it } from "vitest";
import { INITIAL_FORM, toCreateBody } from "./session-form.js";

describe("new session form", () => {
  it("sends typed numbers and leaves the model out when empty", () => {
    expect(toCreateBody({ ...INITIAL_FORM, name: "x", cpus: "1.5", memory_mb: "2048" })).toEqual({
      name: "x",
      desktop: "xfce",
      resolution: "720p",
      runtime: "strand-agent",
      resources: { cpus: 1.5, memory_mb: 2048, pids: 4096, disk_mb: 20480 },
      egress: "allow",
      permission_mode: "autonomous",
    });
  });

  it("sends the disk size, and trusted only when ticked", () => {
    const body = toCreateBody({ ...INITIAL_FORM, name: "x", disk_mb: "4096", trusted: true });
    expect(body.resources?.disk_mb).toBe(4096);
    expect(body.trusted).toBe(true);
    expect("trusted" in toCreateBody({ ...INITIAL_FORM, name: "x" })).toBe(false);
  });

  it("passes out-of-range and non-numeric values on, so the API names the field", () => {
    const body = toCreateBody({ ...INITIAL_FORM, cpus: "999", pids: "lots", model: " p/m ", spend_limit_usd: "5" });
    expect(body.resources).toMatchObject({ cpus: 999, pids: "lots" });
    expect(body.model).toBe("p/m");
    expect(body.spend_limit_usd).toBe(5);
  });
});
