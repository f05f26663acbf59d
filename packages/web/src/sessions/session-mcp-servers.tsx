import { ROUTES, type Session } from "@strand/protocol";
import { useQuery } from "@tanstack/react-query";
import { call } from "../api/client.js";

/** The project's and team's MCP servers this session's runtime gets, with their status (docs/mcp.md). */
export function SessionMcpServers({ session: s }: { session: Session }) {
  const servers = useQuery({
    queryKey: ["session-mcp-servers", s.id],
    queryFn: () => call(ROUTES["sessions.mcpServers"], { params: { id: s.id } }),
    enabled: s.team_id !== null || s.project_id !== null,
    staleTime: 30_000,
  }).data?.items;
  if (!servers?.length) return null;
  return (
    <details className="session-meta session-mcp-servers" data-testid="session-mcp-servers">
      <summary>MCP servers: {servers.length}</summary>
      <ul>
        {servers.map((m) => (
          <li key={m.id} data-testid="session-mcp-server" data-status={m.status}>
            <code>{m.name}</code> <span className="tag">{m.transport}</span> {m.status}
            {m.tools !== null && ` · ${m.tools} tools`}
            {m.reason && <span className="error"> {m.reason}</span>}
          </li>
        ))}
      </ul>
    </details>
  );
}
