import { createServer, type IncomingHttpHeaders } from "node:http";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeGitHost, type FakePullState, startFakeGitHost } from "../../../../test/support/fake-git-hosts.js";
import { createHost } from "./create-host.js";
import type { HostKind } from "./types.js";
import { parseWebhook, verifyWebhook } from "./webhooks.js";

const secret = "hook-secret";
const token = "tok";

/** A receiver that keeps what arrived, byte for byte, as a webhook endpoint sees it. */
const received: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    received.push({ headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(204).end();
  });
});
let hookUrl = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  if (address === null || typeof address === "string") throw new Error("receiver has no port");
  hookUrl = `http://127.0.0.1:${address.port}/hooks`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const owners: Record<HostKind, string> = { github: "acme", gitea: "acme", gitlab: "acme/platform" };

describe.each(["github", "gitlab", "gitea"] as const)("%s webhooks", (kind) => {
  let fake: FakeGitHost;
  const owner = owners[kind];
  let number = 0;

  beforeEach(async () => {
    received.length = 0;
    fake = await startFakeGitHost(kind, { token, webhookSecret: secret });
    fake.addRepo(owner, "app", ["main", "feature"]);
    const host = createHost(kind, { apiBase: fake.apiBase, owner, repo: "app", token });
    number = (await host.open({ head: "feature", base: "main", title: "t", body: "" })).number;
  });
  afterEach(() => fake.close());

  async function deliver(state: FakePullState) {
    const reply = await fake.sendWebhook(hookUrl, number, state);
    expect(reply.status).toBe(204);
    return received.at(-1)!;
  }

  it("accepts a delivery signed with the secret and reads the merge from it", async () => {
    const { headers, body } = await deliver("merged");
    expect(verifyWebhook(kind, headers, body, secret)).toBe(true);
    expect(parseWebhook(kind, headers, JSON.parse(body.toString()))).toEqual({
      repo: `${owner}/app`,
      number,
      state: "merged",
    });
  });

  it("refuses a delivery whose body was changed on the way", async () => {
    const { headers, body } = await deliver("closed");
    const tampered = Buffer.from(body.toString().replace('"closed"', '"merged"'));
    expect(tampered.equals(body)).toBe(false);
    // GitLab does not sign bodies: its token proves the sender, not the content.
    expect(verifyWebhook(kind, headers, tampered, secret)).toBe(kind === "gitlab");
  });

  it("refuses a delivery made with another secret", async () => {
    const { headers, body } = await deliver("closed");
    expect(verifyWebhook(kind, headers, body, "another-secret")).toBe(false);
    expect(verifyWebhook(kind, headers, body, "")).toBe(false);
  });

  it("refuses a delivery that carries no signature or token", async () => {
    const { headers, body } = await deliver("closed");
    const bare = Object.fromEntries(
      Object.entries(headers).filter(([k]) => !/signature|token/i.test(k)),
    ) as IncomingHttpHeaders;
    expect(verifyWebhook(kind, bare, body, secret)).toBe(false);
  });

  it("reads a close, a reopen and an open", async () => {
    const closed = await deliver("closed");
    expect(parseWebhook(kind, closed.headers, JSON.parse(closed.body.toString()))).toMatchObject({ state: "closed" });
    const reopened = await deliver("open");
    expect(parseWebhook(kind, reopened.headers, JSON.parse(reopened.body.toString()))).toMatchObject({
      number,
      state: "open",
    });
    const opened = fake.webhook(number, "open");
    expect(parseWebhook(kind, opened.headers, JSON.parse(opened.body.toString()))).toMatchObject({ state: "open" });
  });

  it("ignores events that are not a pull request changing state", async () => {
    const { headers, body } = fake.webhook(number, "merged");
    const payload = JSON.parse(body.toString());
    const eventHeader = { github: "x-github-event", gitea: "x-gitea-event", gitlab: "x-gitlab-event" }[kind];
    const otherEvent = { github: "push", gitea: "push", gitlab: "Push Hook" }[kind];
    expect(parseWebhook(kind, { ...headers, [eventHeader]: otherEvent }, payload)).toBeNull();
    const edited =
      kind === "gitlab"
        ? { ...payload, object_attributes: { ...payload.object_attributes, action: "update" } }
        : { ...payload, action: "edited" };
    expect(parseWebhook(kind, headers, edited)).toBeNull();
    expect(parseWebhook(kind, headers, { zen: "Keep it logically awesome." })).toBeNull();
    expect(parseWebhook(kind, headers, "not json")).toBeNull();
  });
});

describe("webhook details", () => {
  it("GitHub: a ping is not a pull request event", () => {
    expect(parseWebhook("github", { "X-GitHub-Event": "ping" }, { zen: "hi", hook_id: 1 })).toBeNull();
  });

  it("Gitea: the GitHub-style signature header alone is enough", async () => {
    const fake = await startFakeGitHost("gitea", { token, webhookSecret: secret });
    try {
      fake.addRepo("acme", "app", ["main", "b"]);
      const n = (
        await createHost("gitea", { apiBase: fake.apiBase, owner: "acme", repo: "app", token }).open({
          head: "b",
          base: "main",
          title: "t",
          body: "",
        })
      ).number;
      const { headers, body } = fake.webhook(n, "merged");
      const { "x-gitea-signature": _g, "x-gogs-signature": _s, ...githubStyle } = headers;
      expect(verifyWebhook("gitea", githubStyle, body, secret)).toBe(true);
      expect(verifyWebhook("gitea", { ...headers, "x-gitea-signature": "00".repeat(32) }, body, secret)).toBe(false);
    } finally {
      await fake.close();
    }
  });

  it("header names match whatever their case", () => {
    const body = Buffer.from("{}");
    expect(verifyWebhook("gitlab", { "X-Gitlab-Token": secret }, body, secret)).toBe(true);
    expect(verifyWebhook("gitlab", { "X-Gitlab-Token": `${secret}x` }, body, secret)).toBe(false);
    expect(verifyWebhook("github", { "X-Hub-Signature-256": "sha256=zz" }, body, secret)).toBe(false);
  });
});
