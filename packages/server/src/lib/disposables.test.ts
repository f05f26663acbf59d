import { describe, expect, it } from "vitest";
import { DisposableStore } from "./disposables.js";

describe("DisposableStore", () => {
  it("lets go of things newest first, once, and keeps going past a cleanup that throws", async () => {
    const store = new DisposableStore();
    const order: string[] = [];
    store.defer("database", () => void order.push("database"));
    const bus = store.add("bus", { name: "bus" }, async (b) => void order.push(b.name));
    store.defer("broken", () => {
      throw new Error("socket already gone");
    });
    store.defer("http", () => void order.push("http"));
    expect(bus.name).toBe("bus");

    const failures = await store.dispose();
    expect(order).toEqual(["http", "bus", "database"]);
    expect(failures.map((f) => f.name)).toEqual(["broken"]);
    expect(await store.dispose()).toBe(failures);
    expect(order).toHaveLength(3);
    expect(() => store.defer("late", () => {})).toThrow(/already disposed/);
  });
});
