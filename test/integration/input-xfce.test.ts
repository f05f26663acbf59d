import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bundleInputDriver,
  copyInputDriver,
  desktopShell,
  runInputDriver,
  untilShellListens,
  untilWindowManager,
} from "../support/input-driver.js";
import { ensureDesktopImage, exec, reaches, startSandboxServer } from "../support/sandbox.js";
import { until } from "../support/wait.js";
import type { TestSocket } from "../support/ws.js";

let s: Awaited<ReturnType<typeof startSandboxServer>>;
let ws: TestSocket;
let driver: Buffer;

beforeAll(async () => {
  driver = await bundleInputDriver();
  await ensureDesktopImage("xfce");
  s = await startSandboxServer();
  ws = await s.watch();
}, 900_000);

afterAll(async () => {
  ws?.close();
  await s?.stop();
});

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

describe("viewer input on the xfce desktop", () => {
  it("types into a GTK terminal, clicks to focus, pastes with the middle button, syncs the clipboard and resizes", async () => {
    const { id } = (await s.admin("POST", "/api/v1/sessions", { body: { name: "input", desktop: "xfce" } })).body;
    await reaches(ws, id, "ready");
    const container = `strand-${id}`;
    await copyInputDriver(container, driver);
    const sh = async (script: string) => {
      const r = await desktopShell(container, "xfce", script);
      expect(r.code, r.output).toBe(0);
      return r.output;
    };
    const file = async (path: string) => (await exec(container, ["cat", path], "agent")).output;
    /** An application's main window from xwininfo's tree (absolute geometry): its largest (GTK adds a 1×1 leader). */
    const windowOf = async (cls: string): Promise<Rect | undefined> =>
      (await sh("xwininfo -root -tree"))
        .split("\n")
        .filter((l) => l.includes(`"${cls}")`))
        .map((l) => /(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)/.exec(l))
        .filter((m) => m !== null)
        .map((m) => ({ width: +m[1]!, height: +m[2]!, x: +m[3]!, y: +m[4]! }))
        .sort((a, b) => b.width * b.height - a.width * a.height)[0];
    const activeClass = async () => {
      const id = /window id # (0x[0-9a-f]+)/.exec(await sh("xprop -root _NET_ACTIVE_WINDOW"))?.[1];
      return id && id !== "0x0" ? (await sh(`xprop -id ${id} WM_CLASS`)).trim() : "";
    };

    const size = { width: 1280, height: 720 };
    const norm = (x: number, y: number) => ({
      x: Math.round((x / (size.width - 1)) * 65535),
      y: Math.round((y / (size.height - 1)) * 65535),
    });
    const click = (button: number) => ({
      frames: [
        { type: "mouseButton", button, down: true },
        { type: "mouseButton", button, down: false },
      ],
    });
    await until(() => windowOf("Geany"), Boolean, "geany to be mapped", 60_000);
    await untilWindowManager(container);
    // Geany maps before it takes the focus; a terminal started in between can be covered by it.
    // On a loaded machine xfwm4 may never focus it by itself (the CI run that had _NET_ACTIVE_WINDOW
    // stay 0x0 for 30 s), so after a grace period click it, as a user would.
    const stable = async (cls: string) => {
      const a = await windowOf(cls);
      await new Promise((r) => setTimeout(r, 300));
      const b = await windowOf(cls);
      return JSON.stringify(a) === JSON.stringify(b) ? b : undefined;
    };
    const mappedAt = Date.now();
    let clicked = false;
    const geanyFocus = async () => {
      const c = await activeClass();
      if (!c.includes("Geany") && !clicked && Date.now() - mappedAt > 10_000) {
        const g = await stable("Geany");
        if (g) {
          clicked = true;
          await runInputDriver(container, "xfce", [
            { frames: [{ type: "mouseAbs", ...norm(g.x + g.width / 2, g.y + 60) }] },
            click(1),
          ]);
        }
      }
      return c;
    };
    await until(geanyFocus, (c) => c.includes("Geany"), "geany to have the focus", 40_000);
    await sh("nohup xfce4-terminal --disable-server >/dev/null 2>&1 &");
    await until(() => windowOf("Xfce4-terminal"), Boolean, "the terminal to be mapped", 60_000);
    // Click it, as a user would: xfwm4 usually focuses a new window by itself, but on a loaded
    // machine a late-mapping geany can keep the focus (focus-stealing prevention).
    const t = (await until(() => stable("Xfce4-terminal"), Boolean, "the terminal to be placed", 20_000))!;
    await runInputDriver(container, "xfce", [
      { frames: [{ type: "mouseAbs", ...norm(t.x + t.width / 2, t.y + t.height / 2) }] },
      click(1),
    ]);
    await until(activeClass, (c) => c.includes("Xfce4-terminal"), "the new terminal to have the focus", 20_000);
    await untilShellListens(container, "xfce");

    // Keys: shifted symbols and characters the keyboard lacks (spare keycodes, read by GTK), then Ctrl+C.
    await runInputDriver(container, "xfce", [
      { typeText: 'echo "Hello, World! café €5 ~/?" > /tmp/typed.txt\n' },
      { typeText: "sleep 100\n" },
      { sleep: 300 },
      { ctrl: "c" },
      { typeText: "echo interrupted=$? > /tmp/ctrlc.txt\n" },
    ]);
    await until(
      () => file("/tmp/typed.txt"),
      (t) => t === "Hello, World! café €5 ~/?\n",
      "the shell in the terminal to write what was typed",
      10_000,
    );
    await until(
      () => file("/tmp/ctrlc.txt"),
      (t) => t === "interrupted=130\n",
      "Ctrl+C to interrupt sleep (exit status 130)",
      10_000,
    );

    // Pointer: over the terminal (on top, focused), a middle click pastes the viewer's text (PRIMARY).
    // (Its geometry is read only now: the window manager places a new window after it maps.)
    const terminal = (await windowOf("Xfce4-terminal"))!;
    await runInputDriver(container, "xfce", [
      { setClipboard: "echo pasted-by-middle-click > /tmp/paste.txt" },
      { frames: [{ type: "mouseAbs", ...norm(terminal.x + terminal.width / 2, terminal.y + terminal.height / 2) }] },
      click(2),
      { sleep: 300 },
      { typeText: "\n" },
    ]);
    await until(
      () => file("/tmp/paste.txt"),
      (t) => t === "pasted-by-middle-click\n",
      "the middle click to paste into the terminal",
      10_000,
    );
    // A left click on a visible part of geany gives it the focus (xfwm4 is click-to-focus).
    const geany = (await windowOf("Geany"))!;
    const inside = (r: Rect, x: number, y: number) => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
    const spot = [
      [geany.x + 40, geany.y + geany.height / 2],
      [geany.x + geany.width - 40, geany.y + geany.height / 2],
      [geany.x + geany.width / 2, geany.y + geany.height - 40],
      [geany.x + geany.width / 2, geany.y + 60],
    ].find(([x, y]) => !inside(terminal, x!, y!) && x! > 0 && y! > 0 && x! < size.width && y! < size.height);
    expect(
      spot,
      `a part of geany ${JSON.stringify(geany)} outside the terminal ${JSON.stringify(terminal)}`,
    ).toBeDefined();
    const steps = await runInputDriver(container, "xfce", [
      { frames: [{ type: "mouseAbs", ...norm(spot![0]!, spot![1]!) }] },
      click(1),
      { copyInDesktop: "copied in the desktop ✓" },
      { resize: [1600, 900] },
    ]);
    await until(activeClass, (c) => c.includes("Geany"), "a click to focus geany", 10_000);
    expect(steps.find((l) => "viewersGot" in l)).toEqual({ viewersGot: ["copied in the desktop ✓"] });
    expect(await sh("xclip -o -selection clipboard")).toBe("copied in the desktop ✓");
    expect(steps.find((l) => "resized" in l)).toEqual({ resized: { width: 1600, height: 900 } });
    expect(await sh("xdpyinfo | grep dimensions")).toContain("1600x900 pixels");
    // The window manager lives on after the resize.
    await sh("pgrep -x xfwm4");
    await s.admin("DELETE", `/api/v1/sessions/${id}`);
  }, 300_000);
});
