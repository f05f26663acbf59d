import type { RawData } from "ws";

/** A WebSocket message's bytes as one view, without copying when it is already one buffer. */
export function toBytes(data: RawData): Uint8Array {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return new Uint8Array(data);
}
