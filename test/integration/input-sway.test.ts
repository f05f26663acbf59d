import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bundleInputDriver,
  copyInputDriver,
  desktopShell,
  runInputDriver,
  untilShellListens,
} from "../support/input-driver.js";
import { ensureDesktopImage, exec, reaches, startSandboxServer } from "../support/sandbox.js";
import { until } from "../support/wait.js";
import type { TestSocket } from "../support/ws.js";

let s: Awaited<ReturnType<typeof startSandboxServer>>;
let ws: TestSocket;
let driver: Buffer;

beforeAll(async () => {
  driver = await bundleInputDriver();
  await ensureDesktopImage("sway");
  s = await startSandboxServer();
  ws = await s.watch();
}, 900_000);

afterAll(async () => {
  ws?.close();
  await s?.stop();
});

interface SwayNode {
  app_id?: string | null;
  focused: boolean;
  rect: { x: number; y: number; width: number; height: number };
  nodes?: SwayNode[];
  floating_nodes?: SwayNode[];
}
const windows = (n: SwayNode): SwayNode[] => [
  ...(n.app_id ? [n] : []),
  ...[...(n.nodes ?? []), ...(n.floating_nodes ?? [])].flatMap(windows),
];

describe("viewer input on the sway desktop", () => {
  it("types into a focused foot terminal, moves and clicks the pointer, and syncs the clipboard and size", async () => {
    const { id } = (await s.admin("POST", "/api/v1/sessions", { body: { name: "input", desktop: "sway" } })).body;
    await reaches(ws, id, "ready");
    const container = `strand-${id}`;
    await copyInputDriver(container, driver);
    const sway = async (args: string) => {
      const r = await desktopShell(container, "sway", `swaymsg ${args}`);
      expect(r.code, r.output).toBe(0);
      return r.output;
    };
    const tree = async () => windows(JSON.parse(await sway("-t get_tree -r")) as SwayNode);
    const focused = async () => (await tree()).find((w) => w.focused)?.app_id;
    const file = async (path: string) => (await exec(container, ["cat", path], "agent")).output;
    await until(
      tree,
      (ws) => ws.some((w) => w.app_id === "foot") && ws.some((w) => w.app_id === "geany"),
      "foot and geany to be mapped",
      60_000,
    );
    await sway("'[app_id=\"foot\"] focus'");
    await untilShellListens(container, "sway");

    // Keys: text with shifted symbols and characters the US layout lacks, then Ctrl+C.
    // (The first sleep lets clients bind the keyboard the new virtual keyboard gives the seat.)
    await runInputDriver(container, "sway", [
      { sleep: 500 },
      { typeText: 'echo "Hello, World! café €5 ~/?" > /tmp/typed.txt\n' },
      { typeText: "sleep 100\n" },
      { sleep: 300 },
      { ctrl: "c" },
      { typeText: "echo interrupted=$? > /tmp/ctrlc.txt\n" },
    ]);
    await until(
      () => file("/tmp/typed.txt"),
      (t) => t === "Hello, World! café €5 ~/?\n",
      "the shell in foot to write what was typed",
      10_000,
    );
    await until(
      () => file("/tmp/ctrlc.txt"),
      (t) => t === "interrupted=130\n",
      "Ctrl+C to interrupt sleep (exit status 130)",
      10_000,
    );

    // Pointer: with focus_follows_mouse, moving over geany focuses it; back over foot, a middle
    // click pastes the primary selection the viewer set into the shell, so the click reached foot.
    const [foot, geany] = await tree().then((ws) => ["foot", "geany"].map((a) => ws.find((w) => w.app_id === a)!));
    const centre = (w: SwayNode) => ({
      x: Math.round(((w.rect.x + w.rect.width / 2) / 1280) * 65536),
      y: Math.round(((w.rect.y + w.rect.height / 2) / 720) * 65536),
    });
    await runInputDriver(container, "sway", [{ frames: [{ type: "mouseAbs", ...centre(geany!) }] }]);
    await until(focused, (a) => a === "geany", "geany to take the focus under the pointer", 10_000);
    const steps = await runInputDriver(container, "sway", [
      { sleep: 300 },
      { frames: [{ type: "mouseAbs", ...centre(foot!) }] },
      { setClipboard: "echo pasted-by-middle-click > /tmp/paste.txt" },
      { sleep: 200 },
      {
        frames: [
          { type: "mouseButton", button: 2, down: true },
          { type: "mouseButton", button: 2, down: false },
        ],
      },
      { sleep: 200 },
      { typeText: "\n" },
      { copyInDesktop: "copied in the desktop ✓" },
      { resize: [1600, 900] },
    ]);
    expect(await focused()).toBe("foot");
    await until(
      () => file("/tmp/paste.txt"),
      (t) => t === "pasted-by-middle-click\n",
      "the middle click to paste into foot",
      10_000,
    );
    // Viewers get what an application copied, and not the text they set themselves.
    expect(steps.find((l) => "viewersGot" in l)).toEqual({ viewersGot: ["copied in the desktop ✓"] });
    expect((await desktopShell(container, "sway", "wl-paste --primary")).output).toBe(
      "echo pasted-by-middle-click > /tmp/paste.txt\n",
    );
    expect(steps.find((l) => "resized" in l)).toEqual({ resized: { width: 1600, height: 900 } });
    const outputs = JSON.parse(await sway("-t get_outputs -r")) as {
      current_mode: { width: number; height: number };
    }[];
    expect(outputs[0]?.current_mode).toMatchObject({ width: 1600, height: 900 });
    const bench = (await runInputDriver(container, "sway", [{ bench: 1000 }])).find((l) => "bench" in l)
      ?.bench as Record<string, number>;
    process.stdout.write(
      `sway input: pointer move ${bench.pointerApplyUs?.toFixed(1)} µs to apply, ${bench.pointerHandledUs?.toFixed(1)} µs ` +
        `until sway handled it; key ${bench.keyApplyUs?.toFixed(1)} / ${bench.keyHandledUs?.toFixed(1)} µs (1,000 events each)\n`,
    );
    await s.admin("DELETE", `/api/v1/sessions/${id}`);
  }, 300_000);
});
