import { useEffect, useRef, useState } from "react";
import { thumbnailUrl } from "../api/client.js";

/** How often a visible card asks for a new picture of its desktop. */
export const THUMBNAIL_REFRESH_MS = 10_000;

/**
 * A small, slowly refreshed picture of a running session's desktop (the server asks agentd for a
 * screenshot; see docs/web-ui.md). Only cards on screen, in a visible tab, refresh.
 */
export function Thumbnail({
  sessionId,
  live,
  label,
  refreshMs = THUMBNAIL_REFRESH_MS,
}: {
  sessionId: string;
  live: boolean;
  label: string;
  /** The board's cards refresh faster: a task's desktop is where its progress shows. */
  refreshMs?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [onScreen, setOnScreen] = useState(false);
  const [tabVisible, setTabVisible] = useState(() => document.visibilityState === "visible");
  const [bust, setBust] = useState(() => Date.now());
  const [loaded, setLoaded] = useState<string | undefined>();
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => setOnScreen(entries.some((e) => e.isIntersecting)));
    io.observe(el);
    const onVis = () => setTabVisible(document.visibilityState === "visible");
    document.addEventListener("visibilitychange", onVis);
    return () => {
      io.disconnect();
      document.removeEventListener("visibilitychange", onVis);
    };
  }, []);

  const active = live && onScreen && tabVisible;
  useEffect(() => {
    if (!active) return;
    setBust(Date.now());
    const t = setInterval(() => setBust(Date.now()), refreshMs);
    return () => clearInterval(t);
  }, [active, refreshMs]);

  const src = active ? thumbnailUrl(sessionId, bust) : undefined;
  // The last good picture stays up while the next one loads, and when the session stops.
  return (
    <div className="thumbnail" ref={ref}>
      {src && (
        <img
          key={src}
          src={src}
          alt=""
          className="thumbnail-probe"
          onLoad={() => {
            setLoaded(src);
            setFailed(false);
          }}
          onError={() => setFailed(true)}
        />
      )}
      {loaded ? (
        <img src={loaded} alt={`Desktop of ${label}`} data-testid="thumbnail" />
      ) : (
        <span className="thumbnail-empty">{live ? (failed ? "No picture yet" : "…") : "Not running"}</span>
      )}
    </div>
  );
}
