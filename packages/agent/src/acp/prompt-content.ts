import type { ContentBlock } from "@agentclientprotocol/sdk";
import type { UserPart } from "../providers/types.js";

/** ACP prompt blocks → the model's user message. Context the client attached is passed as tagged text. */
export function promptToParts(blocks: ContentBlock[]): UserPart[] {
  const parts: UserPart[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case "text":
        parts.push({ type: "text", text: b.text });
        break;
      case "image":
        parts.push({ type: "image", mimeType: b.mimeType, data: b.data });
        break;
      case "resource_link":
        parts.push({ type: "text", text: `[referenced: ${b.title ?? b.name}](${b.uri})` });
        break;
      case "resource":
        if ("text" in b.resource) {
          parts.push({ type: "text", text: `<context uri="${b.resource.uri}">\n${b.resource.text}\n</context>` });
        } else {
          parts.push({
            type: "text",
            text: `[attached binary resource ${b.resource.uri} (${b.resource.mimeType ?? "unknown type"}), not readable here]`,
          });
        }
        break;
      case "audio":
        parts.push({ type: "text", text: "[an audio clip was attached; this agent cannot listen to audio]" });
        break;
    }
  }
  if (!parts.length) parts.push({ type: "text", text: "(empty prompt)" });
  return parts;
}
