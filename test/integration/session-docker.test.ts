import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, ensureDesktopImage, exec, reaches, startSandboxServer } from "../support/sandbox.js";
import type { TestSocket } from "../support/ws.js";

let s: Awaited<ReturnType<typeof startSandboxServer>>;
let ws: TestSocket;
const ids = { a: "", b: "", plain: "" };
// Everything runs as the agent user, as the agent itself would.
const asAgent = (key: keyof typeof ids, script: string) => exec(`strand-${ids[key]}`, ["bash", "-c", script], "agent");

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  s = await startSandboxServer();
  ws = await s.watch();
  ids.a = (await s.admin("POST", "/api/v1/sessions", { body: { name: "a", trusted: true } })).body.id;
  ids.b = (await s.admin("POST", "/api/v1/sessions", { body: { name: "b", trusted: true } })).body.id;
  ids.plain = (await s.admin("POST", "/api/v1/sessions", { body: { name: "plain" } })).body.id;
  for (const id of Object.values(ids)) {
    await reaches(ws, id, "ready");
  }
  for (const key of ["a", "b"] as const) {
    for (let i = 0; i < 100 && (await asAgent(key, "docker version --format '{{.Server.Version}}'")).code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}, 900_000);

afterAll(async () => {
  ws?.close();
  await s?.stop();
});

describe("each trusted session has its own Docker daemon", () => {
  it("the agent user talks to its session's daemon", async () => {
    const v = await asAgent("a", "docker info --format '{{.ServerVersion}} {{.Driver}}'");
    expect(v.code, v.output).toBe(0);
    expect(v.output.trim()).toMatch(/^\d+\.\d+/);
  });

  it("docker ps in one session never shows another session's containers", async () => {
    const made = await asAgent(
      "a",
      "tar cf - --files-from /dev/null | docker import - empty >/dev/null && docker create --name only-in-a empty /none",
    );
    expect(made.code, made.output).toBe(0);
    expect((await asAgent("a", "docker ps -a --format '{{.Names}}'")).output).toContain("only-in-a");
    const inB = await asAgent("b", "docker ps -a --format '{{.Names}}'");
    expect(inB.code, inB.output).toBe(0);
    expect(inB.output.trim()).toBe("");
    expect((await asAgent("b", "docker images -q")).output.trim()).toBe("");
  });

  it("ping (possible in a trusted session) reaches neither another session nor the host", async () => {
    const ipOf = async (key: keyof typeof ids) => {
      const info = await docker.getContainer(`strand-${ids[key]}`).inspect();
      return Object.values(info.NetworkSettings.Networks)[0] as { IPAddress: string; Gateway: string };
    };
    const [a, b] = [await ipOf("a"), await ipOf("b")];
    const ping = (target: string) => asAgent("a", `ping -c 1 -W 1 ${target} >/dev/null 2>&1; echo $?`);
    expect((await ping("127.0.0.1")).output.trim()).toBe("0");
    expect((await ping(b.IPAddress)).output.trim()).not.toBe("0");
    expect((await ping(a.Gateway)).output.trim()).not.toBe("0");
  });

  it("an ordinary session has no daemon at all, and no capabilities", async () => {
    const ps = await asAgent("plain", "docker ps 2>&1");
    expect(ps.code).not.toBe(0);
    expect(ps.output).toMatch(/Cannot connect to the Docker daemon/);
    const caps = await asAgent("plain", "grep CapBnd /proc/self/status");
    expect(caps.output.trim()).toMatch(/CapBnd:\s+0+$/);
  });
});
