import { type StreamControl, StreamErrorCodes } from "@strand/protocol";
import { useEffect, useRef, useState } from "react";
import { streamUrl } from "../api/client.js";
import { StreamConnection } from "./connection.js";
import { InputCapture } from "./input-capture.js";
import { MseSink } from "./mse-sink.js";
import { createTestHook } from "./test-hook.js";
import type { SinkEvents, VideoSink } from "./video-sink.js";
import { WebCodecsSink } from "./webcodecs-sink.js";

interface Status {
  kind: "connecting" | "waiting" | "live" | "reconnecting" | "unsupported";
  message: string;
}

interface Stats {
  fps: number;
  kbps: number;
  rttMs: number | undefined;
  serverHoldMs: number | undefined;
  frameAgeMs: number | undefined;
  decodeMs: number | undefined;
  drawMs: number | undefined;
  decodeQueue: number;
  dropped: number;
  mode: string;
  size: string;
}

/** Codes that explain why there is no picture (as opposed to a passing notice about input). */
const WAITING_CODES: string[] = [StreamErrorCodes.agentOffline, StreamErrorCodes.encoderRestarting];

/**
 * The session's desktop, live: video from the stream gateway painted on a canvas (WebCodecs) or a
 * video element (MSE fallback), and this page's keyboard, mouse, touch and clipboard sent back
 * while the picture has focus. Reconnects by itself.
 */
