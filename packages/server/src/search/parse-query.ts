/**
 * What a search box's text asks for (docs/search.md#query-syntax). Pure: no SQL is built here, and
 * nothing here can fail; whatever cannot be understood is left to `websearch_to_tsquery`, which
 * takes any text.
 */
export interface ParsedQuery {
  /** `"quoted phrases"`: each must occur in the entry, exactly (case-insensitive). */
  phrases: string[];
  /**
   * Identifiers, paths, error codes (`ERR_CONN_4417`, `src/auth/login.ts`, `useSessionStore`):
   * an entry containing one exactly ranks above entries that only share its words.
   */
  identifiers: string[];
  /** The text for `websearch_to_tsquery` (words, phrases, identifiers; `-word` and `or` as it reads them). */
  fullText: string;
  /** `fullText` without the identifiers: the words and phrases as websearch_to_tsquery reads them. */
  wordText: string;
  /** Terms to highlight in snippets besides the full-text lexemes: phrases, identifiers and plain words. */
  terms: string[];
  /** Nothing searchable was given (only operators, punctuation or emoji): the answer is empty. */
  empty: boolean;
}

/** Trigram indexes serve substrings of three characters and more; shorter ones are left to full text. */
export const MIN_EXACT_LENGTH = 3;
/**
 * An identifier shorter than this is searched as words: its one or two trigrams are in most entries
 * (`I/O` in 887k of 1M in bench/search), so the trigram index cannot narrow anything down.
 */
export const MIN_IDENTIFIER_LENGTH = 5;

const HAS_WORD = /[\p{L}\p{N}]/u;
// Punctuation around a token that is not part of it: `(foo)`, `bar,`, `"baz`, `end.`
const EDGE_PUNCT = /^[\s"'`()[\]{}<>,;!?*&|~^+=]+|[\s"'`()[\]{}<>,;!?*&|~^+=.:]+$/gu;

export function parseQuery(q: string): ParsedQuery {
  const phrases: string[] = [];
  const rest: string[] = [];
  // Pairs of quotes are phrases; a lone last quote is just a character.
  const re = /"([^"]*)"/g;
  let last = 0;
  for (let m = re.exec(q); m; m = re.exec(q)) {
    rest.push(q.slice(last, m.index));
    const phrase = (m[1] ?? "").trim().replace(/\s+/g, " ");
    if (phrase.length >= MIN_EXACT_LENGTH && HAS_WORD.test(phrase)) phrases.push(phrase);
    else if (phrase) rest.push(phrase);
    last = re.lastIndex;
  }
  rest.push(q.slice(last).replaceAll('"', " "));

  const identifiers: string[] = [];
  const words: string[] = [];
  for (const raw of rest.join(" ").split(/\s+/)) {
    if (!raw) continue;
    const token = raw.replace(EDGE_PUNCT, "");
    if (!token || !HAS_WORD.test(token)) continue;
    if (isIdentifier(token)) identifiers.push(token);
    else words.push(raw.startsWith("-") ? `-${token.replace(/^-+/, "")}` : token);
  }
  const uniq = (xs: string[]) => [...new Map(xs.map((x) => [x.toLowerCase(), x])).values()];
  const fullText = [...phrases.map((p) => `"${p}"`), ...identifiers, ...words].join(" ");
  const wordText = [...phrases.map((p) => `"${p}"`), ...words].join(" ");
  // `-word` excludes and `or` joins; neither finds anything by itself (a query of only exclusions
  // would have to read every entry).
  const positive = words.filter((w) => !w.startsWith("-") && !/^or$/i.test(w));
  return {
    phrases: uniq(phrases),
    identifiers: uniq(identifiers),
    fullText,
    wordText,
    terms: uniq([...phrases, ...identifiers, ...positive]),
    empty: phrases.length === 0 && identifiers.length === 0 && positive.length === 0,
  };
}

/**
 * Looks like code rather than prose: inner `_ . / - :` (`ERR_CONN_4417`, `login.ts`, `a/b`,
 * `x-request-id`, `std::vec`), camelCase (`useSessionStore`), or letters and digits mixed (`sha256`).
 */
export function isIdentifier(token: string): boolean {
  if (token.length < MIN_IDENTIFIER_LENGTH || token.startsWith("-")) return false;
  if (/[\p{L}\p{N}][_./:\\-]+[\p{L}\p{N}]/u.test(token)) return true;
  if (/\p{Ll}\p{Lu}/u.test(token)) return true;
  return /\p{L}/u.test(token) && /\p{N}/u.test(token);
}

/** At most this many identifier lexemes per entry (a minified bundle or a hex dump is not worth more). */
export const MAX_IDENTIFIER_LEXEMES = 256;
const MAX_LEXEME_LENGTH = 200;
// Inside a token: what joins an identifier to its neighbours (`code=ERR_X`, `at login.ts:12`, `f(a_b,c_d)`).
const INNER_SEPARATORS = /[=:,;()[\]{}<>"'`|]+/u;

/**
 * The identifiers of a text as whole lexemes (docs/search.md#identifiers), lowercased, for the
 * entry's tsvector: `ERR_CONN_4417`, `login.ts:12` and its `login.ts`, and for a path
 * `src/auth/login.ts` also its directories (`src/auth`) and tails (`auth/login.ts`, `login.ts`).
 * The full-text parser cuts such tokens into words (`int_value` → `int`, `valu`), and their
 * trigrams are those of common words, so neither index could find one exact identifier among a
 * million entries; a lexeme of its own is one posting list. The same `isIdentifier` reads queries.
 */
export function identifierLexemes(text: string): string[] {
  const out = new Set<string>();
  const add = (t: string) => {
    const token = t.replace(EDGE_PUNCT, "");
    if (token.length <= MAX_LEXEME_LENGTH && isIdentifier(token)) out.add(token.toLowerCase());
  };
  for (const raw of text.split(/\s+/)) {
    if (out.size >= MAX_IDENTIFIER_LEXEMES) break;
    if (raw.length < MIN_IDENTIFIER_LENGTH) continue;
    add(raw);
    const pieces = raw.split(INNER_SEPARATORS);
    for (const piece of pieces.length > 1 ? pieces : [raw]) {
      if (pieces.length > 1) add(piece);
      const parts = piece.replace(EDGE_PUNCT, "").split("/");
      for (let i = 1; i < parts.length; i++) {
        add(parts.slice(0, i).join("/"));
        add(parts.slice(i).join("/"));
      }
    }
  }
  return [...out].slice(0, MAX_IDENTIFIER_LEXEMES);
}

/**
 * A tsquery matching any of the identifiers as whole lexemes (`'err_conn_4417' | 'login.ts'`), in
 * tsquery's input syntax: each quoted, with its quotes and backslashes escaped. Passed as a
 * parameter and cast, so nothing in it is SQL.
 */
export function identifierTsquery(identifiers: readonly string[]): string {
  return identifiers.map((i) => `'${i.toLowerCase().replace(/\\/g, "\\\\").replace(/'/g, "''")}'`).join(" | ");
}

/** A LIKE pattern matching `s` anywhere, with LIKE's own characters escaped (backslash is the default escape). */
export function containsPattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
