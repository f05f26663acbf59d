import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitCommandError, runGit } from "./run-git.js";
import { makeTempDir } from "./test-kit.js";

describe("runGit", () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const saved = { ...process.env };
  beforeAll(async () => {
    tmp = await makeTempDir();
    await writeFile(join(tmp.path, ".gitconfig"), "[user]\n\tname = Leaky User\n[alias]\n\tst = status\n");
    await mkdir(join(tmp.path, "xdg", "git"), { recursive: true });
    await writeFile(join(tmp.path, "xdg", "git", "config"), "[core]\n\teditor = leaky-editor\n");
  });
  afterAll(async () => {
    process.env = saved;
    await tmp?.remove();
  });

  it("keeps the server user's config and git variables away from git", async () => {
    process.env.HOME = tmp.path;
    process.env.XDG_CONFIG_HOME = join(tmp.path, "xdg");
    process.env.GIT_DIR = "/nonexistent";
    process.env.GIT_CONFIG_PARAMETERS = "'user.email'='leaky@example.test'";
    try {
      const { stdout } = await runGit(["config", "--list", "--show-origin"], { cwd: tmp.path });
      expect(stdout).not.toMatch(/Leaky|leaky/);
      const err = await runGit(["config", "--get", "user.name"], { cwd: tmp.path }).catch((e) => e);
      expect(err).toBeInstanceOf(GitCommandError);
      expect(err.exitCode).toBe(1);
      const env = await runGit(["var", "GIT_EDITOR"], { cwd: tmp.path, env: { GIT_EDITOR: "true" } });
      expect(env.stdout.trim()).toBe("true");
    } finally {
      process.env = { ...saved };
    }
  });

  it("feeds input and reports failures with git's own message", async () => {
    const { stdout } = await runGit(["hash-object", "--stdin"], { input: "hello\n" });
    expect(stdout.trim()).toBe("ce013625030ba8dba906f756967f9e9ca394464a");
    const err = await runGit(["rev-parse", "--verify", "nope"], { cwd: tmp.path }).catch((e) => e);
    expect(err).toBeInstanceOf(GitCommandError);
    expect(err.args).toEqual(["rev-parse", "--verify", "nope"]);
    expect(err.exitCode).toBe(128);
    expect(err.message).toMatch(/^git rev-parse --verify nope exited 128: fatal: not a git repository/);
  });

  it("kills git after the timeout", async () => {
    // The alias runs through a shell whose sleep holds the pipes too: the whole group must die.
    const err = await runGit(["-c", "alias.wait=!sleep 30", "wait"], { timeoutMs: 200 }).catch((e) => e);
    expect(err).toBeInstanceOf(GitCommandError);
    expect(err.timedOut).toBe(true);
    expect(err.message).toMatch(/timed out and was killed/);
  });
});