export function StreamViewer({ sessionId, viewOnly: startViewOnly }: { sessionId: string; viewOnly: boolean }) {
  const rootRef = useRef<HTMLDivElement>(null);
  const mediaRef = useRef<HTMLDivElement>(null);
  const sinkRef = useRef<VideoSink | undefined>(undefined);
  const inputRef = useRef<InputCapture | undefined>(undefined);
  const [viewOnly, setViewOnly] = useState(startViewOnly);
  const viewOnlyRef = useRef(viewOnly);
  viewOnlyRef.current = viewOnly;
  const [status, setStatus] = useState<Status>({ kind: "connecting", message: "Connecting to the desktop…" });
  const [notice, setNotice] = useState<string | undefined>();
  const [stats, setStats] = useState<Stats | undefined>();
  const [showStats, setShowStats] = useState(false);
  const [clipboard, setClipboard] = useState<string | undefined>();

  useEffect(() => {
    const media = mediaRef.current;
    if (!media) return;
    const hook = createTestHook();
    let live = false;
    let lastResync = -Infinity;
    let bytes = 0;
    let lastSeq = 0;
    let paintedAtTick = 0;
    let rtt: number | undefined;
    let serverHold: number | undefined;
    let noticeTimer: ReturnType<typeof setTimeout> | undefined;
    const showNotice = (text: string) => {
      setNotice(text);
      clearTimeout(noticeTimer);
      noticeTimer = setTimeout(() => setNotice(undefined), 4000);
    };

    const events: SinkEvents = {
      onNeedResync: (reason) => {
        hook.errors.push(reason);
        const now = performance.now();
        if (now - lastResync < 1000) return;
        lastResync = now;
        conn.sendControl({ type: "resync" });
      },
      onPaint: (stats) => {
        hook.framesPainted = stats.painted;
        hook.framesDecoded = stats.decoded;
        hook.lastCaptureUs = stats.lastCaptureUs;
        hook.lastDecodeMs = stats.lastDecodeMs;
        hook.lastDrawMs = stats.lastDrawMs;
        hook.lastPaintAt = performance.now();
        hook.firstPaintAt ||= hook.lastPaintAt;
        hook.lastPaintWallMs = Date.now();
        if (!live) {
          live = true;
          setStatus({ kind: "live", message: "" });
        }
      },
    };
    // ?decoder=mse forces the fallback, to try it in a browser that has WebCodecs.
    const forceMse = new URLSearchParams(location.search).get("decoder") === "mse";
    const sink: VideoSink | undefined =
      WebCodecsSink.supported() && !forceMse
        ? new WebCodecsSink(events)
        : MseSink.supported()
          ? new MseSink(events)
          : undefined;
    if (!sink) {
      setStatus({
        kind: "unsupported",
        message: "This browser can decode H.264 neither with WebCodecs nor with Media Source Extensions.",
      });
      return;
    }
    sinkRef.current = sink;
    hook.mode = sink.kind;
    const el = sink.element;
    el.className = "stream-media";
    el.tabIndex = 0;
    el.setAttribute("aria-label", "Session desktop");
    el.dataset.testid = "stream-media";
    // Every key pressed here is the desktop's: page shortcuts (search's `/` and Ctrl+K) leave it alone.
    el.dataset.takesKeys = "";
    media.appendChild(el);

    const conn: StreamConnection = new StreamConnection(streamUrl(sessionId, startViewOnly), {
      onOpen: () => {
        hook.connected = true;
        hook.connects++;
        hook.firstOpenAt ||= performance.now();
        setStatus((s) => (s.kind === "live" ? s : { kind: "waiting", message: "Waiting for the picture…" }));
      },
      onVideo: (frame, size) => {
        bytes += size;
        lastSeq = frame.seq;
        hook.framesReceived++;
        sink.push(frame);
        hook.framesDecoded = sink.stats.decoded;
      },
      onControl: (msg) => onControl(msg),
      onPong: (pong, now) => {
        rtt = now - pong.clientMs;
        serverHold = pong.serverHoldUs / 1000;
        hook.rttMs = rtt;
      },
      onClose: (retryIn) => {
        hook.connected = false;
        input.releaseAll();
        live = false;
        setStatus({
          kind: "reconnecting",
          message: `Connection lost; reconnecting in ${Math.ceil(retryIn / 100) / 10} s…`,
        });
      },
    });

    const onControl = (msg: StreamControl) => {
      switch (msg.type) {
        case "init":
          if (msg.view_only) setViewOnly(true);
          return;
        case "error":
          hook.errors.push(`${msg.error}: ${msg.message}`);
          if (WAITING_CODES.includes(msg.error)) {
            live = false;
            setStatus({ kind: "waiting", message: msg.message });
          } else {
            showNotice(msg.message);
          }
          return;
        case "clipboard":
          hook.clipboard = msg.text;
          navigator.clipboard?.writeText(msg.text).then(
            () => setClipboard(undefined),
            () => setClipboard(msg.text),
          ) ?? setClipboard(msg.text);
          return;
        case "cursor":
          el.style.cursor = msg.hidden ? "none" : msg.name;
          return;
        default:
          return;
      }
    };

    const input = new InputCapture(el, conn, {
      videoSize: () => sink.videoSize,
      enabled: () => !viewOnlyRef.current && conn.open,
    });
    inputRef.current = input;

    const tick = setInterval(() => {
      const painted = sink.stats.painted;
      conn.sendControl({
        type: "viewer-state",
        last_seq: lastSeq,
        decode_queue: sink.decodeQueue,
        dropped: sink.stats.dropped,
      });
      setStats({
        fps: painted - paintedAtTick,
        kbps: Math.round((bytes * 8) / 1000),
        rttMs: rtt,
        serverHoldMs: serverHold,
        frameAgeMs: sink.stats.lastCaptureUs ? hook.lastPaintWallMs - sink.stats.lastCaptureUs / 1000 : undefined,
        decodeMs: sink.stats.lastDecodeMs,
        drawMs: sink.stats.lastDrawMs,
        decodeQueue: sink.decodeQueue,
        dropped: sink.stats.dropped,
        mode: sink.kind === "webcodecs" ? "WebCodecs" : "MSE",
        size: sink.videoSize ? `${sink.videoSize.width}×${sink.videoSize.height}` : "–",
      });
      paintedAtTick = painted;
      bytes = 0;
    }, 1000);

    conn.start();
    return () => {
      clearInterval(tick);
      clearTimeout(noticeTimer);
      input.detach();
      conn.close();
      sink.close();
      el.remove();
      sinkRef.current = undefined;
      inputRef.current = undefined;
    };
  }, [sessionId, startViewOnly]);

  const toggleViewOnly = () => {
    if (!viewOnly) inputRef.current?.releaseAll();
    setViewOnly(!viewOnly);
  };
  const fullscreen = async () => {
    const root = rootRef.current;
    if (!root) return;
    if (document.fullscreenElement) return void document.exitFullscreen();
    await root.requestFullscreen().catch(() => {});
    // In fullscreen, Chromium lets a page keep Ctrl+W, Escape and the like for the desktop.
    const kb = (navigator as Navigator & { keyboard?: { lock?: () => Promise<void> } }).keyboard;
    await kb?.lock?.().catch(() => {});
    sinkRef.current?.element.focus();
  };
  const lockPointer = () => {
    const el = sinkRef.current?.element;
    el?.focus();
    el?.requestPointerLock?.();
  };

  return (
    <div className="viewer" ref={rootRef}>
      <div className="viewer-toolbar">
        <button type="button" onClick={fullscreen}>
          Fullscreen
        </button>
        <button type="button" onClick={lockPointer} disabled={viewOnly}>
          Lock pointer
        </button>
        <label className="toggle">
          <input type="checkbox" checked={viewOnly} onChange={toggleViewOnly} disabled={startViewOnly} /> View only
        </label>
        <label className="toggle">
          <input type="checkbox" checked={showStats} onChange={() => setShowStats(!showStats)} /> Stats
        </label>
        <span className={`viewer-status status-${status.kind}`} data-testid="stream-status">
          {status.kind === "live" ? "Live" : status.kind}
        </span>
      </div>
      <div className="viewer-stage">
        <div className="viewer-media" ref={mediaRef} />
        {status.kind !== "live" && (
          <div className="viewer-overlay" role="status">
            {status.message}
          </div>
        )}
        {notice && (
          <div className="viewer-notice" role="alert">
            {notice}
          </div>
        )}
        {showStats && stats && (
          <dl className="viewer-stats" data-testid="stream-stats">
            <dt>decoder</dt>
            <dd>{stats.mode}</dd>
            <dt>size</dt>
            <dd>{stats.size}</dd>
            <dt>fps</dt>
            <dd>{stats.fps}</dd>
            <dt>bitrate</dt>
            <dd>{stats.kbps} kb/s</dd>
            <dt>round trip</dt>
            <dd>{fmtMs(stats.rttMs)}</dd>
            <dt>server hold</dt>
            <dd>{fmtMs(stats.serverHoldMs)}</dd>
            <dt>capture → paint</dt>
            <dd>{fmtMs(stats.frameAgeMs)}</dd>
            <dt>decode / draw</dt>
            <dd>
              {fmtMs(stats.decodeMs)} / {fmtMs(stats.drawMs)}
            </dd>
            <dt>decode queue</dt>
            <dd>{stats.decodeQueue}</dd>
            <dt>dropped</dt>
            <dd>{stats.dropped}</dd>
          </dl>
        )}
      </div>
      {clipboard !== undefined && (
        <div className="clipboard-panel">
          <span>Copied in the desktop (the browser did not allow writing your clipboard):</span>
          <textarea readOnly value={clipboard} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={() => setClipboard(undefined)}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}

const fmtMs = (ms: number | undefined) => (ms === undefined ? "–" : `${ms.toFixed(1)} ms`);
