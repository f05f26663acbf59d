import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isAncestor } from "./inspect.js";
import { checkPush, parsePushPolicy, type RefUpdate } from "./push-policy.js";

/**
 * The pre-receive hook's body, run by node from the hook script with the policy in STRAND_PUSH_POLICY.
 * Whatever it prints reaches the pusher as `remote:` lines; exiting non-zero refuses the whole push.
 */

/** Parses git's pre-receive input: one `<old> <new> <ref>` line per ref the push updates. */
export function parseUpdates(input: string): RefUpdate[] {
  return input
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [oldSha, newSha, ref] = line.trim().split(" ");
      if (!oldSha || !newSha || !ref) throw new Error(`unexpected pre-receive input line ${JSON.stringify(line)}`);
      return { oldSha, newSha, ref };
    });
}

// Pushed objects wait in a quarantine directory until the hook accepts them; git tells the hook where
// through these, and ancestry checks on the new commits can only see them with the same variables.
const QUARANTINE_VARS = ["GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES"];

/** Checks the pushed updates; returns the lines to print and the exit code. */
export async function runPreReceive(
  input: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ lines: string[]; exitCode: number }> {
  let policy: ReturnType<typeof parsePushPolicy>;
  try {
    policy = parsePushPolicy(env.STRAND_PUSH_POLICY ?? "");
  } catch (err) {
    // Without a readable policy nothing is allowed: a broken server must not mean an open repository.
    return { lines: [`strand: push refused: ${(err as Error).message} (a server bug; report it)`], exitCode: 1 };
  }
  const gitDir = resolve(cwd, env.GIT_DIR ?? ".");
  const gitEnv: Record<string, string | undefined> = {};
  for (const name of QUARANTINE_VARS) gitEnv[name] = env[name];
  const refusals = await checkPush(parseUpdates(input), policy, (ancestor, descendant) =>
    isAncestor(gitDir, ancestor, descendant, { env: gitEnv }),
  );
  return {
    lines: refusals.map((r) => `strand: refused ${r.ref}: ${r.reason}`),
    exitCode: refusals.length > 0 ? 1 : 0,
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function main(): Promise<void> {
  try {
    const { lines, exitCode } = await runPreReceive(await readStdin(), process.env, process.cwd());
    for (const line of lines) process.stderr.write(`${line}\n`);
    process.exitCode = exitCode;
  } catch (err) {
    process.stderr.write(`strand: push refused: the push policy check failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(resolve(entry)).href) void main();
