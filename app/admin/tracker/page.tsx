import type { Metadata } from "next";
import Link from "next/link";
import { TrackerFiltersForm } from "@/components/tracker/filters-form";
import { RetryFailedButton } from "@/components/tracker/retry-failed";
import { TrackerTable, type NewerWatch } from "@/components/tracker/tracker-table";
import type { TrackerRowView } from "@/components/tracker/types";
import type { LiveWhere } from "@/lib/client/live";
import { dateRange, parseTrackerParams, trackerQueryPlan, trackerQueryString, type SearchParams, type TrackerFilters } from "@/lib/domain/tracker/filters";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { listTrackerPage, loadTrackerChoices, TRACKER_PAGE_SIZE } from "@/lib/services/tracker";
import { publicFirebaseConfig } from "../events/server";
import { retryFailedAction } from "./actions";

export const metadata: Metadata = { title: "Sent Tracker · Herald" };

/** The equality part of the query, which the "newer emails" listener repeats; null when it cannot (search). */
function newerWatch(filters: TrackerFilters, since: number): NewerWatch | null {
  if (filters.q !== undefined) return null;
  const range = dateRange(filters);
  if (range.to && range.to.getTime() <= since) return null;
  const equalities = trackerQueryPlan(filters).where.filter((w): w is LiveWhere => w[1] === "==" && typeof w[2] !== "object");
  return { equalities, since, until: range.to?.getTime() ?? null, firstPageHref: `/admin/tracker${trackerQueryString(filters)}` };
}

function describeView(filters: TrackerFilters, events: Map<string, string>, providers: Map<string, string>): string {
  const parts: string[] = [];
  if (filters.eventId) parts.push(`of “${events.get(filters.eventId) ?? "this event"}”`);
  if (filters.kind) parts.push(`of kind ${filters.kind}`);
  if (filters.providerId) parts.push(`last tried at ${providers.get(filters.providerId) ?? filters.providerId}`);
  if (filters.from || filters.to) parts.push(`queued ${filters.from ? `from ${filters.from} ` : ""}${filters.to ? `until ${filters.to}` : ""}`.trim());
  return parts.length > 0 ? parts.join(", ") : "in every event";
}

/**
 * Every email Herald queued, newest first, filtered by what is in the URL. About 50 reads for a full page
 * whatever the number of jobs: 20 rows, up to 20 recent events for the menu, the providers, the settings.
 */
export default async function TrackerPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdminPage();
  const params = await searchParams;
  const { filters, problems } = parseTrackerParams(params);
  const after = typeof params.after === "string" ? params.after : undefined;
  const ctx = serviceContext();
  const loadedAt = ctx.clock.now().getTime();
  const page = await listTrackerPage(ctx, filters, after);
  const choices = await loadTrackerChoices(ctx, [...page.rows.map((r) => r.data.eventId), ...(filters.eventId ? [filters.eventId] : [])]);
  const eventTitles = new Map(choices.events.map((e) => [e.id, e.title]));
  const providerNames = new Map(choices.providers.map((p) => [p.id, p.name]));
  const rows: TrackerRowView[] = page.rows.map(({ id, data: j }) => ({
    id,
    invitationId: j.invitationId,
    eventId: j.eventId,
    eventTitle: eventTitles.get(j.eventId) ?? null,
    kind: j.kind,
    state: j.state,
    email: j.to.email,
    name: j.to.name,
    providerId: j.sentBy ?? (j.state === "failed" || j.state === "retry" ? (j.lastError?.providerId ?? null) : null),
    attempts: j.attempts,
    simulated: j.simulated,
    createdAt: j.createdAt.getTime(),
    updatedAt: j.updatedAt.getTime(),
    waitingReason: j.waitingReason,
    lastError: j.lastError ? { errorClass: j.lastError.errorClass, message: j.lastError.message } : null,
  }));
  const query = trackerQueryString(filters);
  const canRetry = filters.q === undefined && filters.mode !== "simulated" && (!filters.state || filters.state === "failed");
  const back = trackerQueryString(filters, { after });

  return (
    <section className="stack" aria-labelledby="tracker-title">
      <h1 id="tracker-title">Sent Tracker</h1>
      <p className="muted" style={{ margin: 0 }}>
        Every email Herald queued, newest first: invitations, confirmations, reminders and tests. Open a recipient for their whole story.
      </p>
      <TrackerFiltersForm
        filters={filters}
        events={choices.events.map((e) => ({ id: e.id, label: e.title }))}
        providers={choices.providers.map((p) => ({ id: p.id, label: p.name }))}
      />
      {problems.length > 0 || page.cursorIgnored ? (
        <ul className="banner warn" role="status" style={{ margin: 0, paddingLeft: "1.75rem" }}>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
          {page.cursorIgnored ? <li>That page link no longer fits these filters: showing the newest emails.</li> : null}
        </ul>
      ) : null}
      <div className="row">
        <a className="button" href={`/admin/tracker/export${query}`} download data-testid="tracker-export">
          Export this view as CSV
        </a>
        {canRetry ? <RetryFailedButton query={query} describe={describeView(filters, eventTitles, providerNames)} retry={retryFailedAction} /> : null}
      </div>
      <TrackerTable
        rows={rows}
        config={publicFirebaseConfig()}
        newer={newerWatch(filters, loadedAt)}
        backQuery={back}
        providerNames={Object.fromEntries(providerNames)}
      />
      <nav aria-label="Pages" className="row" style={{ justifyContent: "space-between" }}>
        {after ? <Link href={`/admin/tracker${query}`}>← Newest emails</Link> : <span className="muted">Newest emails</span>}
        {page.next ? (
          <Link href={`/admin/tracker${trackerQueryString(filters, { after: page.next })}`} data-testid="tracker-next">
            Next {TRACKER_PAGE_SIZE} older →
          </Link>
        ) : (
          <span className="muted">No older emails</span>
        )}
      </nav>
    </section>
  );
}
