import { dateTimeFormat } from "@/lib/domain/time/formats";
import { formatEventTime } from "@/lib/domain/events/schema";
import type { RsvpOutcome } from "@/lib/domain/invitations/status";
import type { InvitationView } from "@/lib/services/rsvp";
import { htmlDocument } from "./document";
import { html, type Html } from "./html";

export const invitePath = (token: string) => `/invite/${encodeURIComponent(token)}`;

const RSVP_OUTCOMES: readonly RsvpOutcome[] = [
  "accepted",
  "declined",
  "changed",
  "already_accepted",
  "already_declined",
  "full",
  "deadline_passed",
  "expired",
  "revoked",
  "event_gone",
];

export function parseOutcome(value: string | null): RsvpOutcome | null {
  return RSVP_OUTCOMES.find((o) => o === value) ?? null;
}

type Tone = "ok" | "warn" | "danger";
type Banner = { tone: Tone; text: string };

/**
 * The message for the answer just given. The outcome comes from the query string, which anyone can edit, so
 * a message is shown only when it agrees with the status just read: a crafted `?outcome=accepted` link
 * cannot tell a guest who declined that they are going. A repeated answer reads exactly like the first.
 */
function outcomeBanner(
  outcome: RsvpOutcome | null,
  state: { status: InvitationView["invitation"]["status"]; open: boolean; linkExpired: boolean },
): Banner | null {
  const going = state.status === "accepted";
  const notGoing = state.status === "declined";
  switch (outcome) {
    case "accepted":
    case "already_accepted":
      return going ? { tone: "ok", text: "You're going!" } : null;
    case "declined":
    case "already_declined":
      return notGoing ? { tone: "ok", text: "You've declined. Thanks for letting the host know." } : null;
    case "changed":
      if (going) return { tone: "ok", text: "Answer changed: you're going!" };
      return notGoing ? { tone: "ok", text: "Answer changed: you're not going." } : null;
    case "full":
      return going
        ? null
        : { tone: "warn", text: "This event is full. Your invitation stays open: if a place frees up you can accept again." };
    case "deadline_passed":
      return state.open ? null : { tone: "warn", text: "Answers are closed for this event, so your answer was not changed." };
    case "expired":
      return state.linkExpired
        ? { tone: "warn", text: "This link has expired, so your answer can no longer be changed. Ask the host for a new link." }
        : null;
    case "revoked":
    case "event_gone":
    case null:
      return null;
  }
}

const ANSWER_LABEL: Partial<Record<InvitationView["invitation"]["status"], string>> = {
  accepted: "You're on the guest list.",
  declined: "You said you can't come.",
};

function formatInstant(at: Date, timeZone: string): string {
  const f = dateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
  return `${f.format(at)} (${timeZone})`;
}

/** Only web links become links: a stored value is never trusted to be a safe scheme. */
function webUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

const banner = (b: Banner | null) => b && html`<p class="banner ${b.tone}">${b.text}</p>`;

export function invitationPage(input: { token: string; view: InvitationView; outcome: RsvpOutcome | null; now: Date }): string {
  const { token, view, outcome, now } = input;
  const { event, invitation } = view;
  const accepted = invitation.status === "accepted";
  const closesAt = event.rsvpDeadline && event.rsvpDeadline < event.endsAt ? event.rsvpDeadline : event.endsAt;
  const linkExpired = now >= invitation.linkExpiresAt;
  // An answered guest whose link ran out may still look at the page, but the service refuses a change.
  const open = now < closesAt && !linkExpired;
  const online = webUrl(event.onlineUrl);
  const guest = invitation.name || invitation.email;

  const body = html`
<article class="card stack" aria-labelledby="event-title">
  <header class="stack">
    <p class="muted">Invitation for ${guest}</p>
    <h1 id="event-title">${event.title}</h1>
  </header>
  <div class="status" role="status">${banner(outcomeBanner(outcome, { status: invitation.status, open, linkExpired }))}</div>
  <dl class="details">
    <dt>When</dt>
    <dd>
      <time datetime="${event.startsAt.toISOString()}">${formatEventTime(event.startsAt, event.endsAt, event.timezone)}</time>
      <p class="muted" data-local-time data-zone="${event.timezone}" data-start="${event.startsAt.toISOString()}" data-end="${event.endsAt.toISOString()}" hidden></p>
    </dd>
    ${(event.location || online) && html`
    <dt>Where</dt>
    <dd>
      ${event.location && html`<p>${event.location}</p>`}
      ${online && html`<p><a href="${online}" rel="noopener noreferrer">Join online</a></p>`}
    </dd>`}
    <dt>Host</dt>
    <dd>${event.host.name} <a href="mailto:${event.host.email}">${event.host.email}</a></dd>
    ${event.rsvpDeadline && html`
    <dt>Reply by</dt>
    <dd>${formatInstant(event.rsvpDeadline, event.timezone)}</dd>`}
  </dl>
  ${event.description && html`
  <section class="stack" aria-labelledby="about">
    <h2 id="about">About this event</h2>
    <p class="description">${event.description}</p>
  </section>`}
  <section class="stack" aria-labelledby="answer-heading">
    <h2 id="answer-heading">Your answer</h2>
    <p>${ANSWER_LABEL[invitation.status] ?? "You haven't answered yet."}</p>
    ${event.full && !accepted && outcome !== "full" && banner({ tone: "warn", text: "This event is full at the moment. You can still try to accept: a place may free up." })}
    ${open
      ? html`
    <form class="row answer" method="post" action="${invitePath(token)}/answer">
      <button class="button${accepted ? "" : " primary"}" type="submit" name="answer" value="accept">Accept</button>
      <button class="button" type="submit" name="answer" value="decline">Decline</button>
    </form>`
      : html`<p class="muted">${linkExpired ? "This link has expired: ask the host for a new one to change your answer." : "Answers for this event are closed."}</p>`}
    ${accepted && html`<p><a class="button" href="${invitePath(token)}/calendar.ics">Add to calendar</a></p>`}
  </section>
</article>`;

  return htmlDocument({ title: `${event.title} · Invitation`, body, enhance: true });
}

/** One page for every refusal: a heading, the service's own words, and a way back when there is one. */
export function problemPage(input: { heading: string; message: string; back?: { href: string; label: string } }): string {
  const body: Html = html`
<section class="card stack" aria-labelledby="problem-title">
  <h1 id="problem-title">${input.heading}</h1>
  <p>${input.message}</p>
  ${input.back && html`<p><a href="${input.back.href}">${input.back.label}</a></p>`}
</section>`;
  return htmlDocument({ title: input.heading, body });
}
