import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { type Address, addressSchema } from "../engine/messages.js";

/** A sealed contact that cannot be opened: another key, or tampered with. */
export class ContactUnreadableError extends Error {
  override name = "ContactUnreadableError";
}

/**
 * Seals the one identifier Puente ever keeps — a consenting person's chat address, inside their
 * case — with AES-256-GCM. The key comes from `CONTACT_KEY` (HKDF, so any long random string
 * will do); the case id is bound in as associated data, so a sealed contact copied into another
 * case does not open.
 */
export class ContactCipher {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = Buffer.from(hkdfSync("sha256", secret, "puente-contact", "aes-256-gcm", 32));
  }

  seal(address: Address, caseId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(caseId));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(address), "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
  }

  open(sealed: string, caseId: string): Address {
    try {
      const bytes = Buffer.from(sealed, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", this.#key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(caseId));
      decipher.setAuthTag(bytes.subarray(12, 28));
      const clear = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
      return addressSchema.parse(JSON.parse(clear));
    } catch {
      throw new ContactUnreadableError(`the contact of case ${caseId} cannot be opened with this CONTACT_KEY`);
    }
  }
}
