"use client";
import Link from "next/link";
import { useId, useRef, useState, type FormEvent } from "react";
import {
  describeColumns,
  detectHeaderRow,
  guessColumns,
  recallColumns,
  rememberColumns,
  type ColumnMapping,
  type RecipientTable,
  type RememberedColumns,
} from "@/lib/domain/invitations/columns";
import {
  decodeUtf8Strict,
  DEFAULT_RECIPIENT_LIMITS,
  parseRecipientList,
  parseRecipientTable,
  parseSingleRecipient,
  readRecipientTable,
  type RecipientCounts,
  type RecipientRow,
} from "@/lib/domain/invitations/recipients";
import { chunkInviteRows, toInviteRowInput, type InviteRowInput } from "@/lib/domain/invitations/upload";
import { ColumnStep, type ColumnDraft, type DraftSource } from "./column-step";
import type { CheckSuppressedAction, InviteAction, RememberColumnsAction, UploadRowOutcome } from "./types";
import styles from "./invitations.module.css";

type Mode = "single" | "list" | "csv";

/** Problem rows rendered at once: 10,000 table rows would freeze a phone; counts cover the rest. */
const SHOWN_PROBLEMS = 200;

interface Preview {
  rows: RecipientRow[];
  counts: RecipientCounts;
  warnings: string[];
  columns: string[];
  /** For a file: where the address and the name were read from, in words. */
  mappedFrom?: string;
  /** Ready rows whose address is on the suppression list (key → reason); null while the check runs. */
  suppressed: ReadonlyMap<string, string> | null;
  /** The check could not be made: the server still refuses suppressed addresses when sending. */
  suppressionUnchecked?: boolean;
}

/** A file read into cells, waiting for (or past) the column step. */
interface Upload {
  table: RecipientTable;
  draft: ColumnDraft;
  source: DraftSource;
}

interface ProblemRow {
  row: number;
  email: string;
  outcome: "duplicate" | "rejected" | "suppressed";
  reason: string;
}

interface Outcome {
  invited: number;
  reinvited: number;
  duplicates: number;
  rejected: number;
  problems: ProblemRow[];
  /** OK rows the server never judged, because sending stopped. */
  unsent: number;
}

interface Props {
  eventId: string;
  invite: InviteAction;
  /** The columns confirmed for this event's previous upload, offered first for the next file. */
  rememberedColumns: RememberedColumns | null;
  saveColumns: RememberColumnsAction;
  checkSuppressed: CheckSuppressedAction;
  /** Called after rows were invited, so the table below can refresh. */
  onInvited?: () => void;
}

const n = (v: number) => v.toLocaleString("en");
const plural = (v: number, one: string, many = `${one}s`) => `${n(v)} ${v === 1 ? one : many}`;

/** Addresses checked against the suppression list per call: a 10,000-row file is two calls. */
const SUPPRESSION_CHECK_CHUNK = 5_000;

/** Rows that will not be invited, as the preview lists them: the parser's verdicts and the suppression list's. */
function browserProblems(rows: RecipientRow[], suppressed: ReadonlyMap<string, string> | null = null): ProblemRow[] {
  const out: ProblemRow[] = [];
  for (const r of rows) {
    const reason = r.status === "ok" && r.emailKey ? suppressed?.get(r.emailKey) : undefined;
    if (reason) out.push({ row: r.row, email: r.email ?? "", outcome: "suppressed", reason });
    if (r.status === "ok") continue;
    out.push({
      row: r.row,
      email: r.email ?? "",
      outcome: r.status === "duplicate" ? "duplicate" : "rejected",
      reason: r.reason ?? (r.status === "duplicate" ? "Listed twice" : "Not a valid email address"),
    });
  }
  return out;
}

/** The remembered columns if this file has them, else the guess, else nothing chosen yet. */
function firstDraft(table: RecipientTable, remembered: RememberedColumns | null): Upload {
  const recalled = remembered ? recallColumns(table, remembered) : null;
  if (recalled) return { table, draft: recalled, source: "remembered" };
  const guessed = guessColumns(table);
  if (guessed) return { table, draft: guessed, source: "guessed" };
  return { table, draft: { headerRow: detectHeaderRow(table), email: null, name: null, lastName: null }, source: "none" };
}

/** "email from “E-mail Address” (I), name from “First Name” + “Last Name”": said next to the counts. */
function mappedFrom(table: RecipientTable, mapping: ColumnMapping): string {
  const titles = describeColumns(table, mapping.headerRow).map((c) => c.title);
  const title = (col: number) => `“${titles[col] ?? col + 1}”`;
  const name = [mapping.name, mapping.lastName].filter((c): c is number => c !== null && c !== mapping.email);
  return `Email from column ${title(mapping.email)}${name.length > 0 ? `, name from ${name.map(title).join(" + ")}` : ", no name"}.`;
}

