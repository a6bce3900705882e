"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import {
  keepsStoredSecret,
  PROVIDER_KIND_LABELS,
  PROVIDER_KINDS,
  providerFieldErrors,
  providerFormSchema,
  secretMovedAway,
  type StoredSecret,
  type ProviderFieldName,
  type ProviderFormFields,
  type ProviderKind,
} from "@/lib/domain/providers/form";
import styles from "./providers.module.css";
import type { SaveProviderAction } from "./types";

type Errors = Partial<Record<ProviderFieldName, string>>;
type TextFieldName = Exclude<ProviderFieldName, "kind" | "enabled" | "secure" | "allowPlaintext" | "allowSelfSigned">;

interface Props {
  /** null: a new provider. */
  providerId: string | null;
  initial: ProviderFormFields;
  /** Editing: the stored password or API key's kind and endpoint; a blank secret box keeps it only for both. */
  storedSecret: StoredSecret | null;
  /** Editing: the kind of provider a stored webhook key belongs to (null when none is stored). */
  storedWebhookKey: ProviderKind | null;
  /** Herald's public address, where the providers post their webhooks. */
  baseUrl: string;
  timeZones: readonly string[];
  save: SaveProviderAction;
}

const LABELS: Record<ProviderFieldName, string> = {
  name: "Name",
  kind: "Kind",
  enabled: "Enabled",
  priority: "Priority",
  fromEmail: "Sender address",
  fromName: "Sender name",
  dailyQuota: "Daily quota",
  resetTime: "Quota resets at",
  timezone: "Time zone of the reset",
  ratePerSecond: "Sends per second",
  ratePerMinute: "Sends per minute",
  host: "SMTP host",
  port: "Port",
  secure: "Implicit TLS",
  allowPlaintext: "Allow unencrypted connections",
  allowSelfSigned: "Accept self-signed certificates",
  user: "User name",
  pass: "Password",
  apiKey: "API key",
  baseUrl: "API address",
  webhookKey: "Webhook key",
};

/** The fields each kind shows, in the order the error summary lists them. */
const ORDER: ProviderFieldName[] = [
  "name", "kind", "priority", "fromEmail", "fromName", "host", "port", "secure", "allowPlaintext", "allowSelfSigned",
  "user", "pass", "apiKey", "baseUrl", "webhookKey", "dailyQuota", "resetTime", "timezone", "ratePerSecond", "ratePerMinute",
];

