import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDesktopImage, exec, reaches, startSandboxServer } from "../support/sandbox.js";
import type { TestSocket } from "../support/ws.js";

let s: Awaited<ReturnType<typeof startSandboxServer>>;
let ws: TestSocket;

beforeAll(async () => {
  await ensureDesktopImage("sway");
  s = await startSandboxServer();
  ws = await s.watch();
}, 900_000);

afterAll(async () => {
  ws?.close();
  await s?.stop();
});

describe("the sway desktop", () => {
  it("comes up as a headless Wayland compositor run by the agent user, with the IDE open", async () => {
    const { id } = (await s.admin("POST", "/api/v1/sessions", { body: { name: "wayland", desktop: "sway" } })).body;
    await reaches(ws, id, "ready");
    const sway = (cmd: string) =>
      exec(
        `strand-${id}`,
        ["bash", "-c", `swaymsg -s "$(ls /tmp/runtime-agent/sway-ipc.* | head -n 1)" ${cmd}`],
        "agent",
      );
    const outputs = await sway("-t get_outputs -r");
    expect(outputs.code, outputs.output).toBe(0);
    expect(JSON.parse(outputs.output)[0]).toMatchObject({
      name: "HEADLESS-1",
      current_mode: { width: 1280, height: 720 },
    });
    const owner = await exec(`strand-${id}`, ["bash", "-c", "ps -o user= -C sway"]);
    expect(owner.output.trim()).toBe("agent");
    let tree = "";
    for (let i = 0; i < 50 && !/geany/i.test(tree); i++) {
      tree = (await sway("-t get_tree")).output;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(tree).toMatch(/geany/i);
    await s.admin("DELETE", `/api/v1/sessions/${id}`);
  }, 300_000);
});
