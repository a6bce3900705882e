import "server-only";
import { clientKey, RateLimiter, type RateDecision } from "@/lib/domain/rate-limit";
import { logger } from "@/lib/log/logger";
import { getContainer } from "./container";

/**
 * Herald's abuse limits, one table. They live in this server instance's memory: see README.md ("Abuse
 * limits") for what that does and does not stop on serverless hosting, and what belongs at the edge.
 *
 * Sized so that people never meet them: a guest opens a page a few times and answers once or twice; many
 * guests may share one office or campus address; an admin's upload of 10,000 guests is 20 calls, and deleting
 * a large event about one call per 500 documents. Scripts meet them within seconds.
 */
const LIMITS = {
  /** Every invitation page, answer and calendar request from one client address. */
  guestAddress: new RateLimiter({ burst: 60, perMinute: 60 }),
  /** Page and calendar views of one link: mail scanners and reloads, not a loop. */
  linkViews: new RateLimiter({ burst: 20, perMinute: 10 }),
  /** Answers through one link: each acceptance queues a confirmation email, so toggling must not spend quota. */
  linkAnswers: new RateLimiter({ burst: 10, perMinute: 0.5 }),
  /** Sign-in attempts (session creation) from one client address. */
  signIn: new RateLimiter({ burst: 10, perMinute: 6 }),
  /** Bulk admin actions (invite, resend, revoke, delete) by one admin. */
  adminBulk: new RateLimiter({ burst: 60, perMinute: 60 }),
  /**
   * Provider webhooks from one client address. Providers post from a few addresses, in bursts after an outage
   * (their retry queues drain at once), so the burst is large; a sender of forged signatures is held to the
   * sustained rate, which bounds the CPU spent verifying signatures.
   */
  webhooks: new RateLimiter({ burst: 2_000, perMinute: 1_200 }),
};

const nowMs = () => getContainer().clock.now().getTime();

let warnedMissingHeader = false;

/**
 * Who sent the request, as far as this server can tell. A platform that sets a header the client cannot
 * forge names it in HERALD_CLIENT_IP_HEADER (App Hosting: x-fah-client-ip). Otherwise the last
 * X-Forwarded-For entry: the nearest proxy appends the address it saw (Cloud Run does), and `next start`
 * reached directly sets it from the socket; earlier entries are whatever the client chose to send.
 */
export function clientAddress(headers: Headers): string {
  const header = getContainer().env.HERALD_CLIENT_IP_HEADER;
  const trusted = header ? headers.get(header) : null;
  if (header && !trusted && !warnedMissingHeader) {
    // Said once: without it every client may look like the same proxy and share one budget.
    warnedMissingHeader = true;
    logger.warn("HERALD_CLIENT_IP_HEADER names a header requests do not carry; counting by X-Forwarded-For", { header });
  }
  const address = trusted ?? headers.get("x-forwarded-for")?.split(",").at(-1);
  return clientKey(address?.trim() || "unknown");
}

/**
 * A guest request through an invitation link, counted per client address first (so a flood of made-up links
 * is refused before the link is even checked) and then per link.
 */
export function limitGuest(request: Request, token: string, action: "view" | "answer"): RateDecision {
  const now = nowMs();
  const byAddress = LIMITS.guestAddress.take(clientAddress(request.headers), now);
  if (!byAddress.ok) return byAddress;
  return (action === "answer" ? LIMITS.linkAnswers : LIMITS.linkViews).take(token, now);
}

export function limitSignIn(request: Request): RateDecision {
  return LIMITS.signIn.take(clientAddress(request.headers), nowMs());
}

export function limitWebhook(request: Request): RateDecision {
  return LIMITS.webhooks.take(clientAddress(request.headers), nowMs());
}

export function limitAdminBulk(uid: string): RateDecision {
  return LIMITS.adminBulk.take(uid, nowMs());
}
