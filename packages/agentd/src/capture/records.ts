/**
 * Parser for strand-capture's stdout (format documented at the top of
 * images/common/capture/strand-capture.c and in docs/stream-protocol.md): records of
 * `u32 length (big-endian) | u8 kind | payload`, cut anywhere by the pipe.
 */

export const RecordKind = { info: 1, frame: 2, cursor: 3 } as const;

export type CaptureRecord =
  | { kind: "info"; width: number; height: number; fps: number; kbps: number; encoder: string }
  | { kind: "frame"; keyframe: boolean; captureUs: bigint; data: Uint8Array }
  | { kind: "cursor"; hidden: boolean; name: string };

/** Larger than any access unit the helper can produce (the wire limit is 4 MiB). */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export class RecordError extends Error {}

const ascii = new TextDecoder("latin1");

export class RecordParser {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  /** Feeds bytes as they arrive; returns the records they complete. Throws RecordError on garbage. */
  push(chunk: Uint8Array): CaptureRecord[] {
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: CaptureRecord[] = [];
    for (;;) {
      if (this.buffered < 4) return out;
      const head = this.peek(4);
      const len = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
      if (len < 1 || len > MAX_RECORD_BYTES)
        throw new RecordError(`strand-capture sent a record of ${len} bytes; its output is corrupt`);
      if (this.buffered < 4 + len) return out;
      this.take(4);
      out.push(decodeRecord(this.take(len)));
    }
  }

  /** Bytes of an unfinished record still held (for tests and diagnostics). */
  get pending(): number {
    return this.buffered;
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length >= n) return first;
    return this.concat(n, false);
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length === n) {
      this.chunks.shift();
      this.buffered -= n;
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    }
    return this.concat(n, true);
  }

  private concat(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let off = 0;
    let i = 0;
    while (off < n) {
      const c = this.chunks[i] as Uint8Array;
      const use = Math.min(c.length, n - off);
      out.set(c.subarray(0, use), off);
      off += use;
      if (consume) {
        if (use === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(use);
      } else i++;
    }
    if (consume) this.buffered -= n;
    return out;
  }
}

function decodeRecord(rec: Uint8Array): CaptureRecord {
  const v = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  const kind = rec[0];
  const need = (n: number, what: string) => {
    if (rec.length < n) throw new RecordError(`strand-capture sent a ${what} record of ${rec.length} bytes; need ${n}`);
  };
  switch (kind) {
    case RecordKind.info:
      need(11, "info");
      return {
        kind: "info",
        width: v.getUint16(1),
        height: v.getUint16(3),
        fps: v.getUint16(5),
        kbps: v.getUint32(7),
        encoder: ascii.decode(rec.subarray(11)),
      };
    case RecordKind.frame:
      need(10, "frame");
      return {
        kind: "frame",
        keyframe: ((rec[1] as number) & 1) === 1,
        captureUs: v.getBigUint64(2),
        data: rec.subarray(10),
      };
    case RecordKind.cursor:
      need(2, "cursor");
      return { kind: "cursor", hidden: rec[1] === 1, name: ascii.decode(rec.subarray(2)) };
    default:
      throw new RecordError(`strand-capture sent a record of unknown kind ${kind}; is it a different version?`);
  }
}
