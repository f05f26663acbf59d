import { Fragment, type ReactNode, useMemo } from "react";
import { type DiffLine, diffStats, type Hunk, type SplitRow, splitRows, unifiedHunks } from "./diff.js";

/** One file's change as a coloured unified diff, with line numbers on both sides. */
export function DiffView({ path, oldText, newText }: { path: string; oldText: string | null; newText: string }) {
  const hunks = useMemo(() => unifiedHunks(oldText, newText), [oldText, newText]);
  const stats = diffStats(hunks);
  return (
    <div className="diff" data-testid="diff">
      <div className="diff-file">
        <span className="diff-path">{path}</span>
        {oldText === null && <span className="diff-tag">new file</span>}
        <span className="diff-stats">
          <span className="add">+{stats.added}</span> <span className="remove">−{stats.removed}</span>
        </span>
      </div>
      {hunks.length === 0 ? <p className="diff-empty">No changes.</p> : <DiffTable hunks={hunks} />}
    </div>
  );
}

/** A line of one side: `old` numbers the base's lines, `new` the head's. */
export interface LineTarget {
  side: "old" | "new";
  line: number;
}

/** The sides a diff line is on: a context line is on both. */
export function targetsOf(l: DiffLine | undefined): LineTarget[] {
  if (!l) return [];
  const out: LineTarget[] = [];
  if (l.kind !== "add" && l.oldNo !== undefined) out.push({ side: "old", line: l.oldNo });
  if (l.kind !== "remove" && l.newNo !== undefined) out.push({ side: "new", line: l.newNo });
  return out;
}

export interface DiffTableProps {
  hunks: readonly Hunk[];
  mode?: "unified" | "split";
  /** Makes line numbers buttons (review comments); without it the table is read-only. */
  onLineClick?: (target: LineTarget, opts: { shiftKey: boolean }) => void;
  isSelected?: (target: LineTarget) => boolean;
  /** A full-width row under a line, for what is anchored there (review threads, a comment box). */
  renderAfter?: (targets: LineTarget[]) => ReactNode;
}

/** The hunks of one file as a table, unified or side by side, optionally interactive by line. */
export function DiffTable({ hunks, mode = "unified", onLineClick, isSelected, renderAfter }: DiffTableProps) {
  const columns = mode === "split" ? 4 : 3;
  const number = (l: DiffLine | undefined, side: "old" | "new") => {
    const n = side === "old" ? l?.oldNo : l?.newNo;
    const onSide = l !== undefined && n !== undefined && (side === "old" ? l.kind !== "add" : l.kind !== "remove");
    const kind = mode === "split" ? ` diff-${l?.kind ?? "none"}` : "";
    if (!onSide || !onLineClick) return <td className={`ln${kind}`}>{onSide ? n : ""}</td>;
    const target = { side, line: n };
    return (
      <td className={`ln${kind}`}>
        <button
          type="button"
          className="ln-button"
          aria-label={`Comment on ${side} line ${n}`}
          aria-pressed={isSelected?.(target) ?? false}
          onClick={(e) => onLineClick(target, { shiftKey: e.shiftKey })}
        >
          {n}
        </button>
      </td>
    );
  };
  const text = (l: DiffLine | undefined, className = "diff-text") => (
    <td className={l ? className : `${className} diff-blank`}>
      {l && <span className="diff-sign">{l.kind === "add" ? "+" : l.kind === "remove" ? "−" : " "}</span>}
      {l?.text}
    </td>
  );
  const selectedIn = (targets: LineTarget[]) => targets.some((t) => isSelected?.(t));
  const after = (targets: LineTarget[]) => {
    const extra = renderAfter?.(targets);
    if (extra === undefined || extra === null || extra === false) return null;
    return (
      <tr className="diff-after">
        <td colSpan={columns}>{extra}</td>
      </tr>
    );
  };
  return (
    <table className={`diff-table diff-${mode}`}>
      {hunks.map((h) => (
        <tbody key={h.header}>
          <tr className="diff-hunk">
            <td colSpan={columns}>{h.header}</td>
          </tr>
          {mode === "unified"
            ? h.lines.map((l) => {
                const targets = targetsOf(l);
                return (
                  <Fragment key={`${l.kind}-${l.oldNo ?? ""}-${l.newNo ?? ""}`}>
                    <tr
                      className={`diff-line diff-${l.kind}`}
                      data-kind={l.kind}
                      data-selected={selectedIn(targets) || undefined}
                    >
                      {number(l, "old")}
                      {number(l, "new")}
                      {text(l)}
                    </tr>
                    {after(targets)}
                  </Fragment>
                );
              })
            : splitRows(h.lines).map((row: SplitRow) => {
                const targets = [
                  ...targetsOf(row.left).filter((t) => t.side === "old"),
                  ...targetsOf(row.right).filter((t) => t.side === "new"),
                ];
                return (
                  <Fragment key={`${row.left?.kind ?? ""}-${row.left?.oldNo ?? ""}-${row.right?.newNo ?? ""}`}>
                    <tr className="diff-line" data-selected={selectedIn(targets) || undefined}>
                      {number(row.left, "old")}
                      {text(row.left, `diff-text diff-half diff-${row.left?.kind ?? "none"}`)}
                      {number(row.right, "new")}
                      {text(row.right, `diff-text diff-half diff-${row.right?.kind ?? "none"}`)}
                    </tr>
                    {after(targets)}
                  </Fragment>
                );
              })}
        </tbody>
      ))}
    </table>
  );
}
