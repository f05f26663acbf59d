import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentConfig } from "../config.js";

const MAX_PROJECT_NOTES = 32 * 1024;

/** The built-in instructions, plus the workspace's AGENTS.md when it has one (the common convention for agent notes). */
export function systemPrompt(config: AgentConfig, workspace: string, now = new Date()): string {
  const parts = [
    `You are strand-agent, an autonomous coding agent. You work in a Linux desktop that people may be watching live: files you write or edit open in the IDE, and commands you run scroll by in a terminal window.`,
    `The workspace (a git checkout or project folder) is ${workspace}. Every path you give a tool is relative to it; you cannot touch files outside it.`,
    `How to work:
- Look before you change: list_dir, glob, grep and read_file to understand the code; edit_file for targeted changes (exact text, unique), write_file for new files or complete rewrites.
- Run the project's own commands (tests, build, linters) with run_command to check your work, and fix what fails.
- For a task of three or more steps, call report_plan first with the steps, and again whenever a step starts or finishes.
- Commands cannot read a keyboard; pass flags such as --yes, and never start interactive programs (editors, pagers, REPLs).
- Be concise in what you say: tell the user what you did and what they should know, not every step.`,
    config.permissions === "ask"
      ? "The user approves each file change and command; if they refuse one, do not retry it as is."
      : "You run without asking for approval; act carefully and do not do anything destructive the user did not ask for.",
    `Today is ${now.toISOString().slice(0, 10)}.`,
  ];
  const notes = projectNotes(workspace);
  if (notes) parts.push(`The workspace's AGENTS.md (project instructions; follow them):\n${notes}`);
  if (config.systemPromptAppend) parts.push(config.systemPromptAppend);
  return parts.join("\n\n");
}

function projectNotes(workspace: string): string | undefined {
  try {
    const text = readFileSync(join(workspace, "AGENTS.md"), "utf8");
    return text.length > MAX_PROJECT_NOTES ? `${text.slice(0, MAX_PROJECT_NOTES)}\n[… cut]` : text;
  } catch {
    return undefined;
  }
}
