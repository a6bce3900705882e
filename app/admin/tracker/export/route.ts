import { NextResponse, type NextRequest } from "next/server";
import { logger } from "@/lib/log/logger";
import { csvRow } from "@/lib/domain/tracker/csv";
import { parseTrackerParams } from "@/lib/domain/tracker/filters";
import { serviceContext } from "@/lib/server/services";
import { NotAdminError, requireAdmin } from "@/lib/server/session";
import { eventTitles, trackerRowsInChunks } from "@/lib/services/tracker";

const COLUMNS = [
  "queued_at_utc",
  "recipient_email",
  "recipient_name",
  "event",
  "event_id",
  "kind",
  "state",
  "provider",
  "attempts",
  "simulated",
  "last_error_class",
  "last_error",
  "finished_at_utc",
  "job_id",
  "invitation_id",
];

/**
 * The tracker's current view as CSV, streamed: rows are read a chunk at a time with a cursor and written as
 * they arrive, so memory holds one chunk whatever the size of the export. Cells a spreadsheet would evaluate
 * are neutralised (csvRow). Admins only, checked like every page; an error mid-stream ends the file early and
 * is logged, never shown.
 */
export async function GET(request: NextRequest) {
  try {
    await requireAdmin();
  } catch (error) {
    if (error instanceof NotAdminError) return NextResponse.json({ error: error.message }, { status: error.status });
    logger.error("tracker export: session check failed", { error });
    return NextResponse.json({ error: "The export is unavailable" }, { status: 500 });
  }
  const { filters } = parseTrackerParams(Object.fromEntries(request.nextUrl.searchParams));
  const ctx = serviceContext();
  const rows = trackerRowsInChunks(ctx, filters);
  const titles = new Map<string, string | null>();
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      // A byte-order mark: Excel otherwise reads UTF-8 names as Latin-1.
      controller.enqueue(encoder.encode(`\uFEFF${csvRow(COLUMNS)}`));
    },
    async pull(controller) {
      try {
        const next = await rows.next();
        if (next.done) {
          controller.close();
          return;
        }
        for (const [id, title] of await eventTitles(ctx, next.value.map((r) => r.data.eventId).filter((e) => !titles.has(e)))) titles.set(id, title);
        const text = next.value
          .map(({ id, data: j }) =>
            csvRow([
              j.createdAt.toISOString(),
              j.to.email,
              j.to.name,
              titles.get(j.eventId) ?? "",
              j.eventId,
              j.kind,
              j.state,
              j.sentBy ?? j.lastError?.providerId ?? "",
              j.attempts,
              j.simulated,
              j.lastError?.errorClass ?? "",
              j.lastError?.message ?? "",
              j.completedAt?.toISOString() ?? "",
              id,
              j.invitationId,
            ]),
          )
          .join("");
        controller.enqueue(encoder.encode(text));
      } catch (error) {
        logger.error("tracker export failed mid-stream", { error });
        controller.error(new Error("export failed"));
      }
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="herald-sent-${stamp}.csv"`,
      "cache-control": "no-store",
    },
  });
}
