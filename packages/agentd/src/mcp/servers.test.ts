import { describe, expect, it } from "vitest";
import { bridgeCommand, strandMcpServer } from "./servers.js";

const mcp = {
  serverUrl: "http://10.213.0.1:8080",
  sessionToken: "strand_secret_token",
  sessionTokenFile: "/opt/strand/session-token",
  bridge: bridgeCommand("/opt/strand/agentd.mjs"),
};

describe("Strand's MCP server for a runtime", () => {
  it("is HTTP with the token in its headers when the runtime's initialize offers mcpCapabilities.http", () => {
    expect(strandMcpServer({ http: true, sse: true }, mcp)).toEqual({
      delivery: "http",
      server: {
        type: "http",
        name: "strand",
        url: "http://10.213.0.1:8080/mcp",
        headers: [{ name: "Authorization", value: "Bearer strand_secret_token" }],
      },
    });
  });

  it("is the stdio bridge (agentd's own bundle) otherwise: SSE only, no capabilities, or none said", () => {
    for (const caps of [{ sse: true }, { http: false }, {}, undefined, null]) {
      const { delivery, server } = strandMcpServer(caps, mcp);
      expect(delivery).toBe("stdio");
      expect(server).toEqual({
        name: "strand",
        command: process.execPath,
        args: ["/opt/strand/agentd.mjs", "mcp-bridge"],
        env: [
          { name: "STRAND_SERVER_URL", value: "http://10.213.0.1:8080" },
          { name: "STRAND_SESSION_TOKEN_FILE", value: "/opt/strand/session-token" },
        ],
      });
      // The token is read from its file by the bridge: never on a command line `ps` shows.
      expect(JSON.stringify(server)).not.toContain("strand_secret_token");
    }
  });
});
