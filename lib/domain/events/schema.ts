import { z } from "zod";
import { REMINDER_LIMITS } from "./reminders";
import { isExistingLocalTime, isValidTimeZone, normaliseTimeZone, parseLocalDateTime, zonedLocalToInstant } from "./time";

// The form, the server action and the services all import event rules from here.
export {
  formatEventTime,
  instantToZonedLocal,
  isValidTimeZone,
  linkExpiry,
  zonedLocalToInstant,
} from "./time";

export const EVENT_LIMITS = {
  titleMax: 200,
  descriptionMax: 5000,
  locationMax: 300,
  urlMax: 2000,
  capacityMax: 100_000,
  linkLifetimeDaysMin: 1,
  linkLifetimeDaysMax: 90,
  linkLifetimeDaysDefault: 7,
} as const;

// C0 controls, DEL and C1 controls, plus the Unicode line/paragraph separators that render as line breaks.
// eslint-disable-next-line no-control-regex -- finding control characters is the point: they inject headers and lines.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// Same, but a description is typed in a textarea: line breaks and tabs are content there.
// eslint-disable-next-line no-control-regex -- finding control characters is the point: they inject headers and lines.
const CONTROL_EXCEPT_TEXT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/**
 * Forms submit every field, empty ones as "". An optional field left blank must mean "not given", or the server
 * would store "" and the browser would report "too short" on a field the user never touched.
 */
function blankToUndefined(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string" && value.trim() === "") return undefined;
  return value;
}

/** FormData gives strings; a typed client gives numbers. Anything else is left for the number check to refuse. */
function toWholeNumber(value: unknown): unknown {
  const v = blankToUndefined(value);
  if (typeof v === "string" && /^\s*\d+\s*$/.test(v)) return Number(v);
  return v;
}

function optionalText(max: number, label: string, control: RegExp) {
  return z.preprocess(
    blankToUndefined,
    z
      .string({ error: `${label} must be text` })
      .trim()
      .max(max, `${label} can be at most ${max.toLocaleString("en-GB")} characters`)
      .refine((s) => !control.test(s), `${label} cannot contain control characters`)
      .optional(),
  );
}

function localDateTime(label: string) {
  return z
    .string({ error: `${label} is required` })
    .trim()
    .min(1, `${label} is required`)
    .refine((s) => parseLocalDateTime(s) !== null, `${label} must be a date and time`);
}

function isHttpUrl(s: string): boolean {
  try {
    const url = new URL(s);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "";
  } catch {
    return false;
  }
}

const eventFields = z.object({
  title: z
    .string({ error: "Give the event a title" })
    .trim()
    .min(1, "Give the event a title")
    .max(EVENT_LIMITS.titleMax, `The title can be at most ${EVENT_LIMITS.titleMax} characters`)
    .refine((s) => !CONTROL.test(s), "The title cannot contain line breaks or control characters"),
  description: optionalText(EVENT_LIMITS.descriptionMax, "The description", CONTROL_EXCEPT_TEXT_LAYOUT),
  startsAt: localDateTime("Start"),
  endsAt: localDateTime("End"),
  timezone: z
    .string({ error: "Choose a time zone" })
    .trim()
    .refine(isValidTimeZone, "Choose a valid time zone, for example Europe/Paris"),
  location: optionalText(EVENT_LIMITS.locationMax, "The place", CONTROL),
  onlineUrl: z.preprocess(
    blankToUndefined,
    z
      .string({ error: "The online link must be text" })
      .trim()
      .max(EVENT_LIMITS.urlMax, `The online link can be at most ${EVENT_LIMITS.urlMax} characters`)
      .refine(isHttpUrl, "The online link must be a web address starting with https:// or http://")
      .optional(),
  ),
  capacity: z.preprocess(
    toWholeNumber,
    z
      .number({ error: "Capacity must be a whole number" })
      .int("Capacity must be a whole number")
      .min(1, "Capacity must be at least 1 (leave it empty for no limit)")
      .max(EVENT_LIMITS.capacityMax, `Capacity can be at most ${EVENT_LIMITS.capacityMax.toLocaleString("en-GB")}`)
      .optional(),
  ),
  rsvpDeadline: z.preprocess(blankToUndefined, localDateTime("The RSVP deadline").optional()),
  linkLifetimeDays: z.preprocess(
    toWholeNumber,
    z
      .number({ error: "Link lifetime must be a whole number of days" })
      .int("Link lifetime must be a whole number of days")
      .min(EVENT_LIMITS.linkLifetimeDaysMin, `Links must stay valid for at least ${EVENT_LIMITS.linkLifetimeDaysMin} day`)
      .max(EVENT_LIMITS.linkLifetimeDaysMax, `Links can stay valid for at most ${EVENT_LIMITS.linkLifetimeDaysMax} days`)
      .default(EVENT_LIMITS.linkLifetimeDaysDefault),
  ),
  templateId: z.string({ error: "Choose an email template" }).trim().min(1, "Choose an email template"),
  // A checkbox: "on" when ticked, absent or empty when not.
  declineNotice: z.preprocess((v) => v === true || v === "on" || v === "true", z.boolean()).default(false),
  // "Remind guests who haven't answered N days before": one number input per rule.
  reminders: z
    .array(
      z.preprocess(
        toWholeNumber,
        z
          .number({ error: "Enter a number of days, or remove this reminder" })
          .int("Enter a whole number of days")
          .min(REMINDER_LIMITS.daysMin, `A reminder goes at least ${REMINDER_LIMITS.daysMin} day before`)
          .max(REMINDER_LIMITS.daysMax, `A reminder goes at most ${REMINDER_LIMITS.daysMax} days before`),
      ),
      { error: "The reminders could not be read" },
    )
    .max(REMINDER_LIMITS.maxRules, `An event can have at most ${REMINDER_LIMITS.maxRules} reminders`)
    .superRefine((days, ctx) => {
      days.forEach((n, i) => {
        if (days.indexOf(n) < i) ctx.addIssue({ code: "custom", path: [i], message: `There is already a reminder ${n} ${n === 1 ? "day" : "days"} before` });
      });
    })
    .default([]),
});

