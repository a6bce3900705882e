"use client";
import { useEffect, useId, useMemo, useRef, type FormEvent } from "react";
import { describeColumns, type ColumnMapping, type RecipientTable } from "@/lib/domain/invitations/columns";
import { parseRecipientTable } from "@/lib/domain/invitations/recipients";
import styles from "./invitations.module.css";

/** A mapping being edited: the address column may not be chosen yet. */
export type ColumnDraft = Omit<ColumnMapping, "email"> & { email: number | null };

/** Where the columns on screen came from, said above them so the organiser knows how far to trust them. */
export type DraftSource = "remembered" | "guessed" | "none";

/** Rows shown as Herald will read them: enough to recognise the file, few enough for a phone. */
const SAMPLE = 4;

const SOURCE_TEXT: Record<DraftSource, string> = {
  remembered: "The columns you chose for this event's last upload. Check them, then continue.",
  guessed: "Herald's guess from the column names and contents. Check it, then continue.",
  none: "Herald could not tell which column holds the email addresses. Choose it below.",
};

interface Props {
  table: RecipientTable;
  draft: ColumnDraft;
  source: DraftSource;
  onChange: (draft: ColumnDraft) => void;
  onConfirm: (mapping: ColumnMapping) => void;
  onCancel: () => void;
}

/**
 * Which column is which, before the preview: three selects and the first rows as they will be read, so a wrong
 * column shows up as a wrong address or name right there. The guess needs one press to accept.
 */
export function ColumnStep({ table, draft, source, onChange, onConfirm, onCancel }: Props) {
  const ids = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const columns = useMemo(() => describeColumns(table, draft.headerRow), [table, draft.headerRow]);
  const email = draft.email;
  const sample = useMemo(() => {
    if (email === null) return [];
    const head = draft.headerRow ? 1 : 0;
    const parsed = parseRecipientTable({ records: table.records, filled: table.filled.slice(0, head + SAMPLE) }, { ...draft, email });
    return parsed.ok ? parsed.rows : [];
  }, [table, draft, email]);

  // The step replaces the file picker's neighbourhood: move keyboard and screen-reader users to it.
  useEffect(() => headingRef.current?.focus(), []);

  const option = (col: number) => {
    const c = columns[col];
    return c ? (c.example ? `${c.title} (${c.example})` : c.title) : `Column ${col + 1}`;
  };
  const select = (key: "email" | "name" | "lastName", value: string) =>
    onChange({ ...draft, [key]: value === "" ? null : Number(value) });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (email !== null) onConfirm({ ...draft, email });
  };

  return (
    <form className="stack" onSubmit={submit} data-testid="column-step" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`} className={styles.h3} ref={headingRef} tabIndex={-1}>
        Which column is which?
      </h3>
      <p className="muted">{SOURCE_TEXT[source]}</p>
      <label className="row" style={{ gap: "0.5rem" }}>
        <input
          type="checkbox"
          className={styles.check}
          checked={draft.headerRow}
          onChange={(e) => onChange({ ...draft, headerRow: e.target.checked })}
        />
        The first row holds column names
      </label>
      <div className="field">
        <label htmlFor={`${ids}-email`}>Email address</label>
        <select
          id={`${ids}-email`}
          value={email ?? ""}
          onChange={(e) => select("email", e.target.value)}
          aria-invalid={email === null}
          aria-describedby={email === null ? `${ids}-email-hint` : undefined}
        >
          {email === null ? <option value="">Choose a column</option> : null}
          {columns.map((_, col) => (
            <option key={col} value={col}>
              {option(col)}
            </option>
          ))}
        </select>
        {email === null ? (
          <span className="field-error" id={`${ids}-email-hint`}>
            Choose the column that holds the email addresses.
          </span>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor={`${ids}-name`}>Name, or first name</label>
        <select id={`${ids}-name`} value={draft.name ?? ""} onChange={(e) => select("name", e.target.value)}>
          <option value="">No name</option>
          {columns.map((_, col) => (
            <option key={col} value={col}>
              {option(col)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-last`}>Last name</label>
        <select
          id={`${ids}-last`}
          value={draft.lastName ?? ""}
          onChange={(e) => select("lastName", e.target.value)}
          aria-describedby={`${ids}-last-hint`}
        >
          <option value="">None</option>
          {columns.map((_, col) => (
            <option key={col} value={col}>
              {option(col)}
            </option>
          ))}
        </select>
        <span className="hint" id={`${ids}-last-hint`}>
          Added after the name with a space. Every other column with values becomes a template variable.
        </span>
      </div>
      {sample.length > 0 ? (
        <div className={`table-wrap ${styles.fit}`}>
          <table>
            <caption className={styles.caption}>The first rows, as Herald will read them</caption>
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
              </tr>
            </thead>
            <tbody>
              {sample.map((r) => (
                <tr key={r.row} data-testid="column-sample">
                  <td>{r.row}</td>
                  <td className={styles.email}>
                    {r.email || <span className="muted">(empty)</span>}
                    {r.status === "invalid" ? (
                      <>
                        {" "}
                        <span className="badge danger">{r.reason ?? "Not a valid email address"}</span>
                      </>
                    ) : null}
                  </td>
                  <td>{r.name ?? <span className="muted">(none)</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="row">
        <button className="button primary" type="submit" disabled={email === null}>
          Use these columns
        </button>
        <button className="button" type="button" onClick={onCancel}>
          Choose another file
        </button>
      </div>
    </form>
  );
}
