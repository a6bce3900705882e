import { z } from "zod";
import { limitGuest } from "@/lib/server/rate-limits";
import { readBodyLimited, TOO_LARGE } from "@/lib/server/request-body";
import { serviceContext } from "@/lib/server/services";
import { answerInvitation } from "@/lib/services/rsvp";
import { invitePath } from "../../_html/pages";
import { failureResponse, inviteHeaders, problemResponse, tooManyRequests, unexpectedFailure } from "../../_html/respond";

type Context = { params: Promise<{ token: string }> };

/** The form sends one short field; anything near this size is not our form. */
const MAX_BODY_BYTES = 4096;

const formSchema = z.object({
  // getAll, not get: `answer=accept&answer=decline` must be refused, not silently read as one of them.
  answer: z.array(z.enum(["accept", "decline"])).length(1),
});

function isUrlEncodedForm(request: Request): boolean {
  const type = request.headers.get("content-type") ?? "";
  return type.split(";")[0]!.trim().toLowerCase() === "application/x-www-form-urlencoded";
}

const NOT_UNDERSTOOD = "Use the Accept or Decline button on the invitation page.";

/**
 * The Accept / Decline form. Answers with 303 See Other to the invitation page, so reloading that page shows
 * the result again instead of posting twice; the service makes a repeated post harmless anyway. A link that
 * cannot be answered gets its 404 or 410 page right here, not a redirect to one.
 */
export async function POST(request: Request, { params }: Context): Promise<Response> {
  const { token } = await params;
  try {
    const limited = limitGuest(request, token, "answer");
    if (!limited.ok) return tooManyRequests(limited.retryAfterSeconds);
    const body = await readBodyLimited(request, MAX_BODY_BYTES);
    if (body === TOO_LARGE) return problemResponse(413, "That was too much", NOT_UNDERSTOOD);
    if (!isUrlEncodedForm(request)) return problemResponse(400, "That answer was not understood", NOT_UNDERSTOOD);
    const parsed = formSchema.safeParse({ answer: new URLSearchParams(body).getAll("answer") });
    if (!parsed.success) return problemResponse(400, "That answer was not understood", NOT_UNDERSTOOD);

    const result = await answerInvitation(serviceContext(), token, parsed.data.answer[0]!);
    if (!result.ok) return failureResponse(result, token);
    return new Response(null, {
      status: 303,
      headers: { ...inviteHeaders, Location: `${invitePath(token)}?outcome=${result.outcome}` },
    });
  } catch (error) {
    return unexpectedFailure("invitation answer", error);
  }
}
