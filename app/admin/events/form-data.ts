import "server-only";
import type { EventFormState, TemplateOption } from "@/components/events/types";
import { EVENT_LIMITS, instantToZonedLocal } from "@/lib/domain/events/schema";
import type { ServiceContext } from "@/lib/services/context";
import type { getEvent } from "@/lib/services/events";
import { listTemplates } from "@/lib/services/templates";

type EventData = NonNullable<Awaited<ReturnType<typeof getEvent>>>["data"];

/** Invitation templates only: reminders and confirmations are not what an event's invitation is sent with. */
export async function invitationTemplates(ctx: ServiceContext): Promise<TemplateOption[]> {
  const all = await listTemplates(ctx);
  return all.filter((t) => t.data.kind === "invitation").map((t) => ({ id: t.id, name: t.data.name }));
}

/** Every IANA zone this server knows; an event's own zone is added by the form if it is an alias not listed. */
export function timeZoneOptions(): string[] {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}

export function emptyEventForm(templates: TemplateOption[]): EventFormState {
  return {
    title: "",
    description: "",
    startsAt: "",
    endsAt: "",
    // Filled in by the browser with its own zone.
    timezone: "",
    location: "",
    onlineUrl: "",
    capacity: "",
    rsvpDeadline: "",
    linkLifetimeDays: String(EVENT_LIMITS.linkLifetimeDaysDefault),
    templateId: templates.find((t) => t.id === "invitation")?.id ?? templates[0]?.id ?? "",
    declineNotice: "",
    reminders: [],
  };
}

export function eventToForm(e: EventData): EventFormState {
  const local = (d: Date) => instantToZonedLocal(d, e.timezone);
  return {
    title: e.title,
    description: e.description ?? "",
    startsAt: local(e.startsAt),
    endsAt: local(e.endsAt),
    timezone: e.timezone,
    location: e.location ?? "",
    onlineUrl: e.onlineUrl ?? "",
    capacity: e.capacity === null ? "" : String(e.capacity),
    rsvpDeadline: e.rsvpDeadline ? local(e.rsvpDeadline) : "",
    linkLifetimeDays: String(e.linkLifetimeDays),
    templateId: e.templateId,
    declineNotice: e.declineNotice ? "on" : "",
    reminders: e.reminderRules.map((r) => String(r.daysBefore)),
  };
}
