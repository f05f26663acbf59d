import { useState } from "react";

/**
 * Copies `text` to the clipboard. `navigator.clipboard` needs a secure context (https or
 * localhost), so plain-HTTP pages on another host fall back to a hidden textarea and the
 * browser's copy command; if that is refused too, the button says to copy by hand.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Permission refused: try the old way below.
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

export function CopyButton({ text, label = "Copy", testId }: { text: string; label?: string; testId?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <button
      type="button"
      data-testid={testId}
      onClick={async () => setState((await copyText(text)) ? "copied" : "failed")}
      onBlur={() => setState("idle")}
    >
      {state === "copied" ? "Copied" : state === "failed" ? "Select and copy (Ctrl+C)" : label}
    </button>
  );
}
