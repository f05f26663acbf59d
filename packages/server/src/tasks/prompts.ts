import { SPEC_DOCUMENTS } from "@strand/protocol";

/** What every task prompt says about the task itself. */
export interface PromptTask {
  number: number;
  title: string;
  description: string;
  branch: string;
  /** specs/<number>-<slug> */
  spec_path: string;
  /** Names of the attached files, committed under <spec_path>/attachments/ on the branch. */
  attachments: readonly string[];
}

/**
 * Inside a desktop the server's address is in $STRAND_SERVER_URL and the session token in this
 * file (agentd's runtime environment leaves out variables named like secrets, so the file's path
 * is spelled out rather than taken from $STRAND_SESSION_TOKEN_FILE).
 */
export const SANDBOX_TOKEN_FILE = "/opt/strand/session-token";

const api = (method: "GET" | "POST", path: string, body?: string) =>
  `curl -sS${method === "POST" ? " -X POST -H 'content-type: application/json'" : ""} ` +
  `-H "Authorization: Bearer $(cat ${SANDBOX_TOKEN_FILE})" "$STRAND_SERVER_URL/api/v1/agent/task${path}"` +
  (body ? ` -d '${body}'` : "");

function about(t: PromptTask): string {
  const lines = [`Task #${t.number}: ${t.title}`];
  const description = t.description.trim();
  lines.push("", description ? description : "(no description beyond the title)");
  if (t.attachments.length > 0) {
    lines.push(
      "",
      `Attached files (already committed on your branch under \`${t.spec_path}/attachments/\`):`,
      ...t.attachments.map((a) => `- \`${t.spec_path}/attachments/${a}\``),
    );
  }
  return lines.join("\n");
}

function apiHelp(withChecklist: boolean): string {
  const lines = [
    "You can read this task (and its checklist) from inside your desktop at any time:",
    `\`${api("GET", "")}\``,
  ];
  if (withChecklist) {
    lines.push(
      "and tick a checklist item by its index:",
      `\`${api("POST", "/checklist", '{"index": 0, "done": true}')}\``,
    );
  }
  lines.push(
    "If you need a decision from the reviewer, ask (they are notified) and carry on with what you can:",
    `\`${api("POST", "/questions", '{"question": "..."}')}\``,
  );
  return lines.join("\n");
}

const files = (specPath: string) => SPEC_DOCUMENTS.map((d) => `\`${specPath}/${d}.md\``);

/** Spec mode, first turn: write the three documents, push them, and stop before implementing. */
export function planningPrompt(t: PromptTask): string {
  const [req, design, tasks] = files(t.spec_path);
  return [
    `You are planning a task. Do not implement it yet: write its spec for review.`,
    about(t),
    [
      `On your branch \`${t.branch}\`, write three Markdown documents:`,
      `- ${req}: what is wanted and why, as requirements a reviewer can check off (acceptance criteria).`,
      `- ${design}: how you will build it: the parts you will change, data and interfaces, risks and alternatives.`,
      `- ${tasks}: the plan as a checklist, one \`- [ ] step\` per line (nest sub-steps with indentation); ` +
        "you will tick them as you implement.",
      `Read the code you need to, but change nothing outside \`${t.spec_path}/\`. ` +
        `Then commit the three files and push \`${t.branch}\`. A reviewer reads the spec, comments on it and approves it; ` +
        "you will be told when to implement it.",
    ].join("\n"),
    apiHelp(false),
  ].join("\n\n");
}

/** Spec mode, after Request changes: the open comments on the spec, and the reviewer's extra words. */
export function specRevisionPrompt(t: PromptTask, comments: string | null, extra: string | null): string {
  const parts = [
    `The reviewer asked for changes to the spec of task #${t.number} (${t.title}) in \`${t.spec_path}/\`. ` +
      "Revise the documents to address every point (or say why you disagree), keep the checklist format in " +
      `\`${t.spec_path}/tasks.md\`, then commit and push \`${t.branch}\`. Still do not implement the task.`,
  ];
  if (comments) parts.push(comments.trim());
  if (extra?.trim()) parts.push(`The reviewer also says:\n\n${extra.trim()}`);
  return parts.join("\n\n");
}

/** Spec mode, after Approve: implement what was approved, ticking the checklist as it goes. */
export function implementPrompt(t: PromptTask, approvedCommit: string): string {
  return [
    `The spec of task #${t.number} (${t.title}) is approved as of commit ${approvedCommit.slice(0, 12)} ` +
      `on \`${t.branch}\`. Implement it now, on the same branch.`,
    `Work through \`${t.spec_path}/tasks.md\` in order. As you finish each item, tick it (\`- [x]\`) in the file ` +
      "and commit; push as you go so the reviewer sees progress. Keep the project building and its tests passing, " +
      `add tests for what you build, and push \`${t.branch}\` when you are done. ` +
      "If you find the spec is wrong, change it in the same commit as the code and say so.",
    apiHelp(true),
  ].join("\n\n");
}

/** Direct mode: no spec, implement from the title and description. */
export function directPrompt(t: PromptTask): string {
  return [
    "Implement this task on your branch.",
    about(t),
    `Work on \`${t.branch}\`: keep the project building and its tests passing, add tests for what you build, ` +
      `commit in small steps and push \`${t.branch}\` when you are done. A reviewer will review the changes.`,
    apiHelp(false),
  ].join("\n\n");
}

/** Code review, after Request changes: words beside the open line comments (those come from review/). */
export function codeRevisionExtra(t: PromptTask, extra: string): string {
  return (
    `The reviewer of task #${t.number} (${t.title}) also says:\n\n${extra.trim()}\n\n` +
    `Address it on \`${t.branch}\`, then commit and push.`
  );
}

/** Planning ended without every spec document: say which are missing. */
export function nudgePrompt(t: PromptTask, missing: readonly string[]): string {
  const list = missing.map((m) => `\`${t.spec_path}/${m}\``).join(", ");
  return (
    `Your branch \`${t.branch}\` does not have ${list} yet. The spec of task #${t.number} (${t.title}) needs all three of ` +
    `${files(t.spec_path).join(", ")}. Write the missing ${missing.length === 1 ? "document" : "documents"}, ` +
    `commit and push \`${t.branch}\`. Do not implement the task yet.`
  );
}

/** Retry after a failed turn: the phase's prompt again, with why the last attempt ended. */
export function retryPreamble(reason: string | null): string {
  return `Your last attempt at this ended without finishing${reason ? ` (${reason})` : ""}. Please try again.\n\n`;
}
