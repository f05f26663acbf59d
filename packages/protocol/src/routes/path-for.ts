import type { RouteParams, RouteQuery, RouteSpec } from "./define.js";

type PathArgs<R> = R extends { params: unknown }
  ? [params: RouteParams<R>, query?: RouteQuery<R>]
  : [params?: RouteParams<R> | undefined, query?: RouteQuery<R>];

/**
 * The route's path with its `:params` filled in and URL-encoded, plus the query (entries that are
 * undefined or null are left out): `pathFor(ROUTES["sessions.get"], { id })` → `/api/v1/sessions/ses_1`.
 */
export function pathFor<R extends RouteSpec>(route: R, ...[params, query]: PathArgs<R>): string {
  const values = (params ?? {}) as Record<string, unknown>;
  const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined || value === null || value === "") {
      throw new Error(`${route.method} ${route.path} needs the path param "${name}"; pass it in params`);
    }
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}
