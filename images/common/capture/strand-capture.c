/*
 * strand-capture: captures an X11 display and encodes it to H.264 for strand-agentd.
 *
 * Why native: XShm maps the screen without a copy through the socket, XDamage tells us when
 * anything changed (a static screen costs no capture and no encode), and libavcodec encodes
 * in-process. Node can do none of that.
 *
 * Usage: strand-capture [--display :1] [--fps 30] [--kbps 2500] [--encoder auto|x264|nvenc]
 *
 * stdout: binary records, all integers big-endian:
 *   u32 length   bytes that follow (kind byte + payload)
 *   u8  kind
 *   payload:
 *     kind 1 INFO   u16 width, u16 height, u16 fps, u32 kbps, then the encoder name
 *                   ("x264" or "nvenc", ASCII, to the end of the record). Sent when the encoder
 *                   (re)opens: at start and after the root window changed size. The next frame
 *                   is a keyframe.
 *     kind 2 FRAME  u8 flags (bit 0: keyframe, an IDR with SPS/PPS in front), u64 capture time
 *                   in microseconds (CLOCK_REALTIME, taken when the screen was read), then
 *                   exactly one H.264 access unit in Annex-B (one AVPacket).
 *     kind 3 CURSOR u8 hidden (1 when the pointer image is fully transparent), then the X
 *                   cursor name (ASCII, to the end; empty when the cursor has no name).
 * stdin: commands, one per line:
 *   keyframe               encode the current screen as an IDR now
 *   params <fps> <kbps>    change the frame-rate cap and the bitrate cap without a restart
 *   EOF                    exit 0
 * stderr: human-readable log lines, prefixed "strand-capture: ".
 * Exit: 0 on EOF of stdin, 1 when the display or encoder cannot be opened, 2 on bad arguments,
 *       3 when stdout is gone.
 *
 * Frames are produced only when the screen changed, at most `fps` per second. About 300 ms after
 * the screen went static the unchanged image is encoded once more so its quality refines.
 *
 * Only what changed is read and converted: the damaged rectangles are read through a scratch
 * MIT-SHM image and converted into the encoder's YUV picture in place (libyuv), so a caret or a
 * clock costs microseconds instead of a whole-screen read (8 MB at 1080p) and conversion.
 *
 * STRAND_CAPTURE_STATS=1 logs, every 5 s, the frames encoded and the mean read / convert / encode
 * time and damaged area per frame.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/Xfixes.h>

#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libyuv.h>

enum { REC_INFO = 1, REC_FRAME = 2, REC_CURSOR = 3 };

/* Frames per GOP. The gateway replays the cached GOP (decode, do not paint) to a joining viewer,
 * so what matters is the number of frames to decode, not seconds: 60 is 2 s at 30 fps. Frames
 * come only on damage, so a GOP of a quiet screen spans longer in time but never more frames. */
#define GOP_FRAMES 60
/* Encode the unchanged screen once more this long after the last change (quality refinement). */
#define REFINE_AFTER_US 300000
/* Refine only when a frame since the last refinement was coarser than this (the VBV cap squeezed
 * it): a caret blink encodes near CRF quality already and needs no second pass. */
#define REFINE_ABOVE_QP 22
/* Quality target; the bitrate given is a VBV cap, so simple screens cost much less than it. */
#define X264_CRF "26"

