import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { useNavigate } from "react-router";
import { queryKeys } from "../api/query-keys.js";
import { showBrowserNotification } from "../notifications/browser.js";
import { applyEvent } from "./apply-event.js";
import { LiveEvents, type LiveState } from "./live-events.js";

const LiveContext = createContext<LiveEvents | undefined>(undefined);

/**
 * Keeps the query cache current from `/api/v1/events`: session events replace the session in the
 * fleet list and on its page; message events patch the thread of any open session page.
 */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const navigate = useRef(useNavigate());
  const [live] = useState(
    () =>
      new LiveEvents({
        onEvent: (event) => {
          applyEvent(client, event);
          showBrowserNotification(event, (to) => navigate.current(to));
        },
        onResync: () => {
          void client.invalidateQueries({ queryKey: queryKeys.sessions });
          void client.invalidateQueries({ queryKey: queryKeys.teams });
          // Threads merge what they read (chat/use-thread.ts), so refetching one never drops an entry.
          void client.invalidateQueries({ queryKey: ["thread"] });
          void client.invalidateQueries({ queryKey: ["changes"] });
          void client.invalidateQueries({ queryKey: ["review-threads"] });
          void client.invalidateQueries({ queryKey: queryKeys.tasks });
          void client.invalidateQueries({ queryKey: queryKeys.notifications });
        },
      }),
  );
  useEffect(() => {
    live.start();
    return () => live.close();
  }, [live]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

/** Whether the live feed is connected, for a small indicator. */
export function useLiveState(): LiveState {
  const live = useContext(LiveContext);
  return useSyncExternalStore(live?.subscribe ?? noSubscribe, () => live?.state ?? "offline");
}

const noSubscribe = () => () => {};
