"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition, type FormEvent, type ReactNode } from "react";
import { REMINDER_LIMITS } from "@/lib/domain/events/reminders";
import { EVENT_LIMITS, eventFieldErrors, eventFormSchema, type EventFieldKey } from "@/lib/domain/events/schema";
import type { EventFormState, SaveEventAction, TemplateOption } from "./types";
import styles from "./events.module.css";

/** The fields that hold one string; reminders are a list of their own. */
type FieldName = Exclude<keyof EventFormState, "reminders">;
type Errors = Partial<Record<EventFieldKey, string>>;

/** In the order they appear, so the first one with a problem gets the focus. */
const FIELD_ORDER: EventFieldKey[] = [
  "title",
  "description",
  "startsAt",
  "endsAt",
  "timezone",
  "location",
  "onlineUrl",
  "capacity",
  "rsvpDeadline",
  "linkLifetimeDays",
  "templateId",
  "declineNotice",
  ...Array.from({ length: REMINDER_LIMITS.maxRules }, (_, i) => `reminders.${i}` as const),
  "reminders",
];

/** What a new reminder starts at: the first of these not already used, which the organiser can change. */
const SUGGESTED_DAYS = ["7", "3", "1", "14"];

interface Props {
  eventId: string | null;
  initial: EventFormState;
  templates: TemplateOption[];
  timeZones: string[];
  save: SaveEventAction;
}

function validate(values: EventFormState): Errors {
  const parsed = eventFormSchema.safeParse(values);
  return parsed.success ? {} : eventFieldErrors(parsed.error);
}

export function EventForm({ eventId, initial, templates, timeZones, save }: Props) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<Errors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [attempted, setAttempted] = useState(false);
  const [pending, startTransition] = useTransition();

  // A new event starts in the organiser's own zone; the server cannot know it when rendering.
  useEffect(() => {
    if (initial.timezone !== "") return;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    setValues((v) => (v.timezone === "" ? { ...v, timezone: zone || "UTC" } : v));
  }, [initial.timezone]);

  const zones = values.timezone && !timeZones.includes(values.timezone) ? [values.timezone, ...timeZones] : timeZones;

  function update(next: EventFormState) {
    setValues(next);
    // Once the admin has tried to submit, errors clear (or appear) as they type.
    if (attempted) setErrors(validate(next));
  }

  function set(name: FieldName, value: string) {
    update({ ...values, [name]: value });
  }

  function setReminders(reminders: string[]) {
    update({ ...values, reminders });
  }

  function addReminder() {
    const days = SUGGESTED_DAYS.find((d) => !values.reminders.includes(d)) ?? "";
    setReminders([...values.reminders, days]);
    // The new input takes the focus, so a keyboard user can type the days straight away.
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>(`[name="reminders.${values.reminders.length}"]`)?.focus());
  }

  function removeReminder(index: number) {
    setReminders(values.reminders.filter((_, i) => i !== index));
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>("[data-add-reminder]")?.focus());
  }

  function focusFirst(errs: Errors) {
    const first = FIELD_ORDER.find((f) => errs[f]);
    if (first) formRef.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setAttempted(true);
    setMessage(null);
    const errs = validate(values);
    setErrors(errs);
    if (Object.keys(errs).length > 0) {
      setMessage("Some fields need attention.");
      focusFirst(errs);
      return;
    }
    startTransition(async () => {
      const result = await save(eventId, values);
      if (result.ok) {
        router.push(`/admin/events/${result.id}`);
        return;
      }
      const fieldErrors = (result.fieldErrors ?? {}) as Errors;
      setErrors(fieldErrors);
      setMessage(result.message);
      focusFirst(fieldErrors);
    });
  }

  const field = (name: FieldName, label: string, input: (a11y: A11y) => ReactNode, hint?: string) => (
    <Field name={name} label={label} hint={hint} error={errors[name]}>
      {input}
    </Field>
  );
  const text = (name: FieldName, extra: Record<string, unknown> = {}) => (a11y: A11y) => (
    <input {...a11y} name={name} value={values[name]} onChange={(e) => set(name, e.target.value)} {...extra} />
  );

  return (
    <form ref={formRef} className={`stack ${styles.form}`} onSubmit={onSubmit} noValidate>
      {field("title", "Title", text("title", { type: "text", maxLength: EVENT_LIMITS.titleMax, autoComplete: "off" }))}
      {field(
        "description",
        "Description",
        (a11y) => (
          <textarea {...a11y} name="description" value={values.description} onChange={(e) => set("description", e.target.value)} />
        ),
        "Optional. Shown on the invitation page.",
      )}
      <div className={styles.grid2}>
        {field("startsAt", "Starts", text("startsAt", { type: "datetime-local" }))}
        {field("endsAt", "Ends", text("endsAt", { type: "datetime-local" }))}
      </div>
      {field(
        "timezone",
        "Time zone",
        (a11y) => (
          <select {...a11y} name="timezone" value={values.timezone} onChange={(e) => set("timezone", e.target.value)}>
            {values.timezone === "" ? <option value="">Choose a time zone</option> : null}
            {zones.map((z) => (
              <option key={z} value={z}>
                {z.replaceAll("_", " ")}
              </option>
            ))}
          </select>
        ),
        "The venue's zone: start, end and deadline are read as its clocks show them.",
      )}
      {field("location", "Place", text("location", { type: "text", autoComplete: "off" }), "Optional.")}
      {field("onlineUrl", "Online link", text("onlineUrl", { type: "url", inputMode: "url", placeholder: "https://" }), "Optional.")}
      <div className={styles.grid2}>
        {field(
          "capacity",
          "Capacity",
          text("capacity", { type: "number", inputMode: "numeric", min: 1, max: EVENT_LIMITS.capacityMax, step: 1 }),
          "Optional. Leave empty for no limit.",
        )}
        {field("rsvpDeadline", "RSVP deadline", text("rsvpDeadline", { type: "datetime-local" }), "Optional.")}
      </div>
      <div className={styles.grid2}>
        {field(
          "linkLifetimeDays",
          "Link lifetime (days)",
          text("linkLifetimeDays", {
            type: "number",
            inputMode: "numeric",
            min: EVENT_LIMITS.linkLifetimeDaysMin,
            max: EVENT_LIMITS.linkLifetimeDaysMax,
            step: 1,
          }),
          "How long each emailed link works, never past the event's end.",
        )}
        {field(
          "templateId",
          "Email template",
          (a11y) => (
            <select {...a11y} name="templateId" value={values.templateId} onChange={(e) => set("templateId", e.target.value)}>
              {values.templateId === "" ? <option value="">Choose a template</option> : null}
              {templates.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          ),
        )}
      </div>
      <div className="field">
        <label className="row" htmlFor="event-declineNotice" style={{ gap: "0.5rem", alignItems: "center" }}>
          <input
            id="event-declineNotice"
            name="declineNotice"
            type="checkbox"
            checked={values.declineNotice === "on"}
            onChange={(e) => set("declineNotice", e.target.checked ? "on" : "")}
            aria-describedby="event-declineNotice-hint"
          />
          Email guests who decline a short &ldquo;sorry you can&rsquo;t make it&rdquo; note
        </label>
        <span className="hint" id="event-declineNotice-hint">
          Off: a decline sends nothing. Guests who accept always get their confirmation and calendar file.
        </span>
      </div>
      <Reminders
        days={values.reminders}
        anchor={values.rsvpDeadline ? "the RSVP deadline" : "the start"}
        linkLifetimeDays={values.linkLifetimeDays}
        errors={errors}
        onChange={(index, days) => setReminders(values.reminders.map((d, i) => (i === index ? days : d)))}
        onAdd={addReminder}
        onRemove={removeReminder}
      />
      {message ? (
        <p className="banner danger" role="alert">
          {message}
        </p>
      ) : null}
      <div className="row">
        <button className="button primary" type="submit" disabled={pending}>
          {pending ? "Saving…" : eventId ? "Save changes" : "Create event"}
        </button>
        <Link className="button" href={eventId ? `/admin/events/${eventId}` : "/admin/events"}>
          Cancel
        </Link>
      </div>
    </form>
  );
}

