import type { ChecklistItem } from "@strand/protocol";

// `- [ ] item`, `* [x] item`, `1. [ ] item`, at any depth: nested items count as items of their own.
const ITEM = /^\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\]\s+(.*?)\s*$/;

/** The checklist of a tasks.md, in file order; only lines that are checkbox items count. */
export function parseChecklist(markdown: string): ChecklistItem[] {
  const items: ChecklistItem[] = [];
  let fence: string | null = null;
  for (const line of markdown.split(/\r?\n/)) {
    // A checkbox inside a code block is an example, not a step of the plan.
    const f = /^\s*(```|~~~)/.exec(line);
    if (f) {
      if (fence === null) fence = f[1] as string;
      else if (fence === f[1]) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const m = ITEM.exec(line);
    if (m) items.push({ index: items.length, text: m[2] as string, done: m[1] !== " " });
  }
  return items;
}

/**
 * The checklist as the agent's plan stands: an item is done when it is ticked in the file or the
 * agent ticked it through the API (matched by its text, since indexes move when the file changes).
 */
export function withTicks(items: readonly ChecklistItem[], ticks: readonly string[]): ChecklistItem[] {
  const ticked = new Set(ticks);
  return items.map((i) => ({ ...i, done: i.done || ticked.has(i.text) }));
}

export function progressOf(items: readonly ChecklistItem[]): { done: number; total: number } {
  return { done: items.filter((i) => i.done).length, total: items.length };
}
