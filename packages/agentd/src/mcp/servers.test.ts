import { describe, expect, it } from "vitest";
import { bridgeCommand, strandMcpServer, teamMcpServers } from "./servers.js";

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

describe("the project's and team's MCP servers for a runtime", () => {
  const entries = [
    { name: "team-tools", transport: "http" as const, path: "/mcp/servers/team-tools" },
    { name: "lint", transport: "stdio" as const, command: "node", args: ["lint.mjs"], env: { LEVEL: "strict" } },
  ];

  it("http ones go through Strand's proxy with the session token; stdio ones run as given", () => {
    expect(teamMcpServers({ http: true }, mcp, entries)).toEqual([
      {
        type: "http",
        name: "team-tools",
        url: "http://10.213.0.1:8080/mcp/servers/team-tools",
        headers: [{ name: "Authorization", value: "Bearer strand_secret_token" }],
      },
      { name: "lint", command: "node", args: ["lint.mjs"], env: [{ name: "LEVEL", value: "strict" }] },
    ]);
  });

  it("without HTTP MCP, an http one is the stdio bridge pointed at the proxy path, the token only in its file", () => {
    const [bridged] = teamMcpServers({}, mcp, entries);
    expect(bridged).toEqual({
      name: "team-tools",
      command: process.execPath,
      args: ["/opt/strand/agentd.mjs", "mcp-bridge"],
      env: [
        { name: "STRAND_SERVER_URL", value: "http://10.213.0.1:8080" },
        { name: "STRAND_SESSION_TOKEN_FILE", value: "/opt/strand/session-token" },
        { name: "STRAND_MCP_BRIDGE_PATH", value: "/mcp/servers/team-tools" },
      ],
    });
    expect(JSON.stringify(bridged)).not.toContain("strand_secret_token");
  });

  it("without Strand's MCP details only the stdio ones can be given", () => {
    expect(teamMcpServers({ http: true }, undefined, entries).map((s) => s.name)).toEqual(["lint"]);
  });
});
