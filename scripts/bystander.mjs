#!/usr/bin/env node
// A Strand as `./install.sh` runs it (default node name, subnet pool and firewall; its own data
// dir), with one session doing "real work", kept running while the whole test suite runs beside
// it on the same Docker Engine. Afterwards it must be exactly as it was: the suite and the
// servers it starts touch only what they made themselves.
//
// Usage (scripts/test.sh does this around a full run):
//   node scripts/bystander.mjs start          prints the bystander's data dir
//   node scripts/bystander.mjs check <dir>    exits 1, saying what changed, unless all is as it was
//   node scripts/bystander.mjs stop <dir>     deletes its session and stops it (idempotent)
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;
const TOKEN = "strand_bystander_admin_token_0123456789";
const say = (msg) => process.stderr.write(`bystander: ${msg}\n`);

async function api(url, method, path, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function until(what, fn, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`bystander: ${what} did not happen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const inDesktop = (id, script) =>
  run("docker", ["exec", "-u", "agent", `strand-${id}`, "bash", "-c", script]).then((r) => r.stdout.trim());

async function start() {
  await run(join(root, "node_modules/.bin/strand"), ["images", "build", "--desktop", "xfce"], { cwd: root });
  const dir = mkdtempSync(join(tmpdir(), "strand-bystander-"));
  const log = openSync(join(dir, "server.log"), "a");
  const server = spawn(
    process.execPath,
    [join(root, "packages/cli/bin/strand.js"), "server", "--port", "0", "--data-dir", join(dir, "data")],
    {
      detached: true,
      stdio: ["ignore", log, log],
      env: {
        ...process.env,
        STRAND_ADMIN_PASSWORD: "bystander password",
        STRAND_ADMIN_TOKEN: TOKEN,
        LOG_LEVEL: "warn",
      },
    },
  );
  server.unref();
  const port = await until(
    "the server to listen",
    async () => /Strand is running at http:\/\/[^:\s]+:(\d+)/.exec(readFileSync(join(dir, "server.log"), "utf8"))?.[1],
    60_000,
  );
  const url = `http://127.0.0.1:${port}`;
  const { body } = await api(url, "POST", "/api/v1/sessions", { name: "bystander's work" });
  const id = body.id;
  await until(
    "its session to be ready",
    async () => (await api(url, "GET", `/api/v1/sessions/${id}`)).body.state === "ready",
    180_000,
  );
  const marker = `work ${randomBytes(6).toString("hex")}`;
  await inDesktop(id, `echo '${marker}' > ~/work/marker.txt`);
  const { stdout } = await run("docker", ["inspect", "-f", "{{.Id}}", `strand-${id}`]);
  const state = { pid: server.pid, url, port: Number(port), id, marker, containerId: stdout.trim() };
  writeFileSync(join(dir, "bystander.json"), JSON.stringify(state));
  say(`running at ${url} with session ${id} (node ${readFileSync(join(dir, "data/node/id"), "utf8").trim()})`);
  process.stdout.write(`${dir}\n`);
}

async function check(dir) {
  const s = JSON.parse(readFileSync(join(dir, "bystander.json"), "utf8"));
  const wrong = [];
  const expect = (ok, what) => ok || wrong.push(what);
  const session = (await api(s.url, "GET", `/api/v1/sessions/${s.id}`).catch(() => ({ body: null }))).body;
  expect(session?.state === "ready", `its session is ${session?.state} (${session?.state_reason ?? "no reason"})`);
  const info = await run("docker", ["inspect", "-f", "{{.Id}} {{.State.Running}}", `strand-${s.id}`])
    .then((r) => r.stdout.trim())
    .catch(() => "gone");
  expect(info === `${s.containerId} true`, `its desktop container: ${info} (was ${s.containerId}, running)`);
  for (const v of ["home", "work", "docker"]) {
    const name = `strand-${s.id}-${v}`;
    const ok = await run("docker", ["volume", "inspect", name]).then(
      () => true,
      () => false,
    );
    expect(ok, `its volume ${name} is gone`);
  }
  const marker = await inDesktop(s.id, "cat ~/work/marker.txt").catch((e) => `unreadable (${e.message})`);
  expect(marker === s.marker, `its workspace file reads ${JSON.stringify(marker)}, not ${JSON.stringify(s.marker)}`);
  const gateway = await run("docker", [
    "inspect",
    "-f",
    "{{range .NetworkSettings.Networks}}{{.Gateway}}{{end}}",
    `strand-${s.id}`,
  ])
    .then((r) => r.stdout.trim())
    .catch(() => "");
  const health = await inDesktop(
    s.id,
    `curl -s -o /dev/null -m 3 -w '%{http_code}' http://${gateway}:${s.port}/healthz; true`,
  ).catch(() => "");
  expect(
    health === "200",
    `its desktop no longer reaches its server through the firewall (got ${health || "nothing"})`,
  );
  if (wrong.length > 0) {
    say(`the test run changed a Strand it did not start:\n  - ${wrong.join("\n  - ")}`);
    process.exit(1);
  }
  say("untouched: its session stayed ready in the same container, with its volumes, files and firewall");
}

async function stop(dir) {
  if (!dir || !existsSync(join(dir, "bystander.json"))) {
    if (dir) rmSync(dir, { recursive: true, force: true });
    return;
  }
  const s = JSON.parse(readFileSync(join(dir, "bystander.json"), "utf8"));
  await api(s.url, "DELETE", `/api/v1/sessions/${s.id}`).catch(() => {});
  await until(
    "its session to be deleted",
    async () => (await api(s.url, "GET", `/api/v1/sessions/${s.id}`)).status === 404,
    60_000,
  ).catch((err) => say(err.message));
  try {
    process.kill(s.pid, "SIGTERM");
    await until(
      "the server to exit",
      async () => {
        try {
          process.kill(s.pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      15_000,
    );
  } catch {
    // Already gone.
  }
  await forget(join(dir, "data"));
  rmSync(dir, { recursive: true, force: true });
}

/** Whatever its node still has (a run cut short): only objects with its own node id, mounts in its own dir. */
async function forget(dataDir) {
  const idFile = join(dataDir, "node/id");
  if (!existsSync(idFile)) return;
  const id = readFileSync(idFile, "utf8").trim();
  const label = `label=strand.node=${id}`;
  const ids = async (args) => (await run("docker", args)).stdout.split("\n").filter(Boolean);
  for (const c of await ids(["ps", "-aq", "--filter", label])) await run("docker", ["rm", "-fv", c]).catch(() => {});
  for (const n of await ids(["network", "ls", "-q", "--filter", label]))
    await run("docker", ["network", "rm", n]).catch(() => {});
  for (const v of await ids(["volume", "ls", "-q", "--filter", label]))
    await run("docker", ["volume", "rm", "-f", v]).catch(() => {});
  const { Firewall, mountsUnder } = await import("../packages/node/dist/index.js");
  for (const m of mountsUnder(join(dataDir, "node"))) await run("umount", ["--lazy", m]).catch(() => {});
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  await new Firewall(id, 0, quiet).remove().catch(() => {});
}

const [cmd, dir] = process.argv.slice(2);
const commands = { start, check, stop };
if (!commands[cmd]) {
  say("usage: bystander.mjs start | check <dir> | stop <dir>");
  process.exit(2);
}
await commands[cmd](dir);
