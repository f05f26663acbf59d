import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, NavLink, Outlet, useNavigate } from "react-router";
import { api } from "./api/client.js";
import { queryKeys } from "./api/query-keys.js";
import { LiveEventsProvider } from "./events/live-sync.js";
import { InboxBell } from "./notifications/inbox-bell.js";
import { SearchBox } from "./search/search-box.js";
import { TeamSwitcher } from "./teams/team-switcher.js";

export function Layout() {
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me });
  const client = useQueryClient();
  const navigate = useNavigate();
  const logout = async () => {
    await api.logout().catch(() => {});
    client.clear();
    navigate("/login");
  };
  return (
    <LiveEventsProvider>
      <div className="app">
        <header className="topbar">
          <Link to="/" className="brand">
            Strand
          </Link>
          <nav className="topnav" aria-label="Main">
            <NavLink to="/" end>
              Sessions
            </NavLink>
            <NavLink to="/projects">Projects</NavLink>
            <NavLink to="/teams">Teams</NavLink>
            <NavLink to="/account">Account</NavLink>
          </nav>
          <TeamSwitcher />
          <span className="spacer" />
          <SearchBox />
          <InboxBell />
          {me.data && <span className="who">{me.data.email}</span>}
          <button type="button" className="link" onClick={logout}>
            Log out
          </button>
        </header>
        <main>
          <Outlet />
        </main>
      </div>
    </LiveEventsProvider>
  );
}
