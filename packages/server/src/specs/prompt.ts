import type { SpecDocumentName } from "@strand/protocol";

export interface SpecPromptThread {
  document: SpecDocumentName;
  quote: string;
  outdated: boolean;
  comments: { author: string; body: string }[];
}

export interface SpecPromptTask {
  /** specs/<number>-<slug> */
  specPath: string;
  branch: string | null;
}

/** The agent's prompt has room for this many characters; a longer one is refused, not cut. */
export const SPEC_PROMPT_LIMIT = 100_000;

/**
 * Open spec review threads as one prompt: each names its document, quotes the selected text as a
 * Markdown quote, and gives the thread's comments in order. Outdated threads go too, labelled, so
 * the agent judges them against the documents as they are now.
 */
export function buildSpecReviewPrompt(task: SpecPromptTask, threads: readonly SpecPromptThread[]): string {
  const count = threads.length === 1 ? "1 review thread" : `${threads.length} review threads`;
  const where = task.branch ? ` on \`${task.branch}\`` : "";
  const parts = [
    `Review comments on your spec in \`${task.specPath}/\`${where}: ${count}. ` +
      "Revise requirements.md, design.md and tasks.md to address each one, then commit and push. " +
      "If you disagree with a comment, say why instead of changing the spec.",
  ];
  threads.forEach((t, i) => {
    const heading = `## ${i + 1}. ${t.document}.md${t.outdated ? " (outdated: the text has changed since)" : ""}`;
    const comments = t.comments.map((c) => `- ${c.author}: ${c.body.trim().replace(/\n/g, "\n  ")}`);
    parts.push([heading, quoteBlock(t.quote), ...comments].join("\n"));
  });
  return `${parts.join("\n\n")}\n`;
}

function quoteBlock(text: string): string {
  return text
    .trim()
    .split("\n")
    .map((line) => (line.trim() === "" ? ">" : `> ${line.trimEnd()}`))
    .join("\n");
}
