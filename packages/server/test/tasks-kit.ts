import { join } from "node:path";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { connectAgent, type ScriptedAgent, sessionToken } from "../../../test/support/agent-socket.js";
import type { Caller } from "../../../test/support/http.js";
import type { TestServer } from "../../../test/support/server.js";
import { until } from "../../../test/support/wait.js";
import { sessions } from "../src/db/schema.js";
import { commitFiles, git, gitResult } from "../src/git/test-kit.js";

export const withToken = (url: string, token: string) => url.replace("http://", `http://strand:${token}@`);

/** Polls the task until `ok` holds (its state moved, a reason appeared). */
export function taskUntil(call: Caller, id: string, ok: (task: any) => boolean, what: string, ms = 15_000) {
  return until(async () => (await call("GET", `/api/v1/tasks/${id}`)).body, ok, what, ms);
}

export const inState = (call: Caller, id: string, state: string) =>
  taskUntil(call, id, (t) => t.state === state, `task ${id} in ${state}`);

/**
 * Plays the desktop of a task's session: makes the session reachable (as a node would), connects a
 * scripted agentd with the session's own token, and keeps a clone on the task branch to push from
 * as the agent's checkpoint does.
 */
export class TaskAgent {
  private constructor(
    readonly sessionId: string,
    readonly token: string,
    readonly agent: ScriptedAgent,
    readonly work: string,
    readonly branch: string,
  ) {}

  static async connect(t: TestServer, tmp: string, task: any, cloneUrl: string, instance = "agentd-1") {
    expect(task.session_id, "the task has a session").toBeTruthy();
    const db = t.server.database.db;
    const [s] = await db.select().from(sessions).where(eq(sessions.id, task.session_id));
    if (!s) throw new Error(`session ${task.session_id} is missing`);
    // No sandbox node in these tests: the session is put where a node would put it before agentd dials in.
    if (s.state === "pending") await db.update(sessions).set({ state: "starting" }).where(eq(sessions.id, s.id));
    const token = await sessionToken(db, s.ownerId, s.id);
    const agent = await connectAgent(t.url, s.id, token, instance);
    const work = join(tmp, `${s.id}-${instance}`);
    await git(tmp, "clone", "--quiet", withToken(cloneUrl, token), work);
    await git(work, "switch", "--quiet", task.branch);
    return new TaskAgent(s.id, token, agent, work, task.branch);
  }

  /** Waits for the n-th prompt, starts its turn, pushes `files` (if any), and ends the turn. */
  async turn(n: number, files: Record<string, string | null> | null, opts: { finish?: boolean } = {}) {
    const prompt = await this.agent.prompt(n, 10_000);
    expect((await this.agent.call({ type: "turn.started", turn_id: prompt.turn_id })).error).toBeUndefined();
    if (files) await this.push(files, `agent: turn ${n}`);
    if (opts.finish !== false) {
      await this.agent.call({ type: "turn.finished", turn_id: prompt.turn_id, stop_reason: "end_turn" });
    }
    return prompt;
  }

  async push(files: Record<string, string | null>, message: string) {
    await git(this.work, "pull", "--quiet", "--no-rebase", "origin", this.branch).catch(() => undefined);
    await commitFiles(this.work, files, message);
    const pushed = await gitResult(this.work, "push", "origin", this.branch);
    expect(pushed.ok, pushed.stderr).toBe(true);
    return (await git(this.work, "rev-parse", "HEAD")).trim();
  }

  close() {
    this.agent.ws.ws.terminate();
  }
}

export const SPEC = {
  requirements: "# Requirements\n\n- The greeting says hello.\n",
  design: "# Design\n\nA function `greet()` in src/greet.js.\n",
  tasks: "# Tasks\n\n- [ ] Write greet()\n  - [ ] Test it\n- [ ] Document it\n",
};
