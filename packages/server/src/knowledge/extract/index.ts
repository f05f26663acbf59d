/*
 * Uploaded bytes → extracted documents (docs/knowledge.md, "Files"). A single file yields one
 * ExtractedFile, a zip one per member file; a file that cannot be indexed carries its reason in
 * `error` so the rest of an archive still indexes. What refuses the whole upload (too large, a zip
 * bomb, an unsafe path in a zip) throws ExtractError instead.
 */
import { ExtractError, type ExtractedDocument } from "../types.js";
import { extractDocx } from "./docx.js";
import { extractHtml } from "./html.js";
import { extractMarkdown } from "./markdown.js";
import { extractPdf } from "./pdf.js";
import { CODE_LANGUAGES, decodeText, extractText, TEXT_EXTENSIONS } from "./text.js";
import { isZip, readZip } from "./zip.js";

export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

export interface UploadLimits {
  /** The upload itself (a file or a zip as sent). */
  maxUploadBytes: number;
  /** Files in one zip. */
  maxMembers: number;
  /** All of a zip's members once inflated. */
  maxTotalUncompressedBytes: number;
  /** A member inflating beyond this many times its compressed size is a zip bomb. */
  maxRatio: number;
}

export const UPLOAD_LIMITS: Readonly<UploadLimits> = Object.freeze({
  maxUploadBytes: MAX_UPLOAD_BYTES,
  maxMembers: 2000,
  maxTotalUncompressedBytes: 512 * 1024 * 1024,
  maxRatio: 200,
});

export interface ExtractedFile {
  /** The file name as uploaded, or the member's path inside the zip. */
  path: string;
  byteSize: number;
  document?: ExtractedDocument;
  error?: string;
}

/** What a file is, from its magic bytes first (a PDF named .txt is a PDF), then its extension. */
export type FileKind = "pdf" | "docx" | "zip" | "markdown" | "html" | "text" | "code";

export function detectKind(filename: string, bytes: Uint8Array): FileKind | null {
  const base = basename(filename).toLowerCase();
  const ext = extension(base);
  if (startsWith(bytes, "%PDF-")) return "pdf";
  if (isZip(bytes)) return ext === "docx" ? "docx" : ext === "zip" ? "zip" : looksLikeDocx(bytes) ? "docx" : "zip";
  if (ext === "pdf" || ext === "docx") return ext; // named so but not so inside: its parser says what is wrong
  if (ext === "zip") return "zip";
  if (ext === "md" || ext === "markdown" || ext === "mdx") return "markdown";
  if (ext === "html" || ext === "htm" || ext === "xhtml") return "html";
  if (CODE_LANGUAGES[ext] || CODE_LANGUAGES[base]) return "code";
  if (TEXT_EXTENSIONS.has(ext) || ext === "") return isBinary(bytes) ? null : "text";
  // An unknown extension is indexed as text when it is text (README.1st, .properties, …).
  return isBinary(bytes) ? null : "text";
}

/** One file (not a zip) → its document; throws ExtractError with the reason it cannot be indexed. */
export async function extractFile(filename: string, bytes: Uint8Array): Promise<ExtractedDocument> {
  const kind = detectKind(filename, bytes);
  const title = basename(filename);
  switch (kind) {
    case "pdf":
      return extractPdf(title, bytes);
    case "docx":
      return extractDocx(title, bytes);
    case "markdown":
      return extractMarkdown(title, decodeText(bytes));
    case "html":
      return extractHtml(title, decodeText(bytes));
    case "code": {
      const base = basename(filename).toLowerCase();
      return extractText(title, decodeText(bytes), CODE_LANGUAGES[extension(base)] ?? CODE_LANGUAGES[base]);
    }
    case "text":
      return extractText(title, decodeText(bytes));
    case "zip":
      throw new ExtractError("nested zip archives are not followed; upload the inner archive on its own");
    default:
      throw new ExtractError(
        "unsupported file type (supported: PDF, DOCX, Markdown, HTML, plain text, source code, zip)",
      );
  }
}

export async function extractUpload(
  filename: string,
  bytes: Uint8Array,
  limits: Partial<UploadLimits> = {},
): Promise<ExtractedFile[]> {
  const l: UploadLimits = { ...UPLOAD_LIMITS, ...limits };
  if (bytes.length > l.maxUploadBytes) {
    throw new ExtractError(
      `the upload is ${megabytes(bytes.length)} MB; the limit is ${megabytes(l.maxUploadBytes)} MB`,
    );
  }
  if (detectKind(filename, bytes) !== "zip") return [await one(filename, bytes)];
  const out: ExtractedFile[] = [];
  for (const member of readZip(bytes, l)) {
    if (member.bytes === null) {
      out.push({ path: member.path, byteSize: member.size, error: member.error ?? "the zip member cannot be read" });
      continue;
    }
    out.push(await one(member.path, member.bytes));
  }
  return out;
}

async function one(path: string, bytes: Uint8Array): Promise<ExtractedFile> {
  try {
    return { path, byteSize: bytes.length, document: await extractFile(path, bytes) };
  } catch (err) {
    if (err instanceof ExtractError) return { path, byteSize: bytes.length, error: err.message };
    throw err;
  }
}

function basename(path: string): string {
  return path.replace(/\\/g, "/").split("/").pop() || path;
}

function extension(base: string): string {
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1) : "";
}

function startsWith(bytes: Uint8Array, magic: string): boolean {
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic.charCodeAt(i)) return false;
  return true;
}

function looksLikeDocx(bytes: Uint8Array): boolean {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, Math.min(bytes.length, 64 * 1024)));
  return head.includes("word/document.xml") || (head.includes("[Content_Types].xml") && head.includes("word/"));
}

function isBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

function megabytes(n: number): string {
  return (n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0);
}
