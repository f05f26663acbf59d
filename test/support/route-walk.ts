import WebSocket from "ws";
import type { RegisteredRoute } from "../../packages/server/src/api/route-registry.js";

export interface Answer {
  route: RegisteredRoute;
  path: string;
  status: number;
  body: unknown;
}

/** The route's URL with every parameter and wildcard filled with a made-up value. */
export function fillParams(url: string): string {
  return url.replace(/:[A-Za-z0-9_]+/g, "dummy_id").replace(/\*/g, "dummy/x");
}

/** Calls one method of one route without any credentials; WebSocket routes by an upgrade. */
export async function callWithoutCredentials(baseUrl: string, route: RegisteredRoute): Promise<Answer> {
  const path = fillParams(route.url);
  if (route.websocket) return { route, path, ...(await upgrade(`${baseUrl.replace(/^http/, "ws")}${path}`)) };
  const res = await fetch(`${baseUrl}${path}`, { method: route.method, redirect: "manual" });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a file, a page); the status is what counts.
  }
  return { route, path, status: res.status, body };
}

function upgrade(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => {
      ws.close();
      resolve({ status: 101, body: null });
    });
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on("end", () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Keep the text.
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.once("error", (err) => reject(err));
  });
}

/**
 * Every route that answers a caller without credentials with anything but the refusal its
 * access kind gives: 401 in the API's error shape, or for the LLM proxy 401 in the SDK's format.
 * Public routes are skipped here; `publicRoutesThatRefuse` checks those.
 */
export async function openRoutes(baseUrl: string, routes: readonly RegisteredRoute[]): Promise<Answer[]> {
  const open: Answer[] = [];
  for (const route of routes) {
    if (route.access === "public") continue;
    const a = await callWithoutCredentials(baseUrl, route);
    if (a.status !== 401) open.push(a);
    else if (route.access !== "llm" && route.method !== "HEAD" && !isApiRefusal(a.body)) open.push(a);
  }
  return open;
}

function isApiRefusal(body: unknown): boolean {
  const b = body as { error?: unknown; message?: unknown } | null;
  return typeof b?.error === "string" && typeof b.message === "string" && b.message.length > 10;
}

/** Public routes that nevertheless turn a caller without credentials away. */
export async function publicRoutesThatRefuse(baseUrl: string, routes: readonly RegisteredRoute[]): Promise<Answer[]> {
  const refused: Answer[] = [];
  for (const route of routes) {
    if (route.access !== "public") continue;
    const a = await callWithoutCredentials(baseUrl, route);
    if (a.status === 401 || a.status === 403) refused.push(a);
  }
  return refused;
}

export const describeAnswer = (a: Answer) => `${a.route.method} ${a.route.url} → ${a.status}`;
