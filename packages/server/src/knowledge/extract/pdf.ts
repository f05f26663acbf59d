/*
 * PDF → one section per page (and per heading within it), through unpdf's build of pdf.js.
 *
 * Headings come from type size: a short line set clearly larger than the document's body size is
 * a heading, the largest such size level 1. PDFs carry no structure pdf.js exposes reliably beyond
 * that (tagged PDFs are rare), and a wrong guess only changes a chunk's location, never loses text.
 */
import { getDocumentProxy } from "unpdf";
import { ExtractError, type ExtractedDocument, type Section } from "../types.js";
import { NO_TEXT } from "./text.js";

export const PDF_ENCRYPTED = "the PDF is encrypted; upload a copy without a password";
export const PDF_CORRUPT = "the PDF is corrupt or not a PDF (pdf.js could not read its structure)";

interface Line {
  text: string;
  size: number;
}

export async function extractPdf(fallbackTitle: string, bytes: Uint8Array): Promise<ExtractedDocument> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js transfers (detaches) the buffer it is given: a copy keeps the caller's bytes usable.
    pdf = await getDocumentProxy(new Uint8Array(bytes), {
      isEvalSupported: false,
      stopAtErrors: false,
      // Errors only: pdf.js warns on stderr about every repair it makes otherwise (not pino, not ours).
      verbosity: 0,
    });
  } catch (err) {
    throw pdfError(err);
  }
  try {
    const pages: Line[][] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      const lines: Line[] = [];
      let text = "";
      let size = 0;
      for (const item of content.items) {
        if (!("str" in item)) continue;
        text += item.str;
        size = Math.max(size, Math.abs(item.transform[3] ?? item.height ?? 0));
        if (item.hasEOL) {
          lines.push({ text, size });
          text = "";
          size = 0;
        }
      }
      if (text !== "") lines.push({ text, size });
      pages.push(lines);
      page.cleanup();
    }

    const headingSizes = headingLevels(pages.flat());
    const sections: Section[] = [];
    const stack: string[] = [];
    pages.forEach((lines, i) => {
      let body: string[] = [];
      const flush = () => {
        const text = body.join("\n").trim();
        if (text !== "") sections.push({ headings: [...stack], page: i + 1, text });
        body = [];
      };
      for (const line of lines) {
        const level = headingSizes.get(round(line.size));
        const t = line.text.trim();
        if (level !== undefined && t !== "" && t.length <= 120) {
          flush();
          stack.length = Math.min(stack.length, level - 1);
          stack.push(t.replace(/\s+/g, " "));
          continue;
        }
        body.push(line.text);
      }
      flush();
    });
    if (sections.length === 0) throw new ExtractError(NO_TEXT);

    const meta = await pdf.getMetadata().catch(() => null);
    const info = (meta?.info ?? {}) as Record<string, unknown>;
    const metaTitle = typeof info.Title === "string" ? info.Title.trim() : "";
    const metadata: Record<string, unknown> = { pages: pdf.numPages };
    if (typeof info.Author === "string" && info.Author.trim() !== "") metadata.author = info.Author.trim();
    return { format: "pdf", title: metaTitle || fallbackTitle, sections, metadata };
  } catch (err) {
    throw pdfError(err);
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}

/** Font sizes (rounded) that are headings → their level, largest first; body text is the commonest size. */
function headingLevels(lines: Line[]): Map<number, number> {
  const chars = new Map<number, number>();
  for (const l of lines) {
    if (l.text.trim() === "" || l.size <= 0) continue;
    const s = round(l.size);
    chars.set(s, (chars.get(s) ?? 0) + l.text.length);
  }
  let body = 0;
  let most = -1;
  for (const [s, n] of chars) {
    if (n > most) {
      most = n;
      body = s;
    }
  }
  const bigger = [...chars.keys()].filter((s) => s >= body * 1.2).sort((a, b) => b - a);
  return new Map(bigger.slice(0, 6).map((s, i) => [s, i + 1]));
}

function round(size: number): number {
  return Math.round(size * 2) / 2;
}

function pdfError(err: unknown): ExtractError {
  if (err instanceof ExtractError) return err;
  const name = (err as { name?: string } | null)?.name;
  if (name === "PasswordException") return new ExtractError(PDF_ENCRYPTED);
  return new ExtractError(PDF_CORRUPT);
}
