import { describe, expect, it } from "vitest";
import { assertProjectSlug, assertRepoName, InvalidNameError, validateBranchName } from "./names.js";

describe("assertRepoName", () => {
  it("accepts lowercase names with . _ -", () => {
    for (const name of ["app", "my-app", "a.b_c", "0", "x".repeat(63)]) expect(assertRepoName(name)).toBe(name);
    expect(assertProjectSlug("acme-corp")).toBe("acme-corp");
  });

  it("refuses anything else and says what is allowed", () => {
    for (const name of ["", "App", "-x", ".x", "a..b", "a/b", "x.git", "x".repeat(64), "a b"]) {
      expect(() => assertRepoName(name)).toThrow(InvalidNameError);
    }
    expect(() => assertRepoName("My Repo")).toThrow(
      /repository name "My Repo" is not allowed: use 1-63 characters of lowercase letters, digits/,
    );
  });
});

describe("validateBranchName", () => {
  it("accepts git branch names", async () => {
    for (const name of ["main", "strand/fix-login", "feature/a.b", "v1.2"]) {
      expect(await validateBranchName(name)).toBe(name);
    }
  });

  it("refuses what git refuses, with the rules in the message", async () => {
    for (const name of ["", "-x", "a..b", "a b", "a~1", "x.lock", "a/", "@{-1}", "HEAD", "refs/heads/main", "a:b"]) {
      await expect(validateBranchName(name), name).rejects.toBeInstanceOf(InvalidNameError);
    }
    await expect(validateBranchName("a..b")).rejects.toThrow(/branch name "a\.\.b" is not allowed: .*'\.\.'/);
  });
});
