import type { StreamEvent, StreamTranslator } from "./types.js";

/** Feeds the first translator's output into the second (e.g. Anthropic → Chat → Responses). */
export function chain(first: StreamTranslator, second: StreamTranslator): StreamTranslator {
  return {
    push: (e: StreamEvent) => first.push(e).flatMap((x) => second.push(x)),
    end: () => [...first.end().flatMap((x) => second.push(x)), ...second.end()],
  };
}
