import { z } from "zod";

/**
 * Strand's extensions to ACP, carried in `_meta` (ACP's extension point: clients that do not know
 * a key ignore it). strand-agent writes them; strand-agentd reads them. See docs/agent.md.
 */
export const ACP_META = {
  /** On a `PromptResponse`: the turn ended because of an error the user was told about (a string). */
  error: "strand.dev/error",
  /**
   * On an empty `agent_message_chunk`, sent before a retried model request's first update: the
   * model stream of one step broke and the step starts again, so the text and thinking of message
   * `messageId` and the tool calls `toolCallIds` (announced, never run) are withdrawn. A client
   * that knows the key replaces them with what follows; one that does not sees the retried
   * answer after the partial one.
   */
  replace: "strand.dev/replace",
} as const;

export const ReplaceMarkerSchema = z.object({
  messageId: z.string().min(1),
  toolCallIds: z.array(z.string()).default([]),
});
export type ReplaceMarker = z.infer<typeof ReplaceMarkerSchema>;

/** The replace marker carried by an ACP update's `_meta`, if it has a valid one. */
export function replaceMarkerOf(meta: Record<string, unknown> | null | undefined): ReplaceMarker | undefined {
  const raw = meta?.[ACP_META.replace];
  if (raw === undefined) return undefined;
  const parsed = ReplaceMarkerSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
