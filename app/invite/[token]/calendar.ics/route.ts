import { limitGuest } from "@/lib/server/rate-limits";
import { serviceContext } from "@/lib/server/services";
import { invitationCalendar } from "@/lib/services/rsvp";
import { failureResponse, inviteHeaders, tooManyRequests, unexpectedFailure } from "../../_html/respond";

type Context = { params: Promise<{ token: string }> };

/** "Add to calendar", offered once the guest has accepted. Reads only, like the page. */
export async function GET(request: Request, { params }: Context): Promise<Response> {
  const { token } = await params;
  try {
    const limited = limitGuest(request, token, "view");
    if (!limited.ok) return tooManyRequests(limited.retryAfterSeconds);
    const calendar = await invitationCalendar(serviceContext(), token);
    if (!calendar.ok) return failureResponse(calendar, token);
    return new Response(calendar.ics, {
      status: 200,
      headers: {
        ...inviteHeaders,
        "Content-Type": "text/calendar; charset=utf-8",
        // The service builds the name from [a-z0-9-] only, so it needs no quoting beyond the quotes.
        "Content-Disposition": `attachment; filename="${calendar.filename}"`,
      },
    });
  } catch (error) {
    return unexpectedFailure("invitation calendar", error);
  }
}
