/** Agent text, cut into what the chat renders: paragraphs, fenced code blocks and list items. */
export type Block =
  | { type: "paragraph"; text: string }
  | { type: "code"; lang: string; text: string }
  | { type: "list"; ordered: boolean; items: string[] };

/** Inline pieces of a paragraph: plain text and `code` spans. */
export type Inline = { type: "text"; text: string } | { type: "code"; text: string };

const FENCE = /^\s*(```|~~~)\s*([\w+.-]*)\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;

/**
 * Markdown-light: enough for what agents write. A fence left open (the text is still streaming)
 * is a code block to the end.
 */
export function parseBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  let para: string[] = [];
  const flush = () => {
    if (para.length) blocks.push({ type: "paragraph", text: para.join("\n") });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const marker = fence[1] as string;
      const code: string[] = [];
      i++;
      while (i < lines.length && (lines[i] as string).trim() !== marker) code.push(lines[i++] as string);
      blocks.push({ type: "code", lang: fence[2] ?? "", text: code.join("\n") });
      continue;
    }
    const bullet = BULLET.exec(line) ?? NUMBERED.exec(line);
    if (bullet) {
      flush();
      const ordered = NUMBERED.test(line);
      const last = blocks[blocks.length - 1];
      if (last?.type === "list" && last.ordered === ordered) last.items.push(bullet[1] as string);
      else blocks.push({ type: "list", ordered, items: [bullet[1] as string] });
      continue;
    }
    if (line.trim() === "") flush();
    else para.push(line);
  }
  flush();
  return blocks;
}

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  const re = /`([^`\n]+)`/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > at) out.push({ type: "text", text: text.slice(at, m.index) });
    out.push({ type: "code", text: m[1] as string });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push({ type: "text", text: text.slice(at) });
  return out;
}
