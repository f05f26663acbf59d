import type { ConversationEntry, PermissionContent } from "@strand/protocol";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client.js";
import { ME_QUERY } from "../auth/require-login.js";
import { DiffView } from "./diff-view.js";
import { RichText } from "./rich-text.js";

type Entry<K extends ConversationEntry["kind"]> = Extract<ConversationEntry, { kind: K }>;

const PROMPT_STATUS_TEXT: Record<string, string> = {
  queued: "queued",
  delivered: "delivered",
  running: "running",
  done: "done",
  cancelled: "stopped",
  failed: "failed",
  interrupted: "interrupted",
};

/** One conversation entry, drawn for its kind. */
export function EntryView({
  entry,
  onAnswer,
  expanded = false,
}: {
  entry: ConversationEntry;
  /** Opens what is folded (thinking, a tool call): the entry was linked to, e.g. from a search hit. */
  expanded?: boolean;
  /** Left out for a viewer, who sees the question but cannot answer it. */
  onAnswer: ((entryId: string, optionId: string) => void) | undefined;
}) {
  switch (entry.kind) {
    case "user":
      return <UserPrompt entry={entry} />;
    case "text":
      return (
        <div className="entry entry-text" data-testid="entry-text" data-status={entry.status}>
          <RichText text={entry.content.text} />
          {entry.status === "in_progress" && <span className="cursor-blink" aria-hidden="true" />}
        </div>
      );
    case "thinking":
      return (
        <details className="entry entry-thinking" data-testid="entry-thinking" open={expanded || undefined}>
          <summary>{entry.status === "in_progress" ? "Thinking…" : "Thought"}</summary>
          <div className="thinking-text">{entry.content.text}</div>
        </details>
      );
    case "tool_call":
      return <ToolCall entry={entry} expanded={expanded} />;
    case "plan":
      return <Plan entry={entry} />;
    case "notice":
      return (
        <div
          className={`entry entry-notice notice-${entry.content.level}`}
          data-testid="entry-notice"
          role={entry.content.level === "error" ? "alert" : undefined}
        >
          {entry.content.text}
        </div>
      );
    case "permission":
      return <Permission entry={entry} onAnswer={onAnswer} />;
  }
}

function UserPrompt({ entry }: { entry: Entry<"user"> }) {
  const { text, error, stop_reason, author } = entry.content;
  // Already loaded by RequireLogin: this reads the cache.
  const me = useQuery({ queryKey: ME_QUERY, queryFn: api.me, retry: false });
  const someoneElse = author && me.data && author.id !== me.data.id;
  return (
    <div className="entry entry-user" data-testid="entry-user" data-status={entry.status}>
      <div className="user-text">{text}</div>
      <div className="user-meta">
        {someoneElse && (
          <span className="prompt-author" data-testid="prompt-author">
            {author.email} ·{" "}
          </span>
        )}
        <span className={`prompt-status prompt-${entry.status}`} data-testid="prompt-status">
          {PROMPT_STATUS_TEXT[entry.status] ?? entry.status}
        </span>
        {stop_reason && stop_reason !== "end_turn" && entry.status !== "cancelled" && <span> · {stop_reason}</span>}
        {error && <span className="error"> · {error}</span>}
      </div>
    </div>
  );
}

const TOOL_STATUS_ICON: Record<string, string> = { pending: "○", in_progress: "◐", completed: "✓", failed: "✕" };

