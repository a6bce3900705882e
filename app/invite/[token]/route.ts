import { after } from "next/server";
import { limitGuest } from "@/lib/server/rate-limits";
import { serviceContext } from "@/lib/server/services";
import { openInvitation } from "@/lib/services/rsvp";
import { invitationPage, parseOutcome } from "../_html/pages";
import { failureResponse, htmlResponse, tooManyRequests, unexpectedFailure } from "../_html/respond";

type Context = { params: Promise<{ token: string }> };

/**
 * The page a guest's email links to. A route handler rather than page.tsx so that a withdrawn or expired link
 * can answer 410 Gone (an App Router page cannot). Reads only: mail scanners open every link, so a GET never
 * accepts, declines or consumes anything.
 */
export async function GET(request: Request, { params }: Context): Promise<Response> {
  const { token } = await params;
  try {
    const limited = limitGuest(request, token, "view");
    if (!limited.ok) return tooManyRequests(limited.retryAfterSeconds);
    const ctx = serviceContext();
    const view = await openInvitation(ctx, token, { later: (task) => after(task) });
    if (!view.ok) return failureResponse(view, token);
    const outcome = parseOutcome(new URL(request.url).searchParams.get("outcome"));
    return htmlResponse(invitationPage({ token, view, outcome, now: ctx.clock.now() }), 200);
  } catch (error) {
    return unexpectedFailure("invitation page", error);
  }
}
