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
  /** Terms to highlight in snippets besides the full-text lexemes: phrases, identifiers and plain words. */
  terms: string[];
  /** Nothing searchable was given (only operators, punctuation or emoji): the answer is empty. */
  empty: boolean;
}

/** Trigram indexes serve substrings of three characters and more; shorter ones are left to full text. */
export const MIN_EXACT_LENGTH = 3;

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
  // `-word` excludes and `or` joins; neither finds anything by itself (a query of only exclusions
  // would have to read every entry).
  const positive = words.filter((w) => !w.startsWith("-") && !/^or$/i.test(w));
  return {
    phrases: uniq(phrases),
    identifiers: uniq(identifiers),
    fullText,
    terms: uniq([...phrases, ...identifiers, ...positive]),
    empty: phrases.length === 0 && identifiers.length === 0 && positive.length === 0,
  };
}

/**
 * Looks like code rather than prose: inner `_ . / - :` (`ERR_CONN_4417`, `login.ts`, `a/b`,
 * `x-request-id`, `std::vec`), camelCase (`useSessionStore`), or letters and digits mixed (`sha256`).
 */
export function isIdentifier(token: string): boolean {
  if (token.length < MIN_EXACT_LENGTH || token.startsWith("-")) return false;
  if (/[\p{L}\p{N}][_./:\\-]+[\p{L}\p{N}]/u.test(token)) return true;
  if (/\p{Ll}\p{Lu}/u.test(token)) return true;
  return /\p{L}/u.test(token) && /\p{N}/u.test(token);
}

/** A LIKE pattern matching `s` anywhere, with LIKE's own characters escaped (backslash is the default escape). */
export function containsPattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
