import { useSyncExternalStore } from "react";

// One timer for every "time in state" on the page: 500 cards must not mean 500 intervals.
let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    // React reads the snapshot again after subscribing: a page opened long after the last tick starts current.
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** The time now, ticking once a second while anything on the page shows it. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, () => now);
}
