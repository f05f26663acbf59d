import { useMemo } from "react";
import { diffStats, unifiedHunks } from "./diff.js";

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
      {hunks.length === 0 ? (
        <p className="diff-empty">No changes.</p>
      ) : (
        <table className="diff-table">
          {hunks.map((h) => (
            <tbody key={h.header}>
              <tr className="diff-hunk">
                <td colSpan={3}>{h.header}</td>
              </tr>
              {h.lines.map((l) => (
                <tr
                  key={`${l.kind}-${l.oldNo ?? ""}-${l.newNo ?? ""}`}
                  className={`diff-line diff-${l.kind}`}
                  data-kind={l.kind}
                >
                  <td className="ln">{l.oldNo ?? ""}</td>
                  <td className="ln">{l.newNo ?? ""}</td>
                  <td className="diff-text">
                    <span className="diff-sign">{l.kind === "add" ? "+" : l.kind === "remove" ? "−" : " "}</span>
                    {l.text}
                  </td>
                </tr>
              ))}
            </tbody>
          ))}
        </table>
      )}
    </div>
  );
}
