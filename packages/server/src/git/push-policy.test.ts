import { describe, expect, it } from "vitest";
import { checkPush, isProtectedBranch, type PushPolicy, parsePushPolicy, type RefUpdate } from "./push-policy.js";

const Z = "0".repeat(40);
const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);
// B descends from A; C does not.
const ancestry = async (ancestor: string, descendant: string) =>
  ancestor === descendant || (ancestor === A && descendant === B);

const session: PushPolicy = { kind: "session", branch: "strand/fix-login", protectedBranches: ["main", "release/*"] };
const member: PushPolicy = { kind: "user", canPush: true, protectedBranches: ["main"] };
const viewer: PushPolicy = { kind: "user", canPush: false, protectedBranches: ["main"] };

const check = (policy: PushPolicy, ...updates: [string, string, string][]) =>
  checkPush(
    updates.map(([ref, oldSha, newSha]): RefUpdate => ({ ref, oldSha, newSha })),
    policy,
    ancestry,
  );

describe("checkPush for a session", () => {
  it("allows creating and fast-forwarding its own branch", async () => {
    expect(await check(session, ["refs/heads/strand/fix-login", Z, A])).toEqual([]);
    expect(await check(session, ["refs/heads/strand/fix-login", A, B])).toEqual([]);
  });

  it("refuses other branches, protected branches, tags, deletion and force-push", async () => {
    expect(
      await check(
        session,
        ["refs/heads/main", A, B],
        ["refs/heads/release/1.0", Z, A],
        ["refs/heads/other", Z, A],
        ["refs/tags/v1", Z, A],
        ["refs/notes/commits", Z, A],
      ),
    ).toEqual([
      { ref: "refs/heads/main", reason: "main is protected: open a merge from the Strand UI instead" },
      { ref: "refs/heads/release/1.0", reason: "release/1.0 is protected: open a merge from the Strand UI instead" },
      { ref: "refs/heads/other", reason: "a session may push only its own branch strand/fix-login" },
      { ref: "refs/tags/v1", reason: "a session may push only its own branch strand/fix-login; tags are refused" },
      { ref: "refs/notes/commits", reason: "a session may push only its own branch strand/fix-login" },
    ]);
    expect(await check(session, ["refs/heads/strand/fix-login", A, Z])).toEqual([
      { ref: "refs/heads/strand/fix-login", reason: "deleting branches is refused" },
    ]);
    const [force] = await check(session, ["refs/heads/strand/fix-login", A, C]);
    expect(force?.reason).toBe(
      "force-push refused: strand/fix-login is at aaaaaaaaaaaa, which is not an ancestor of cccccccccccc; " +
        "fetch strand/fix-login, merge it into your work and push again",
    );
  });

  it("reports an ancestry check that fails instead of letting the push through", async () => {
    const refusals = await checkPush([{ ref: "refs/heads/strand/fix-login", oldSha: A, newSha: B }], session, () =>
      Promise.reject(new Error("bad object")),
    );
    expect(refusals[0]?.reason).toMatch(/could not check that this is a fast-forward \(bad object\)/);
  });
});

describe("checkPush for a user", () => {
  it("refuses every update from a viewer", async () => {
    const refusals = await check(viewer, ["refs/heads/feature", Z, A], ["refs/tags/v1", Z, A]);
    expect(refusals.map((r) => r.reason)).toEqual([
      "you have read-only access to this repository; pushing needs member access",
      "you have read-only access to this repository; pushing needs member access",
    ]);
  });

  it("lets a member do anything to unprotected branches", async () => {
    expect(
      await check(member, ["refs/heads/feature", Z, A], ["refs/heads/feature2", A, C], ["refs/heads/old", A, Z]),
    ).toEqual([]);
  });

  it("lets protected branches only fast-forward, never be deleted", async () => {
    expect(await check(member, ["refs/heads/main", A, B])).toEqual([]);
    expect(await check(member, ["refs/heads/main", Z, A])).toEqual([]);
    expect(await check(member, ["refs/heads/main", A, C], ["refs/heads/main", A, Z])).toEqual([
      {
        ref: "refs/heads/main",
        reason:
          "main is protected: force-push refused: main is at aaaaaaaaaaaa, which is not an ancestor of cccccccccccc; " +
          "fetch main, merge it into your work and push again",
      },
      { ref: "refs/heads/main", reason: "main is protected: deleting it is refused" },
    ]);
  });

  it("lets tags be created but not moved, and refuses other namespaces", async () => {
    expect(await check(member, ["refs/tags/v1", Z, A])).toEqual([]);
    expect((await check(member, ["refs/tags/v1", A, B]))[0]?.reason).toMatch(/tags cannot be moved or deleted/);
    expect((await check(member, ["refs/strand/x", Z, A]))[0]?.reason).toMatch(/only branches .* and tags/);
  });
});

describe("parsePushPolicy", () => {
  it("round-trips a policy and rejects malformed ones", () => {
    expect(parsePushPolicy(JSON.stringify(session))).toEqual(session);
    expect(() => parsePushPolicy("{")).toThrow(/push policy is not JSON/);
    expect(() => parsePushPolicy('{"kind":"user","protectedBranches":[]}')).toThrow(/push policy is invalid: canPush/);
    expect(() =>
      parsePushPolicy('{"kind":"user","canPush":true,"protectedBranches":[],"allowForceProtected":true}'),
    ).toThrow(/allowForceProtected/);
  });
});

describe("isProtectedBranch", () => {
  it("matches exact names and * patterns", () => {
    expect(isProtectedBranch("main", ["main"])).toBe(true);
    expect(isProtectedBranch("mainline", ["main"])).toBe(false);
    expect(isProtectedBranch("release/2.0", ["release/*"])).toBe(true);
    expect(isProtectedBranch("release.x", ["release/*"])).toBe(false);
  });
});
