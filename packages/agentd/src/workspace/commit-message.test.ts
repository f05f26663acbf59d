import { describe, expect, it } from "vitest";
import { checkpointMessage } from "./commit-message.js";

const owner = { name: "Ada Owner", email: "ada@example.com" };

describe("checkpointMessage", () => {
  it("keeps a short one-line prompt as the subject alone, with the trailer", () => {
    expect(checkpointMessage("Fix the login test", owner)).toBe(
      "Fix the login test\n\nCo-authored-by: Ada Owner <ada@example.com>\n",
    );
  });

  it("folds a multi-line prompt into a subject of at most 72 characters and keeps it whole below", () => {
    const prompt = `Refactor the session scheduler\nso that it\tplaces sessions on the least loaded node and explains why`;
    const [subject = "", blank, ...rest] = checkpointMessage(prompt, null).split("\n");
    expect(subject).toBe("Refactor the session scheduler so that it places sessions on the least…");
    expect([...subject].length).toBeLessThanOrEqual(72);
    expect(blank).toBe("");
    expect(rest.join("\n")).toBe(`${prompt}\n`);
  });

  it("cuts the body at 2 KB on a character boundary", () => {
    const prompt = "é".repeat(3000);
    const body = checkpointMessage(prompt, null).split("\n\n")[1]?.trimEnd() ?? "";
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(2048);
    expect(body.endsWith("é…")).toBe(true);
  });

  it("names an empty prompt a checkpoint", () => {
    expect(checkpointMessage("  \n ", null)).toBe("Checkpoint\n");
  });
});
