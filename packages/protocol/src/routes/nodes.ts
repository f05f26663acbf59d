import { z } from "zod";
import { NodeSchema } from "../nodes.js";
import { defineRoute } from "./define.js";

export const NodeListSchema = z.object({ items: z.array(NodeSchema) });
export type NodeList = z.infer<typeof NodeListSchema>;

const tags = ["nodes"];

export const nodeRoutes = {
  "nodes.list": defineRoute({
    method: "GET",
    path: "/api/v1/nodes",
    tags,
    summary: "Sandbox nodes: the hosts that run session desktops",
    response: { 200: NodeListSchema },
  }),
  "nodes.connect": defineRoute({
    method: "GET",
    path: "/api/v1/nodes/connect",
    websocket: true,
    auth: "admin",
    tags,
    summary: "WebSocket for a standalone sandbox node (admin token)",
    response: {},
  }),
};
