import { describe, expect, it } from "vitest";
import { SecretBox, SecretBoxError } from "./secret-box.js";

describe("SecretBox", () => {
  const box = new SecretBox("a server secret of some length");

  it("round-trips and never stores the plaintext", () => {
    const sealed = box.seal("sk-ant-very-secret", "prv_1");
    expect(sealed).not.toContain("sk-ant");
    expect(sealed.startsWith(`v1.${box.keyId}.`)).toBe(true);
    expect(box.open(sealed, "prv_1")).toBe("sk-ant-very-secret");
  });

  it("uses a fresh IV each time", () => {
    expect(box.seal("same", "ctx")).not.toBe(box.seal("same", "ctx"));
  });

  it("refuses a value moved to another row", () => {
    const sealed = box.seal("key", "prv_1");
    expect(() => box.open(sealed, "prv_2")).toThrow(/moved from another row/);
  });

  it("says when the secret changed", () => {
    const other = new SecretBox("another server secret entirely");
    expect(() => other.open(box.seal("key", "c"), "c")).toThrow(/different server secret/);
  });

  it("refuses tampered or malformed values", () => {
    const parts = box.seal("key", "c").split(".");
    parts[4] = Buffer.from("tampered").toString("base64url");
    expect(() => box.open(parts.join("."), "c")).toThrow(SecretBoxError);
    expect(() => box.open("plain text", "c")).toThrow(/expected encrypted format/);
  });
});
