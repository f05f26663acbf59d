import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { mergeEntries, type Thread } from "./thread.js";

const PAGE = 500;

/**
 * The session's whole conversation: history read page by page with `after`, kept current by
 * `message.*` events (events/live-sync.tsx). The thread starts empty rather than undefined so
 * events that arrive while history loads are kept; the pages merge into it, never replace it.
 */
export function useThread(sessionId: string) {
  const client = useQueryClient();
  const key = queryKeys.thread(sessionId);
  return useQuery<Thread>({
    queryKey: key,
    initialData: [],
    initialDataUpdatedAt: 0,
    queryFn: async () => {
      let after = 0;
      let thread = client.getQueryData<Thread>(key) ?? [];
      for (;;) {
        const page = await api.listMessages(sessionId, after, PAGE);
        thread = mergeEntries(client.getQueryData<Thread>(key) ?? thread, page.items);
        if (page.next_after === null) return thread;
        after = page.next_after;
      }
    },
  });
}
