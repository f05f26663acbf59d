import { type McpServer, type McpServerTestResult, ROUTES } from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { call } from "../api/client.js";
import { ConfirmButton } from "../ui/confirm-button.js";

type Owner = { team_id: string } | { project_id: string };

const keyOf = (owner: Owner) => ["mcp-servers", owner] as const;

/**
 * A team's or project's own MCP servers (docs/mcp.md): every session there gets them. Header values
 * are write-only: the list shows only their names.
 */
export function McpServersPanel({ owner, canManage }: { owner: Owner; canManage: boolean }) {
  const servers = useQuery({
    queryKey: keyOf(owner),
    queryFn: () => call(ROUTES["mcpServers.list"], { query: owner }),
  });
  const [adding, setAdding] = useState(false);
  const items = servers.data?.items ?? [];
  return (
    <div className="panel" data-testid="mcp-servers">
      <div className="panel-header">
        <h2>MCP servers</h2>
        {canManage && !adding && (
          <button type="button" className="primary" onClick={() => setAdding(true)} data-testid="add-mcp-server">
            Add MCP server
          </button>
        )}
      </div>
      <p className="muted">
        Every session here gets these tools. An http server is reached through Strand, which adds its headers, so no
        secret enters a sandbox; a stdio server runs inside the sandbox.
      </p>
      {adding && <AddMcpServerForm owner={owner} onDone={() => setAdding(false)} />}
      {servers.error && <p className="error">{servers.error.message}</p>}
      {servers.data && items.length === 0 && !adding && (
        <p className="page-status" data-testid="mcp-servers-empty">
          No MCP servers yet.
        </p>
      )}
      <ul className="provider-list" data-testid="mcp-server-list">
        {items.map((s) => (
          <McpServerRow key={s.id} server={s} owner={owner} canManage={canManage} />
        ))}
      </ul>
    </div>
  );
}

function McpServerRow({ server: s, owner, canManage }: { server: McpServer; owner: Owner; canManage: boolean }) {
  const client = useQueryClient();
  const [result, setResult] = useState<McpServerTestResult | undefined>();
  const test = useMutation({
    mutationFn: () => call(ROUTES["mcpServers.test"], { params: { id: s.id } }),
    onSuccess: setResult,
  });
  const remove = useMutation({
    mutationFn: () => call(ROUTES["mcpServers.delete"], { params: { id: s.id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: keyOf(owner) }),
  });
  return (
    <li className="provider" data-testid="mcp-server-row" data-mcp-server-name={s.name}>
      <div className="provider-main">
        <strong className="provider-name">{s.name}</strong>
        <span className="tag">{s.transport}</span>
        {!s.enabled && <span className="tag">disabled</span>}
        <code className="provider-url">{s.transport === "http" ? s.url : [s.command, ...s.args].join(" ")}</code>
        {s.header_names.length > 0 && <span className="muted">headers: {s.header_names.join(", ")}</span>}
        {s.description && <span className="muted">{s.description}</span>}
      </div>
      <div className="provider-actions">
        <button type="button" onClick={() => test.mutate()} disabled={test.isPending} data-testid="mcp-server-test">
          {test.isPending ? "Testing…" : "Test"}
        </button>
        {canManage && (
          <ConfirmButton
            label="Delete"
            confirmLabel="Delete now"
            onConfirm={() => remove.mutate()}
            disabled={remove.isPending}
          />
        )}
      </div>
      {result && (
        <div className={result.ok ? "test-ok" : "error"} role="status" data-testid="mcp-server-test-result">
          {result.message}
          {result.tools.length > 0 && (
            <ul>
              {result.tools.map((t) => (
                <li key={t.name}>
                  <code>{t.name}</code> {t.description}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {(test.error ?? remove.error) && <p className="error">{(test.error ?? remove.error)?.message}</p>}
    </li>
  );
}

function AddMcpServerForm({ owner, onDone }: { owner: Owner; onDone: () => void }) {
  const client = useQueryClient();
  const [transport, setTransport] = useState<"http" | "stdio">("http");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [url, setUrl] = useState("");
  const [headers, setHeaders] = useState<{ name: string; value: string }[]>([{ name: "", value: "" }]);
  const [command, setCommand] = useState("");
  const [args, setArgs] = useState("");
  const create = useMutation({
    mutationFn: () => {
      const common = { name, ...(description ? { description } : {}), ...owner };
      const body =
        transport === "http"
          ? {
              ...common,
              transport,
              url,
              headers: Object.fromEntries(headers.filter((h) => h.name).map((h) => [h.name, h.value])),
            }
          : { ...common, transport, command, args: args.split(/\s+/).filter(Boolean) };
      return call(ROUTES["mcpServers.create"], { body });
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: keyOf(owner) });
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const setHeader = (i: number, patch: Partial<{ name: string; value: string }>) =>
    setHeaders(headers.map((h, j) => (j === i ? { ...h, ...patch } : h)));
  return (
    <form className="form" onSubmit={submit} data-testid="add-mcp-server-form">
      <label>
        Name <input value={name} onChange={(e) => setName(e.target.value)} placeholder="internal-tools" required />
      </label>
      <label>
        Description <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label>
        Transport{" "}
        <select value={transport} onChange={(e) => setTransport(e.target.value as "http" | "stdio")}>
          <option value="http">http (through Strand)</option>
          <option value="stdio">stdio (in the sandbox)</option>
        </select>
      </label>
      {transport === "http" ? (
        <>
          <label>
            URL{" "}
            <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://tools.example.com/mcp" />
          </label>
          {headers.map((h, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
            <div className="form-row" key={i} data-testid="mcp-header-row">
              <input value={h.name} onChange={(e) => setHeader(i, { name: e.target.value })} placeholder="Header" />
              <input
                type="password"
                value={h.value}
                onChange={(e) => setHeader(i, { value: e.target.value })}
                placeholder="Value (stored encrypted)"
              />
            </div>
          ))}
          <button type="button" onClick={() => setHeaders([...headers, { name: "", value: "" }])}>
            Add header
          </button>
        </>
      ) : (
        <>
          <label>
            Command <input value={command} onChange={(e) => setCommand(e.target.value)} placeholder="node" />
          </label>
          <label>
            Arguments <input value={args} onChange={(e) => setArgs(e.target.value)} placeholder="tools/mcp.mjs" />
          </label>
        </>
      )}
      {create.error && (
        <p className="error" role="alert">
          {create.error.message}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          Add
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
