import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import type { RuntimeSpec } from "./runtimes/registry.js";
import { RuntimeSupervisor } from "./supervisor.js";

const missing: RuntimeSpec = {
  name: "Missing runtime",
  command: "strand-test-no-such-runtime",
  args: [],
  env: { PATH: process.env.PATH },
  cwd: tmpdir(),
};

function supervisor(beforeStart: () => Promise<void>, events: string[]) {
  return new RuntimeSupervisor({
    beforeStart,
    spec: () => {
      events.push("spec");
      return missing;
    },
    handlers: {
      onUpdate() {},
      onPermission: async () => ({ outcome: { outcome: "cancelled" } }),
      onMalformed() {},
      onTerminalChange() {},
    },
    log: () => {},
    notice: (c) => events.push(`notice: ${c.text}`),
    onExit() {},
    backoffMinMs: 60_000,
  });
}

describe("RuntimeSupervisor.beforeStart", () => {
  it("starts the runtime only once what it needs first is ready", async () => {
    const events: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const s = supervisor(async () => {
      await gate;
      events.push("workspace ready");
    }, events);
    const started = s.ready();
    open();
    await expect(started).rejects.toThrow(/not installed/);
    expect(events.slice(0, 2)).toEqual(["workspace ready", "spec"]);
    await s.stop();
  });

  it("stops without waiting for a start that is still waiting", async () => {
    const events: string[] = [];
    const s = supervisor(() => new Promise<void>(() => {}), events);
    const started = s.ready();
    await s.stop();
    await expect(started).rejects.toThrow(/shutting down/);
    expect(events).toEqual([]);
  });
});
