import type { WebsocketHandler } from "@fastify/websocket";
import type { ApiRoute, RouteAuth } from "@strand/protocol";
import type {
  ContextConfigDefault,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
  RouteOptions,
  RouteShorthandOptions,
} from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { publicRouteFor } from "./public-routes.js";
import type { RouteAccess } from "./require-auth.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * The table entry a route was registered from (set by registerRoute only), so
     * test/route-table.test.ts can tell it from a route spelled by hand with its own schemas.
     */
    tableRoute?: ApiRoute;
  }
}

/** The Fastify schema of a table entry, so handlers get typed params, query, body and replies. */
export type RouteSchema<R extends ApiRoute> = {
  params: R extends { params: infer P } ? P : undefined;
  querystring: R extends { query: infer Q } ? Q : undefined;
  body: R extends { body: infer B } ? B : undefined;
  response: R["response"];
};

type Server = RawServerDefault;
type Req = RawRequestDefaultExpression;
type Reply = RawReplyDefaultExpression;

/** The handler a table entry takes: a WebSocket handler for `websocket: true` entries, else an HTTP one. */
export type RouteHandlerFor<R extends ApiRoute> = R extends { websocket: true }
  ? WebsocketHandler<Server, Req, RouteGenericInterface, ContextConfigDefault, RouteSchema<R>, ZodTypeProvider>
  : RouteHandlerMethod<
      Server,
      Req,
      Reply,
      RouteGenericInterface,
      ContextConfigDefault,
      RouteSchema<R>,
      ZodTypeProvider
    >;

/** What a route adds beyond its table entry: hooks (a stream's pre-upgrade checks), limits, extra config. */
export type RouteExtras<R extends ApiRoute> = Omit<
  RouteShorthandOptions<
    Server,
    Req,
    Reply,
    RouteGenericInterface,
    ContextConfigDefault,
    RouteSchema<R>,
    ZodTypeProvider
  >,
  "schema" | "websocket"
>;

/** How the access hook (require-auth.ts) reads each kind of table auth; public routes declare none. */
const ACCESS: Record<Exclude<RouteAuth, "public">, RouteAccess> = {
  user: "user",
  admin: "admin",
  session: "agent",
};

/**
 * Registers a route from its protocol table entry (`ROUTES[...]`): method, URL, schemas, OpenAPI
 * summary and tags, and who may call it. Works inside the `/api/v1`-prefixed plugin or on the root.
 */
export function registerRoute<R extends ApiRoute>(
  app: FastifyInstance,
  route: R,
  handler: RouteHandlerFor<R>,
  extras: RouteExtras<R> = {},
): void {
  const method = route.method;
  const access = accessFor(route);
  const response = Object.keys(route.response).length > 0 ? { response: route.response } : {};
  const options = {
    ...extras,
    method,
    url: localUrl(app, route),
    schema: {
      tags: [...route.tags],
      summary: route.summary,
      ...(route.description !== undefined ? { description: route.description } : {}),
      // OpenAPI: no credentials needed.
      ...(route.auth === "public" ? { security: [] } : {}),
      ...(route.params !== undefined ? { params: route.params } : {}),
      ...(route.query !== undefined ? { querystring: route.query } : {}),
      ...(route.body !== undefined ? { body: route.body } : {}),
      ...response,
    },
    config: { ...extras.config, ...(access ? { access } : {}), tableRoute: route },
    ...(route.websocket ? { websocket: true } : {}),
    handler,
  };
  app.route(options as unknown as RouteOptions);
}

/**
 * Public routes carry no `config.access`: what opens them is their PUBLIC_ROUTES entry, and a
 * table entry that says public without one would be refused with 401, so say so at start instead.
 */
function accessFor(route: ApiRoute): RouteAccess | undefined {
  if (route.auth !== "public") return ACCESS[route.auth];
  if (!publicRouteFor(route.method, route.path, {})) {
    throw new Error(
      `${route.method} ${route.path} is public in the route table but not in PUBLIC_ROUTES ` +
        "(packages/server/src/api/public-routes.ts); add it there with why it needs no credentials",
    );
  }
  return undefined;
}

/** The table's full path, minus the prefix of the plugin it is registered in. */
function localUrl(app: FastifyInstance, route: ApiRoute): string {
  const prefix = app.prefix;
  if (!prefix) return route.path;
  if (route.path === prefix || route.path.startsWith(`${prefix}/`)) return route.path.slice(prefix.length);
  throw new Error(
    `${route.method} ${route.path} cannot be registered in a plugin with prefix ${prefix}; ` +
      "register it where its path starts (the /api/v1 plugin in app.ts, or the root)",
  );
}
