import { defineRoute } from "./define.js";

export const agentRoutes = {
  "agent.connect": defineRoute({
    method: "GET",
    path: "/api/v1/agent/connect",
    websocket: true,
    auth: "session",
    tags: ["agent"],
    summary: "strand-agentd's connection (session token only)",
    response: {},
  }),
};
