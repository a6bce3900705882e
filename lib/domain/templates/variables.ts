import { LRUCache } from "lru-cache";
import { dateTimeFormat } from "@/lib/domain/time/formats";

/**
 * The variables a template may use. Every key is always present in the data (absent values are null),
 * because templates render in strict mode: a typo must fail loudly instead of sending "Dear ,".
 */
export interface TemplateData {
  invitee: {
    name: string;
    email: string;
    /** Extra CSV columns, by column name. */
    fields: Record<string, string>;
  };
  event: {
    title: string;
    description: string | null;
    /** Formatted for people, in the event's own timezone: "Thursday, December 3, 2026 at 7:00 PM GMT+1". */
    startsAt: string;
    /** Time only ("11:00 PM GMT+1") when the event ends on the day it starts, else like startsAt. */
    endsAt: string | null;
    /** IANA name, e.g. Europe/Berlin. */
    timezone: string;
    location: string | null;
    onlineUrl: string | null;
  };
  host: { name: string; email: string };
  links: { accept: string; decline: string; invitation: string };
}

/** Every variable a template can reference, except invitee.fields.<column> which depends on the guest list. */
export const TEMPLATE_VARIABLES = [
  "invitee.name",
  "invitee.email",
  "event.title",
  "event.description",
  "event.startsAt",
  "event.endsAt",
  "event.timezone",
  "event.location",
  "event.onlineUrl",
  "host.name",
  "host.email",
  "links.accept",
  "links.decline",
  "links.invitation",
] as const;

export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/**
 * The allowed set for validateTemplate: the fixed variables plus one `invitee.fields.<column>` per CSV
 * column. Pass "*" as a column to accept any column (when the guest list is not known yet).
 */
export function templateVariables(fieldNames: readonly string[] = []): string[] {
  return [...TEMPLATE_VARIABLES, ...fieldNames.map((name) => `invitee.fields.${name}`)];
}

export interface TemplateDataInput {
  invitee: { name: string; email: string; fields?: Record<string, string> };
  event: {
    title: string;
    description?: string | null;
    startsAt: Date;
    endsAt?: Date | null;
    timezone: string;
    location?: string | null;
    onlineUrl?: string | null;
  };
  host: { name: string; email: string };
  links: { accept: string; decline: string; invitation: string };
  /** BCP 47 locale for dates; defaults to en-US. */
  locale?: string;
  /** Columns every guest of the list has, so a guest with an empty cell still satisfies strict mode. */
  fieldNames?: readonly string[];
}

/** Assembles the data for one recipient: dates formatted in the event's timezone, absent values as null. */
export function buildTemplateData(input: TemplateDataInput): TemplateData {
  const locale = input.locale ?? "en-US";
  const fields: Record<string, string> = {};
  for (const name of input.fieldNames ?? []) fields[name] = "";
  for (const [name, value] of Object.entries(input.invitee.fields ?? {})) fields[name] = value;
  return {
    invitee: { name: input.invitee.name, email: input.invitee.email, fields },
    event: {
      title: input.event.title,
      description: blankToNull(input.event.description),
      ...eventTimes(input.event.startsAt, input.event.endsAt ?? null, input.event.timezone, locale),
      timezone: input.event.timezone,
      location: blankToNull(input.event.location),
      onlineUrl: safeUrl(input.event.onlineUrl),
    },
    host: { name: input.host.name, email: input.host.email },
    links: { ...input.links },
  };
}

/**
 * An event's formatted times, kept per event: every email of a 5,000-guest send formats the same two dates,
 * and formatting was a visible share of the drain's CPU.
 */
const formattedTimes = new LRUCache<string, { startsAt: string; endsAt: string | null }>({ max: 256 });

function eventTimes(startsAt: Date, endsAt: Date | null, timeZone: string, locale: string) {
  const key = `${locale}\u0000${timeZone}\u0000${startsAt.getTime()}\u0000${endsAt?.getTime() ?? ""}`;
  let times = formattedTimes.get(key);
  if (!times) {
    times = { startsAt: formatEventTime(startsAt, timeZone, locale), endsAt: endsAt ? formatEventEnd(startsAt, endsAt, timeZone, locale) : null };
    formattedTimes.set(key, times);
  }
  return times;
}

/** The zone name is part of the text: it spares guests in another timezone a surprise. */
export function formatEventTime(at: Date, timeZone: string, locale = "en-US"): string {
  return dateTimeFormat(locale, {
    timeZone,
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(at);
}

function formatEventEnd(startsAt: Date, endsAt: Date, timeZone: string, locale: string): string {
  const day = (at: Date) => dateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
  if (day(startsAt) !== day(endsAt)) return formatEventTime(endsAt, timeZone, locale);
  return dateTimeFormat(locale, { timeZone, hour: "numeric", minute: "2-digit", timeZoneName: "short" }).format(endsAt);
}

function blankToNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === "" ? null : value;
}

/** Only http(s) links reach an email: a javascript: or data: URL in a button is an attack, not a venue. */
function safeUrl(value: string | null | undefined): string | null {
  const url = blankToNull(value);
  if (url === null) return null;
  try {
    const protocol = new URL(url).protocol;
    return protocol === "https:" || protocol === "http:" ? url : null;
  } catch {
    return null;
  }
}
