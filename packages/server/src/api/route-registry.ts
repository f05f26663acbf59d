import type { ApiRoute } from "@strand/protocol";
import type { FastifyInstance, RouteOptions } from "fastify";
import { type PublicRoute, publicRouteFor } from "./public-routes.js";
import { ROUTE_ACCESS, type RouteAccess } from "./require-auth.js";

/** One method of one registered route, as the access hook treats it. */
export interface RegisteredRoute {
  method: string;
  url: string;
  websocket: boolean;
  access: RouteAccess | "public";
  /** The PUBLIC_ROUTES entry that makes it public. */
  publicAs?: PublicRoute;
  /** The protocol table entry it was registered from by registerRoute; none for a route spelled by hand. */
  tableRoute?: ApiRoute;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Every route with the access it gets, once the app is ready; test/route-walk.test.ts calls each. */
    strandRoutes: readonly RegisteredRoute[];
  }
}

/**
 * Records every route registered after this call (onRoute hooks do not see earlier ones, so call
 * it first). Access is resolved when the app is ready, from each route's final config (other
 * onRoute hooks may still add to it), and a route whose access is unknown or contradicts
 * PUBLIC_ROUTES stops the start, so a typo cannot quietly fall back to a default.
 */
export function recordRoutes(app: FastifyInstance): void {
  const seen: RouteOptions[] = [];
  const routes: RegisteredRoute[] = [];
  app.decorate("strandRoutes", routes);
  app.addHook("onRoute", (route) => {
    seen.push(route);
  });
  app.addHook("onReady", async () => {
    routes.length = 0;
    for (const route of seen) routes.push(...resolve(route));
  });
}

function resolve(route: RouteOptions): RegisteredRoute[] {
  const declared = route.config?.access;
  if (declared !== undefined && !ROUTE_ACCESS.includes(declared)) {
    throw new Error(
      `route ${route.url} declares access ${JSON.stringify(declared)}; use one of ${ROUTE_ACCESS.join(", ")}, or list it in PUBLIC_ROUTES`,
    );
  }
  return [route.method].flat().map((method) => {
    const pub = publicRouteFor(method, route.url, route.config ?? {});
    if (pub && declared !== undefined) {
      throw new Error(
        `${method} ${route.url} is public (PUBLIC_ROUTES, ${pub.url}) but declares access ${declared}; drop one of the two`,
      );
    }
    return {
      method,
      url: route.url,
      // Fastify's automatic HEAD twin of a WebSocket route is a plain HTTP route.
      websocket: route.websocket === true && method === "GET",
      access: pub ? "public" : (declared ?? "user"),
      ...(pub ? { publicAs: pub } : {}),
      ...(route.config?.tableRoute ? { tableRoute: route.config.tableRoute } : {}),
    };
  });
}
