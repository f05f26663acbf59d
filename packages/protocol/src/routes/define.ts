import type { z } from "zod";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Who may call a route:
 * - `public`: anyone; the server also lists it in its PUBLIC_ROUTES, which is what actually opens it;
 * - `user`: a person, by API token or login cookie (session tokens are refused);
 * - `admin`: the same, and the person is an admin;
 * - `session`: strand-agentd, by its session token only.
 */
export type RouteAuth = "public" | "user" | "admin" | "session";

/** Response schemas by HTTP status; the 2xx ones are what a client gets back. */
export type ResponseSchemas = { readonly [status: number]: z.ZodType };

/** One REST (or WebSocket) route of `/api/v1`, as `defineRoute` takes it. */
export interface RouteSpec {
  readonly method: HttpMethod;
  /** The full path in Fastify form, params as `:name`: `/api/v1/sessions/:id`. */
  readonly path: `/${string}`;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly response: ResponseSchemas;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** Defaults to `user`. */
  readonly auth?: RouteAuth;
  /** A WebSocket route: the path is where to connect, and `response` holds only the refusals. */
  readonly websocket?: boolean;
}

type AuthOf<S> = S extends { auth: infer A extends RouteAuth } ? A : "user";

/** A table entry: the spec as written, with `auth` filled in (`ApiRoute` alone: any entry). */
export type ApiRoute<S extends RouteSpec = RouteSpec> = S & {
  readonly auth: RouteSpec extends S ? RouteAuth : AuthOf<S>;
};

/** Keeps the spec's exact types (schemas, method, path), so clients can infer their inputs and results. */
export function defineRoute<const S extends RouteSpec>(spec: S): ApiRoute<S> {
  return { ...spec, auth: spec.auth ?? "user" } as ApiRoute<S>;
}

type QueryValue = string | number | boolean | null | undefined;

/**
 * Query input where a coercing schema accepts `unknown`, narrowed to what a URL can carry; null
 * (like undefined) leaves the key out of the URL.
 */
type QueryInput<T> = { [K in keyof T]: (unknown extends T[K] ? QueryValue : T[K]) | null };

/** The path params a route needs (`{ id: string }`), or none. */
export type RouteParams<R> = R extends { params: infer P extends z.ZodType } ? z.input<P> : Record<string, never>;

/** The query a route accepts, or none. */
export type RouteQuery<R> = R extends { query: infer Q extends z.ZodType } ? QueryInput<z.input<Q>> : never;

/** The body a route takes, or none. */
export type RouteBody<R> = R extends { body: infer B extends z.ZodType } ? z.input<B> : never;

type SuccessStatus<T> = { [K in keyof T]: `${K & number}` extends `2${string}` ? K : never }[keyof T];

/** What a successful call returns: the output of the route's 2xx response schemas (`never` if it has none). */
export type RouteResponse<R> = R extends { response: infer T }
  ? SuccessStatus<T> extends infer K extends keyof T
    ? T[K] extends z.ZodType
      ? z.output<T[K]>
      : never
    : never
  : never;

type ParamsPart<R> = R extends { params: infer P extends z.ZodType } ? { params: z.input<P> } : { params?: undefined };
type QueryPart<R> = R extends { query: z.ZodType }
  ? Record<string, never> extends RouteQuery<R>
    ? { query?: RouteQuery<R> }
    : { query: RouteQuery<R> }
  : { query?: undefined };
type BodyPart<R> = R extends { body: infer B extends z.ZodType }
  ? undefined extends z.input<B>
    ? { body?: z.input<B> }
    : { body: z.input<B> }
  : { body?: undefined };

/** Everything a call to the route sends; keys the route has no schema for must stay out. */
export type RouteInput<R> = ParamsPart<R> & QueryPart<R> & BodyPart<R>;

/** The input argument of a call: optional when the route needs nothing. */
export type RouteInputArgs<R> =
  Record<string, never> extends RouteInput<R> ? [input?: RouteInput<R>] : [input: RouteInput<R>];
