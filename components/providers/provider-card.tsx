"use client";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { ConfirmButton } from "@/components/settings/confirm-button";
import { Switch } from "@/components/settings/switch";
import { PROVIDER_KIND_LABELS } from "@/lib/domain/providers/form";
import styles from "./providers.module.css";
import type { ProviderActions, ProviderCardData, ProviderStatus, TestSendView } from "./types";

const TONE: Record<ProviderStatus, "ok" | "warn" | "danger"> = {
  healthy: "ok",
  failing: "danger",
  disabled: "danger",
  circuit_open: "danger",
  half_open: "warn",
  quota_exhausted: "warn",
  rate_limited: "warn",
};

const ERROR_CLASS_TEXT: Record<string, string> = {
  auth: "the provider refused the credentials",
  transient: "a temporary failure (timeout, server or network error)",
  rate_limited: "the provider asked Herald to slow down",
  quota_exhausted: "the provider's quota is used up",
  permanent_recipient: "the recipient address was refused",
  permanent: "the provider refused the email",
};

function describeTest(result: TestSendView): string {
  if (result.ok) return `Sent in ${result.latencyMs} ms. Check the inbox of the address above.`;
  const what = ERROR_CLASS_TEXT[result.errorClass] ?? "the send failed";
  return `Not sent (${result.errorClass}${result.status ? ` ${result.status}` : ""}): ${what}. The provider said: ${result.message}`;
}

interface Props {
  provider: ProviderCardData;
  actions: ProviderActions;
  /** Pre-filled recipient for test emails: the signed-in admin. */
  defaultTestTo: string;
}

export function ProviderCard({ provider: p, actions, defaultTestTo }: Props) {
  const [busy, setBusy] = useState<null | "enable" | "reenable" | "delete">(null);
  const [error, setError] = useState<string | null>(null);
  const [to, setTo] = useState(defaultTestTo);
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<{ ok: boolean; text: string } | null>(null);
  const base = `provider-${p.id}`;

  async function run(kind: "enable" | "reenable" | "delete", call: () => Promise<{ ok: boolean; message?: string }>) {
    setBusy(kind);
    setError(null);
    try {
      const result = await call();
      if (!result.ok) setError(result.message ?? "That did not work. Try again.");
    } catch {
      setError("Herald could not be reached. Check your connection and try again.");
    } finally {
      setBusy(null);
    }
  }

  async function onTest(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setTesting(true);
    setTestResult(null);
    try {
      const answer = await actions.sendTest(p.id, to);
      setTestResult(
        answer.ok
          ? { ok: answer.result.ok, text: describeTest(answer.result) }
          : { ok: false, text: answer.fieldErrors?.to ?? answer.message },
      );
    } catch {
      setTestResult({ ok: false, text: "Herald could not be reached. Check your connection and try again." });
    } finally {
      setTesting(false);
    }
  }

  const limit = p.quota.limit;
  const share = limit === null ? 0 : Math.min(1, p.quota.sent / limit);
  const meterTone = share >= 1 ? "danger" : share >= 0.8 ? "warn" : "";

  return (
    <article className="card stack" aria-labelledby={`${base}-name`} data-testid="provider-card">
      <div className={styles.head}>
        <div>
          <h2 id={`${base}-name`}>{p.name}</h2>
          <p className="muted" style={{ margin: 0 }}>
            {PROVIDER_KIND_LABELS[p.kind]} · priority {p.priority}
          </p>
        </div>
        <span className={`badge ${TONE[p.health.status]}`} data-testid="provider-health">
          {p.health.label}
        </span>
      </div>

      <Switch
        checked={p.enabled}
        label="Enabled"
        stateText={["On: in rotation", "Off: not used"]}
        busy={busy === "enable"}
        onChange={(next) => run("enable", () => actions.setEnabled(p.id, next))}
      />

      <dl className={styles.facts}>
        <dt>From</dt>
        <dd>{p.from}</dd>
        <dt>{p.kind === "smtp" ? "Server" : "API"}</dt>
        <dd>{p.endpoint}</dd>
        <dt>{p.kind === "smtp" ? "Password" : "API key"}</dt>
        <dd data-testid="provider-secret">{p.hasSecret ? "set" : "not set"}</dd>
      </dl>

      <div className={styles.quota}>
        <div className={styles.quotaText}>
          <span id={`${base}-quota`}>
            {limit === null ? `${p.quota.sent} sent today · no daily limit` : `${p.quota.sent} / ${limit} sent today`}
          </span>
          <span className="muted">Resets {p.quota.resetsAt}</span>
        </div>
        {limit !== null ? (
          <div
            className={`meter ${meterTone}`}
            role="meter"
            aria-labelledby={`${base}-quota`}
            aria-valuemin={0}
            aria-valuemax={limit}
            aria-valuenow={Math.min(p.quota.sent, limit)}
          >
            <span style={{ width: `${Math.round(share * 100)}%` }} />
          </div>
        ) : null}
      </div>

      {p.health.details.length > 0 ? (
        <ul className={styles.details}>
          {p.health.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      ) : null}

      {p.health.status === "disabled" ? (
        <div>
          <button
            type="button"
            className="button primary"
            disabled={busy !== null}
            onClick={() => run("reenable", () => actions.reenable(p.id))}
          >
            {busy === "reenable" ? "Re-enabling…" : "Re-enable"}
          </button>
        </div>
      ) : null}

      <form className={styles.testForm} onSubmit={onTest} aria-describedby={`${base}-test-hint`}>
        <label htmlFor={`${base}-test-to`} style={{ fontWeight: 600 }}>
          Send a test email to
        </label>
        <p id={`${base}-test-hint`} className="muted" style={{ margin: 0, fontSize: "0.875rem" }}>
          Sent at once through this provider only, even while sending is halted; it counts towards today&apos;s quota.
        </p>
        <div className={styles.testRow}>
          <input
            id={`${base}-test-to`}
            type="email"
            inputMode="email"
            autoComplete="email"
            required
            value={to}
            onChange={(e) => setTo(e.target.value)}
          />
          <button type="submit" className="button" disabled={testing}>
            {testing ? "Sending…" : "Send test email"}
          </button>
        </div>
        <p
          className={`${styles.result} ${testResult ? (testResult.ok ? "" : "error-text") : ""}`}
          role="status"
          aria-live="polite"
          data-testid="test-result"
        >
          {testResult?.text ?? ""}
        </p>
      </form>

      <div className={styles.actions}>
        <Link className="button" href={`/admin/providers/${p.id}`} aria-label={`Edit ${p.name}`}>
          Edit
        </Link>
        <ConfirmButton
          ariaLabel={`Delete ${p.name}`}
          disabled={busy !== null}
          title={`Delete ${p.name}?`}
          body={<p>Herald stops sending through this provider at once. Its settings and stored credentials are deleted; emails waiting in the queue go out through the other providers.</p>}
          confirmLabel="Delete provider"
          onConfirm={() => run("delete", () => actions.remove(p.id))}
        >
          {busy === "delete" ? "Deleting…" : "Delete"}
        </ConfirmButton>
      </div>

      {error ? (
        <p role="alert" className="error-text">
          {error}
        </p>
      ) : null}
    </article>
  );
}
