import { NOTIFICATION_KIND_TITLES, type Notification, type NotificationPreference } from "@strand/protocol";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { queryKeys } from "../api/query-keys.js";
import { ago } from "../ui/format.js";
import { inboxKey, notificationsApi } from "./api.js";
import { setBrowserNotifications, useBrowserNotificationState } from "./browser.js";
import "./notifications.css";

/** Your inbox: what needs you, newest first, each linking to the place to act; and what reaches you. */
export function InboxPage() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const list = useInfiniteQuery({
    queryKey: [...inboxKey, unreadOnly],
    queryFn: ({ pageParam }) =>
      notificationsApi.list({ ...(unreadOnly ? { unread: "true" } : {}), ...(pageParam ? { before: pageParam } : {}) }),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_before ?? undefined,
  });
  const markRead = useMutation({
    mutationFn: (ids?: string[]) => notificationsApi.markRead(ids),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.notifications }),
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const unread = list.data?.pages[0]?.unread ?? 0;
  const open = (n: Notification) => {
    if (!n.read_at) markRead.mutate([n.id]);
    navigate(n.link);
  };
  return (
    <section className="page inbox-page" data-testid="inbox-page">
      <header className="page-header">
        <h1>Inbox</h1>
        <span className="muted" data-testid="inbox-unread">
          {unread} unread
        </span>
        <span className="spacer" />
        <label className="inline-check">
          <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} /> Unread only
        </label>
        <button
          type="button"
          onClick={() => markRead.mutate(undefined)}
          disabled={unread === 0 || markRead.isPending}
          data-testid="inbox-mark-all-read"
        >
          Mark all read
        </button>
      </header>
      {list.error && <p className="error">{list.error.message}</p>}
      {list.isPending && <p className="page-status">Loading…</p>}
      <ul className="inbox-list" data-testid="inbox-list" aria-label="Notifications">
        {list.data && items.length === 0 && (
          <li className="muted inbox-empty" data-testid="inbox-empty">
            Nothing here. Strand tells you here when a spec or code is ready for review, an agent asks you something, or
            work fails or lands.
          </li>
        )}
        {items.map((n) => (
          <li key={n.id}>
            <button
              type="button"
              className={`inbox-item${n.read_at ? "" : " unread"}`}
              onClick={() => open(n)}
              data-testid="inbox-item"
              data-id={n.id}
              data-kind={n.kind}
              data-unread={!n.read_at}
            >
              <span className="inbox-dot" aria-hidden="true" />
              {!n.read_at && <span className="visually-hidden">Unread:</span>}
              <span className="inbox-text">
                <strong className="inbox-title">{n.title}</strong>
                {n.body && <span className="inbox-body">{n.body}</span>}
              </span>
              <time className="muted" dateTime={n.created_at} title={new Date(n.created_at).toLocaleString()}>
                {ago(n.created_at)}
              </time>
            </button>
          </li>
        ))}
      </ul>
      {list.hasNextPage && (
        <button type="button" className="link" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          Older
        </button>
      )}
      <Preferences />
    </section>
  );
}

/** Per kind: in the inbox, as a browser notification; and the browser's own permission. */
function Preferences() {
  const client = useQueryClient();
  const prefs = useQuery({ queryKey: queryKeys.notificationPreferences, queryFn: notificationsApi.preferences });
  const save = useMutation({
    mutationFn: (item: NotificationPreference) => notificationsApi.updatePreferences({ items: [item] }),
    // The box follows the click at once; the server's answer (or a refetch after a failure) settles it.
    // A read already in flight (the page's first, or one the events socket asked for on connecting)
    // is cancelled first: answering after the click, it would put the box back as it was.
    onMutate: async (item) => {
      await client.cancelQueries({ queryKey: queryKeys.notificationPreferences });
      client.setQueryData(queryKeys.notificationPreferences, (old: { items: NotificationPreference[] } | undefined) =>
        old ? { items: old.items.map((p) => (p.kind === item.kind ? item : p)) } : old,
      );
    },
    onSuccess: (data) => client.setQueryData(queryKeys.notificationPreferences, data),
    onError: () => client.invalidateQueries({ queryKey: queryKeys.notificationPreferences }),
  });
  const browser = useBrowserNotificationState();
  const [asking, setAsking] = useState(false);
  return (
    <div className="panel" data-testid="notification-preferences">
      <div className="panel-header">
        <h2>What reaches you</h2>
      </div>
      <label className="inline-check browser-toggle">
        <input
          type="checkbox"
          checked={browser === "on"}
          disabled={browser === "unsupported" || browser === "denied" || asking}
          onChange={async (e) => {
            setAsking(true);
            await setBrowserNotifications(e.target.checked).finally(() => setAsking(false));
          }}
          data-testid="browser-notifications-toggle"
        />{" "}
        Browser notifications
        <small className="muted">
          {browser === "unsupported" && " — this browser has none."}
          {browser === "denied" && " — blocked for this site in the browser's settings; allow them there first."}
          {browser === "off" && " — shown while Strand's tab is in the background, for the kinds ticked below."}
          {browser === "on" && " — on in this browser, while Strand's tab is in the background."}
        </small>
      </label>
      {prefs.error && <p className="error">{prefs.error.message}</p>}
      {save.error && <p className="error">{save.error.message}</p>}
      <table className="table">
        <thead>
          <tr>
            <th>Kind</th>
            <th>Inbox</th>
            <th>Browser</th>
          </tr>
        </thead>
        <tbody>
          {prefs.data?.items.map((p) => (
            <tr key={p.kind} data-testid="preference-row" data-kind={p.kind}>
              <td>{NOTIFICATION_KIND_TITLES[p.kind]}</td>
              <td>
                <input
                  type="checkbox"
                  checked={p.inbox}
                  aria-label={`${NOTIFICATION_KIND_TITLES[p.kind]}: inbox`}
                  onChange={(e) => save.mutate({ ...p, inbox: e.target.checked })}
                />
              </td>
              <td>
                <input
                  type="checkbox"
                  checked={p.browser}
                  aria-label={`${NOTIFICATION_KIND_TITLES[p.kind]}: browser`}
                  onChange={(e) => save.mutate({ ...p, browser: e.target.checked })}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