function ToolCall({ entry, expanded }: { entry: Entry<"tool_call">; expanded: boolean }) {
  const c = entry.content;
  const output = outputText(c.output);
  return (
    <details
      className={`entry entry-tool tool-${entry.status}`}
      data-testid="entry-tool"
      data-status={entry.status}
      data-tool-kind={c.kind}
      data-tool-title={c.title}
      open={entry.status === "failed" || expanded || undefined}
    >
      <summary>
        <span className="tool-icon" role="img" aria-label={entry.status}>
          {TOOL_STATUS_ICON[entry.status] ?? "•"}
        </span>
        <span className="tool-title">{c.title || c.kind}</span>
        <span className="tool-kind">{c.kind}</span>
        {c.diffs.length > 0 && <span className="tool-badge">{c.diffs.length} file(s) changed</span>}
      </summary>
      <div className="tool-body">
        {c.locations.length > 0 && (
          <ul className="tool-locations">
            {c.locations.map((l) => (
              <li key={`${l.path}:${l.line ?? ""}`}>
                <code>
                  {l.path}
                  {l.line ? `:${l.line}` : ""}
                </code>
              </li>
            ))}
          </ul>
        )}
        {c.input !== undefined && c.input !== null && (
          <details className="tool-input">
            <summary>Input</summary>
            <pre>{pretty(c.input)}</pre>
          </details>
        )}
        {c.content.map((item, i) => {
          const key = `${i}-${item.type}`;
          // Runtimes write their tool results as markdown (strand-agent fences command output).
          if (item.type === "text")
            return (
              <div key={key} className="tool-text" data-testid="tool-output">
                <RichText text={item.text} />
              </div>
            );
          if (item.type === "terminal")
            return (
              <div key={key} className="tool-terminal">
                <pre className="tool-output" data-testid="tool-output">
                  {item.output ?? "(no output yet)"}
                </pre>
                {item.exit_code !== undefined && item.exit_code !== null && (
                  <small className={item.exit_code === 0 ? "" : "error"}>exit code {item.exit_code}</small>
                )}
              </div>
            );
          return (
            <pre key={key} className="tool-output">
              {pretty(item.value)}
            </pre>
          );
        })}
        {output &&
          (c.content.length === 0 ? (
            <pre className="tool-output" data-testid="tool-output">
              {output}
            </pre>
          ) : (
            // The runtime's raw result, when it also sent content for people: there if wanted.
            <details className="tool-input">
              <summary>Raw output</summary>
              <pre>{output}</pre>
            </details>
          ))}
      </div>
      {c.diffs.map((d) => (
        <DiffView key={d.path} path={d.path} oldText={d.old_text} newText={d.new_text} />
      ))}
    </details>
  );
}

function Plan({ entry }: { entry: Entry<"plan"> }) {
  const done = entry.content.entries.filter((e) => e.status === "completed").length;
  return (
    <div className="entry entry-plan" data-testid="entry-plan">
      <div className="plan-title">
        Plan · {done}/{entry.content.entries.length}
      </div>
      <ul className="plan-list">
        {entry.content.entries.map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a plan is replaced whole; position is an item's identity
          <li key={i} className={`plan-${p.status}`}>
            <input type="checkbox" readOnly checked={p.status === "completed"} aria-label={p.status} />
            <span>{p.content}</span>
            {p.status === "in_progress" && <small> (in progress)</small>}
            {p.priority === "high" && <small className="plan-priority"> high</small>}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Permission({
  entry,
  onAnswer,
}: {
  entry: Entry<"permission">;
  /** Left out for a viewer, who sees the question but cannot answer it. */
  onAnswer: ((entryId: string, optionId: string) => void) | undefined;
}) {
  const c: PermissionContent = entry.content;
  const chosen = c.options.find((o) => o.option_id === c.selected_option_id);
  return (
    <div className="entry entry-permission" data-testid="entry-permission" data-status={entry.status}>
      <div className="permission-question">
        The agent asks to run <strong>{c.tool_call.title}</strong> <span className="tool-kind">{c.tool_call.kind}</span>
      </div>
      {c.tool_call.input !== undefined && c.tool_call.input !== null && <pre>{pretty(c.tool_call.input)}</pre>}
      {entry.status === "pending" && !onAnswer ? (
        <div className="permission-answer">Waiting for a member to answer.</div>
      ) : entry.status === "pending" && onAnswer ? (
        <div className="permission-options">
          {c.options.map((o) => (
            <button
              type="button"
              key={o.option_id}
              className={o.kind.startsWith("allow") ? "primary" : ""}
              onClick={() => onAnswer(entry.id, o.option_id)}
            >
              {o.name}
            </button>
          ))}
        </div>
      ) : (
        <div className="permission-answer">
          {entry.status === "answered"
            ? `Answered: ${chosen?.name ?? c.selected_option_id}`
            : "No longer asked (the turn ended)."}
        </div>
      )}
    </div>
  );
}

function pretty(v: unknown): string {
  if (typeof v === "string") return v;
  try {
    return JSON.stringify(v, null, 2);
  } catch {
    return String(v);
  }
}

function outputText(v: unknown): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  return pretty(v);
}
