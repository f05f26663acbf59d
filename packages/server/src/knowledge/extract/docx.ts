/*
 * DOCX → sections through mammoth, which maps Word's Heading 1–6 styles to h1–h6; the HTML is then
 * read like any other HTML so that both formats split by headings the same way.
 */
import mammoth from "mammoth";
import { ExtractError, type ExtractedDocument } from "../types.js";
import { htmlToSections } from "./html.js";
import { EMPTY_FILE } from "./text.js";

export const DOCX_CORRUPT = "the DOCX file is corrupt or not a Word document";

export async function extractDocx(fallbackTitle: string, bytes: Uint8Array): Promise<ExtractedDocument> {
  let html: string;
  try {
    const result = await mammoth.convertToHtml({
      buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    });
    html = result.value;
  } catch {
    throw new ExtractError(DOCX_CORRUPT);
  }
  const { firstHeading, sections } = htmlToSections(html);
  if (sections.length === 0) throw new ExtractError(EMPTY_FILE);
  return { format: "docx", title: firstHeading ?? fallbackTitle, sections, metadata: {} };
}
