import type { RuleState } from "@/lib/domain/events/reminders";
import styles from "./events.module.css";

/** One reminder rule as the event page shows it. Times are epoch milliseconds. */
export interface ReminderRuleView {
  key: string;
  daysBefore: number;
  dueAt: number;
  state: RuleState;
  queued: number;
  doneAt: number | null;
}

export interface ReminderOverviewView {
  /** What the rules count back from. */
  anchor: "the RSVP deadline" | "the start";
  timezone: string;
  rules: ReminderRuleView[];
  /** The next rule to go out and how many guests it would reach if nothing changed from now. */
  next: { key: string; guests: number } | null;
}

const n = (v: number) => v.toLocaleString("en");
const guests = (v: number) => `${n(v)} ${v === 1 ? "guest" : "guests"}`;
const days = (v: number) => `${v} ${v === 1 ? "day" : "days"}`;

function at(ms: number, timeZone: string) {
  return new Intl.DateTimeFormat("en-GB", { timeZone, dateStyle: "medium", timeStyle: "short" }).format(ms);
}

function stateText(rule: ReminderRuleView, timeZone: string): string {
  switch (rule.state) {
    case "scheduled":
      return `goes out ${at(rule.dueAt, timeZone)}`;
    case "due":
      return rule.queued > 0 ? `going out now (${guests(rule.queued)} so far)` : "going out now";
    case "done":
      return `queued ${at(rule.doneAt ?? rule.dueAt, timeZone)} for ${guests(rule.queued)}`;
    case "passed":
      return "skipped: its moment had already passed when it was set";
  }
}

/** The event's reminder rules: the next one first and how many it would reach, then each rule's state. */
export function RemindersCard({ overview: o }: { overview: ReminderOverviewView }) {
  const next = o.next ? o.rules.find((r) => r.key === o.next!.key) : undefined;
  return (
    <section className="card stack" aria-labelledby="reminders-title">
      <h2 id="reminders-title">Reminders</h2>
      {o.rules.length === 0 ? (
        <p className="muted">No reminders. Edit the event to remind guests who haven&rsquo;t answered a few days before {o.anchor}.</p>
      ) : (
        <>
          <p data-testid="next-reminder" suppressHydrationWarning>
            {next && o.next ? (
              <>
                <strong>Next reminder:</strong> {at(next.dueAt, o.timezone)} ({o.timezone}), {days(next.daysBefore)} before {o.anchor}, to{" "}
                {guests(o.next.guests)} who {o.next.guests === 1 ? "hasn’t" : "haven’t"} answered as of now.
              </>
            ) : (
              "No reminder left to send."
            )}
          </p>
          <ul className={styles.rules}>
            {o.rules.map((r) => (
              <li key={r.key} data-testid="reminder-rule" suppressHydrationWarning>
                {days(r.daysBefore)} before {o.anchor}: <span className="muted">{stateText(r, o.timezone)}</span>
              </li>
            ))}
          </ul>
          <p className="muted">
            A reminder carries the guest&rsquo;s own link, so it only reaches guests whose invitation was delivered and whose link
            still works then; guests who answer meanwhile are skipped.
          </p>
        </>
      )}
    </section>
  );
}
