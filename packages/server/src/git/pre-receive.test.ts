import { describe, expect, it } from "vitest";
import { parseUpdates, runPreReceive } from "./pre-receive.js";

const Z = "0".repeat(40);
const A = "a".repeat(40);

describe("pre-receive entry", () => {
  it("parses git's update lines", () => {
    expect(parseUpdates(`${Z} ${A} refs/heads/x\n${A} ${Z} refs/tags/v1\n`)).toEqual([
      { oldSha: Z, newSha: A, ref: "refs/heads/x" },
      { oldSha: A, newSha: Z, ref: "refs/tags/v1" },
    ]);
    expect(() => parseUpdates("garbage\n")).toThrow(/unexpected pre-receive input/);
  });

  it("refuses everything when the policy is missing or unreadable", async () => {
    for (const policy of [undefined, "{", '{"kind":"admin"}']) {
      const result = await runPreReceive(`${Z} ${A} refs/heads/x\n`, { STRAND_PUSH_POLICY: policy }, "/");
      expect(result.exitCode).toBe(1);
      expect(result.lines[0]).toMatch(/^strand: push refused: push policy is (not JSON|invalid)/);
    }
  });

  it("prints one refusal line per refused ref", async () => {
    const policy = JSON.stringify({ kind: "session", branch: "strand/a", protectedBranches: ["main"] });
    const result = await runPreReceive(
      `${Z} ${A} refs/heads/main\n${Z} ${A} refs/heads/strand/a\n${Z} ${A} refs/tags/t\n`,
      { STRAND_PUSH_POLICY: policy },
      "/",
    );
    expect(result).toEqual({
      exitCode: 1,
      lines: [
        "strand: refused refs/heads/main: main is protected: open a merge from the Strand UI instead",
        "strand: refused refs/tags/t: a session may push only its own branch strand/a; tags are refused",
      ],
    });
  });
});
