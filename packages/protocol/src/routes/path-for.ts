import type { RouteParams, RouteQuery, RouteSpec } from "./define.js";

type PathArgs<R> = R extends { params: unknown }
  ? [params: RouteParams<R>, query?: RouteQuery<R>]
  : [params?: RouteParams<R> | undefined, query?: RouteQuery<R>];

/**
 * The route's path with its `:params` filled in and URL-encoded, plus the query (entries that are
 * undefined or null are left out): `pathFor(ROUTES["sessions.get"], { id })` → `/api/v1/sessions/ses_1`.
 */
export function pathFor<R extends RouteSpec>(route: R, ...[params, query]: PathArgs<R>): string {
  return fillPath(route, params, query as Readonly<Record<string, unknown>> | undefined);
}

/** `pathFor` without the types, for generic callers (a client's `call`) that have checked them already. */
export function fillPath(
  route: RouteSpec,
  params?: Readonly<Record<string, unknown>>,
  query?: Readonly<Record<string, unknown>>,
): string {
  const values = params ?? {};
  const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined || value === null || value === "") {
      throw new Error(`${route.method} ${route.path} needs the path param "${name}"; pass it in params`);
    }
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}
