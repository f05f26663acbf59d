/*
 * Zip archives read from their central directory, each member inflated with a running count so
 * that a zip bomb is refused after at most the limit's worth of output, whatever its headers
 * claim. Names are checked before anything is inflated: one unsafe path (`../`, absolute, a drive
 * letter) refuses the whole archive, naming the member, since an archive built to escape is not
 * one to half-index.
 */
import { Inflate } from "fflate";
import { ExtractError } from "../types.js";

export interface ZipLimits {
  maxMembers: number;
  maxTotalUncompressedBytes: number;
  /** Uncompressed ÷ compressed beyond which a member is a bomb (checked past the first MiB). */
  maxRatio: number;
}

export interface ZipMember {
  /** Path inside the archive, `/`-separated. */
  path: string;
  /** Null when the member cannot be read (encrypted, unknown compression); `error` says why. */
  bytes: Uint8Array | null;
  /** Uncompressed size as the archive declares it (what a person would see listed). */
  size: number;
  error?: string;
}

const EOCD = 0x06054b50;
const CEN = 0x02014b50;
const LOC = 0x04034b50;
const RATIO_GRACE = 1024 * 1024;
// Small input slices bound each inflate step's output (deflate expands at most ~1032×): ~4 MiB at a time.
const SLICE = 4 * 1024;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

interface Entry {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** `../x`, `/etc/x`, `C:\x`, `\\host\x`: a member that would land outside the upload. */
export function unsafePath(name: string): boolean {
  const p = name.replace(/\\/g, "/");
  return p.startsWith("/") || /^[a-zA-Z]:/.test(p) || p.split("/").some((seg) => seg === "..");
}

export function readZip(bytes: Uint8Array, limits: ZipLimits): ZipMember[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = centralDirectory(bytes, view);
  if (entries.length > limits.maxMembers) {
    throw new ExtractError(`the zip has ${entries.length} files; the limit is ${limits.maxMembers}`);
  }
  for (const e of entries) {
    if (unsafePath(e.name)) {
      throw new ExtractError(
        `the zip member "${e.name}" has an unsafe path (.., absolute or a drive letter); nothing was extracted`,
      );
    }
  }
  const files = entries.filter((e) => !e.name.endsWith("/") && !e.name.startsWith("__MACOSX/"));
  const declared = files.reduce((n, e) => n + e.size, 0);
  if (declared > limits.maxTotalUncompressedBytes) throw tooBig(limits);

  const out: ZipMember[] = [];
  let total = 0;
  for (const e of files) {
    const path = e.name.replace(/\\/g, "/").replace(/^\.\//, "");
    if (e.flags & 1) {
      out.push({ path, bytes: null, size: e.size, error: "the zip member is encrypted; upload it without a password" });
      continue;
    }
    if (e.method !== 0 && e.method !== 8) {
      out.push({
        path,
        bytes: null,
        size: e.size,
        error: `the zip member uses an unsupported compression method (${e.method})`,
      });
      continue;
    }
    if (e.localOffset + 30 > bytes.length || view.getUint32(e.localOffset, true) !== LOC) throw corrupt();
    const start =
      e.localOffset + 30 + view.getUint16(e.localOffset + 26, true) + view.getUint16(e.localOffset + 28, true);
    const end = start + e.compressedSize;
    if (end > bytes.length) throw corrupt();
    const data = bytes.subarray(start, end);
    let content: Uint8Array;
    if (e.method === 0) {
      content = data;
    } else {
      const budget = limits.maxTotalUncompressedBytes - total;
      content = inflateBounded(data, e.name, budget, limits);
    }
    if (content.length !== e.size) {
      throw new ExtractError(
        `the zip member "${e.name}" is not the size its header says; the zip is corrupt or crafted`,
      );
    }
    total += content.length;
    out.push({ path, bytes: content, size: content.length });
  }
  return out;
}

function inflateBounded(data: Uint8Array, name: string, budget: number, limits: ZipLimits): Uint8Array {
  const parts: Uint8Array[] = [];
  let produced = 0;
  let done = false;
  const inflate = new Inflate((chunk, final) => {
    produced += chunk.length;
    if (produced > budget) throw tooBig(limits);
    if (produced > RATIO_GRACE && produced > data.length * limits.maxRatio) {
      throw new ExtractError(
        `the zip member "${name}" expands more than ${limits.maxRatio}× (a zip bomb?); nothing was extracted`,
      );
    }
    parts.push(chunk);
    if (final) done = true;
  });
  try {
    for (let i = 0; i < data.length; i += SLICE) {
      inflate.push(data.subarray(i, i + SLICE), i + SLICE >= data.length);
    }
  } catch (err) {
    if (err instanceof ExtractError) throw err;
    throw new ExtractError(`the zip member "${name}" is corrupt (its data does not inflate)`);
  }
  if (!done && data.length > 0) throw new ExtractError(`the zip member "${name}" is truncated`);
  const out = new Uint8Array(produced);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function centralDirectory(bytes: Uint8Array, view: DataView): Entry[] {
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes (its comment is at most 64 KiB).
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt();
  const count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || offset === 0xffffffff) {
    throw new ExtractError("ZIP64 archives are not supported; split the archive (each under 4 GB, 65,535 files)");
  }
  const entries: Entry[] = [];
  const utf8 = new TextDecoder("utf-8");
  for (let i = 0; i < count; i++) {
    if (offset + 46 > bytes.length || view.getUint32(offset, true) !== CEN) throw corrupt();
    const nameLen = view.getUint16(offset + 28, true);
    const extraLen = view.getUint16(offset + 30, true);
    const commentLen = view.getUint16(offset + 32, true);
    const entry: Entry = {
      flags: view.getUint16(offset + 8, true),
      method: view.getUint16(offset + 10, true),
      compressedSize: view.getUint32(offset + 20, true),
      size: view.getUint32(offset + 24, true),
      localOffset: view.getUint32(offset + 42, true),
      name: utf8.decode(bytes.subarray(offset + 46, offset + 46 + nameLen)),
    };
    if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff || entry.localOffset === 0xffffffff) {
      throw new ExtractError(`the zip member "${entry.name}" needs ZIP64 (over 4 GB), which is not supported`);
    }
    entries.push(entry);
    offset += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function tooBig(limits: ZipLimits): ExtractError {
  return new ExtractError(
    `the zip expands to more than ${Math.round(limits.maxTotalUncompressedBytes / 1024 / 1024)} MB (a zip bomb?); nothing was extracted`,
  );
}

function corrupt(): ExtractError {
  return new ExtractError("the zip archive is corrupt (its central directory cannot be read)");
}
