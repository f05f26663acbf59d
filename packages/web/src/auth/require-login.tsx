import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { ApiRequestError, api } from "../api/client.js";

export const ME_QUERY = ["me"] as const;

/** Renders its children for a logged-in user, sends everyone else to the login page and back. */
export function RequireLogin({ children }: { children: ReactNode }) {
  const location = useLocation();
  const me = useQuery({ queryKey: ME_QUERY, queryFn: api.me, retry: false });
  if (me.isPending) return <p className="page-status">Loading…</p>;
  if (me.error instanceof ApiRequestError && me.error.status === 401) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  if (me.error) return <p className="page-status error">{me.error.message}</p>;
  return <>{children}</>;
}
