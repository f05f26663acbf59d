import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { readWholeThread, type Thread } from "./thread.js";

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
    queryFn: () =>
      readWholeThread(
        (after) => api.listMessages(sessionId, after, PAGE),
        () => client.getQueryData<Thread>(key) ?? [],
      ),
  });
}
