import type { StrandEvent } from "@strand/protocol";
import { useSyncExternalStore } from "react";

/**
 * Browser notifications: shown for `notification.created` events whose kind the person wants in
 * the browser, only while this tab is hidden (a visible tab already shows the inbox count), and
 * only once they turned them on here and the browser granted the permission.
 */
const STORAGE_KEY = "strand.browserNotifications";
const listeners = new Set<() => void>();

export type BrowserNotificationState = "unsupported" | "denied" | "off" | "on";

export function browserNotificationState(): BrowserNotificationState {
  if (typeof Notification === "undefined") return "unsupported";
  if (Notification.permission === "denied") return "denied";
  if (Notification.permission !== "granted") return "off";
  return localStorage.getItem(STORAGE_KEY) === "on" ? "on" : "off";
}

/** Turns them on (asking the browser when it has not been asked) or off; returns the new state. */
export async function setBrowserNotifications(on: boolean): Promise<BrowserNotificationState> {
  if (typeof Notification === "undefined") return "unsupported";
  if (on) {
    const permission =
      Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
    if (permission === "granted") localStorage.setItem(STORAGE_KEY, "on");
  } else {
    localStorage.setItem(STORAGE_KEY, "off");
  }
  for (const l of listeners) l();
  return browserNotificationState();
}

export function useBrowserNotificationState(): BrowserNotificationState {
  return useSyncExternalStore((l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, browserNotificationState);
}

/** Called for every live event; shows the ones that qualify. */
export function showBrowserNotification(event: StrandEvent, navigate: (to: string) => void): void {
  if (event.type !== "notification.created" || !event.notification || !event.browser) return;
  if (browserNotificationState() !== "on") return;
  if (document.visibilityState === "visible") return;
  const n = event.notification;
  try {
    const shown = new Notification(n.title, { body: n.body, tag: n.id });
    shown.onclick = () => {
      window.focus();
      navigate(n.link);
      shown.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker; the inbox still has it.
  }
}