export function ProviderForm({ providerId, initial, storedSecret, storedWebhookKey, baseUrl, timeZones, save }: Props) {
  const router = useRouter();
  const id = useId();
  const [fields, setFields] = useState<ProviderFormFields>(initial);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const summary = useRef<HTMLDivElement>(null);
  const editing = providerId !== null;
  const keepsSecret = keepsStoredSecret(storedSecret, fields.kind, { ...fields });
  const secretMoved = secretMovedAway(storedSecret, fields.kind, { ...fields });
  const schema = providerFormSchema({ storedSecret });

  const fieldId = (name: ProviderFieldName) => `${id}-${name}`;

  function set<K extends ProviderFieldName>(name: K, value: ProviderFormFields[K]) {
    setFields((f) => ({ ...f, [name]: value }));
    // A fixed field stops shouting at once; the rest wait for the next submit.
    if (errors[name]) setErrors((e) => ({ ...e, [name]: undefined }));
  }

  function showErrors(next: Errors, message: string | null) {
    setErrors(next);
    setFormError(message);
    const first = ORDER.find((name) => next[name]);
    // Move focus where the user can act: the first invalid field, or the summary when no field is to blame.
    requestAnimationFrame(() => {
      if (first) document.getElementById(fieldId(first))?.focus();
      else summary.current?.focus();
    });
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const checked = schema.safeParse(fields);
    if (!checked.success) {
      showErrors(providerFieldErrors(checked.error), null);
      return;
    }
    setSaving(true);
    try {
      const result = await save(providerId, fields);
      if (result.ok) {
        router.push("/admin/providers");
        return;
      }
      showErrors((result.fieldErrors ?? {}) as Errors, result.message);
    } catch {
      showErrors({}, "Herald could not be reached. Check your connection and try again.");
    }
    setSaving(false);
  }

  const errorList = ORDER.filter((name) => errors[name]);

  function text(name: TextFieldName, props: InputProps = {}) {
    return (
      <Field id={fieldId(name)} label={props.label ?? LABELS[name]} hint={props.hint} error={errors[name]}>
        {(describedBy) => (
          <input
            id={fieldId(name)}
            name={name}
            type={props.type ?? "text"}
            inputMode={props.inputMode}
            autoComplete={props.autoComplete ?? "off"}
            spellCheck={false}
            list={props.list}
            placeholder={props.placeholder}
            value={fields[name]}
            aria-invalid={errors[name] ? true : undefined}
            aria-describedby={describedBy}
            onChange={(e) => set(name, e.target.value)}
          />
        )}
      </Field>
    );
  }

  function check(name: "enabled" | "secure" | "allowPlaintext" | "allowSelfSigned", hint: string) {
    const hintId = `${fieldId(name)}-hint`;
    const errorId = `${fieldId(name)}-error`;
    return (
      <div className="stack" style={{ gap: "0.2rem" }}>
        <div className={styles.check}>
          <input
            id={fieldId(name)}
            name={name}
            type="checkbox"
            checked={fields[name]}
            aria-invalid={errors[name] ? true : undefined}
            aria-describedby={[hintId, errors[name] ? errorId : null].filter(Boolean).join(" ")}
            onChange={(e) => set(name, e.target.checked)}
          />
          <div>
            <label htmlFor={fieldId(name)}>{LABELS[name]}</label>
            <p id={hintId} className="muted" style={{ margin: 0, fontSize: "0.875rem" }}>
              {hint}
            </p>
          </div>
        </div>
        {errors[name] ? (
          <p id={errorId} className="error-text" style={{ fontSize: "0.875rem" }}>
            {errors[name]}
          </p>
        ) : null}
      </div>
    );
  }

  const secretHint = (what: string, endpoint: string) =>
    keepsSecret
      ? `A ${what} is stored. Leave blank to keep it; type a new one to replace it.`
      : secretMoved
        ? `The ${endpoint} changed: the stored ${what} is only sent where it was saved for, so enter it again.`
        : editing && storedSecret
          ? `The stored secret belongs to the previous kind: enter the ${what}.`
          : undefined;

  return (
    <form className={`stack ${styles.form}`} onSubmit={onSubmit} noValidate>
      {errorList.length > 0 || formError ? (
        <div ref={summary} tabIndex={-1} className={`banner danger ${styles.summary}`} role="alert" data-testid="form-errors">
          <strong>{formError ?? "Check these fields:"}</strong>
          {errorList.length > 0 ? (
            <ul>
              {errorList.map((name) => (
                <li key={name}>
                  <a href={`#${fieldId(name)}`}>
                    {LABELS[name]}: {errors[name]}
                  </a>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}

      <fieldset>
        <legend>Provider</legend>
        {text("name", { hint: "Shown in lists and audit entries, e.g. “Gmail relay” or “Resend main”." })}
        <Field id={fieldId("kind")} label={LABELS.kind} error={errors.kind}>
          {(describedBy) => (
            <select
              id={fieldId("kind")}
              name="kind"
              value={fields.kind}
              aria-describedby={describedBy}
              onChange={(e) => set("kind", e.target.value as ProviderKind)}
            >
              {PROVIDER_KINDS.map((k) => (
                <option key={k} value={k}>
                  {PROVIDER_KIND_LABELS[k]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {text("priority", { inputMode: "numeric", hint: "Lower numbers are tried first; equal ones share the load." })}
        {check("enabled", "Off keeps the settings but takes the provider out of rotation.")}
      </fieldset>

      <fieldset>
        <legend>Sender</legend>
        {text("fromEmail", { type: "email", inputMode: "email", hint: "Must be an address the provider lets you send from." })}
        {text("fromName", { hint: "Optional; “Herald” when empty." })}
      </fieldset>

      <fieldset>
        <legend>Connection</legend>
        {fields.kind === "smtp" ? (
          <>
            <div className={styles.grid2}>
              {text("host", { placeholder: "smtp.example.com" })}
              {text("port", { inputMode: "numeric", hint: "587 for STARTTLS, 465 for implicit TLS." })}
            </div>
            {check("secure", "TLS from the first byte; always on for port 465. Otherwise Herald insists on STARTTLS.")}
            {check(
              "allowPlaintext",
              "Only for a relay on a trusted network that cannot do TLS: the password and every email cross the network readable. Relays on this machine (127.0.0.1, localhost) never need it.",
            )}
            {check("allowSelfSigned", "Only for local relays and test servers: the certificate is not verified.")}
            {text("user", { autoComplete: "off", hint: "Leave empty if the server needs no login." })}
            {text("pass", { type: "password", autoComplete: "new-password", hint: secretHint("password", "server, user or encryption") })}
          </>
        ) : (
          <>
            {text("apiKey", { type: "password", autoComplete: "new-password", hint: secretHint("API key", "API address") })}
            {text("baseUrl", {
              type: "url",
              inputMode: "url",
              hint: `Optional: only for a regional or test endpoint. Empty uses ${fields.kind === "sendgrid" ? "https://api.sendgrid.com" : "https://api.resend.com"}.`,
            })}
          </>
        )}
      </fieldset>

      {fields.kind !== "smtp" ? (
        <fieldset>
          <legend>Delivery reports</legend>
          <p className="muted" style={{ margin: 0 }}>
            {fields.kind === "sendgrid"
              ? "In SendGrid, under Settings → Mail Settings → Event Webhook, post the Delivered, Deferred, Bounced, Dropped and Spam Report events to "
              : "In Resend, under Webhooks, add an endpoint for the email.delivered, email.delivery_delayed, email.bounced, email.complained and email.failed events at "}
            <code style={{ overflowWrap: "anywhere" }}>{`${baseUrl.replace(/\/$/, "")}/api/webhooks/${fields.kind}`}</code>
            {fields.kind === "sendgrid" ? ", turn on the Signed Event Webhook and paste its verification key here." : ", then paste its signing secret here."}{" "}
            Herald then marks bounces and complaints and stops mailing those addresses.
          </p>
          {text("webhookKey", {
            label: fields.kind === "sendgrid" ? "Webhook verification key" : "Webhook signing secret",
            type: "password",
            autoComplete: "off",
            hint:
              storedWebhookKey === fields.kind
                ? "A key is stored. Leave blank to keep it; paste a new one to replace it."
                : "Optional. Without it, webhooks from this provider are refused.",
          })}
        </fieldset>
      ) : null}

      <fieldset>
        <legend>Limits</legend>
        {text("dailyQuota", { inputMode: "numeric", hint: "Emails per day on the plan you use. Empty for no limit." })}
        <div className={styles.grid2}>
          {text("resetTime", { type: "time", hint: "When the provider's day starts again (24-hour clock)." })}
          {text("timezone", { list: `${id}-zones`, hint: "IANA name, e.g. UTC or America/Los_Angeles." })}
        </div>
        <datalist id={`${id}-zones`}>
          {timeZones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <div className={styles.grid2}>
          {text("ratePerSecond", { inputMode: "decimal", hint: "Optional." })}
          {text("ratePerMinute", { inputMode: "decimal", hint: "Optional." })}
        </div>
      </fieldset>

      <div className="row">
        <button type="submit" className="button primary" disabled={saving}>
          {saving ? "Saving…" : editing ? "Save changes" : "Add provider"}
        </button>
        <Link href="/admin/providers" className="button">
          Cancel
        </Link>
      </div>
    </form>
  );
}

interface InputProps {
  label?: string;
  hint?: string;
  type?: "text" | "email" | "password" | "url" | "time";
  inputMode?: "text" | "email" | "numeric" | "decimal" | "url";
  autoComplete?: string;
  list?: string;
  placeholder?: string;
}

function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: (describedBy: string | undefined) => ReactNode;
}) {
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(describedBy)}
      {hint ? (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}
