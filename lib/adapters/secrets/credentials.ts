import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Encrypted } from "@/lib/adapters/firestore/schemas";

/**
 * Provider credentials at rest: AES-256-GCM with a key from configuration (HERALD_CREDENTIALS_KEY, a secret in
 * production). A copy of the database alone yields ciphertext; GCM's tag makes tampering fail loudly. The
 * provider id is bound in as additional data, so a ciphertext copied onto another provider does not decrypt.
 */
export function encryptSecret(keyBase64: string, plaintext: string, context: string): Encrypted {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(keyBase64, "base64"), iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return { iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), data: data.toString("base64") };
}

export function decryptSecret(keyBase64: string, encrypted: Encrypted, context: string): string {
  const decipher = createDecipheriv("aes-256-gcm", Buffer.from(keyBase64, "base64"), Buffer.from(encrypted.iv, "base64"));
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(Buffer.from(encrypted.tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(encrypted.data, "base64")), decipher.final()]).toString("utf8");
}
