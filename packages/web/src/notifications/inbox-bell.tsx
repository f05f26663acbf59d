import { useQuery } from "@tanstack/react-query";
import { NavLink } from "react-router";
import { queryKeys } from "../api/query-keys.js";
import { notificationsApi } from "./api.js";
import "./notifications.css";

const countKey = [...queryKeys.notifications, "count"] as const;

/** The header's inbox link with the unread count; notification events refresh it (events/apply-event.ts). */
export function InboxBell() {
  const unread = useQuery({ queryKey: countKey, queryFn: () => notificationsApi.list({ limit: 1 }) }).data?.unread ?? 0;
  return (
    <NavLink
      to="/inbox"
      className="inbox-bell"
      aria-label={unread ? `Inbox, ${unread} unread` : "Inbox"}
      data-testid="inbox-bell"
      data-unread={unread}
    >
      <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
        />
      </svg>
      {unread > 0 && (
        <span className="inbox-count" data-testid="inbox-unread-count">
          {unread > 99 ? "99+" : unread}
        </span>
      )}
    </NavLink>
  );
}