static void logf_(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("strand-capture: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static int64_t now_us(clockid_t clk) {
  struct timespec ts;
  clock_gettime(clk, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---------- stdout records ---------- */

static void put_u16(uint8_t *p, unsigned v) { p[0] = v >> 8; p[1] = v; }
static void put_u32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static void put_u64(uint8_t *p, uint64_t v) { put_u32(p, v >> 32); put_u32(p + 4, (uint32_t)v); }

static int write_all(const struct iovec *iov, int n) {
  struct iovec v[4];
  memcpy(v, iov, sizeof(*iov) * n);
  int i = 0;
  while (i < n) {
    ssize_t w = writev(1, v + i, n - i);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    while (i < n && (size_t)w >= v[i].iov_len) w -= v[i++].iov_len;
    if (i < n) {
      v[i].iov_base = (uint8_t *)v[i].iov_base + w;
      v[i].iov_len -= w;
    }
  }
  return 0;
}

static void emit(uint8_t kind, const void *head, size_t head_len, const void *body, size_t body_len) {
  uint8_t prefix[5];
  put_u32(prefix, (uint32_t)(1 + head_len + body_len));
  prefix[4] = kind;
  struct iovec iov[3] = {{prefix, 5}, {(void *)head, head_len}, {(void *)body, body_len}};
  if (write_all(iov, 3) < 0) {
    logf_("stdout closed (%s), exiting", strerror(errno));
    exit(3);
  }
}

/* ---------- encoder ---------- */

typedef struct {
  const AVCodec *codec;
  AVCodecContext *ctx;
  AVFrame *frame;
  AVPacket *pkt;
  const char *name; /* "x264" or "nvenc" */
  int width, height;
  int64_t pts0;
  double max_qp; /* highest QP since the last refinement (99 when unknown) */
} Encoder;

static void encoder_close(Encoder *e) {
  avcodec_free_context(&e->ctx);
  av_frame_free(&e->frame);
  av_packet_free(&e->pkt);
}

static void apply_rate(AVCodecContext *c, int fps, int kbps) {
  c->framerate = (AVRational){fps, 1};
  c->rc_max_rate = (int64_t)kbps * 1000;
  /* Half a second of the cap: a keyframe after a big change may be large, but a frame never
   * takes longer than that to send at the capped rate. */
  c->rc_buffer_size = kbps * 500;
}

static int open_codec(Encoder *e, const char *codec_name, int w, int h, int fps, int kbps) {
  const AVCodec *codec = avcodec_find_encoder_by_name(codec_name);
  if (!codec) return AVERROR_ENCODER_NOT_FOUND;
  AVCodecContext *c = avcodec_alloc_context3(codec);
  c->width = w;
  c->height = h;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  /* Frames arrive when the screen changes, not on a fixed clock: millisecond timestamps. */
  c->time_base = (AVRational){1, 1000};
  c->gop_size = GOP_FRAMES;
  c->max_b_frames = 0;
  c->thread_count = 0;
  apply_rate(c, fps, kbps);
  int is_x264 = strcmp(codec_name, "libx264") == 0;
  if (is_x264) {
    c->profile = FF_PROFILE_H264_CONSTRAINED_BASELINE;
    av_opt_set(c->priv_data, "preset", "ultrafast", 0);
    av_opt_set(c->priv_data, "tune", "zerolatency", 0);
    av_opt_set(c->priv_data, "profile", "baseline", 0);
    av_opt_set(c->priv_data, "crf", X264_CRF, 0);
    av_opt_set(c->priv_data, "forced-idr", "1", 0);
    /* No global header: libx264 then repeats SPS/PPS before every IDR (b_repeat_headers). */
  } else {
    av_opt_set(c->priv_data, "preset", "p1", 0);
    av_opt_set(c->priv_data, "tune", "ull", 0);
    av_opt_set(c->priv_data, "profile", "baseline", 0);
    av_opt_set(c->priv_data, "rc", "vbr", 0);
    av_opt_set(c->priv_data, "zerolatency", "1", 0);
    av_opt_set(c->priv_data, "delay", "0", 0);
    av_opt_set(c->priv_data, "forced-idr", "1", 0);
    c->bit_rate = (int64_t)kbps * 1000 * 3 / 4;
  }
  int err = avcodec_open2(c, codec, NULL);
  if (err < 0) {
    avcodec_free_context(&c);
    return err;
  }
  e->codec = codec;
  e->ctx = c;
  e->name = is_x264 ? "x264" : "nvenc";
  return 0;
}

static int nvenc_device_present(void) { return access("/dev/nvidiactl", F_OK) == 0; }

/* Opens NVENC when asked for (or `auto` and an NVIDIA device exists), else x264. */
static int encoder_open(Encoder *e, const char *want, int w, int h, int fps, int kbps) {
  memset(e, 0, sizeof(*e));
  e->width = w;
  e->height = h;
  int err = -1;
  int try_nvenc = strcmp(want, "nvenc") == 0 || (strcmp(want, "auto") == 0 && nvenc_device_present());
  if (try_nvenc) {
    err = open_codec(e, "h264_nvenc", w, h, fps, kbps);
    if (err < 0) logf_("h264_nvenc is not usable here (%s); falling back to libx264", av_err2str(err));
  }
  if (err < 0) err = open_codec(e, "libx264", w, h, fps, kbps);
  if (err < 0) {
    logf_("cannot open libx264 at %dx%d: %s", w, h, av_err2str(err));
    return err;
  }
  e->frame = av_frame_alloc();
  e->frame->format = AV_PIX_FMT_YUV420P;
  e->frame->width = w;
  e->frame->height = h;
  if (av_frame_get_buffer(e->frame, 0) < 0) return AVERROR(ENOMEM);
  e->pkt = av_packet_alloc();
  e->pts0 = now_us(CLOCK_MONOTONIC);
  return 0;
}

/* Encodes e->frame (already filled) and writes one FRAME record per packet. */
static int encoder_encode(Encoder *e, int force_idr, int64_t capture_us) {
  AVFrame *f = e->frame;
  f->pts = (now_us(CLOCK_MONOTONIC) - e->pts0) / 1000;
  f->pict_type = force_idr ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  int err = avcodec_send_frame(e->ctx, f);
  if (err < 0) {
    logf_("encode failed: %s", av_err2str(err));
    return err;
  }
  for (;;) {
    err = avcodec_receive_packet(e->ctx, e->pkt);
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return 0;
    if (err < 0) {
      logf_("encode failed: %s", av_err2str(err));
      return err;
    }
    size_t sd_size = 0;
    uint8_t *sd = av_packet_get_side_data(e->pkt, AV_PKT_DATA_QUALITY_STATS, &sd_size);
    double qp = sd && sd_size >= 4 ? (sd[0] | sd[1] << 8 | sd[2] << 16 | (uint32_t)sd[3] << 24) / (double)FF_QP2LAMBDA : 99;
    if (qp > e->max_qp) e->max_qp = qp;
    uint8_t head[9];
    head[0] = (e->pkt->flags & AV_PKT_FLAG_KEY) ? 1 : 0;
    put_u64(head + 1, (uint64_t)capture_us);
    emit(REC_FRAME, head, sizeof(head), e->pkt->data, e->pkt->size);
    av_packet_unref(e->pkt);
  }
}

/* ---------- X11 capture ---------- */

typedef struct {
  Display *dpy;
  Window root;
  int screen_w, screen_h; /* root size */
  int w, h;               /* encoded size (even) */
  XImage *img;            /* the whole screen, for full reads */
  XShmSegmentInfo shm;
  XShmSegmentInfo scratch; /* as large as the screen; damaged rectangles are read into it */
  int use_shm;
  int bgrx; /* byte order B,G,R,X in memory (red mask 0xff0000): libyuv's "ARGB" */
  int damage_event, fixes_event;
  Damage damage;
  XserverRegion parts; /* the damage taken at the last read (0 without XFixes: full reads) */
} X11;

static int shm_error;
static int on_x_error(Display *d, XErrorEvent *ev) {
  (void)d;
  shm_error = ev->error_code;
  return 0;
}

static void x11_free_image(X11 *x) {
  if (!x->img) return;
  if (x->use_shm) {
    XShmDetach(x->dpy, &x->shm);
    if (x->scratch.shmaddr) XShmDetach(x->dpy, &x->scratch);
    XSync(x->dpy, False);
    shmdt(x->shm.shmaddr);
    if (x->scratch.shmaddr) shmdt(x->scratch.shmaddr);
    x->scratch.shmaddr = NULL;
  }
  XDestroyImage(x->img);
  x->img = NULL;
}

/* A shared-memory segment of `size` bytes attached to the X server; 0 when that fails. */
static int shm_attach(X11 *x, XShmSegmentInfo *seg, size_t size) {
  seg->shmid = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
  seg->shmaddr = seg->shmid >= 0 ? shmat(seg->shmid, NULL, 0) : (char *)-1;
  seg->readOnly = False;
  int ok = seg->shmaddr != (char *)-1;
  if (ok) {
    shm_error = 0;
    XErrorHandler old = XSetErrorHandler(on_x_error);
    XShmAttach(x->dpy, seg);
    XSync(x->dpy, False);
    XSetErrorHandler(old);
    ok = shm_error == 0;
  }
  /* Marked for removal now: it goes away with the last detach, even if we are killed. */
  if (seg->shmid >= 0) shmctl(seg->shmid, IPC_RMID, NULL);
  if (!ok && seg->shmaddr != (char *)-1) shmdt(seg->shmaddr);
  if (!ok) seg->shmaddr = NULL;
  return ok;
}

static int x11_alloc_image(X11 *x) {
  Visual *vis = DefaultVisual(x->dpy, DefaultScreen(x->dpy));
  int depth = DefaultDepth(x->dpy, DefaultScreen(x->dpy));
  x->w = x->screen_w & ~1;
  x->h = x->screen_h & ~1;
  if (x->use_shm) {
    x->img = XShmCreateImage(x->dpy, vis, depth, ZPixmap, NULL, &x->shm, x->screen_w, x->screen_h);
    if (x->img) {
      size_t size = (size_t)x->img->bytes_per_line * x->img->height;
      int ok = shm_attach(x, &x->shm, size);
      if (ok && !shm_attach(x, &x->scratch, size)) {
        XShmDetach(x->dpy, &x->shm);
        XSync(x->dpy, False);
        shmdt(x->shm.shmaddr);
        ok = 0;
      }
      x->img->data = ok ? x->shm.shmaddr : NULL;
      if (!ok) {
        XDestroyImage(x->img);
        x->img = NULL;
      }
    }
    if (!x->img) {
      logf_("MIT-SHM is not usable (is the X server in another IPC namespace?); using XGetImage");
      x->use_shm = 0;
    }
  }
  if (!x->use_shm) {
    x->img = XGetImage(x->dpy, x->root, 0, 0, x->screen_w, x->screen_h, AllPlanes, ZPixmap);
    if (!x->img) return -1;
  }
  if (x->img->bits_per_pixel != 32) {
    logf_("unsupported X visual: %d bits per pixel (expected 32)", x->img->bits_per_pixel);
    return -1;
  }
  x->bgrx = x->img->red_mask == 0xff0000;
  return 0;
}

/* Converts a rectangle (even x, y, w, h, inside the encoded size) of 32-bit pixels at `src` into
 * the same rectangle of the encoder's YUV 4:2:0 picture (BT.601 limited range, as swscale did). */
static void convert_rect(const X11 *x, AVFrame *f, const uint8_t *src, int stride, int rx, int ry, int rw, int rh) {
  uint8_t *y = f->data[0] + (size_t)ry * f->linesize[0] + rx;
  uint8_t *u = f->data[1] + (size_t)(ry / 2) * f->linesize[1] + rx / 2;
  uint8_t *v = f->data[2] + (size_t)(ry / 2) * f->linesize[2] + rx / 2;
  if (x->bgrx) ARGBToI420(src, stride, y, f->linesize[0], u, f->linesize[1], v, f->linesize[2], rw, rh);
  else ABGRToI420(src, stride, y, f->linesize[0], u, f->linesize[1], v, f->linesize[2], rw, rh);
}

/* Reads the whole screen into the picture. */
static int x11_grab_full(X11 *x, AVFrame *f) {
  if (x->use_shm) {
    if (!XShmGetImage(x->dpy, x->root, x->img, 0, 0, AllPlanes)) return -1;
  } else {
    XImage *img = XGetImage(x->dpy, x->root, 0, 0, x->screen_w, x->screen_h, AllPlanes, ZPixmap);
    if (!img) return -1;
    XDestroyImage(x->img);
    x->img = img;
  }
  convert_rect(x, f, (const uint8_t *)x->img->data, x->img->bytes_per_line, 0, 0, x->w, x->h);
  return 0;
}

/* Reads one rectangle of the screen into the same place in the picture. */
static int x11_grab_rect(X11 *x, AVFrame *f, int rx, int ry, int rw, int rh) {
  XImage *img;
  if (x->use_shm) {
    /* The server writes the rectangle packed (its own row pitch for rw) at the image's offset in
     * the segment, so a fresh image header of the rectangle's size describes it exactly. */
    Visual *vis = DefaultVisual(x->dpy, DefaultScreen(x->dpy));
    int depth = DefaultDepth(x->dpy, DefaultScreen(x->dpy));
    img = XShmCreateImage(x->dpy, vis, depth, ZPixmap, x->scratch.shmaddr, &x->scratch, rw, rh);
    if (!img) return -1;
    int ok = XShmGetImage(x->dpy, x->root, img, rx, ry, AllPlanes);
    if (ok) convert_rect(x, f, (const uint8_t *)img->data, img->bytes_per_line, rx, ry, rw, rh);
    img->data = NULL; /* the segment is ours, not the image's */
    XDestroyImage(img);
    return ok ? 0 : -1;
  }
  img = XGetImage(x->dpy, x->root, rx, ry, rw, rh, AllPlanes, ZPixmap);
  if (!img) return -1;
  convert_rect(x, f, (const uint8_t *)img->data, img->bytes_per_line, rx, ry, rw, rh);
  XDestroyImage(img);
  return 0;
}

/* Past this many rectangles, or this share of the screen, one full read is cheaper. */
#define MAX_RECTS 32
#define FULL_READ_PERCENT 50

/* Takes the damage and reads what it covers into the picture (everything when `full`). Returns
 * the number of pixels read, or -1. Damage is taken before reading, so a change during the read
 * is reported again. */
static long x11_grab(X11 *x, AVFrame *f, int full) {
  if (!x->parts) {
    XDamageSubtract(x->dpy, x->damage, None, None);
    return x11_grab_full(x, f) < 0 ? -1 : (long)x->w * x->h;
  }
  XDamageSubtract(x->dpy, x->damage, None, x->parts);
  int n = 0;
  XRectangle bounds;
  XRectangle *rects = full ? NULL : XFixesFetchRegionAndBounds(x->dpy, x->parts, &n, &bounds);
  long area = 0;
  for (int i = 0; i < n; i++) area += (long)rects[i].width * rects[i].height;
  if (full || n > MAX_RECTS || area * 100 > (long)x->w * x->h * FULL_READ_PERCENT) {
    if (rects) XFree(rects);
    return x11_grab_full(x, f) < 0 ? -1 : (long)x->w * x->h;
  }
  area = 0;
  int err = 0;
  for (int i = 0; i < n && !err; i++) {
    /* 4:2:0 chroma covers 2x2 pixels: widen to even edges, and stay inside the encoded size. */
    int x0 = rects[i].x & ~1, y0 = rects[i].y & ~1;
    int x1 = (rects[i].x + rects[i].width + 1) & ~1, y1 = (rects[i].y + rects[i].height + 1) & ~1;
    if (x1 > x->w) x1 = x->w;
    if (y1 > x->h) y1 = x->h;
    if (x0 >= x1 || y0 >= y1) continue;
    err = x11_grab_rect(x, f, x0, y0, x1 - x0, y1 - y0) < 0;
    area += (long)(x1 - x0) * (y1 - y0);
  }
  if (rects) XFree(rects);
  return err ? -1 : area;
}

/* Emits a CURSOR record for the current pointer image. */
static void x11_report_cursor(X11 *x) {
  XFixesCursorImage *ci = XFixesGetCursorImage(x->dpy);
  if (!ci) return;
  int hidden = 1;
  for (int i = 0; i < ci->width * ci->height; i++) {
    if ((ci->pixels[i] >> 24) & 0xff) {
      hidden = 0;
      break;
    }
  }
  const char *name = ci->name ? ci->name : "";
  uint8_t head[1] = {(uint8_t)hidden};
  emit(REC_CURSOR, head, 1, name, strlen(name));
  XFree(ci);
}

/* ---------- stats (STRAND_CAPTURE_STATS=1) ---------- */

typedef struct {
  int on;
  int64_t since, read_us, encode_us;
  long frames, reads, pixels;
} Stats;

#define STATS_EVERY_US 5000000

static void stats_maybe_log(Stats *st, const X11 *x) {
  int64_t now = now_us(CLOCK_MONOTONIC);
  if (!st->on || now - st->since < STATS_EVERY_US) return;
  long screen = (long)x->w * x->h;
  logf_("stats: %ld frames in %.1f s; per frame: read+convert %.2f ms (%.1f%% of the screen), encode %.2f ms",
        st->frames, (now - st->since) / 1e6, st->reads ? st->read_us / 1000.0 / st->reads : 0,
        st->reads && screen ? 100.0 * st->pixels / st->reads / screen : 0,
        st->frames ? st->encode_us / 1000.0 / st->frames : 0);
  *st = (Stats){.on = 1, .since = now};
}

/* ---------- main loop ---------- */

typedef struct {
  int fps, kbps;
  const char *encoder;
  int want_idr;
  int params_changed;
  int quit;
  char line[256];
  size_t line_len;
} Control;

static void handle_command(Control *c, char *line) {
  int fps, kbps;
  if (strcmp(line, "keyframe") == 0) {
    c->want_idr = 1;
  } else if (sscanf(line, "params %d %d", &fps, &kbps) == 2 && fps >= 1 && fps <= 120 && kbps >= 50 &&
             kbps <= 200000) {
    c->fps = fps;
    c->kbps = kbps;
    c->params_changed = 1;
  } else if (line[0]) {
    logf_("ignoring unknown command \"%s\" (expected \"keyframe\" or \"params <fps 1-120> <kbps 50-200000>\")",
          line);
  }
}

static void read_commands(Control *c) {
  char buf[512];
  ssize_t n = read(0, buf, sizeof(buf));
  if (n == 0) {
    c->quit = 1;
    return;
  }
  if (n < 0) {
    if (errno != EINTR && errno != EAGAIN) c->quit = 1;
    return;
  }
  for (ssize_t i = 0; i < n; i++) {
    if (buf[i] == '\n') {
      c->line[c->line_len] = 0;
      if (c->line_len && c->line[c->line_len - 1] == '\r') c->line[c->line_len - 1] = 0;
      handle_command(c, c->line);
      c->line_len = 0;
    } else if (c->line_len < sizeof(c->line) - 1) {
      c->line[c->line_len++] = buf[i];
    }
  }
}

static int open_pipeline(X11 *x, Encoder *e, Control *c) {
  if (x11_alloc_image(x) < 0) return -1;
  if (encoder_open(e, c->encoder, x->w, x->h, c->fps, c->kbps) < 0) return -1;
  uint8_t head[10];
  put_u16(head, x->w);
  put_u16(head + 2, x->h);
  put_u16(head + 4, c->fps);
  put_u32(head + 6, c->kbps);
  emit(REC_INFO, head, sizeof(head), e->name, strlen(e->name));
  logf_("capturing %dx%d at up to %d fps, %d kb/s cap, %s, %s", x->w, x->h, c->fps, c->kbps, e->name,
        x->use_shm ? "MIT-SHM" : "XGetImage");
  return 0;
}

static void usage(void) {
  fprintf(stderr, "usage: strand-capture [--display :1] [--fps 1-120] [--kbps 50-200000] [--encoder auto|x264|nvenc]\n");
  exit(2);
}

int main(int argc, char **argv) {
  Control c = {.fps = 30, .kbps = 2500, .encoder = "auto"};
  const char *display = getenv("DISPLAY");
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) usage();
    if (strcmp(a, "--display") == 0) display = v;
    else if (strcmp(a, "--fps") == 0) c.fps = atoi(v);
    else if (strcmp(a, "--kbps") == 0) c.kbps = atoi(v);
    else if (strcmp(a, "--encoder") == 0) c.encoder = v;
    else usage();
    i++;
  }
  if (c.fps < 1 || c.fps > 120 || c.kbps < 50 || c.kbps > 200000) usage();
  if (strcmp(c.encoder, "auto") && strcmp(c.encoder, "x264") && strcmp(c.encoder, "nvenc")) usage();

  /* Die with agentd even if it is killed without closing our stdin. */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  signal(SIGPIPE, SIG_IGN);
  av_log_set_level(AV_LOG_ERROR);

  X11 x = {0};
  x.dpy = XOpenDisplay(display);
  if (!x.dpy) {
    logf_("cannot open X display \"%s\"; is the desktop running and DISPLAY set?", display ? display : "");
    return 1;
  }
  x.root = DefaultRootWindow(x.dpy);
  XWindowAttributes wa;
  XGetWindowAttributes(x.dpy, x.root, &wa);
  x.screen_w = wa.width;
  x.screen_h = wa.height;
  int err_base, major, minor;
  Bool pixmaps;
  x.use_shm = XShmQueryVersion(x.dpy, &major, &minor, &pixmaps);
  if (!XDamageQueryExtension(x.dpy, &x.damage_event, &err_base)) {
    logf_("the X server has no DAMAGE extension; cannot tell when the screen changes");
    return 1;
  }
  int have_fixes = XFixesQueryExtension(x.dpy, &x.fixes_event, &err_base);
  x.damage = XDamageCreate(x.dpy, x.root, XDamageReportNonEmpty);
  if (have_fixes) XFixesSelectCursorInput(x.dpy, x.root, XFixesDisplayCursorNotifyMask);
  /* Regions (XFixes 2+) say where the damage is; without them every read is a full one. */
  int fixes_major = 0, fixes_minor = 0;
  if (have_fixes && XFixesQueryVersion(x.dpy, &fixes_major, &fixes_minor) && fixes_major >= 2)
    x.parts = XFixesCreateRegion(x.dpy, NULL, 0);
  Stats stats = {.on = getenv("STRAND_CAPTURE_STATS") && strcmp(getenv("STRAND_CAPTURE_STATS"), "0") != 0};
  stats.since = now_us(CLOCK_MONOTONIC);
  /* ConfigureNotify on the root: the screen was resized (RandR). */
  XSelectInput(x.dpy, x.root, StructureNotifyMask);

  Encoder e;
  if (open_pipeline(&x, &e, &c) < 0) return 1;
  if (have_fixes) x11_report_cursor(&x);

  int flags = fcntl(0, F_GETFL);
  fcntl(0, F_SETFL, flags | O_NONBLOCK);

  int damaged = 1;      /* the first frame shows the screen as it is */
  int full = 1;         /* the next read covers the whole screen, not just the damage */
  int refined = 1;      /* the last encoded image already had its refinement pass */
  int64_t last_capture = 0, last_change = 0;
  int resized = 0;
  int xfd = ConnectionNumber(x.dpy);

  while (!c.quit) {
    while (XPending(x.dpy)) {
      XEvent ev;
      XNextEvent(x.dpy, &ev);
      if (ev.type == x.damage_event + XDamageNotify) {
        damaged = 1;
      } else if (have_fixes && ev.type == x.fixes_event + XFixesCursorNotify) {
        x11_report_cursor(&x);
      } else if (ev.type == ConfigureNotify && ev.xconfigure.window == x.root &&
                 (ev.xconfigure.width != x.screen_w || ev.xconfigure.height != x.screen_h)) {
        x.screen_w = ev.xconfigure.width;
        x.screen_h = ev.xconfigure.height;
        resized = 1;
      }
    }
    if (resized) {
      resized = 0;
      logf_("screen resized to %dx%d; restarting the encoder", x.screen_w, x.screen_h);
      encoder_close(&e);
      x11_free_image(&x);
      if (open_pipeline(&x, &e, &c) < 0) return 1;
      damaged = 1;
      full = 1;
      c.want_idr = 1;
      last_capture = 0;
    }
    if (c.params_changed) {
      c.params_changed = 0;
      /* libx264 reconfigures VBV on the next frame when these change; no restart needed. */
      apply_rate(e.ctx, c.fps, c.kbps);
      if (strcmp(e.name, "nvenc") == 0) e.ctx->bit_rate = (int64_t)c.kbps * 1000 * 3 / 4;
      logf_("params: up to %d fps, %d kb/s cap", c.fps, c.kbps);
    }

    int64_t now = now_us(CLOCK_MONOTONIC);
    int64_t interval = 1000000 / c.fps;
    int64_t due = last_capture + interval;
    int capture = 0, reencode = 0;
    if ((damaged || c.want_idr) && now >= due) {
      capture = damaged;
      reencode = !damaged; /* a keyframe of the unchanged screen */
    } else if (!damaged && !refined && now - last_change >= REFINE_AFTER_US) {
      if (e.max_qp > REFINE_ABOVE_QP) {
        reencode = 1;
      } else {
        refined = 1;
        e.max_qp = 0;
      }
    }
    if (capture || reencode) {
      int64_t wall = now_us(CLOCK_REALTIME);
      if (capture) {
        /* The encoder may still hold a reference to the previous picture; the copy keeps its
         * pixels, which the damaged rectangles are then written over. */
        av_frame_make_writable(e.frame);
        int64_t t0 = now_us(CLOCK_MONOTONIC);
        long area = x11_grab(&x, e.frame, full);
        if (area < 0) {
          logf_("reading the screen failed; reading all of it next time");
          full = 1;
        } else {
          full = 0;
          stats.read_us += now_us(CLOCK_MONOTONIC) - t0;
          stats.pixels += area;
          stats.reads++;
        }
        damaged = 0;
        last_change = now;
        refined = 0;
      } else if (!c.want_idr) {
        refined = 1;
      }
      int64_t t1 = now_us(CLOCK_MONOTONIC);
      if (encoder_encode(&e, c.want_idr, wall) < 0) return 1;
      stats.encode_us += now_us(CLOCK_MONOTONIC) - t1;
      stats.frames++;
      stats_maybe_log(&stats, &x);
      if (!capture && refined) e.max_qp = 0;
      c.want_idr = 0;
      last_capture = now;
      continue;
    }

    int timeout_ms = -1;
    if (damaged || c.want_idr) timeout_ms = (int)((due - now + 999) / 1000);
    else if (!refined) timeout_ms = (int)((last_change + REFINE_AFTER_US - now + 999) / 1000);
    if (timeout_ms < 0 && (damaged || c.want_idr || !refined)) timeout_ms = 0;
    struct pollfd pfd[2] = {{.fd = xfd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
    XFlush(x.dpy);
    int n = poll(pfd, 2, timeout_ms);
    if (n < 0 && errno != EINTR) break;
    if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) read_commands(&c);
    if (pfd[0].revents & (POLLHUP | POLLERR)) {
      logf_("the X server closed the connection");
      return 1;
    }
  }
  encoder_close(&e);
  x11_free_image(&x);
  XCloseDisplay(x.dpy);
  return 0;
}
