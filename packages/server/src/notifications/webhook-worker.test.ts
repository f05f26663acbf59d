import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { backoffMs, MAX_ATTEMPTS, signatureOf } from "./webhook-worker.js";

describe("webhook deliveries", () => {
  it("wait 5 s, 30 s, 2 min, 10 min and 1 h after attempts 1 to 5 by default, and give up after the 6th", () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, 5000))).toEqual([5_000, 30_000, 120_000, 600_000, 3_600_000]);
    expect(backoffMs(9, 5000)).toBe(3_600_000);
    expect(MAX_ATTEMPTS).toBe(6);
  });

  it("sign the raw body as sha256=<hex HMAC-SHA256>", () => {
    const body = '{"kind":"task.done"}';
    expect(signatureOf("s3cret-key", body)).toBe(
      `sha256=${createHmac("sha256", "s3cret-key").update(body).digest("hex")}`,
    );
    expect(signatureOf("s3cret-key", `${body} `)).not.toBe(signatureOf("s3cret-key", body));
  });
});
