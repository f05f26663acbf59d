import { type ConversationEntry, FINAL_PROMPT_STATUSES, type ToolCallEntryContent } from "@strand/protocol";

const OUTPUT_LINES = 5;
const TOOL_MARK = { pending: "…", in_progress: "…", completed: "✓", failed: "✗" } as const;
const PLAN_MARK = { pending: "[ ]", in_progress: "[~]", completed: "[x]" } as const;

/**
 * Turns a stream of entry states (history, then `message.*` events, possibly repeated) into
 * terminal output that only ever appends: a growing text entry prints its new suffix, anything
 * else prints again only when what a person sees of it changed. Seeing the same state twice
 * prints nothing, which is what makes replays and reconnects safe.
 */
export class ConversationRenderer {
  private readonly shown = new Map<string, string>();
  private streaming: string | undefined;

  constructor(
    private readonly write: (s: string) => void,
    private readonly json = false,
  ) {}

  show(e: ConversationEntry): void {
    if (this.json) this.showJson(e);
    else if (e.kind === "text") this.showText(e.id, e.content.text);
    else if (e.kind === "user") this.showPrompt(e);
    else {
      const view = describe(e);
      if (view !== undefined) this.print(e.id, view);
    }
  }

  /** Ends a half-printed line, so whatever comes next (a prompt, the exit) starts on its own. */
  endStream(): void {
    if (this.streaming !== undefined) this.write("\n");
    this.streaming = undefined;
  }

  /** A prompt prints once, and once more when its turn ends; the steps between are noise here. */
  private showPrompt(e: ConversationEntry & { kind: "user" }): void {
    this.print(e.id, `> ${e.content.text}`);
    if (!FINAL_PROMPT_STATUSES.includes(e.status)) return;
    const why = e.content.error ?? (e.content.stop_reason !== "end_turn" ? e.content.stop_reason : undefined);
    this.print(`${e.id}:end`, `  (turn ${e.status}${why ? `: ${why}` : ""})`);
  }

  private print(key: string, view: string): void {
    if (this.shown.get(key) === view) return;
    this.shown.set(key, view);
    this.endStream();
    this.write(`${view}\n`);
  }

  private showText(id: string, text: string): void {
    const printed = Number(this.shown.get(id) ?? 0);
    if (text.length <= printed) return;
    if (this.streaming !== id) {
      this.endStream();
      if (printed > 0) this.write("  ");
      this.streaming = id;
    }
    this.write(text.slice(printed));
    this.shown.set(id, String(text.length));
  }

  private showJson(e: ConversationEntry): void {
    const key = `${e.updated_at}|${e.status}|${JSON.stringify(e.content).length}`;
    if (this.shown.get(e.id) === key) return;
    this.shown.set(e.id, key);
    this.write(`${JSON.stringify(e)}\n`);
  }
}

/** One entry as people read it; undefined for what is not worth a line. */
function describe(e: ConversationEntry): string | undefined {
  switch (e.kind) {
    case "thinking":
      return "(thinking…)";
    case "tool_call": {
      const line = `${TOOL_MARK[e.status]} ${e.content.title}`;
      if (e.status !== "completed" && e.status !== "failed") return line;
      const out = toolOutput(e.content.content);
      return out ? `${line}\n${out}` : line;
    }
    case "plan":
      return ["plan:", ...e.content.entries.map((p) => `  ${PLAN_MARK[p.status]} ${p.content}`)].join("\n");
    case "notice":
      return `! ${e.content.level === "info" ? "" : `${e.content.level}: `}${e.content.text}`;
    case "permission": {
      const t = e.content.tool_call.title;
      if (e.status === "pending") {
        return `? permission asked for ${t}: ${e.content.options.map((o) => o.name).join(" / ")} (answer in the web UI)`;
      }
      const picked = e.content.options.find((o) => o.option_id === e.content.selected_option_id);
      return `? permission for ${t}: ${picked ? picked.name : e.status}`;
    }
    default:
      return undefined;
  }
}

function toolOutput(items: ToolCallEntryContent["content"]): string {
  const text = items
    .map((i) => (i.type === "text" ? i.text : i.type === "terminal" ? (i.output ?? "") : ""))
    .filter(Boolean)
    .join("\n")
    .replace(/\s+$/, "");
  if (!text) return "";
  const lines = text.split("\n");
  const shown = lines.slice(0, OUTPUT_LINES).map((l) => `    ${l}`);
  if (lines.length > OUTPUT_LINES) shown.push(`    … ${lines.length - OUTPUT_LINES} more lines`);
  return shown.join("\n");
}
