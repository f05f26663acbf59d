import type { ConversationEntry } from "@strand/protocol";
import type { EventWatch, StrandClient } from "@strand/sdk";
import type { ConversationRenderer } from "./render.js";

export interface FollowOptions {
  client: StrandClient;
  sessionId: string;
  renderer: ConversationRenderer;
  /** An events socket already open (so nothing after `connected` is missed). */
  watch: EventWatch;
  /** Print the stored conversation after this `seq` before following; leave out for none. */
  historyAfter?: number;
  /** Only entries this accepts are shown and checked against `until`. */
  accept?: (e: ConversationEntry) => boolean;
  /** Stop following once this holds for a shown entry; it is returned. */
  until?: (e: ConversationEntry) => boolean;
}

/**
 * Shows a session's conversation as it changes. History and live events may overlap (an entry
 * can change between the socket's hello and the history read); the renderer prints each state
 * once, so the overlap is harmless and nothing falls into a gap.
 */
export async function followConversation(o: FollowOptions): Promise<ConversationEntry | undefined> {
  const accept = o.accept ?? (() => true);
  const handle = (e: ConversationEntry): boolean => {
    if (!accept(e)) return false;
    o.renderer.show(e);
    return o.until?.(e) ?? false;
  };
  if (o.historyAfter !== undefined) {
    for (const e of await o.client.listAllMessages(o.sessionId, o.historyAfter)) {
      if (handle(e)) {
        o.watch.close();
        return e;
      }
    }
  }
  for await (const ev of o.watch) {
    if (!("session_id" in ev) || ev.session_id !== o.sessionId) continue;
    if (ev.type === "session.deleted") {
      o.renderer.endStream();
      throw new Error(`session ${o.sessionId} was deleted`);
    }
    if (ev.type !== "message.created" && ev.type !== "message.updated") continue;
    if (handle(ev.entry)) {
      o.watch.close();
      return ev.entry;
    }
  }
  return undefined;
}
