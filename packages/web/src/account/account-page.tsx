import { useQuery } from "@tanstack/react-query";
import { NavLink, Outlet } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";

/** Your account: AI providers and API tokens, one tab each. */
export function AccountPage() {
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me });
  return (
    <section className="account">
      <header className="account-header">
        <h1>Account</h1>
        {me.data && (
          <span className="muted">
            {me.data.name} · {me.data.email}
            {me.data.is_admin ? " · admin" : ""}
          </span>
        )}
      </header>
      <nav className="tabs" aria-label="Account sections">
        <NavLink to="/account/providers">AI Providers</NavLink>
        <NavLink to="/account/tokens">API tokens</NavLink>
      </nav>
      <Outlet />
    </section>
  );
}
