import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitHost } from "../support/fake-git-hosts.js";
import { runCli, type ServerProcess, spawnServer } from "../support/process.js";

const PASSWORD = "cli test password";
let server: ServerProcess;
let env: Record<string, string>;

beforeAll(async () => {
  server = await spawnServer({
    env: { STRAND_ADMIN_EMAIL: "cli@example.com", STRAND_ADMIN_PASSWORD: PASSWORD },
    dataDir: mkdtempSync(join(tmpdir(), "strand-cli-")),
  });
  env = { STRAND_CONFIG_DIR: mkdtempSync(join(tmpdir(), "strand-cli-config-")), STRAND_URL: server.url };
});
afterAll(async () => {
  server?.proc.kill("SIGTERM");
  await server?.exited;
});

describe("strand CLI against a running server", () => {
  it("has --help on every command", async () => {
    const commands = [
      [],
      ["server"],
      ["login"],
      ["sessions"],
      ["sessions", "list"],
      ["sessions", "create"],
      ["sessions", "stop"],
      ["sessions", "delete"],
      ["tokens"],
      ["tokens", "create"],
      ["tokens", "list"],
      ["tokens", "revoke"],
      ["teams", "create"],
      ["teams", "add"],
      ["projects", "create"],
      ["repos", "import"],
      ["sessions", "changes"],
      ["sessions", "merge"],
      ["sessions", "pull-request"],
      ["repos", "update"],
      ["repos", "fetch"],
      ["repos", "push"],
    ];
    for (const c of commands) {
      const r = await runCli([...c, "--help"]);
      expect(r.code, c.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/^Usage: strand/);
    }
    expect((await runCli(["server", "--help"])).stdout).toContain("DATABASE_URL");
  });

  it("tells you to log in when you have not", async () => {
    const r = await runCli(["sessions", "list"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("strand login");
  });

  it("login saves a token readable only by the user", async () => {
    const r = await runCli(["login", "--email", "cli@example.com", "--password-stdin"], env, `${PASSWORD}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Logged in");
    const mode = statSync(join(env.STRAND_CONFIG_DIR as string, "credentials.json")).mode & 0o777;
    expect(mode).toBe(0o600);
    const bad = await runCli(["login", "--email", "cli@example.com", "--password-stdin"], env, "wrong password\n");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("wrong email or password");
  });

  it("creates, lists, stops and deletes sessions, with --json", async () => {
    const created = await runCli(
      ["sessions", "create", "from-cli", "--desktop", "sway", "--memory", "2048", "--disk", "4096", "--json"],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const s = JSON.parse(created.stdout);
    expect(s).toMatchObject({
      name: "from-cli",
      desktop: "sway",
      resources: { memory_mb: 2048, disk_mb: 4096 },
      state: "pending",
    });

    const list = await runCli(["sessions", "list"], env);
    expect(list.stdout).toMatch(new RegExp(`${s.id}\\s+from-cli\\s+pending\\s+sway`));
    const listJson = JSON.parse((await runCli(["sessions", "list", "--json"], env)).stdout);
    expect(listJson.map((x: { id: string }) => x.id)).toContain(s.id);

    const stopped = await runCli(["sessions", "stop", s.id], env);
    expect(stopped.stdout).toContain("stopped");
    const deleted = await runCli(["sessions", "delete", s.id], env);
    expect(deleted.code).toBe(0);
    const gone = await runCli(["sessions", "stop", s.id], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("does not exist");
  });

  it("teams, projects and repos; a session on a project; its changes and merge", async () => {
    const json = async (args: string[]) => {
      const r = await runCli([...args, "--json"], env);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout);
    };
    const team = await json(["teams", "create", "CLI Team"]);
    expect(team).toMatchObject({ name: "CLI Team", slug: "cli-team", role: "owner" });
    expect((await runCli(["teams", "list"], env)).stdout).toMatch(/cli-team\s+owner/);
    const project = await json(["projects", "create", "CLI App", "--team", team.id]);
    const repo = await json(["repos", "create", project.slug, "app"]);
    expect(repo.clone_url).toBe(`${server.url}/git/cli-app/app.git`);

    const { token } = JSON.parse(readFileSync(join(env.STRAND_CONFIG_DIR as string, "credentials.json"), "utf8"));
    const authed = repo.clone_url.replace("http://", `http://cli:${token}@`);
    const work = mkdtempSync(join(tmpdir(), "strand-cli-work-"));
    const g = (...args: string[]) =>
      execFileSync("git", args, {
        cwd: work,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: "t",
          GIT_AUTHOR_EMAIL: "t@e",
          GIT_COMMITTER_NAME: "t",
          GIT_COMMITTER_EMAIL: "t@e",
        },
      });
    g("init", "-q", "-b", "main");
    writeFileSync(join(work, "a.txt"), "one\n");
    g("add", ".");
    g("commit", "-qm", "first");
    g("push", "-q", authed, "main");

    const session = await json(["sessions", "create", "Add two", "--project", project.slug, "--no-start"]);
    expect(session).toMatchObject({ repo: "app", branch: "strand/add-two", base: "main" });
    writeFileSync(join(work, "a.txt"), "one\ntwo\n");
    g("commit", "-qam", "two");
    g("push", "-q", authed, "HEAD:refs/heads/strand/add-two");

    const changes = await runCli(["sessions", "changes", session.id, "--stat"], env);
    expect(changes.stdout).toMatch(/modified\s+a\.txt\s+1\s+0/);
    const merged = await runCli(["sessions", "merge", session.id], env);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/Merged into main \(merge\): [0-9a-f]{40}/);
    const again = await runCli(["sessions", "merge", session.id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("nothing to merge");
  });

  it("configures a repo's GitHub host and opens a pull request that a webhook then marks merged", async () => {
    const json = async (args: string[]) => {
      const r = await runCli([...args, "--json"], env);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout);
    };
    const hostToken = "cli-host-token-0123456789";
    const github = await startFakeGitHost("github", { token: hostToken, webhookSecret: "cli webhook secret" });
    try {
      const bare = await github.addGitRepo("acme", "cli");
      const seed = mkdtempSync(join(tmpdir(), "strand-cli-seed-"));
      const g = (cwd: string, ...args: string[]) =>
        execFileSync("git", args, {
          cwd,
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: "t",
            GIT_AUTHOR_EMAIL: "t@e",
            GIT_COMMITTER_NAME: "t",
            GIT_COMMITTER_EMAIL: "t@e",
          },
        });
      g(seed, "init", "-q", "-b", "main");
      writeFileSync(join(seed, "a.txt"), "one\n");
      g(seed, "add", ".");
      g(seed, "commit", "-qm", "first");
      g(seed, "push", "-q", bare, "main");

      const project = await json(["projects", "create", "CLI PRs"]);
      const tokenFile = join(seed, ".host-token");
      writeFileSync(tokenFile, `${hostToken}\n`);
      const imported = await runCli(
        [
          "repos",
          "import",
          project.slug,
          "cli",
          `${github.url}/acme/cli.git`,
          "--username",
          "bot",
          "--password-env",
          "CLI_UPSTREAM_TOKEN",
        ],
        { ...env, CLI_UPSTREAM_TOKEN: hostToken },
      );
      expect(imported.code, imported.stderr).toBe(0);
      const updated = await runCli(
        [
          "repos",
          "update",
          project.slug,
          "cli",
          "--host",
          "github",
          "--host-token-file",
          tokenFile,
          "--webhook-secret",
          "cli webhook secret",
        ],
        env,
      );
      expect(updated.code, updated.stderr).toBe(0);
      expect(updated.stdout).toMatch(/host\s+github \(http:\/\/127\.0\.0\.1:\d+\/api\/v3\)/);
      expect(updated.stdout).toMatch(/token\s+set/);
      const webhookUrl = /webhook\s+(\S+)/.exec(updated.stdout)?.[1] as string;
      expect(webhookUrl).toMatch(/\/api\/v1\/webhooks\/repos\/repo_/);

      const session = await json(["sessions", "create", "CLI PR", "--project", project.slug, "--no-start"]);
      const { token } = JSON.parse(readFileSync(join(env.STRAND_CONFIG_DIR as string, "credentials.json"), "utf8"));
      const clone = `${server.url}/git/${project.slug}/cli.git`.replace("http://", `http://cli:${token}@`);
      writeFileSync(join(seed, "a.txt"), "one\ntwo\n");
      g(seed, "commit", "-qam", "two");
      g(seed, "push", "-q", clone, `HEAD:refs/heads/${session.branch}`);

      const opened = await runCli(["sessions", "pull-request", session.id, "--title", "From the CLI"], env);
      expect(opened.code, opened.stderr).toBe(0);
      expect(opened.stdout).toMatch(new RegExp(`^#1 open  ${session.branch} → main\n${github.url}/acme/cli/pull/1`));
      expect(github.pulls[0]).toMatchObject({ title: "From the CLI", head: session.branch, state: "open" });
      expect((await github.sendWebhook(webhookUrl, 1, "merged")).status).toBe(200);
      const shown = await runCli(["sessions", "get", session.id], env);
      expect(shown.stdout).toMatch(/pull req\s+#1 merged/);
      const fetched = await runCli(["repos", "fetch", project.slug, "cli"], env);
      expect(fetched.code, fetched.stderr).toBe(0);
    } finally {
      await github.close();
    }
  });

  it("reports validation errors from the server", async () => {
    const r = await runCli(["sessions", "create", "x", "--memory", "1"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("memory_mb must be at least 512 MiB");
    const choice = await runCli(["sessions", "create", "x", "--desktop", "kde"], env);
    expect(choice.code).not.toBe(0);
    expect(choice.stderr).toContain("Allowed choices are xfce, sway, gnome");
  });

  it("creates, lists and revokes tokens; a revoked token stops working", async () => {
    const created = await runCli(["tokens", "create", "script", "--json"], env);
    const tok = JSON.parse(created.stdout);
    expect(tok.token).toMatch(/^strand_/);
    const list = await runCli(["tokens", "list"], env);
    expect(list.stdout).toContain("script");
    expect(list.stdout).not.toContain(tok.token);
    const withTok = await runCli(["--token", tok.token, "sessions", "list", "--json"], env);
    expect(withTok.code).toBe(0);
    expect((await runCli(["tokens", "revoke", tok.id], env)).code).toBe(0);
    const after = await runCli(["--token", tok.token, "sessions", "list"], env);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain("revoked");
  });

  it("says so when the server cannot be reached", async () => {
    const r = await runCli(["--server", "http://127.0.0.1:1", "sessions", "list"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach the Strand server at http:\/\/127\.0\.0\.1:1/);
  });
});
