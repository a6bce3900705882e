/**
 * Admin-facing instants in UTC, named as such: formatted on the server (the browser would use its own zone
 * and disagree with the server-rendered text), and an operator comparing notes across zones needs one clock.
 */
export function formatUtc(at: Date): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: "UTC",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(at);
}
