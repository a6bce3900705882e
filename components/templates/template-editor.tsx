"use client";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import styles from "./templates.module.css";
import type {
  PreviewTemplateAction,
  RenderedPreview,
  SaveTemplateAction,
  TemplateCheckView,
  TemplateDraft,
  TemplatePartName,
  TemplateProblemView,
  VariableInfo,
} from "./types";

interface Props {
  templateId: string;
  initial: TemplateDraft;
  /** The server's check of `initial`, so the first paint already shows the preview. */
  initialCheck: TemplateCheckView;
  variables: VariableInfo[];
  /** An example of a CSV column, e.g. "company". */
  sampleColumn: string;
  sampleGuest: string;
  preview: PreviewTemplateAction;
  save: SaveTemplateAction;
}

const PREVIEW_DELAY_MS = 400;

const PART_LABELS: Record<TemplatePartName, string> = { subject: "Subject", html: "HTML", text: "Plain text" };

function describeProblem(p: TemplateProblemView): string {
  const where = p.line !== undefined ? ` (line ${p.line}${p.column !== undefined ? `, column ${p.column}` : ""})` : "";
  return `${p.part}${where}: ${p.message}`;
}

type SaveState = { kind: "idle" } | { kind: "saving" } | { kind: "saved" } | { kind: "failed"; message: string };

