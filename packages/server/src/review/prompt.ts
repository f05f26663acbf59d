import type { ReviewSide } from "@strand/protocol";
import { lineRef } from "./anchor.js";

export interface PromptThread {
  path: string;
  side: ReviewSide;
  start_line: number;
  end_line: number;
  anchor: string;
  outdated: boolean;
  /** The head it was written against. */
  commit: string;
  comments: { author: string; body: string }[];
}

export interface PromptBranch {
  branch: string;
  base_branch: string;
}

/** Long ranges are quoted up to this many lines; the agent has the file. */
export const QUOTE_LINES = 40;

/**
 * Open review threads as one prompt: each names its `path:start-end`, quotes the anchored code with
 * its line numbers, and gives the thread's comments in order. Outdated threads go too, labelled, so
 * the agent judges them against the code as it is now.
 */
export function buildReviewPrompt(at: PromptBranch, threads: readonly PromptThread[]): string {
  const count = threads.length === 1 ? "1 review thread" : `${threads.length} review threads`;
  const parts = [
    `Review comments on your branch \`${at.branch}\` (its changes against \`${at.base_branch}\`): ${count}. ` +
      `Address each one in the code, then commit and push to \`${at.branch}\`. ` +
      "If you disagree with a comment, say why instead of changing the code.",
  ];
  threads.forEach((t, i) => {
    const where = lineRef(t.path, t.start_line, t.end_line);
    const notes: string[] = [];
    if (t.side === "old") notes.push(`removed lines, as they were on ${at.base_branch}`);
    if (t.outdated) {
      notes.push(`outdated: these lines have changed since the comment was written at ${t.commit.slice(0, 12)}`);
    }
    const heading = `## ${i + 1}. ${where}${notes.length ? ` (${notes.join("; ")})` : ""}`;
    const comments = t.comments.map((c) => `${c.author}: ${indentFollowing(c.body.trim())}`);
    parts.push([heading, quote(t.anchor, t.start_line), ...comments.map((c) => `- ${c}`)].join("\n"));
  });
  return `${parts.join("\n\n")}\n`;
}

/**
 * Asks the agent to bring its branch up to date with its base by merging (never rebasing: its
 * pushes must stay fast-forwards), resolving the conflicts, and pushing.
 */
export function buildResolveConflictsPrompt(at: PromptBranch, files: readonly string[]): string {
  const why =
    files.length > 0
      ? `\`${at.branch}\` does not merge cleanly into \`${at.base_branch}\`: they conflict in ${files.map((f) => `\`${f}\``).join(", ")}.`
      : `\`${at.base_branch}\` has moved on since \`${at.branch}\` left it, so your branch cannot be merged as it is.`;
  return [
    why,
    `Please run \`git fetch origin\` and \`git merge origin/${at.base_branch}\` on \`${at.branch}\`, ` +
      "resolve every conflict keeping the intent of both sides, make sure the project still builds and its tests pass, " +
      `commit the merge and push \`${at.branch}\`. Do not rebase or force-push: pushes to your branch must be fast-forwards.`,
  ].join("\n\n");
}

/** The code as a fenced block with line numbers; the fence is longer than any backtick run inside. */
function quote(anchor: string, firstLine: number): string {
  const lines = anchor.split("\n");
  const shown = lines.slice(0, QUOTE_LINES);
  const width = String(firstLine + shown.length - 1).length;
  const body = shown.map((l, i) => `${String(firstLine + i).padStart(width)} ${l}`);
  if (lines.length > shown.length) body.push(`… ${lines.length - shown.length} more lines`);
  const longest = Math.max(0, ...[...anchor.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}\n${body.join("\n")}\n${fence}`;
}

/** Keeps a multi-line comment inside its list item. */
function indentFollowing(text: string): string {
  return text.replace(/\n/g, "\n  ");
}
