import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12;

export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

/**
 * AES-256-GCM under a key derived from the server secret. Each value is bound to a context
 * (the row's id) as associated data, so a ciphertext copied to another row does not decrypt.
 * Stored as `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url), where the key id tells a changed
 * secret apart from a corrupted value.
 */
export class SecretBox {
  private readonly key: Buffer;
  readonly keyId: string;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync("sha256", secret, "strand", "strand secret-box v1", 32));
    this.keyId = createHash("sha256").update(this.key).digest("base64url").slice(0, 8);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.keyId, iv.toString("base64url"), tag.toString("base64url"), ct.toString("base64url")].join(
      ".",
    );
  }

  open(sealed: string, context: string): string {
    const [version, keyId, iv, tag, ct] = sealed.split(".");
    if (version !== VERSION || keyId === undefined || iv === undefined || tag === undefined || ct === undefined) {
      throw new SecretBoxError("the stored value is not in the expected encrypted format");
    }
    if (keyId !== this.keyId) {
      throw new SecretBoxError(
        "the value was encrypted with a different server secret (STRAND_SECRET or <data dir>/secret changed)",
      );
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretBoxError("the stored value does not decrypt (corrupted, or moved from another row)");
    }
  }
}
