import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Document, HeadingLevel, Packer, Paragraph } from "docx";
import { strToU8, zipSync } from "fflate";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { afterAll, describe, expect, it } from "vitest";
import { chunkDocument } from "../chunk.js";
import { ExtractError } from "../types.js";
import { extractUpload, MAX_UPLOAD_BYTES } from "./index.js";
import { PDF_CORRUPT, PDF_ENCRYPTED } from "./pdf.js";

const dir = mkdtempSync(join(tmpdir(), "strand-extract-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A real three-page PDF (pdf-lib) with a large-type heading on page 1 and known text per page. */
async function makePdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle("Strand Operations Manual");
  pdf.setAuthor("Ops Team");
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const pages = [
    { heading: "Installing", lines: ["Run the installer on a Debian host.", "It provisions Docker and PostgreSQL."] },
    { heading: null, lines: ["The backup job runs nightly at two.", "Restores take about ten minutes."] },
    { heading: "Troubleshooting", lines: ["If the viewer is black, restart the desktop."] },
  ];
  for (const p of pages) {
    const page = pdf.addPage([595, 842]);
    let y = 780;
    if (p.heading) {
      page.drawText(p.heading, { x: 50, y, size: 24, font: bold });
      y -= 40;
    }
    for (const line of p.lines) {
      page.drawText(line, { x: 50, y, size: 11, font });
      y -= 16;
    }
  }
  return pdf.save();
}

async function makeDocx(): Promise<Uint8Array> {
  const doc = new Document({
    sections: [
      {
        children: [
          new Paragraph({ text: "Release Process", heading: HeadingLevel.HEADING_1 }),
          new Paragraph("Every release starts from main."),
          new Paragraph({ text: "Tagging", heading: HeadingLevel.HEADING_2 }),
          new Paragraph("Tags are signed with the release key."),
          new Paragraph({ text: "Rollback", heading: HeadingLevel.HEADING_1 }),
          new Paragraph("Redeploy the previous tag."),
        ],
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}

function textOf(doc: { sections: { text: string }[] } | undefined): string {
  return (doc?.sections ?? []).map((s) => s.text).join("\n");
}

describe("extractUpload: PDF", () => {
  it("reads text per page, the title from metadata and headings from type size", async () => {
    const [file] = await extractUpload("manual.pdf", await makePdf());
    expect(file?.error).toBeUndefined();
    const doc = file?.document;
    expect(doc).toMatchObject({ format: "pdf", title: "Strand Operations Manual" });
    expect(doc?.metadata).toMatchObject({ pages: 3, author: "Ops Team" });
    const byPage = (n: number) => doc?.sections.filter((s) => s.page === n) ?? [];
    expect(
      byPage(1)
        .map((s) => s.text)
        .join("\n"),
    ).toContain("Run the installer on a Debian host.");
    expect(byPage(1)[0]?.headings).toEqual(["Installing"]);
    expect(
      byPage(2)
        .map((s) => s.text)
        .join("\n"),
    ).toContain("The backup job runs nightly at two.");
    // Page 2 has no heading of its own: it is still under the last one seen.
    expect(byPage(2)[0]?.headings).toEqual(["Installing"]);
    expect(byPage(3)[0]).toMatchObject({ headings: ["Troubleshooting"] });
    expect(byPage(3)[0]?.text).toContain("restart the desktop");
    // The text of one page never leaks into another.
    expect(
      byPage(1)
        .map((s) => s.text)
        .join("\n"),
    ).not.toContain("backup");
    const chunks = chunkDocument(doc ?? { title: "", sections: [] });
    expect(chunks.find((c) => c.text.includes("nightly"))?.location).toBe("page 2 · Installing");
  });

  it("an encrypted PDF (qpdf) is an error that says so", async () => {
    const plain = join(dir, "plain.pdf");
    const locked = join(dir, "locked.pdf");
    writeFileSync(plain, await makePdf());
    execFileSync("qpdf", ["--encrypt", "secret-user", "secret-owner", "256", "--", plain, locked]);
    const [file] = await extractUpload("locked.pdf", new Uint8Array(readFileSync(locked)));
    expect(file).toMatchObject({ path: "locked.pdf", error: PDF_ENCRYPTED });
    expect(file?.error).toBe("the PDF is encrypted; upload a copy without a password");
  });

  it("a PDF with no text layer (a scan) is an error, not an empty document", async () => {
    const pdf = await PDFDocument.create();
    pdf.addPage([595, 842]).drawRectangle({ x: 50, y: 50, width: 400, height: 600 });
    const [file] = await extractUpload("scan.pdf", await pdf.save());
    expect(file).toMatchObject({ path: "scan.pdf", error: "no text could be extracted (a scanned PDF without OCR?)" });
  });

  it("a corrupt PDF is an error that says so", async () => {
    const real = await makePdf();
    // A real header and then garbage: what a broken download looks like.
    const broken = new Uint8Array(4000);
    broken.set(real.subarray(0, 300));
    for (let i = 300; i < broken.length; i++) broken[i] = (i * 7919) % 251;
    const [file] = await extractUpload("broken.pdf", broken);
    expect(file?.document).toBeUndefined();
    expect(file?.error).toBe(PDF_CORRUPT);
  });
});

describe("extractUpload: DOCX, HTML, Markdown, text and code", () => {
  it("DOCX headings come from Word's Heading styles", async () => {
    const [file] = await extractUpload("release.docx", await makeDocx());
    expect(file?.error).toBeUndefined();
    expect(file?.document).toMatchObject({ format: "docx", title: "Release Process" });
    expect(file?.document?.sections).toEqual([
      { headings: ["Release Process"], text: "Every release starts from main." },
      { headings: ["Release Process", "Tagging"], text: "Tags are signed with the release key." },
      { headings: ["Rollback"], text: "Redeploy the previous tag." },
    ]);
  });

  it("HTML drops script, style and nav and splits by h1–h6", async () => {
    const html = `<!doctype html><html><head><title>API Guide</title><style>body{color:red}</style></head>
      <body><nav><a href="/">Home</a> <a href="/x">Secret nav link</a></nav>
      <p>Overview &amp; scope.</p>
      <h1>Auth</h1><p>Send a <b>bearer</b> token.</p><script>var leaked = 1;</script>
      <h2>Scopes</h2><ul><li>read</li><li>write</li></ul>
      <h1>Errors</h1><pre>{
  "error": "nope"
}</pre></body></html>`;
    const [file] = await extractUpload("guide.html", strToU8(html));
    const doc = file?.document;
    expect(doc).toMatchObject({ format: "html", title: "API Guide" });
    const all = textOf(doc);
    expect(all).not.toContain("leaked");
    expect(all).not.toContain("color:red");
    expect(all).not.toContain("Secret nav link");
    expect(doc?.sections[0]).toEqual({ headings: [], text: "Overview & scope." });
    expect(doc?.sections[1]).toEqual({ headings: ["Auth"], text: "Send a bearer token." });
    expect(doc?.sections[2]?.headings).toEqual(["Auth", "Scopes"]);
    expect(doc?.sections[2]?.text).toContain("- read");
    expect(doc?.sections[3]?.headings).toEqual(["Errors"]);
    expect(doc?.sections[3]?.text).toContain('  "error": "nope"');
  });

  it("HTML without <head>: the <title> is the title, not body text", async () => {
    const [file] = await extractUpload("bare.htm", strToU8("<title>Bare</title><h1>Only</h1><p>x</p>"));
    expect(file?.document).toMatchObject({ title: "Bare", sections: [{ headings: ["Only"], text: "x" }] });
    expect(file?.document?.sections).toHaveLength(1);
  });

  it("Markdown: ATX and setext headings, code fences kept as text", async () => {
    const md = [
      "# Runbook",
      "Intro.",
      "",
      "Deploy",
      "------",
      "Steps:",
      "```sh",
      "# not a heading",
      "make deploy",
      "```",
      "",
      "### Verify ###",
      "Check /healthz.",
      "",
      "---",
      "",
      "After the rule.",
    ].join("\n");
    const [file] = await extractUpload("runbook.md", strToU8(md));
    const doc = file?.document;
    expect(doc?.title).toBe("Runbook");
    expect(doc?.sections.map((s) => s.headings)).toEqual([
      ["Runbook"],
      ["Runbook", "Deploy"],
      ["Runbook", "Deploy", "Verify"],
    ]);
    expect(doc?.sections[1]?.text).toContain("# not a heading\nmake deploy");
    expect(doc?.sections[2]?.text).toContain("After the rule.");
  });

  it("text is one section and code is labelled with its language", async () => {
    const files = await extractUpload("notes.txt", strToU8("Buy milk.\n"));
    expect(files[0]?.document).toMatchObject({
      format: "text",
      title: "notes.txt",
      sections: [{ headings: [], text: "Buy milk.\n" }],
    });
    const [code] = await extractUpload("src/server.ts", strToU8("export const port = 8080;\n"));
    expect(code?.document).toMatchObject({
      format: "code",
      metadata: { language: "TypeScript" },
      sections: [{ label: "TypeScript", text: "export const port = 8080;\n" }],
    });
  });

  it("an empty or whitespace-only file is an error, not an empty document", async () => {
    for (const [name, body] of [
      ["empty.txt", ""],
      ["blank.md", "  \n\n\t "],
      ["blank.html", "<html><body> </body></html>"],
    ] as const) {
      const [file] = await extractUpload(name, strToU8(body));
      expect(file?.document).toBeUndefined();
      expect(file?.error).toMatch(/^no text could be extracted/);
    }
  });

  it("a binary file of no known type is an error naming what is supported", async () => {
    const [file] = await extractUpload("blob.bin", new Uint8Array([1, 0, 2, 0, 3]));
    expect(file?.error).toMatch(/^unsupported file type/);
  });
});

describe("extractUpload: zip archives and limits", () => {
  it("yields one file per member, with paths inside the zip and per-file errors", async () => {
    const inner = zipSync({ "x.txt": strToU8("inner") });
    const zip = zipSync({
      "docs/guide.md": strToU8("# Guide\nHello from the guide."),
      "docs/manual.pdf": await makePdf(),
      "docs/release.docx": await makeDocx(),
      "src/main.py": strToU8("print('hi')\n"),
      "empty/": new Uint8Array(0),
      "blank.txt": strToU8("   "),
      "nested.zip": inner,
    });
    const files = await extractUpload("bundle.zip", zip);
    const byPath = new Map(files.map((f) => [f.path, f]));
    expect([...byPath.keys()].sort()).toEqual(
      ["blank.txt", "docs/guide.md", "docs/manual.pdf", "docs/release.docx", "nested.zip", "src/main.py"].sort(),
    );
    expect(byPath.get("docs/guide.md")?.document?.title).toBe("Guide");
    expect(byPath.get("docs/manual.pdf")?.document?.metadata).toMatchObject({ pages: 3 });
    expect(byPath.get("docs/release.docx")?.document?.format).toBe("docx");
    expect(byPath.get("src/main.py")?.document?.metadata).toEqual({ language: "Python" });
    expect(byPath.get("src/main.py")?.byteSize).toBe(12);
    expect(byPath.get("blank.txt")?.error).toMatch(/^no text could be extracted/);
    expect(byPath.get("nested.zip")?.error).toMatch(/nested zip archives are not followed/);
  });

  it("refuses a zip bomb whose headers tell the truth, before inflating anything", async () => {
    // 64 MB of zeros deflates to well under 1 MB; its central directory says 64 MB, over a 32 MB limit
    // (the default limit, 512 MB, works the same way; a smaller one keeps the test light).
    const bomb = zipSync({ "zeros.bin": new Uint8Array(64 * 1024 * 1024) }, { level: 1 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expect(extractUpload("bomb.zip", bomb, { maxTotalUncompressedBytes: 32 * 1024 * 1024 })).rejects.toThrow(
      "the zip expands to more than 32 MB (a zip bomb?); nothing was extracted",
    );
  });

  it("refuses a zip bomb whose headers lie, partway through inflating it", async () => {
    const bomb = zipSync({ "a.txt": strToU8("ok"), "zeros.txt": new Uint8Array(64 * 1024 * 1024) }, { level: 1 });
    // Rewrite the member's declared size (central directory, offset 24) to 1 KiB, as a crafted bomb does.
    const view = new DataView(bomb.buffer, bomb.byteOffset, bomb.byteLength);
    let cen = -1;
    for (let i = 0; i < bomb.length - 46; i++) {
      if (
        view.getUint32(i, true) === 0x02014b50 &&
        new TextDecoder().decode(bomb.subarray(i + 46, i + 55)) === "zeros.txt"
      )
        cen = i;
    }
    expect(cen).toBeGreaterThan(0);
    view.setUint32(cen + 24, 1024, true);
    const before = process.memoryUsage().arrayBuffers;
    const err = await extractUpload("bomb.zip", bomb).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExtractError);
    // The ratio check stopped it while inflating (not the size check after inflating all 64 MB).
    expect((err as Error).message).toBe(
      'the zip member "zeros.txt" expands more than 200× (a zip bomb?); nothing was extracted',
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });

  it("refuses path traversal, absolute paths and drive letters, naming the member", async () => {
    for (const evil of [
      "../../etc/cron.d/x",
      "docs/../../up.txt",
      "/etc/passwd",
      "C:\\Windows\\win.ini",
      "..\\x.txt",
    ]) {
      const zip = zipSync({ "fine.md": strToU8("# ok\nok"), [evil]: strToU8("pwned") });
      await expect(extractUpload("evil.zip", zip)).rejects.toThrow(
        `the zip member "${evil}" has an unsafe path (.., absolute or a drive letter); nothing was extracted`,
      );
    }
  });

  it("refuses an upload over the limit with a clear message", async () => {
    expect(MAX_UPLOAD_BYTES).toBe(200 * 1024 * 1024);
    await expect(extractUpload("big.txt", new Uint8Array(2048).fill(65), { maxUploadBytes: 1024 })).rejects.toThrow(
      "the upload is 0.0 MB; the limit is 0.0 MB",
    );
    await expect(extractUpload("huge.txt", new Uint8Array(MAX_UPLOAD_BYTES + 1))).rejects.toThrow(
      "the upload is 200 MB; the limit is 200 MB",
    );
  });

  it("refuses a zip with too many members and a corrupt zip", async () => {
    const many: Record<string, Uint8Array> = {};
    for (let i = 0; i < 20; i++) many[`f${i}.txt`] = strToU8(`file ${i}`);
    await expect(extractUpload("many.zip", zipSync(many), { maxMembers: 10 })).rejects.toThrow(
      "the zip has 20 files; the limit is 10",
    );
    const truncated = zipSync(many).subarray(0, 200);
    await expect(extractUpload("cut.zip", truncated)).rejects.toThrow(/the zip archive is corrupt/);
  });
});
