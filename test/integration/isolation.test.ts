import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METADATA_ADDR, NETNS_PORT, PRIVATE_ADDR, PUBLIC_ADDR, startTestNet, type TestNet } from "../support/netns.js";
import { docker, ensureDesktopImage, exec, execDetached, reaches, startSandboxServer } from "../support/sandbox.js";
import type { TestSocket } from "../support/ws.js";

let s: Awaited<ReturnType<typeof startSandboxServer>>;
let ws: TestSocket;
let net: TestNet;
let hostService: Server;
let hostPort: number;
const ids: Record<"a" | "b" | "c", string> = { a: "", b: "", c: "" };
const ip: Record<"a" | "b" | "c", { addr: string; gateway: string }> = {
  a: { addr: "", gateway: "" },
  b: { addr: "", gateway: "" },
  c: { addr: "", gateway: "" },
};

/** TCP connect from inside a session's desktop: "open", "timeout" or an error code. */
async function probe(from: "a" | "b" | "c", host: string, port: number): Promise<string> {
  const script = `const s=require("net").connect({host:${JSON.stringify(host)},port:${port}});s.setTimeout(1500);s.on("connect",()=>{console.log("open");process.exit(0)});s.on("timeout",()=>{console.log("timeout");process.exit(1)});s.on("error",(e)=>{console.log(e.code);process.exit(1)});`;
  return (await exec(`strand-${ids[from]}`, ["node", "-e", script])).output.trim();
}

beforeAll(async () => {
  await ensureDesktopImage("xfce");
  net = startTestNet();
  // Probes hang up at once: a listener must ignore the resets, or it dies after the first one.
  hostService = createServer((c) => {
    c.on("error", () => {});
    c.end("host");
  }).listen(0, "0.0.0.0");
  await new Promise((r) => hostService.once("listening", r));
  hostPort = (hostService.address() as { port: number }).port;
  s = await startSandboxServer();
  ws = await s.watch();
  const make = async (key: "a" | "b" | "c", body: object) => {
    ids[key] = (await s.admin("POST", "/api/v1/sessions", { body: { name: key, ...body } })).body.id;
  };
  await make("a", { resources: { memory_mb: 1024, pids: 256 } });
  await make("b", {});
  await make("c", { egress: "deny" });
  for (const key of ["a", "b", "c"] as const) {
    await reaches(ws, ids[key], "ready");
    const info = await docker.getContainer(`strand-${ids[key]}`).inspect();
    const n = Object.values(info.NetworkSettings.Networks)[0];
    ip[key] = { addr: n?.IPAddress ?? "", gateway: n?.Gateway ?? "" };
  }
  await exec(`strand-${ids.b}`, [
    "sh",
    "-c",
    `node -e 'require("net").createServer((s)=>{s.on("error",()=>{});s.end("b")}).listen(7000)' >/dev/null 2>&1 &`,
  ]);
  for (let i = 0; i < 50 && (await probe("b", "127.0.0.1", 7000)) !== "open"; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}, 900_000);

afterAll(async () => {
  ws?.close();
  await s?.stop();
  hostService?.close();
  net?.stop();
});

describe("isolation between sessions, the host and the network", () => {
  it("positive controls: a listener answers in its own session, and the test internet answers", async () => {
    expect(await probe("b", "127.0.0.1", 7000)).toBe("open");
    expect(await probe("a", PUBLIC_ADDR, NETNS_PORT)).toBe("open");
  });

  it("session A cannot reach session B's container", async () => {
    expect(await probe("a", ip.b.addr, 7000)).not.toBe("open");
  });

  it("on the host, a session reaches the Strand port and nothing else", async () => {
    const port = Number(new URL(s.url).port);
    expect(await probe("a", ip.a.gateway, port)).toBe("open");
    expect(await probe("a", ip.a.gateway, hostPort)).not.toBe("open");
    expect(await probe("a", ip.b.gateway, hostPort)).not.toBe("open");
  });

  it("private ranges and the metadata address are blocked", async () => {
    expect(await probe("a", PRIVATE_ADDR, NETNS_PORT)).not.toBe("open");
    expect(await probe("a", METADATA_ADDR, NETNS_PORT)).not.toBe("open");
  });

  it("egress deny blocks the internet but not the Strand server", async () => {
    expect(await probe("c", PUBLIC_ADDR, NETNS_PORT)).not.toBe("open");
    expect(await probe("c", ip.c.gateway, Number(new URL(s.url).port))).toBe("open");
  });

  it("a fork bomb and a memory hog in A are contained; B and the server stay responsive", async () => {
    // The hog starts first: once the fork bomb holds every pid, a starting Node cannot create its
    // threads and may wait forever instead of growing to the memory limit.
    const hog = exec(`strand-${ids.a}`, ["node", "-e", "const a=[];for(;;)a.push(Buffer.alloc(64<<20,1))"]);
    await new Promise((r) => setTimeout(r, 500));
    // A classic fork bomb: it never ends by itself, so it runs detached until the session goes.
    await execDetached(`strand-${ids.a}`, ["bash", "-c", ":(){ :|:& };:"]);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    expect((await exec(`strand-${ids.b}`, ["echo", "alive"])).output.trim()).toBe("alive");
    expect((await s.anon("GET", "/healthz")).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(5_000);
    const pids = await docker.getContainer(`strand-${ids.a}`).stats({ stream: false });
    expect(pids.pids_stats?.current ?? 0).toBeLessThanOrEqual(256);
    // Killed by the OOM killer (137) or aborted when an allocation failed at the limit (134).
    expect([134, 137]).toContain((await hog).code);
  }, 120_000);
});
