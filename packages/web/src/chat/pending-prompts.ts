import { type Dispatch, type SetStateAction, useCallback, useState } from "react";
import { ApiRequestError, api } from "../api/client.js";
import { newRequestId } from "../ui/request-id.js";

/** A prompt the user sent that the thread does not hold yet: on its way, or failed to arrive. */
export interface PendingPrompt {
  requestId: string;
  text: string;
  error: string | undefined;
  /** Whether sending again may help (network and server errors); a 4xx needs an edit. */
  retryable: boolean;
}

/**
 * Sends prompts with a `request_id` made once per prompt and kept across retries, so a prompt
 * whose answer was lost on the network is never stored twice.
 */
export function usePendingPrompts(sessionId: string, onStored: Parameters<typeof sendOnce>[3]) {
  const [pending, setPending] = useState<PendingPrompt[]>([]);
  const send = useCallback(
    (text: string) => {
      const p: PendingPrompt = { requestId: newRequestId(), text, error: undefined, retryable: false };
      setPending((l) => [...l, p]);
      void sendOnce(sessionId, p, setPending, onStored);
    },
    [sessionId, onStored],
  );
  const retry = useCallback(
    (p: PendingPrompt) => {
      setPending((l) => l.map((x) => (x.requestId === p.requestId ? { ...x, error: undefined } : x)));
      void sendOnce(sessionId, p, setPending, onStored);
    },
    [sessionId, onStored],
  );
  const discard = useCallback(
    (p: PendingPrompt) => setPending((l) => l.filter((x) => x.requestId !== p.requestId)),
    [],
  );
  return { pending, send, retry, discard };
}

async function sendOnce(
  sessionId: string,
  p: PendingPrompt,
  setPending: Dispatch<SetStateAction<PendingPrompt[]>>,
  onStored: (entry: Awaited<ReturnType<typeof api.postMessage>>) => void,
): Promise<void> {
  try {
    const entry = await api.postMessage(sessionId, p.requestId, p.text);
    onStored(entry);
    setPending((l) => l.filter((x) => x.requestId !== p.requestId));
  } catch (err) {
    const retryable = !(err instanceof ApiRequestError) || err.status === 0 || err.status >= 500;
    setPending((l) =>
      l.map((x) => (x.requestId === p.requestId ? { ...x, error: (err as Error).message, retryable } : x)),
    );
  }
}
