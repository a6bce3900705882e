import type { Snapshot } from "@/lib/adapters/firestore/collection";
import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections, type ProviderDoc } from "@/lib/adapters/firestore/schemas";
import { decryptSecret, encryptSecret } from "@/lib/adapters/secrets/credentials";
import { parseProviderConnection, type ProviderConnection } from "@/lib/domain/providers/connection";
import type { Mailer } from "@/lib/ports/mailer";

/** Builds the Mailer for a provider's connection; the composition root passes createMailer. */
export type MailerFactory = (connection: ProviderConnection) => Mailer;

/** Which connection field holds the provider's secret, stored encrypted rather than in `settings`. */
export function secretField(kind: ProviderDoc["kind"]): "pass" | "apiKey" {
  return kind === "smtp" ? "pass" : "apiKey";
}

const secretContext = (providerId: string) => `providers/${providerId}`;
// Its own context: a ciphertext moved from the credentials field into the webhook field must not decrypt.
const webhookKeyContext = (providerId: string) => `providers/${providerId}/webhook`;

export function sealSecret(credentialsKey: string, providerId: string, secret: string) {
  return encryptSecret(credentialsKey, secret, secretContext(providerId));
}

export function sealWebhookKey(credentialsKey: string, providerId: string, key: string) {
  return encryptSecret(credentialsKey, key, webhookKeyContext(providerId));
}

/** The provider's webhook key in clear, for verifying its webhooks; null when none is stored. */
export function openWebhookKey(credentialsKey: string, providerId: string, doc: Pick<ProviderDoc, "webhookKey">): string | null {
  return doc.webhookKey ? decryptSecret(credentialsKey, doc.webhookKey, webhookKeyContext(providerId)) : null;
}

/** The full connection, secret decrypted, for an adapter. Never leaves the server process. */
export function toConnection(credentialsKey: string, providerId: string, doc: ProviderDoc): ProviderConnection {
  const secret = doc.secret ? decryptSecret(credentialsKey, doc.secret, secretContext(providerId)) : undefined;
  return parseProviderConnection({
    kind: doc.kind,
    ...doc.settings,
    ...(secret !== undefined ? { [secretField(doc.kind)]: secret } : {}),
  });
}

export async function loadProviders(db: MeteredFirestore, op = "provider.load"): Promise<Snapshot<ProviderDoc>[]> {
  return db.query(op, collections.providers, { orderBy: [["priority", "asc"]], limit: 50 });
}
