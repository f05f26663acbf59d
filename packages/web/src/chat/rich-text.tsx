import { Fragment } from "react";
import { parseBlocks, parseInline } from "./markdown.js";

/** Agent prose: paragraphs, lists, `inline code` and fenced code blocks. */
export function RichText({ text }: { text: string }) {
  return (
    <>
      {parseBlocks(text).map((b, i) => {
        // Blocks are parsed again from the text on every render; their position is their identity.
        const key = `${i}-${b.type}`;
        if (b.type === "code")
          return (
            <pre key={key} className="code-block" data-lang={b.lang || undefined}>
              <code>{b.text}</code>
            </pre>
          );
        if (b.type === "list") {
          // biome-ignore lint/suspicious/noArrayIndexKey: list items are re-parsed each render; position is identity
          const items = b.items.map((it, j) => <li key={j}>{<Inline text={it} />}</li>);
          return b.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>;
        }
        return (
          <p key={key}>
            <Inline text={b.text} />
          </p>
        );
      })}
    </>
  );
}

function Inline({ text }: { text: string }) {
  return (
    <>
      {parseInline(text).map((p, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: inline pieces are re-parsed each render; position is identity
        p.type === "code" ? <code key={i}>{p.text}</code> : <Fragment key={i}>{p.text}</Fragment>,
      )}
    </>
  );
}
