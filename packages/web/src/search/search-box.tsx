import { type FormEvent, useEffect, useRef, useState } from "react";
import { useLocation, useNavigate } from "react-router";
import { filtersFromParams, searchPath } from "./search-model.js";

/** True when a key press belongs to what the person is typing into (so `/` must stay a slash). */
function typingInto(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target as HTMLInputElement).type;
  return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(type);
}

function inDesktop(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest("[data-takes-keys]") !== null;
}

/**
 * The search box in the top bar, on every page: Enter opens the results page. `/` (outside a text
 * field) and Ctrl/Cmd+K jump to it from anywhere; Escape leaves it. On the results page it shows
 * the words searched, and a new search there keeps the page's filters.
 */
export function SearchBox() {
  const navigate = useNavigate();
  const location = useLocation();
  const onResults = location.pathname === "/search";
  const shown = onResults ? filtersFromParams(new URLSearchParams(location.search)) : undefined;
  const [text, setText] = useState(shown?.q ?? "");
  const input = useRef<HTMLInputElement>(null);

  // Follows the URL (back/forward, a link to a search) without losing what is being typed elsewhere.
  const urlQuery = shown?.q;
  useEffect(() => {
    if (urlQuery !== undefined) setText(urlQuery);
  }, [urlQuery]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const k = e.key.toLowerCase();
      const palette = k === "k" && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey;
      const slash = e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey;
      if (!palette && !slash) return;
      // The live desktop takes every key, Ctrl+K too (a terminal's kill line); a text field keeps `/`.
      if (inDesktop(e.target) || (slash && typingInto(e.target))) return;
      e.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const q = text.trim();
    // An empty search still opens the page, which says what to type (the server's own words).
    navigate(searchPath(shown ? { ...shown, q } : { q }));
  };

  return (
    <search className="search-box">
      <form onSubmit={submit}>
        <input
          ref={input}
          type="search"
          aria-label="Search conversations and knowledge"
          placeholder="Search…"
          title="Search every conversation (/ or Ctrl+K)"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") e.currentTarget.blur();
          }}
          data-testid="search-input"
        />
        <span className="search-hint" aria-hidden="true">
          /
        </span>
      </form>
    </search>
  );
}
