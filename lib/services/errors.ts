/**
 * The closed set of failure codes services return, and the one table that maps them to HTTP statuses.
 * Anything else that goes wrong is an internal error: logged on the server, a generic 500 for the client.
 */
export const FAILURE_STATUS = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
} as const;

export type FailureCode = keyof typeof FAILURE_STATUS;

export function statusFor(code: FailureCode): number {
  return FAILURE_STATUS[code];
}