/**
 * "Remind guests who haven't answered N days before …": one number per rule, up to three, each with its own
 * label, remove button and error, so a screen reader announces which reminder is which.
 */
function Reminders(props: {
  days: string[];
  anchor: string;
  linkLifetimeDays: string;
  errors: Errors;
  onChange: (index: number, days: string) => void;
  onAdd: () => void;
  onRemove: (index: number) => void;
}) {
  const { days, anchor, errors } = props;
  const full = days.length >= REMINDER_LIMITS.maxRules;
  const lifetime = /^\d+$/.test(props.linkLifetimeDays.trim()) ? `${props.linkLifetimeDays.trim()} days` : "their lifetime";
  return (
    <fieldset className={`field ${styles.reminders}`} aria-describedby={errors.reminders ? "event-reminders-hint event-reminders-error" : "event-reminders-hint"}>
      <legend>Reminders</legend>
      <span className="hint" id="event-reminders-hint">
        Guests who haven&rsquo;t answered get the Reminder template this many days before {anchor}. Only guests whose
        invitation was delivered, and whose link still works then (links last {lifetime} from their invitation), are
        reminded. Up to {REMINDER_LIMITS.maxRules}.
      </span>
      {days.map((value, i) => (
        <Field key={i} name={`reminders-${i}`} label={`Reminder ${i + 1}: days before ${anchor}`} error={errors[`reminders.${i}`]}>
          {(a11y) => (
            <div className={styles.reminderRow}>
              <input
                {...a11y}
                name={`reminders.${i}`}
                type="number"
                inputMode="numeric"
                min={REMINDER_LIMITS.daysMin}
                max={REMINDER_LIMITS.daysMax}
                step={1}
                value={value}
                onChange={(e) => props.onChange(i, e.target.value)}
              />
              <button className="button" type="button" onClick={() => props.onRemove(i)} aria-label={`Remove reminder ${i + 1}`}>
                Remove
              </button>
            </div>
          )}
        </Field>
      ))}
      {errors.reminders ? (
        <span className="field-error" id="event-reminders-error">
          {errors.reminders}
        </span>
      ) : null}
      <div className="row">
        <button className="button" type="button" name="reminders" data-add-reminder onClick={props.onAdd} disabled={full}>
          Add a reminder
        </button>
        {full ? <span className="hint">That is the most an event can have.</span> : null}
      </div>
    </fieldset>
  );
}

interface A11y {
  id: string;
  "aria-invalid": boolean;
  "aria-describedby"?: string;
}

function Field({ name, label, hint, error, children }: { name: string; label: string; hint?: string; error?: string; children: (a11y: A11y) => ReactNode }) {
  const id = `event-${name}`;
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": Boolean(error), ...(describedBy ? { "aria-describedby": describedBy } : {}) })}
      {hint ? (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      {error ? (
        <span className="field-error" id={`${id}-error`}>
          {error}
        </span>
      ) : null}
    </div>
  );
}
