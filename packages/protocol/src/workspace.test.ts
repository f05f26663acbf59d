import { describe, expect, it } from "vitest";
import { AgentServerMessageSchema } from "./agent.js";

const settings = { type: "session.settings", runtime: "strand-agent", model: null, permission_mode: "autonomous" };
const workspace = {
  clone_url: "http://strand.test:8080/git/proj/app.git",
  repo: "app",
  branch: "strand/ses_1",
  base: "main",
  checkpoint: true,
  author: { name: "Strand Agent", email: "agent@strand.example" },
  co_author: { name: "Ada Owner", email: "ada@example.com" },
};

describe("session.settings workspace", () => {
  it("is optional and nullable, so servers that do not send it still speak to agentd", () => {
    expect(AgentServerMessageSchema.parse(settings)).toEqual(settings);
    expect(AgentServerMessageSchema.parse({ ...settings, workspace: null })).toMatchObject({ workspace: null });
  });

  it("carries the repo a project session works on", () => {
    expect(AgentServerMessageSchema.parse({ ...settings, workspace })).toMatchObject({ workspace });
  });

  it("takes a server path, and refuses a clone URL that is neither a URL nor a path", () => {
    expect(
      AgentServerMessageSchema.parse({ ...settings, workspace: { ...workspace, clone_url: "/git/app/app.git" } }),
    ).toMatchObject({ workspace: { clone_url: "/git/app/app.git" } });
    expect(() =>
      AgentServerMessageSchema.parse({ ...settings, workspace: { ...workspace, clone_url: "app.git" } }),
    ).toThrow();
  });
});
