import { describe, expect, it } from "vitest";
import {
  containsPattern,
  identifierLexemes,
  identifierTsquery,
  isIdentifier,
  MAX_IDENTIFIER_LEXEMES,
  parseQuery,
} from "./parse-query.js";

describe("parseQuery", () => {
  it("splits phrases, identifiers and words", () => {
    const p = parseQuery('"connection refused" ERR_CONN_4417 in src/auth/login.ts, useSessionStore retry');
    expect(p.phrases).toEqual(["connection refused"]);
    expect(p.identifiers).toEqual(["ERR_CONN_4417", "src/auth/login.ts", "useSessionStore"]);
    expect(p.fullText).toBe('"connection refused" ERR_CONN_4417 src/auth/login.ts useSessionStore in retry');
    expect(p.terms).toEqual([
      "connection refused",
      "ERR_CONN_4417",
      "src/auth/login.ts",
      "useSessionStore",
      "in",
      "retry",
    ]);
    expect(p.empty).toBe(false);
  });

  it("reads junk without failing, and only operators as empty", () => {
    for (const q of ["&|!:*()", '"""', '"', "😀😀", "-", "-foo", "or", '" "']) {
      expect(parseQuery(q).empty, q).toBe(true);
    }
    const sqlish = parseQuery("'; drop table x; --");
    expect(sqlish.empty).toBe(false);
    expect(sqlish.terms).toEqual(["drop", "table", "x"]);
    const unbalanced = parseQuery('"deploy failed');
    expect(unbalanced.phrases).toEqual([]);
    expect(unbalanced.terms).toEqual(["deploy", "failed"]);
    expect(parseQuery("x".repeat(10_000)).terms).toHaveLength(1);
  });

  it("keeps short quoted text as words (trigrams need three characters)", () => {
    const p = parseQuery('"ab" cd');
    expect(p.phrases).toEqual([]);
    expect(p.terms).toEqual(["ab", "cd"]);
  });
});

describe("isIdentifier", () => {
  it.each([
    ["ERR_CONN_4417", true],
    ["src/auth/login.ts", true],
    ["useSessionStore", true],
    ["sha256", true],
    ["x-request-id", true],
    ["std::vec", true],
    ["hello", false],
    ["Hello", false],
    ["a_b", false],
    ["I/O", false],
    ["a_bc1", true],
    ["ab", false],
    ["2026", false],
  ])("%s → %s", (token, want) => expect(isIdentifier(token)).toBe(want));
});

it("escapes LIKE's own characters", () => {
  expect(containsPattern("50%_off\\")).toBe("%50\\%\\_off\\\\%");
});

describe("identifierLexemes", () => {
  it("keeps identifiers whole, with the parts a person searches for", () => {
    const l = identifierLexemes(
      'Error: ERR_CONN_4417 at src/auth/login.ts:12 (code=useSessionStore), "int_value" and hello',
    );
    expect(l).toEqual(
      expect.arrayContaining([
        "err_conn_4417",
        "src/auth/login.ts:12",
        "src/auth/login.ts",
        "src/auth",
        "auth/login.ts",
        "login.ts",
        "code=usesessionstore",
        "usesessionstore",
        "int_value",
      ]),
    );
    expect(l).not.toContain("hello");
    expect(l).not.toContain("error");
  });

  it("is bounded for a text full of identifiers", () => {
    const text = Array.from({ length: 5000 }, (_, i) => `var_${i}`).join(" ");
    expect(identifierLexemes(text)).toHaveLength(MAX_IDENTIFIER_LEXEMES);
  });
});

it("quotes identifiers for tsquery's input syntax", () => {
  expect(identifierTsquery(["ERR_X_1", "it's\\x"])).toBe("'err_x_1' | 'it''s\\\\x'");
});
