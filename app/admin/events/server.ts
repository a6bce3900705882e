import "server-only";
import { usesAuthEmulator } from "@/lib/config/env";
import type { LiveEvent, PublicFirebaseConfig } from "@/lib/client/live";
import type { VerifiedIdentity } from "@/lib/domain/admin-access";
import type { ServiceContext } from "@/lib/services/context";
import type { getEvent, Host } from "@/lib/services/events";
import type { ReminderOverview } from "@/lib/services/reminders/overview";
import type { ReminderOverviewView } from "@/components/events/reminders-card";
import { displayStatus, listInvitations } from "@/lib/services/invitations";
import type { InvitationPage, InvitationQuery, InvitationRowView } from "@/components/invitations/types";
import { getContainer } from "@/lib/server/container";

/** The public web SDK config for live dashboards, built at request time like the sign-in page's. */
export function publicFirebaseConfig(): PublicFirebaseConfig {
  const { env } = getContainer();
  return {
    apiKey: env.FIREBASE_WEB_API_KEY,
    authDomain: env.FIREBASE_AUTH_DOMAIN,
    projectId: env.FIREBASE_PROJECT_ID,
    authEmulatorUrl: usesAuthEmulator(env) ? `http://${env.FIREBASE_AUTH_EMULATOR_HOST}` : undefined,
    firestoreEmulatorHost: env.FIRESTORE_EMULATOR_HOST,
  };
}

/** The server-rendered first frame of what the live listener keeps up to date. */
export function toLiveEvent(id: string, e: Omit<LiveEvent, "id" | "startsAt" | "endsAt"> & { startsAt: Date; endsAt: Date }): LiveEvent {
  return {
    id,
    title: e.title,
    startsAt: e.startsAt.getTime(),
    endsAt: e.endsAt.getTime(),
    timezone: e.timezone,
    lifecycle: e.lifecycle,
    counters: { ...e.counters },
  };
}

type EventData = NonNullable<Awaited<ReturnType<typeof getEvent>>>["data"];

/** The event page's reminder card, from the overview service: times as epoch milliseconds for the component. */
export function toReminderView(e: Pick<EventData, "rsvpDeadline" | "timezone">, o: ReminderOverview): ReminderOverviewView {
  return {
    anchor: e.rsvpDeadline ? "the RSVP deadline" : "the start",
    timezone: e.timezone,
    rules: o.rules.map((r) => ({
      key: r.key,
      daysBefore: r.daysBefore,
      dueAt: r.dueAt.getTime(),
      state: r.state,
      queued: r.run.queued,
      doneAt: r.run.doneAt?.getTime() ?? null,
    })),
    next: o.next ? { key: o.next.rule.key, guests: o.next.guests } : null,
  };
}

export function hostOf(admin: VerifiedIdentity): Host {
  const email = admin.email ?? "";
  const name = typeof admin.claims.name === "string" && admin.claims.name.trim() !== "" ? admin.claims.name.trim() : email;
  return { name, email };
}

export const INVITATIONS_PAGE_SIZE = 50;
/** Index pages a filtered load may scan to find something to show before handing "Load more" to the admin. */
const MAX_SCANS = 4;

/**
 * One page of the invitations table. "Expired" is partly computed (an unanswered link that ran out keeps its
 * stored status), so a status filter queries the stored statuses that can show it and keeps the rows whose
 * shown status matches; the cursor is the last address scanned, so a page may hold fewer rows than its size.
 */
export async function loadInvitationPage(
  ctx: ServiceContext,
  eventId: string,
  query: InvitationQuery,
): Promise<InvitationPage> {
  const filter = query.status;
  const now = ctx.clock.now();
  const rows: InvitationRowView[] = [];
  let after = query.after;
  for (let scan = 0; scan < MAX_SCANS; scan++) {
    const scanned = await listInvitations(ctx, eventId, {
      ...(filter === "expired" ? { statuses: ["queued", "expired"] as const } : filter ? { status: filter } : {}),
      search: query.search,
      after,
      limit: INVITATIONS_PAGE_SIZE,
    });
    for (const s of scanned) {
      const status = displayStatus(s.data, now);
      if (filter && status !== filter) continue;
      rows.push({
        id: s.id,
        email: s.data.email,
        name: s.data.name,
        status,
        simulated: s.data.delivery.simulated,
        problem: status === "failed" || status === "bounced" ? s.data.delivery.error : null,
        delivered: status === "sent" && s.data.delivery.reported === "delivered",
        linkExpiresAt: s.data.linkExpiresAt.getTime(),
        answeredAt: s.data.answeredAt?.getTime() ?? null,
      });
    }
    const last = scanned.at(-1);
    after = scanned.length === INVITATIONS_PAGE_SIZE && last ? last.data.emailKey : undefined;
    if (!after || rows.length > 0) break;
  }
  return { rows, next: after ?? null };
}

/** Route params are untrusted: a slash or dot in an id would name a different document path. */
export const isEventId = (id: string) => /^[A-Za-z0-9_-]{1,64}$/.test(id);
export const isInvitationId = (id: string) => /^[0-9a-f]{32}$/.test(id);
