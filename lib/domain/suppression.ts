import { sha256Hex } from "./invitations/token";

/**
 * The suppression list: addresses Herald must not mail again, because a provider reported a hard bounce or a
 * spam complaint, or the receiving server refused the address at send time. Providers suspend senders who keep
 * mailing such addresses.
 *
 * Stored plain, not hashed: the admin must see, search and remove entries, and a hash can be neither shown nor
 * searched by prefix; the same addresses sit in plain text on the invitations anyway, so hashing the list would
 * hide nothing. Each entry is keyed by a hash of the address's key (its ASCII, lower-cased form, the invitations'
 * duplicate key), which spreads entries evenly over a few shard documents and keeps field paths free of the dots
 * and @ an address would bring.
 *
 * Why a few shard documents holding many entries, rather than a document per address: the drain must know, for
 * every email, whether its address is suppressed. A document per address would cost a read per email (doubling
 * the drain's reads); the shards cost at most SUPPRESSION_SHARDS reads per drain run, whatever it sends, and an
 * upload's check reads only the shards its addresses fall in. The price is a ceiling: a Firestore document holds
 * 1 MiB, about 4,000 entries at their largest, so the list holds some 30,000 addresses.
 */

export const SUPPRESSION_SHARDS = 8;

export const SUPPRESSION_KINDS = ["hard_bounce", "complaint", "rejected"] as const;
export type SuppressionKind = (typeof SUPPRESSION_KINDS)[number];

export const SUPPRESSION_SOURCES = ["sendgrid", "resend", "send"] as const;
/** Who said so: a provider's webhook, or the provider's (or SMTP server's) answer to the send itself. */
export type SuppressionSource = (typeof SUPPRESSION_SOURCES)[number];

export interface SuppressionEntry {
  /** The address as Herald shows it (display form). */
  email: string;
  /** The address's key (ASCII, lower case): what search and the drain's check compare. */
  emailKey: string;
  kind: SuppressionKind;
  source: SuppressionSource;
  detail: string | null;
  at: Date;
  /** The invitation whose email bounced, when there is one. */
  invitationId: string | null;
}

export const SUPPRESSION_KIND_LABELS: Record<SuppressionKind, string> = {
  hard_bounce: "Hard bounce",
  complaint: "Spam complaint",
  rejected: "Refused",
};

export const SUPPRESSION_SOURCE_LABELS: Record<SuppressionSource, string> = {
  sendgrid: "SendGrid",
  resend: "Resend",
  send: "Receiving server, at send time",
};

const SOURCE_PHRASES: Record<SuppressionSource, string> = {
  sendgrid: "reported by SendGrid",
  resend: "reported by Resend",
  send: "by the receiving server at send time",
};

/** Where an address's entry lives: its shard document and its field there. */
export function suppressionSlot(emailKey: string): { shard: string; field: string } {
  const hash = sha256Hex(`suppression\n${emailKey}`);
  return { shard: `shard-${parseInt(hash.slice(0, 4), 16) % SUPPRESSION_SHARDS}`, field: hash.slice(0, 32) };
}

export const ALL_SUPPRESSION_SHARDS: readonly string[] = Array.from({ length: SUPPRESSION_SHARDS }, (_, i) => `shard-${i}`);

const day = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

/** Why mail to this address is refused, in words an organiser acts on. */
export function suppressionReason(entry: Pick<SuppressionEntry, "email" | "kind" | "source" | "at">): string {
  return `${entry.email} is on the suppression list (${SUPPRESSION_KIND_LABELS[entry.kind].toLowerCase()} ${SOURCE_PHRASES[entry.source]} on ${day.format(entry.at)}): remove it under Suppressions to mail it again`;
}
