import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { newSecret } from "../lib/ids.js";

export const SECRET_FILE = "secret";

/**
 * The server secret: STRAND_SECRET when set, else a random one generated on first start into
 * `<dataDir>/secret` (mode 0600). Losing it makes stored provider keys unreadable, so it is
 * never regenerated over an existing file.
 */
export function loadServerSecret(opts: { secret: string | undefined; dataDir: string; log: Logger }): string {
  if (opts.secret) return opts.secret;
  const file = join(opts.dataDir, SECRET_FILE);
  if (existsSync(file)) {
    const value = readFileSync(file, "utf8").trim();
    if (value.length < 16) {
      throw new Error(`${file} holds no usable secret; restore it from a backup, or set STRAND_SECRET`);
    }
    if ((statSync(file).mode & 0o077) !== 0) {
      chmodSync(file, 0o600);
      opts.log.warn({ file }, "the server secret file was readable by others; tightened it to 0600");
    }
    return value;
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const value = newSecret(32);
  // `wx`: two servers starting on one data directory must not each write their own secret.
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: "wx" });
  opts.log.info({ file }, "generated the server secret; back it up with the data directory");
  return value;
}