export function InvitePanel({ eventId, invite, rememberedColumns, saveColumns, checkSuppressed, onInvited }: Props) {
  const ids = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [mode, setMode] = useState<Mode>("single");
  const [single, setSingle] = useState({ email: "", name: "" });
  const [singleError, setSingleError] = useState<string | null>(null);
  const [listText, setListText] = useState("");
  const [preview, setPreview] = useState<Preview | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [sending, setSending] = useState<{ done: number; total: number } | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [failure, setFailure] = useState<{ code: string; message: string } | null>(null);
  const [status, setStatus] = useState("");
  const [reading, setReading] = useState(false);
  const [pendingRows, setPendingRows] = useState<InviteRowInput[][]>([]);
  const [uploadTotal, setUploadTotal] = useState(0);
  const [upload, setUpload] = useState<Upload | null>(null);
  const [remembered, setRemembered] = useState(rememberedColumns);

  function reset(keepMode = true) {
    setPreview(null);
    setUpload(null);
    setUploadError(null);
    setOutcome(null);
    setFailure(null);
    setStatus("");
    setPendingRows([]);
    setSingleError(null);
    if (!keepMode) setMode("single");
  }

  /** Which keys are suppressed (key → reason), or null when the check could not be made. */
  async function suppressedAmong(keys: string[]): Promise<Map<string, string> | null> {
    const found = new Map<string, string>();
    for (let i = 0; i < keys.length; i += SUPPRESSION_CHECK_CHUNK) {
      const result = await checkSuppressed(keys.slice(i, i + SUPPRESSION_CHECK_CHUNK)).catch(() => null);
      if (!result?.ok) return null;
      for (const s of result.suppressed) found.set(s.emailKey, s.reason);
    }
    return found;
  }

  function showParse(result: ReturnType<typeof parseRecipientList>, from?: string) {
    if (!result.ok) {
      setPreview(null);
      setUploadError(result.error.message);
      setStatus("");
      return;
    }
    setUploadError(null);
    const base = { rows: result.rows, counts: result.counts, warnings: result.warnings, columns: result.columns, mappedFrom: from };
    setPreview({ ...base, suppressed: null });
    setStatus("Checking the addresses against the suppression list…");
    const keys = result.rows.flatMap((r) => (r.status === "ok" && r.emailKey ? [r.emailKey] : []));
    void suppressedAmong(keys).then((suppressed) => {
      // A newer list or file replaced this preview meanwhile: its own check will report.
      setPreview((current) => (current?.rows === base.rows ? { ...base, suppressed: suppressed ?? new Map(), suppressionUnchecked: suppressed === null } : current));
      const { duplicate, invalid } = result.counts;
      const blocked = suppressed?.size ?? 0;
      setStatus(
        `${plural(result.counts.ok - blocked, "guest")} ready to invite, ${n(duplicate)} duplicate, ${n(invalid)} invalid` +
          (blocked > 0 ? `, ${n(blocked)} suppressed.` : "."),
      );
    });
  }

  async function onFile(file: File | undefined) {
    reset();
    if (!file) return;
    if (file.size > DEFAULT_RECIPIENT_LIMITS.maxBytes) {
      setUploadError(
        `The file is ${(file.size / (1024 * 1024)).toFixed(1)} MB; the limit is ${DEFAULT_RECIPIENT_LIMITS.maxBytes / (1024 * 1024)} MB. Split it into smaller files.`,
      );
      return;
    }
    setReading(true);
    try {
      const decoded = decodeUtf8Strict(new Uint8Array(await file.arrayBuffer()));
      if (!decoded.ok) {
        setUploadError(decoded.error.message);
        return;
      }
      const read = readRecipientTable(decoded.text);
      if (!read.ok) {
        setUploadError(read.error.message);
        return;
      }
      const next = firstDraft(read.table, remembered);
      setUpload(next);
      setStatus(next.source === "none" ? "Choose the column that holds the email addresses." : "Check the columns, then continue.");
    } catch {
      setUploadError("The file could not be read. Try choosing it again.");
    } finally {
      setReading(false);
    }
  }

  function confirmColumns(mapping: ColumnMapping) {
    if (!upload) return;
    setUpload({ ...upload, draft: mapping });
    showParse(parseRecipientTable(upload.table, mapping), mappedFrom(upload.table, mapping));
    // Remembering is a convenience for the next file: if it fails, this upload goes on all the same.
    const columns = rememberColumns(upload.table, mapping);
    void saveColumns(eventId, columns)
      .then((saved) => {
        if (saved.ok) setRemembered(columns);
      })
      .catch(() => undefined);
  }

  /** Sends chunk after chunk, accumulating the server's verdicts; stops at the first refusal, keeping what went in. */
  async function send(chunks: InviteRowInput[][], start: Outcome, total: number): Promise<boolean> {
    let acc = { ...start, problems: [...start.problems], unsent: chunks.reduce((a, c) => a + c.length, 0) };
    let done = total - acc.unsent;
    setUploadTotal(total);
    setFailure(null);
    setSending({ done, total });
    setStatus(`Inviting… ${n(done)} of ${n(total)}`);
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      let result: Awaited<ReturnType<InviteAction>>;
      try {
        result = await invite(eventId, chunk);
      } catch {
        result = { ok: false, code: "network", message: "The connection to Herald was lost." };
      }
      if (!result.ok) {
        setFailure({ code: result.code, message: result.message });
        setPendingRows(chunks.slice(i));
        setOutcome(acc);
        setSending(null);
        setStatus(`Stopped after ${n(done)} of ${n(total)}.`);
        if (acc.invited + acc.reinvited > 0) onInvited?.();
        return false;
      }
      acc = {
        invited: acc.invited + result.invited,
        reinvited: acc.reinvited + result.reinvited,
        duplicates: acc.duplicates + result.duplicates,
        rejected: acc.rejected + result.rejected,
        problems: acc.problems.concat(result.rows.flatMap((r: UploadRowOutcome) => (r.outcome === "duplicate" || r.outcome === "rejected" ? [r] : []))),
        unsent: acc.unsent - chunk.length,
      };
      done += chunk.length;
      setSending({ done, total });
      setStatus(`Inviting… ${n(done)} of ${n(total)}`);
    }
    acc.problems.sort((a, b) => a.row - b.row);
    setOutcome(acc);
    setPendingRows([]);
    setSending(null);
    setStatus(summaryText(acc));
    if (acc.invited + acc.reinvited > 0) onInvited?.();
    return true;
  }

  function startUpload() {
    if (!preview?.suppressed) return;
    const blocked = preview.suppressed;
    const ok = preview.rows.filter((r) => r.status === "ok" && !(r.emailKey && blocked.has(r.emailKey))).map(toInviteRowInput);
    const problems = browserProblems(preview.rows, blocked);
    const start: Outcome = {
      invited: 0,
      reinvited: 0,
      duplicates: problems.filter((p) => p.outcome === "duplicate").length,
      rejected: problems.filter((p) => p.outcome !== "duplicate").length,
      problems,
      unsent: ok.length,
    };
    void send(chunkInviteRows(ok), start, ok.length);
  }

  function onSingle(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    reset();
    const row = parseSingleRecipient(single.email, single.name);
    if (row.status !== "ok") {
      setSingleError(row.reason ?? "Not a valid email address");
      return;
    }
    void (async () => {
      const suppressed = row.emailKey ? (await suppressedAmong([row.emailKey]))?.get(row.emailKey) : undefined;
      if (suppressed) {
        setSingleError(suppressed);
        return;
      }
      await send([[toInviteRowInput(row)]], { invited: 0, reinvited: 0, duplicates: 0, rejected: 0, problems: [], unsent: 1 }, 1).then((sent) => {
        if (sent) setSingle({ email: "", name: "" });
      });
    })();
  }

  const busy = sending !== null;
  const blockedCount = preview?.suppressed?.size ?? 0;
  const okCount = (preview?.counts.ok ?? 0) - blockedCount;
  const checking = preview !== null && preview.suppressed === null;
  return (
    <section className="stack card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Invite guests</h2>
      <fieldset className={styles.modes} disabled={busy}>
        <legend>How would you like to add guests?</legend>
        {(
          [
            ["single", "One address"],
            ["list", "Paste a list"],
            ["csv", "Upload a CSV file"],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className={styles.mode}>
            <input
              type="radio"
              name={`${ids}-mode`}
              value={value}
              checked={mode === value}
              onChange={() => {
                reset();
                setMode(value);
              }}
            />
            {label}
          </label>
        ))}
      </fieldset>

      {mode === "single" ? (
        <form className="stack" onSubmit={onSingle} noValidate>
          <div className="field">
            <label htmlFor={`${ids}-email`}>Email address</label>
            <input
              id={`${ids}-email`}
              type="email"
              autoComplete="off"
              value={single.email}
              onChange={(e) => setSingle({ ...single, email: e.target.value })}
              aria-invalid={Boolean(singleError)}
              aria-describedby={singleError ? `${ids}-email-error` : undefined}
            />
            {singleError ? (
              <span className="field-error" id={`${ids}-email-error`}>
                {singleError}
                {SUPPRESSED_TEXT.test(singleError) ? (
                  <>
                    {" "}
                    <Link href={`/admin/suppressions?q=${encodeURIComponent(single.email.trim())}`}>Open Suppressions</Link>
                  </>
                ) : null}
              </span>
            ) : null}
          </div>
          <div className="field">
            <label htmlFor={`${ids}-name`}>Name</label>
            <input id={`${ids}-name`} type="text" autoComplete="off" value={single.name} onChange={(e) => setSingle({ ...single, name: e.target.value })} />
            <span className="hint">Optional. Used to greet the guest.</span>
          </div>
          <div className="row">
            <button className="button primary" type="submit" disabled={busy}>
              {busy ? "Inviting…" : "Invite"}
            </button>
          </div>
        </form>
      ) : null}

      {mode === "list" ? (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            reset();
            showParse(parseRecipientList(listText));
          }}
        >
          <div className="field">
            <label htmlFor={`${ids}-list`}>Addresses</label>
            <textarea
              id={`${ids}-list`}
              value={listText}
              onChange={(e) => {
                setListText(e.target.value);
                if (preview) setPreview(null);
              }}
              aria-describedby={`${ids}-list-hint`}
              disabled={busy}
            />
            <span className="hint" id={`${ids}-list-hint`}>
              One per line, or separated by commas or semicolons. “Name &lt;email&gt;” works too.
            </span>
          </div>
          <div className="row">
            <button className="button" type="submit" disabled={busy || listText.trim() === ""}>
              Check the list
            </button>
          </div>
        </form>
      ) : null}

      {mode === "csv" ? (
        <div className="field">
          <label htmlFor={`${ids}-file`}>CSV file</label>
          <input
            ref={fileRef}
            id={`${ids}-file`}
            className={styles.file}
            type="file"
            accept=".csv,text/csv"
            aria-describedby={`${ids}-file-hint`}
            disabled={busy || reading}
            onChange={(e) => void onFile(e.target.files?.[0])}
          />
          <span className="hint" id={`${ids}-file-hint`}>
            A spreadsheet or an address book export (Outlook, Google Contacts, Mailchimp …), with or without a
            header row: you check which column is which next. UTF-8, up to 2 MB and 10,000 rows.
          </span>
          {reading ? <span className="hint">Reading the file…</span> : null}
        </div>
      ) : null}

      {mode === "csv" && upload && !preview && !outcome && !busy ? (
        <ColumnStep
          table={upload.table}
          draft={upload.draft}
          source={upload.source}
          onChange={(draft) => setUpload({ ...upload, draft })}
          onConfirm={confirmColumns}
          onCancel={() => {
            reset();
            if (fileRef.current) fileRef.current.value = "";
          }}
        />
      ) : null}

      {uploadError ? (
        <p className="banner danger" role="alert">
          {uploadError}
        </p>
      ) : null}

      {preview && !outcome && !busy ? (
        <div className="stack" data-testid="invite-preview">
          <h3 className={styles.h3}>Before sending</h3>
          <div className="stats">
            <Stat label="Ready to invite" value={preview.counts.ok} testId="preview-ok" />
            <Stat label="Duplicates" value={preview.counts.duplicate} testId="preview-duplicate" />
            <Stat label="Invalid" value={preview.counts.invalid} testId="preview-invalid" />
            {blockedCount > 0 ? <Stat label="Suppressed" value={blockedCount} testId="preview-suppressed" /> : null}
          </div>
          {preview.suppressionUnchecked ? (
            <p className="banner warn">
              The suppression list could not be checked just now. Herald still refuses suppressed addresses when you invite.
            </p>
          ) : null}
          {preview.mappedFrom ? <p className="muted">{preview.mappedFrom}</p> : null}
          {preview.columns.length > 0 ? (
            <p className="muted">
              Template variables from the file: {preview.columns.map((c) => `invitee.fields.${c}`).join(", ")}
            </p>
          ) : null}
          {preview.warnings.map((w) => (
            <p key={w} className="banner warn">
              {w}
            </p>
          ))}
          <ProblemTable problems={browserProblems(preview.rows, preview.suppressed)} caption="Rows that will not be invited" />
          <div className="row">
            <button className="button primary" type="button" disabled={okCount === 0 || checking} onClick={startUpload}>
              {checking ? "Checking…" : okCount === 0 ? "Nobody to invite" : `Invite ${plural(okCount, "guest")}`}
            </button>
            {upload ? (
              <button
                className="button"
                type="button"
                onClick={() => {
                  setPreview(null);
                  setStatus("Check the columns, then continue.");
                }}
              >
                Change columns
              </button>
            ) : null}
            <button
              className="button"
              type="button"
              onClick={() => {
                reset();
                if (fileRef.current) fileRef.current.value = "";
              }}
            >
              Start over
            </button>
          </div>
        </div>
      ) : null}

      {sending ? (
        <div className="stack" style={{ gap: "0.35rem" }}>
          <label htmlFor={`${ids}-progress`}>Invitations sent to the queue</label>
          <progress id={`${ids}-progress`} className={styles.progress} value={sending.done} max={Math.max(1, sending.total)} />
        </div>
      ) : null}

      <p role="status" aria-live="polite" className="muted" data-testid="invite-status">
        {status}
      </p>

      {failure ? (
        failure.code === "unavailable" ? (
          <div className="banner danger" role="alert" data-testid="no-provider">
            <strong>No email provider is set up.</strong> {failure.message}{" "}
            <Link href="/admin/providers">Add one under Providers</Link>
          </div>
        ) : (
          <p className="banner danger" role="alert">
            {failure.message}
          </p>
        )
      ) : null}
      {failure && pendingRows.length > 0 && outcome ? (
        <div className="row">
          <button className="button" type="button" onClick={() => void send(pendingRows, outcome, uploadTotal)}>
            Try the remaining {plural(outcome.unsent, "guest")} again
          </button>
        </div>
      ) : null}

      {outcome && !busy ? (
        <div className="stack" data-testid="invite-outcome">
          <h3 className={styles.h3}>Result</h3>
          <div className="stats">
            <Stat label="Invited" value={outcome.invited} testId="outcome-invited" />
            <Stat label="Invited again" value={outcome.reinvited} testId="outcome-reinvited" />
            <Stat label="Duplicates" value={outcome.duplicates} testId="outcome-duplicates" />
            <Stat label="Rejected" value={outcome.rejected} testId="outcome-rejected" />
          </div>
          <ProblemTable problems={outcome.problems} caption="Rows not invited" />
          {!failure ? (
            <div className="row">
              <button
                className="button"
                type="button"
                onClick={() => {
                  reset();
                  setListText("");
                  if (fileRef.current) fileRef.current.value = "";
                }}
              >
                Invite more guests
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

const PROBLEM_LABELS: Record<ProblemRow["outcome"], string> = { duplicate: "Duplicate", rejected: "Rejected", suppressed: "Suppressed" };

/** The server's refusal of a suppressed address reads like this (lib/domain/suppression.ts): offer the way out. */
const SUPPRESSED_TEXT = /is on the suppression list/;

function summaryText(o: Outcome): string {
  const parts = [`${plural(o.invited, "guest")} invited`];
  if (o.reinvited > 0) parts.push(`${n(o.reinvited)} invited again`);
  if (o.duplicates > 0) parts.push(`${plural(o.duplicates, "duplicate")} skipped`);
  if (o.rejected > 0) parts.push(`${n(o.rejected)} rejected`);
  return `Done: ${parts.join(", ")}.`;
}

function Stat({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <div className="label">{label}</div>
      <div className="value">{n(value)}</div>
    </div>
  );
}

function ProblemTable({ problems, caption }: { problems: ProblemRow[]; caption: string }) {
  if (problems.length === 0) return null;
  const shown = problems.slice(0, SHOWN_PROBLEMS);
  return (
    <div className="stack" style={{ gap: "0.5rem" }}>
      <div className={`table-wrap ${styles.fit}`}>
        <table>
          <caption className={styles.caption}>
            {caption} ({n(problems.length)})
          </caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Email</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={`${p.row}-${p.outcome}`} data-testid="problem-row">
                <td>{p.row}</td>
                <td className={styles.email}>{p.email || <span className="muted">(empty)</span>}</td>
                <td>
                  <span className={`badge ${p.outcome === "duplicate" ? "warn" : "danger"}`}>{PROBLEM_LABELS[p.outcome]}</span> {p.reason}
                  {p.outcome === "suppressed" || SUPPRESSED_TEXT.test(p.reason) ? (
                    <>
                      {" "}
                      <Link href={`/admin/suppressions?q=${encodeURIComponent(p.email)}`}>Review</Link>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {problems.length > shown.length ? (
        <p className="muted">
          Showing the first {n(shown.length)}; {n(problems.length - shown.length)} more not shown.
        </p>
      ) : null}
    </div>
  );
}
