import type { RuntimeEntry } from "./types.js";

/** Where the node puts the built-in agent, next to agentd.mjs. */
export const STRAND_AGENT_PATH = "/opt/strand/strand-agent.mjs";

/** Strand's own agent (packages/agent), run on agentd's Node; it reads STRAND_AGENT_MODEL. */
export const strandAgent: RuntimeEntry = {
  id: "strand-agent",
  name: "strand-agent",
  command: () => ({ command: process.execPath, args: [STRAND_AGENT_PATH] }),
  env: (ctx) => (ctx.model ? { STRAND_AGENT_MODEL: ctx.model } : {}),
  clientFs: true,
  observed: { version: "built in", authMethods: [], mcp: ["stdio", "http"], continues: ["resume", "load"] },
};
