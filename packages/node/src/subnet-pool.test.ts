import { describe, expect, it } from "vitest";
import { SubnetPool } from "./subnet-pool.js";

describe("SubnetPool", () => {
  it("hands out the lowest free /24 with its gateway", () => {
    const pool = new SubnetPool("10.213.0.0/16");
    expect(pool.allocate([])).toEqual({ subnet: "10.213.1.0/24", gateway: "10.213.1.1" });
    expect(pool.allocate(["10.213.1.0/24", "10.213.3.0/24"])?.subnet).toBe("10.213.2.0/24");
  });

  it("says when it is exhausted", () => {
    const pool = new SubnetPool("10.9.0.0/16");
    const all = Array.from({ length: 254 }, (_, i) => `10.9.${i + 1}.0/24`);
    expect(pool.allocate(all)).toBeUndefined();
  });

  it("rejects a pool that is not a /16", () => {
    expect(() => new SubnetPool("10.0.0.0/8")).toThrow(/a\.b\.0\.0\/16/);
  });
});
