import "server-only";
import { webhookReader } from "@/lib/adapters/email/webhooks";
import type { WebhookProvider } from "@/lib/domain/delivery/reports";
import { logger } from "@/lib/log/logger";
import { statusFor } from "@/lib/services/errors";
import { receiveWebhook, WebhookKeyring } from "@/lib/services/webhooks";
import { getContainer } from "./container";
import { strictTransportSecurityHeader } from "./csp";
import { limitWebhook } from "./rate-limits";
import { readBodyLimited, TOO_LARGE } from "./request-body";
import { serviceContext } from "./services";

/**
 * The provider webhooks (/api/webhooks/sendgrid, /api/webhooks/resend): public, authenticated by the
 * provider's signature alone. The body is read no further than a limit before anything else, and the client
 * address is rate limited like every public route. A verified delivery is stored in the webhook inbox and
 * answered 200 at once; the scheduled run applies it (lib/services/webhooks.ts).
 */

/** SendGrid batches events up to 768 KB per post; Resend posts one event, a few KB. */
const MAX_BODY_BYTES: Record<WebhookProvider, number> = { sendgrid: 1024 * 1024, resend: 64 * 1024 };

let keyring: WebhookKeyring | undefined;

function webhookKeyring(): WebhookKeyring {
  const { firestore, env, clock } = getContainer();
  keyring ??= new WebhookKeyring(firestore.db, env.HERALD_CREDENTIALS_KEY, clock, (message, fields) => logger.warn(message, fields));
  return keyring;
}

/** HSTS here, as on the invitation pages: the proxy (proxy.ts) does not run for the webhooks. */
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { "Cache-Control": "no-store", ...strictTransportSecurityHeader(), ...headers } });

export async function handleWebhook(request: Request, provider: WebhookProvider): Promise<Response> {
  try {
    const limited = limitWebhook(request);
    if (!limited.ok) return json(429, { error: "Too many requests" }, { "Retry-After": String(limited.retryAfterSeconds) });
    const body = await readBodyLimited(request, MAX_BODY_BYTES[provider]);
    if (body === TOO_LARGE) return json(413, { error: "Request body too large" });
    const result = await receiveWebhook(serviceContext(), { keyring: webhookKeyring(), reader: webhookReader }, provider, {
      body,
      header: (name) => request.headers.get(name),
    });
    if (!result.ok) return json(statusFor(result.code), { error: result.message });
    // Stored, not yet applied: the scheduled run (the worker, locally) records it on the invitation.
    const { received, replayed, ignored } = result;
    return json(200, { received, replayed, ignored });
  } catch (error) {
    logger.error(`${provider} webhook failed`, { error });
    return json(500, { error: "Herald could not record this webhook; deliver it again later" });
  }
}
