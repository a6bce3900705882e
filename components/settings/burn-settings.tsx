"use client";
import { useState, type FormEvent } from "react";
import type { ActionResult } from "@/components/events/types";
import { SPARK_DAILY_BUDGET, type AutoHalt, type BurnCounts } from "@/lib/domain/monitor/burn";
import { autoHaltFormSchema, budgetFormSchema, fieldErrorsOf } from "@/lib/domain/monitor/settings-form";
import styles from "./settings.module.css";

export type SaveFormAction = (values: Record<string, string>) => Promise<ActionResult>;

function useSubmit(schema: { safeParse(v: unknown): { success: true } | { success: false; error: Parameters<typeof fieldErrorsOf>[0] } }, save: SaveFormAction) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const values = Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, String(v)]));
    const checked = schema.safeParse(values);
    if (!checked.success) {
      const found = fieldErrorsOf(checked.error);
      setErrors(found);
      setMessage(null);
      form.querySelector<HTMLElement>(`[name="${Object.keys(found)[0]}"]`)?.focus();
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const result = await save(values);
      if (result.ok) setMessage({ ok: true, text: "Saved." });
      else {
        setErrors(result.fieldErrors ?? {});
        setMessage({ ok: false, text: result.message });
      }
    } catch {
      setMessage({ ok: false, text: "Herald could not be reached. Check your connection and try again." });
    } finally {
      setBusy(false);
    }
  }
  return { busy, errors, message, onSubmit };
}

function Saved({ message }: { message: { ok: boolean; text: string } | null }) {
  if (!message) return null;
  return (
    <p role={message.ok ? "status" : "alert"} className={message.ok ? "muted" : "error-text"} style={{ margin: 0 }}>
      {message.text}
    </p>
  );
}

const KINDS = ["reads", "writes", "deletes"] as const;

/** The day's Firestore budget: the free tier, or what a paid plan's operator decides to spend a day. */
export function BudgetForm({ budget, save }: { budget: BurnCounts | null; save: SaveFormAction }) {
  const [plan, setPlan] = useState<"free" | "paid">(budget ? "paid" : "free");
  const { busy, errors, message, onSubmit } = useSubmit(budgetFormSchema, save);
  const current = budget ?? SPARK_DAILY_BUDGET;
  return (
    <form className={`card ${styles.panel}`} onSubmit={onSubmit} aria-labelledby="budget-title" noValidate>
      <h2 id="budget-title">Firestore budget</h2>
      <p style={{ margin: 0 }}>
        The burn monitor warns at 70 %, 90 % and 100 % of this budget, and the automatic halt below is measured against it.
      </p>
      <fieldset className="stack" style={{ border: 0, padding: 0, margin: 0, gap: "0.25rem" }}>
        <legend className="visually-hidden">Plan</legend>
        <label className="row" style={{ gap: "0.5rem" }}>
          <input type="radio" name="plan" value="free" checked={plan === "free"} onChange={() => setPlan("free")} style={{ minHeight: 0 }} />
          Free tier: 50,000 reads, 20,000 writes, 20,000 deletes a day
        </label>
        <label className="row" style={{ gap: "0.5rem" }}>
          <input type="radio" name="plan" value="paid" checked={plan === "paid"} onChange={() => setPlan("paid")} style={{ minHeight: 0 }} />
          Paid plan: my own daily budget
        </label>
      </fieldset>
      {plan === "paid" ? (
        <div className="stats">
          {KINDS.map((k) => (
            <div className="field" key={k}>
              <label htmlFor={`budget-${k}`}>{k[0]!.toUpperCase() + k.slice(1)} a day</label>
              <input
                id={`budget-${k}`}
                name={k}
                inputMode="numeric"
                defaultValue={String(current[k])}
                aria-invalid={errors[k] ? true : undefined}
                aria-describedby={errors[k] ? `budget-${k}-error` : undefined}
              />
              {errors[k] ? (
                <span className="field-error" id={`budget-${k}-error`}>
                  {errors[k]}
                </span>
              ) : null}
            </div>
          ))}
        </div>
      ) : null}
      <div className="row">
        <button className="button primary" type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save budget"}
        </button>
        <Saved message={message} />
      </div>
    </form>
  );
}

const LEVELS = [
  { value: "off", label: "Off" },
  { value: "70", label: "70 %" },
  { value: "90", label: "90 %" },
  { value: "100", label: "100 %" },
];

/** When the burn guard halts sending by itself. */
export function AutoHaltForm({ rules, save }: { rules: AutoHalt; save: SaveFormAction }) {
  const { busy, errors, message, onSubmit } = useSubmit(autoHaltFormSchema, save);
  const select = (name: "burnAt" | "forecastAt", label: string, hint: string) => (
    <div className="field">
      <label htmlFor={`auto-${name}`}>{label}</label>
      <select id={`auto-${name}`} name={name} defaultValue={rules[name] === null ? "off" : String(rules[name])} aria-describedby={`auto-${name}-hint`} aria-invalid={errors[name] ? true : undefined}>
        {LEVELS.map((l) => (
          <option key={l.value} value={l.value}>
            {l.label}
          </option>
        ))}
      </select>
      <span className="hint" id={`auto-${name}-hint`}>
        {hint}
      </span>
      {errors[name] ? <span className="field-error">{errors[name]}</span> : null}
    </div>
  );
  return (
    <form className={`card ${styles.panel}`} onSubmit={onSubmit} aria-labelledby="auto-title">
      <h2 id="auto-title">Automatic halt</h2>
      <p style={{ margin: 0 }}>
        Herald halts sending by itself, within a second or so of a drain crossing the level, and says why in the banner. Resuming then lets sending
        continue until the next level that day.
      </p>
      <div className="stats" style={{ gridTemplateColumns: "repeat(auto-fill, minmax(min(100%, 16rem), 1fr))" }}>
        {select("burnAt", "When today's burn reaches", "Of any of reads, writes or deletes.")}
        {select("forecastAt", "When the day's forecast reaches", "Where the day ends at the current rate: stricter, since a burst counts at once.")}
      </div>
      <div className="row">
        <button className="button primary" type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save automatic halt"}
        </button>
        <Saved message={message} />
      </div>
    </form>
  );
}
