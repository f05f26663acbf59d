/*
 * Plain text and source code: one section each. Code keeps its lines as they are (indentation is
 * meaning there) and is labelled with its language so a hit says what it is.
 */
import { ExtractError, type ExtractedDocument } from "../types.js";

/** Source code by extension → the language named in its label and metadata. */
export const CODE_LANGUAGES: Record<string, string> = {
  ts: "TypeScript",
  tsx: "TypeScript",
  mts: "TypeScript",
  cts: "TypeScript",
  js: "JavaScript",
  jsx: "JavaScript",
  mjs: "JavaScript",
  cjs: "JavaScript",
  py: "Python",
  go: "Go",
  rs: "Rust",
  java: "Java",
  kt: "Kotlin",
  kts: "Kotlin",
  scala: "Scala",
  c: "C",
  h: "C",
  cc: "C++",
  cpp: "C++",
  cxx: "C++",
  hpp: "C++",
  cs: "C#",
  rb: "Ruby",
  php: "PHP",
  swift: "Swift",
  sh: "Shell",
  bash: "Shell",
  zsh: "Shell",
  ps1: "PowerShell",
  sql: "SQL",
  json: "JSON",
  yaml: "YAML",
  yml: "YAML",
  toml: "TOML",
  xml: "XML",
  css: "CSS",
  scss: "SCSS",
  lua: "Lua",
  r: "R",
  pl: "Perl",
  ex: "Elixir",
  exs: "Elixir",
  erl: "Erlang",
  hs: "Haskell",
  clj: "Clojure",
  dart: "Dart",
  vue: "Vue",
  svelte: "Svelte",
  proto: "Protocol Buffers",
  graphql: "GraphQL",
  tf: "Terraform",
  dockerfile: "Dockerfile",
  makefile: "Makefile",
};

export const TEXT_EXTENSIONS = new Set([
  "txt",
  "text",
  "log",
  "csv",
  "tsv",
  "rst",
  "adoc",
  "org",
  "ini",
  "cfg",
  "conf",
  "env",
]);

export const NO_TEXT = "no text could be extracted (a scanned PDF without OCR?)";
export const EMPTY_FILE = "no text could be extracted (the file is empty or only whitespace)";

/** Decodes UTF-8 (a BOM dropped); invalid bytes become U+FFFD rather than failing the file. */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder("utf-8").decode(bytes);
}

export function extractText(title: string, text: string, language?: string): ExtractedDocument {
  if (text.trim() === "") throw new ExtractError(EMPTY_FILE);
  if (language) {
    return {
      format: "code",
      title,
      sections: [{ headings: [], label: language, text }],
      metadata: { language },
    };
  }
  return { format: "text", title, sections: [{ headings: [], text }], metadata: {} };
}
