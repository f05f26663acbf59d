import { spawn } from "node:child_process";
import type { Rgba } from "./scale.js";

export const DEFAULT_GRIM_BIN = "grim";
const TIMEOUT_MS = 5_000;

/**
 * sway: grim reads the outputs through wlr-screencopy and scales them (`scale` < 1 shrinks).
 * It writes PPM, because Debian builds grim without JPEG support; agentd encodes the JPEG.
 */
export function grimShot(bin: string, waylandDisplay: string, scale: number): Promise<Rgba> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["-s", scale.toFixed(4), "-t", "ppm", "-"], {
      stdio: ["ignore", "pipe", "pipe"],
      // agentd may run without WAYLAND_DISPLAY in its own environment; the capture is told the same way.
      env: { ...process.env, WAYLAND_DISPLAY: waylandDisplay },
    });
    const out: Buffer[] = [];
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${bin} for a thumbnail: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`${bin} failed (${signal ?? `exit ${code}`}): ${err.trim().slice(0, 300)}`));
        return;
      }
      try {
        resolve(parsePpm(Buffer.concat(out)));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Binary PPM (P6, 8-bit) → RGBA. */
export function parsePpm(buf: Buffer): Rgba {
  // Header: "P6", width, height, maxval, separated by whitespace (comments start with #), then one
  // whitespace byte and the pixels.
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4 && i < buf.length) {
    while (i < buf.length && /\s/.test(String.fromCharCode(buf[i] as number))) i++;
    if (buf[i] === 0x23) {
      while (i < buf.length && buf[i] !== 0x0a) i++;
      continue;
    }
    let tok = "";
    while (i < buf.length && !/\s/.test(String.fromCharCode(buf[i] as number)))
      tok += String.fromCharCode(buf[i++] as number);
    fields.push(tok);
  }
  i++; // the single whitespace byte before the pixels
  const [magic, w, h, max] = fields;
  const width = Number(w);
  const height = Number(h);
  if (magic !== "P6" || max !== "255" || !(width > 0) || !(height > 0)) {
    throw new Error(`grim wrote something that is not an 8-bit binary PPM (header ${fields.join(" ")})`);
  }
  if (buf.length - i < width * height * 3) throw new Error("grim's PPM is shorter than its header says");
  const data = new Uint8Array(width * height * 4);
  for (let p = 0, o = 0; p < width * height; p++, i += 3, o += 4) {
    data[o] = buf[i] as number;
    data[o + 1] = buf[i + 1] as number;
    data[o + 2] = buf[i + 2] as number;
    data[o + 3] = 255;
  }
  return { data, width, height };
}
