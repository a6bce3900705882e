import { logger } from "@/lib/log/logger";
import { strictTransportSecurityHeader } from "@/lib/server/csp";
import type { Failure } from "@/lib/services/context";
import { statusFor, type FailureCode } from "@/lib/services/errors";
import { INVITE_CSP } from "./document";
import { invitePath, problemPage } from "./pages";

/**
 * Sent on every response under /invite, on top of the same entry in next.config.ts: the URL carries the
 * guest's secret, so no Referer may leak it, no cache may keep a copy and no search engine may index it.
 * Set here as well because the config's headers are easy to lose in a refactor and these are not optional.
 * HSTS too: the proxy (proxy.ts) does not run for /invite, the busiest path, which needs nothing else from it.
 */
export function inviteHeaders(): Record<string, string> {
  return { "Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex", ...strictTransportSecurityHeader() };
}

export function htmlResponse(document: string, status: number): Response {
  return new Response(document, {
    status,
    headers: { ...inviteHeaders(), "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": INVITE_CSP },
  });
}

const HEADINGS: Partial<Record<FailureCode, string>> = {
  not_found: "Invitation not found",
  gone: "This invitation is no longer available",
  conflict: "Accept first",
};

/** A service refusal as a page: its status from the one table in lib/services/errors.ts, its words as given. */
export function failureResponse(failure: Failure<"not_found" | "gone" | "conflict">, token: string): Response {
  // Only a conflict (answer first, then download) has somewhere useful to go back to.
  const back = failure.code === "conflict" ? { href: invitePath(token), label: "Back to the invitation" } : undefined;
  return htmlResponse(
    problemPage({ heading: HEADINGS[failure.code] ?? "Something is not right", message: failure.message, back }),
    statusFor(failure.code),
  );
}

export function problemResponse(status: number, heading: string, message: string): Response {
  return htmlResponse(problemPage({ heading, message }), status);
}

/** 429 with Retry-After: the same plain page as every other refusal, saying how long to wait. */
export function tooManyRequests(retryAfterSeconds: number): Response {
  const wait = retryAfterSeconds === 1 ? "a second" : `${retryAfterSeconds} seconds`;
  const response = problemResponse(429, "Too many requests", `This page was asked for too often in a short time. Wait ${wait} and try again.`);
  response.headers.set("Retry-After", String(retryAfterSeconds));
  return response;
}

/**
 * What escaped a handler: logged without the request URL (it holds the guest's token), answered with a plain
 * apology and no detail.
 */
export function unexpectedFailure(where: string, error: unknown): Response {
  logger.error(`${where} failed`, { error });
  return problemResponse(500, "Something went wrong", "Herald could not finish that. Nothing was half-saved; try again in a moment.");
}