const TIME_FIELDS = new Set<PropertyKey>(["startsAt", "endsAt", "timezone", "rsvpDeadline"]);

/**
 * Raw form values with every rule checked, local times still as typed. Use it in the browser (it has no
 * transform, so it can run on each change); the server parses with `eventInputSchema`.
 */
export const eventFormSchema = eventFields.superRefine(
  (v, ctx) => {
    const tz = normaliseTimeZone(v.timezone);
    for (const key of ["startsAt", "endsAt", "rsvpDeadline"] as const) {
      const local = v[key];
      if (local !== undefined && !isExistingLocalTime(local, tz)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `This time does not exist in ${tz}: the clocks go forward that night`,
        });
      }
    }
    const start = zonedLocalToInstant(v.startsAt, tz);
    const end = zonedLocalToInstant(v.endsAt, tz);
    if (end <= start) {
      ctx.addIssue({ code: "custom", path: ["endsAt"], message: "End must be after the start" });
    }
    if (v.rsvpDeadline !== undefined && zonedLocalToInstant(v.rsvpDeadline, tz) >= end) {
      ctx.addIssue({ code: "custom", path: ["rsvpDeadline"], message: "The RSVP deadline must be before the event ends" });
    }
  },
  {
    // Cross-field checks still run when, say, the title is empty, so the user sees every problem at once;
    // they only need the time fields themselves to be valid.
    when: (payload) => !payload.issues.some((issue) => TIME_FIELDS.has(issue.path?.[0] ?? "")),
  },
);

/**
 * What the server action parses: the form's rules, then local times turned into instants in the event's zone.
 * Keep the zone alongside: the instants alone cannot say what the venue's clocks read.
 */
export const eventInputSchema = eventFormSchema.transform((v) => {
  const timezone = normaliseTimeZone(v.timezone);
  return {
    title: v.title,
    description: v.description,
    startsAt: zonedLocalToInstant(v.startsAt, timezone),
    endsAt: zonedLocalToInstant(v.endsAt, timezone),
    timezone,
    location: v.location,
    onlineUrl: v.onlineUrl === undefined ? undefined : new URL(v.onlineUrl).href,
    capacity: v.capacity,
    rsvpDeadline: v.rsvpDeadline === undefined ? undefined : zonedLocalToInstant(v.rsvpDeadline, timezone),
    linkLifetimeDays: v.linkLifetimeDays,
    templateId: v.templateId,
    declineNotice: v.declineNotice,
    reminders: v.reminders,
  };
});

/** What the form holds (strings from `<input>`s; numbers also accepted). */
export type EventFormInput = z.input<typeof eventFormSchema>;
/** The form's values after validation, local times still strings. */
export type EventFormValues = z.output<typeof eventFormSchema>;
/** What `createEvent` receives: validated, trimmed, times as instants. */
export type EventInput = z.output<typeof eventInputSchema>;

/** A form field, or one reminder's input ("reminders.0"), as error messages are keyed. */
export type EventFieldKey = keyof EventFormInput | `reminders.${number}`;

/** Field → first message, the shape a form shows next to each input. */
export function eventFieldErrors(error: z.ZodError): Partial<Record<EventFieldKey, string>> {
  const out: Partial<Record<EventFieldKey, string>> = {};
  for (const issue of error.issues) {
    const [field, index] = issue.path;
    if (typeof field !== "string" || !(field in eventFields.shape)) continue;
    const key: EventFieldKey = field === "reminders" && typeof index === "number" ? `reminders.${index}` : (field as keyof EventFormInput);
    if (!(key in out)) out[key] = issue.message;
  }
  return out;
}
