import type { AgentContext } from "@agentclientprotocol/sdk";
import type { FileAccess } from "../tools/types.js";

/**
 * Reads and writes through the ACP client (fs/read_text_file, fs/write_text_file), used when the
 * client offers them: an editor client then sees unsaved buffers and records the agent's edits.
 */
export function clientFiles(
  client: AgentContext,
  sessionId: string,
  can: { read: boolean; write: boolean },
  local: FileAccess,
): FileAccess {
  return {
    readText: async (path) =>
      can.read ? (await client.request("fs/read_text_file", { sessionId, path })).content : local.readText(path),
    writeText: async (path, content) => {
      if (can.write) await client.request("fs/write_text_file", { sessionId, path, content });
      else await local.writeText(path, content);
    },
  };
}