export function TemplateEditor({ templateId, initial, initialCheck, variables, sampleColumn, sampleGuest, preview, save }: Props) {
  const id = useId();
  const [draft, setDraft] = useState<TemplateDraft>(initial);
  const [saved, setSaved] = useState<TemplateDraft>(initial);
  const [check, setCheck] = useState<TemplateCheckView>(initialCheck);
  const [lastGood, setLastGood] = useState<RenderedPreview | null>(initialCheck.ok ? initialCheck.preview : null);
  const [checking, setChecking] = useState(false);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [saveState, setSaveState] = useState<SaveState>({ kind: "idle" });
  const [saveErrors, setSaveErrors] = useState<Record<string, string>>({});
  const [target, setTarget] = useState<TemplatePartName>("html");
  const fields = useRef<Partial<Record<TemplatePartName, HTMLInputElement | HTMLTextAreaElement | null>>>({});
  const sequence = useRef(0);

  const { subject, html, text } = draft;
  /** The parts the shown check is for; a draft typed back to them needs no new check. */
  const checkedParts = useRef(JSON.stringify([initial.subject, initial.html, initial.text]));
  useEffect(() => {
    const parts = JSON.stringify([subject, html, text]);
    // Only the newest answer counts: an older, slower one must not overwrite it.
    const mine = ++sequence.current;
    if (parts === checkedParts.current) {
      setChecking(false);
      return;
    }
    setChecking(true);
    const timer = setTimeout(async () => {
      try {
        const answer = await preview({ name: "", subject, html, text });
        if (mine !== sequence.current) return;
        if (answer.ok) {
          checkedParts.current = parts;
          setCheck(answer.check);
          setPreviewError(null);
          if (answer.check.ok) setLastGood(answer.check.preview);
        } else {
          setPreviewError(answer.message);
        }
      } catch {
        if (mine === sequence.current) setPreviewError("The preview is unavailable: Herald could not be reached.");
      } finally {
        if (mine === sequence.current) setChecking(false);
      }
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [subject, html, text, preview]);

  function change(part: keyof TemplateDraft, value: string) {
    setDraft((d) => ({ ...d, [part]: value }));
    if (saveState.kind !== "saving") setSaveState({ kind: "idle" });
    if (saveErrors[part]) setSaveErrors((e) => ({ ...e, [part]: "" }));
  }

  function insert(variable: string) {
    const token = `{{${variable}}}`;
    const el = fields.current[target];
    const value = draft[target];
    const start = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? value.length;
    change(target, value.slice(0, start) + token + value.slice(end));
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + token.length, start + token.length);
    });
  }

  async function onSave(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaveState({ kind: "saving" });
    const sent = draft;
    try {
      const result = await save(templateId, sent);
      if (result.ok) {
        setSaved(sent);
        setSaveErrors({});
        setSaveState({ kind: "saved" });
      } else {
        setSaveErrors(result.fieldErrors ?? {});
        setSaveState({ kind: "failed", message: result.code === "invalid_input" ? "Not saved: fix the problems marked below." : result.message });
      }
    } catch {
      setSaveState({ kind: "failed", message: "Not saved: Herald could not be reached. Try again." });
    }
  }

  const problems = check.ok ? [] : check.errors;
  const problemsFor = (part: TemplatePartName) => problems.filter((p) => p.part === part);
  const dirty = draft.name !== saved.name || draft.subject !== saved.subject || draft.html !== saved.html || draft.text !== saved.text;
  const shown = check.ok ? check.preview : lastGood;

  function partField(part: TemplatePartName, hint: string) {
    const fieldId = `${id}-${part}`;
    const own = problemsFor(part);
    const saveError = saveErrors[part];
    const describedBy = [`${fieldId}-hint`, own.length > 0 || saveError ? `${fieldId}-problems` : null].filter(Boolean).join(" ");
    const common = {
      id: fieldId,
      name: part,
      value: draft[part],
      spellCheck: part === "subject",
      "aria-invalid": own.length > 0 || Boolean(saveError) ? true : undefined,
      "aria-describedby": describedBy,
      onFocus: () => setTarget(part),
    } as const;
    return (
      <div className="field">
        <label htmlFor={fieldId}>{PART_LABELS[part]}</label>
        {part === "subject" ? (
          <input {...common} ref={(el) => void (fields.current.subject = el)} onChange={(e) => change(part, e.target.value)} />
        ) : (
          <textarea
            {...common}
            ref={(el) => void (fields.current[part] = el)}
            className={`${styles.code} ${part === "text" ? styles.codeSmall : ""}`}
            onChange={(e) => change(part, e.target.value)}
          />
        )}
        <span id={`${fieldId}-hint`} className="hint">
          {hint}
        </span>
        {own.length > 0 || saveError ? (
          <ul id={`${fieldId}-problems`} className={styles.problems}>
            {own.length > 0 ? own.map((p, i) => <li key={i}>{describeProblem(p)}</li>) : <li>{saveError}</li>}
          </ul>
        ) : null}
      </div>
    );
  }

  return (
    <div className={styles.layout}>
      <form className={`card ${styles.editor}`} onSubmit={onSave} aria-label="Template">
        <div className="field">
          <label htmlFor={`${id}-name`}>Template name</label>
          <input id={`${id}-name`} value={draft.name} maxLength={100} onChange={(e) => change("name", e.target.value)} />
        </div>
        {partField("subject", "One line; values are inserted as they are.")}
        {partField("html", "The email body. Values are HTML-escaped, so a guest's name cannot inject markup.")}
        {partField("text", "Optional. Derived from the HTML when empty; write it yourself for a friendlier plain-text version.")}

        <div className="row">
          <button type="submit" className="button primary" disabled={saveState.kind === "saving"}>
            {saveState.kind === "saving" ? "Saving…" : "Save template"}
          </button>
          <span role="status" aria-live="polite" data-testid="save-status" className={saveState.kind === "failed" ? "error-text" : "muted"}>
            {saveState.kind === "saved" && !dirty
              ? "Saved."
              : saveState.kind === "failed"
                ? saveState.message
                : dirty
                  ? "Unsaved changes"
                  : ""}
          </span>
        </div>

      </form>

      <section className={`card ${styles.previewPane}`} aria-labelledby={`${id}-preview`} aria-busy={checking}>
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h2 id={`${id}-preview`}>Preview</h2>
          <span className="muted" style={{ fontSize: "0.875rem" }}>
            {checking ? "Updating…" : `Sample guest: ${sampleGuest}`}
          </span>
        </div>
        <div role="status" aria-live="polite" data-testid="template-problems">
          {problems.length > 0 ? (
            <div className="banner danger stack" style={{ gap: "0.35rem" }}>
              <strong>
                {problems.length === 1 ? "1 problem" : `${problems.length} problems`}: this template cannot be sent as it is.
              </strong>
              <ul className={styles.problems} style={{ color: "inherit" }}>
                {problems.map((p, i) => (
                  <li key={i}>{describeProblem(p)}</li>
                ))}
              </ul>
            </div>
          ) : null}
          {previewError ? <p className="error-text">{previewError}</p> : null}
        </div>
        {shown ? (
          <div className={`stack ${check.ok ? "" : styles.stale}`} style={{ gap: "0.75rem" }} data-testid="template-preview">
            {!check.ok ? <p className="muted" style={{ margin: 0 }}>Showing the last version that rendered.</p> : null}
            <div>
              <div className="muted" style={{ fontSize: "0.85rem" }}>Subject</div>
              <p className={styles.subjectLine} data-testid="preview-subject">
                {shown.subject}
              </p>
            </div>
            {/* sandbox="" : no scripts, no same-origin access, no navigation; the email's HTML is only displayed. */}
            <iframe className={styles.frame} sandbox="" srcDoc={shown.html} title="HTML part of the email, rendered for the sample guest" />
            <div>
              <div className="muted" style={{ fontSize: "0.85rem" }}>Plain text</div>
              <pre className={`${styles.textPart} ${styles.code}`} data-testid="preview-text">
                {shown.text}
              </pre>
            </div>
          </div>
        ) : (
          <p className="muted">Nothing to preview until the template renders.</p>
        )}
      </section>
      <section className={`card stack ${styles.vars}`} style={{ gap: "0.5rem" }} aria-labelledby={`${id}-vars`}>
        <h2 id={`${id}-vars`}>Variables</h2>
        <p id={`${id}-vars-hint`} className="muted" style={{ margin: 0, fontSize: "0.875rem" }}>
          Select one to insert it at the cursor in the {PART_LABELS[target]} field. Sample values are what the preview uses.
          Any column of an uploaded guest list is available as <code>{"{{invitee.fields.<column>}}"}</code>, e.g.{" "}
          <code>{`{{invitee.fields.${sampleColumn}}}`}</code>. Use <code>{"{{#if event.location}}…{{/if}}"}</code> around
          values that may be empty.
        </p>
        <ul className={styles.variables}>
          {variables.map((v) => (
            <li key={v.name}>
              <button
                type="button"
                className={styles.insert}
                aria-describedby={`${id}-vars-hint`}
                aria-label={`Insert ${v.name} into ${PART_LABELS[target]}`}
                onClick={() => insert(v.name)}
              >
                <code>{`{{${v.name}}}`}</code>
              </button>
              <span className={styles.sample}>{v.sample ?? "(empty for the sample guest)"}</span>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
