import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, ensureDesktopImage, exec, reaches, startSandboxServer } from "../support/sandbox.js";
import type { TestSocket } from "../support/ws.js";

let s: Awaited<ReturnType<typeof startSandboxServer>>;
let ws: TestSocket;
let small: string;
let neighbour: string;
const asAgent = (id: string, script: string) => exec(`strand-${id}`, ["bash", "-c", script], "agent");

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  s = await startSandboxServer();
  ws = await s.watch();
  small = (await s.admin("POST", "/api/v1/sessions", { body: { name: "small disk", resources: { disk_mb: 1024 } } }))
    .body.id;
  neighbour = (await s.admin("POST", "/api/v1/sessions", { body: { name: "neighbour" } })).body.id;
  for (const id of [small, neighbour]) await reaches(ws, id, "ready");
}, 900_000);

afterAll(async () => {
  ws?.close();
  await s?.stop();
});

describe("a session cannot fill the host's disk", () => {
  it("the node enforces disk limits here, and says how", async () => {
    const nodes = (await s.admin("GET", "/api/v1/nodes")).body.items;
    const node = nodes.find((n: { id: string }) => n.id === `nod_${s.node.id}`);
    expect(node).toMatchObject({ disk_limits: "loop-ext4", disk_note: null });
    expect(node.disk_free_mb).toBeGreaterThan(0);
  });

  it("writing past disk_mb fails inside with ENOSPC; the session stays ready; neighbour and server are unaffected", async () => {
    const df = await asAgent(small, "df -m --output=size ~/work | tail -1");
    // ext4 keeps some of the image for itself: about 1 GiB is what the agent sees.
    expect(Number(df.output.trim())).toBeGreaterThan(900);
    expect(Number(df.output.trim())).toBeLessThanOrEqual(1024);

    const fill = await asAgent(small, "dd if=/dev/zero of=$HOME/work/fill bs=1M count=1200 2>&1; echo exit=$?");
    expect(fill.output).toMatch(/No space left on device/);
    expect(fill.output).not.toMatch(/exit=0/);
    // /tmp and the home directory are on the same disk: no way around the limit there...
    const tmp = await asAgent(small, "dd if=/dev/zero of=/tmp/more bs=1M count=64 2>&1; echo exit=$?");
    expect(tmp.output).toMatch(/No space left on device/);
    // ...and the rest of the filesystem is read-only.
    const root = await asAgent(small, "touch /opt/strand/x /usr/local/x 2>&1; echo exit=$?");
    expect(root.output).toMatch(/Read-only file system/);

    // The full session still works: its desktop and agentd run, and it still answers.
    expect((await s.admin("GET", `/api/v1/sessions/${small}`)).body.state).toBe("ready");
    expect((await asAgent(small, "pgrep -f agentd.mjs >/dev/null && echo alive")).output.trim()).toBe("alive");
    expect((await docker.getContainer(`strand-${small}`).inspect()).State.Running).toBe(true);
    // Freeing space gives it back at once.
    expect(
      (
        await asAgent(small, "rm $HOME/work/fill /tmp/more; echo ok > $HOME/work/after && cat $HOME/work/after")
      ).output.trim(),
    ).toBe("ok");

    // The neighbour writes as usual, and the server answers.
    const near = await asAgent(
      neighbour,
      "dd if=/dev/zero of=$HOME/work/f bs=1M count=50 2>&1 >/dev/null; echo exit=$?",
    );
    expect(near.output).toMatch(/exit=0/);
    expect((await s.anon("GET", "/healthz")).status).toBe(200);
    expect((await s.admin("GET", `/api/v1/sessions/${neighbour}`)).body.state).toBe("ready");
  }, 120_000);

  it("disk_mb grows at the next start and keeps the files; then it cannot shrink", async () => {
    await asAgent(small, "echo kept > $HOME/work/keep.txt");
    await s.admin("PATCH", `/api/v1/sessions/${small}`, { body: { resources: { disk_mb: 2048 } } });
    const beforeStop = ws.messages.length;
    await s.admin("POST", `/api/v1/sessions/${small}/stop`);
    await reaches(ws, small, "stopped", 60_000, beforeStop);
    // The stop request's own event still shows `ready`: wait only for what follows the start.
    const beforeStart = ws.messages.length;
    await s.admin("POST", `/api/v1/sessions/${small}/start`);
    await reaches(ws, small, "ready", 120_000, beforeStart);
    const df = await asAgent(small, "df -m --output=size ~/work | tail -1; cat ~/work/keep.txt");
    const [size, kept] = df.output.trim().split("\n");
    expect(Number(size)).toBeGreaterThan(1900);
    expect(kept).toBe("kept");
    const shrink = await s.admin("PATCH", `/api/v1/sessions/${small}`, { body: { resources: { disk_mb: 1536 } } });
    expect(shrink.status).toBe(400);
    expect(shrink.body.message).toMatch(/can only grow/);
  }, 180_000);
});
