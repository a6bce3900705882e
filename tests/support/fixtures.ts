import { docRef } from "@/lib/adapters/firestore/collection";
import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { collections, type ProviderDoc } from "@/lib/adapters/firestore/schemas";
import { initialHealth } from "@/lib/domain/delivery/provider-health";
import type { EventInput } from "@/lib/domain/events/schema";
import { parseRecipientList, type RecipientRow } from "@/lib/domain/invitations/recipients";
import type { ServiceContext } from "@/lib/services/context";
import { createEvent } from "@/lib/services/events";

export const TEST_SECRET = "integration-test-secret-0123456789abcdef";

export function serviceContext(db: MeteredFirestore, now?: () => Date): ServiceContext {
  return { db, clock: { now: now ?? (() => new Date()) }, tokenSecret: TEST_SECRET, baseUrl: "http://127.0.0.1:3100" };
}

export async function seedTemplate(db: MeteredFirestore, id = "invitation") {
  await db.set("test.seed", docRef(collections.templates, id), {
    name: "Invitation",
    kind: "invitation",
    subject: "You're invited to {{event.title}}",
    html: "<p>Hello {{invitee.name}}, <a href=\"{{links.invitation}}\">answer here</a></p>",
    builtIn: true,
    updatedAt: new Date(),
  });
  return id;
}

export function providerDoc(overrides: Partial<ProviderDoc> = {}): ProviderDoc {
  const now = new Date();
  return {
    name: "Local SMTP",
    kind: "smtp",
    enabled: true,
    priority: 1,
    fromEmail: "events@herald.local",
    fromName: "Herald",
    dailyQuota: null,
    resetTime: "00:00",
    timezone: "UTC",
    ratePerSecond: null,
    ratePerMinute: null,
    settings: { host: "127.0.0.1", port: 1, secure: false },
    secret: null,
    webhookKey: null,
    health: initialHealth(),
    usage: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export async function seedProvider(db: MeteredFirestore, id = "smtp-local", overrides: Partial<ProviderDoc> = {}) {
  await db.set("test.seed", docRef(collections.providers, id), providerDoc(overrides));
  return id;
}

export function eventInput(overrides: Partial<EventInput> = {}): EventInput {
  const start = new Date(Date.now() + 7 * 24 * 3600_000);
  return {
    title: "Launch party",
    description: "Drinks & demos",
    startsAt: start,
    endsAt: new Date(start.getTime() + 3 * 3600_000),
    timezone: "Europe/Paris",
    location: "Station F",
    onlineUrl: undefined,
    capacity: undefined,
    rsvpDeadline: undefined,
    linkLifetimeDays: 7,
    templateId: "invitation",
    declineNotice: false,
    reminders: [],
    ...overrides,
  };
}

export async function seedEvent(ctx: ServiceContext, overrides: Partial<EventInput> = {}) {
  await seedTemplate(ctx.db, overrides.templateId ?? "invitation");
  const created = await createEvent(ctx, eventInput(overrides), { name: "Ada Host", email: "host@herald.local" });
  if (!created.ok) throw new Error(created.message);
  return created.id;
}

export function recipients(emails: string[]): RecipientRow[] {
  const parsed = parseRecipientList(emails.join("\n"));
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.rows;
}

export const addresses = (n: number, prefix = "guest") => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);
