import { dateTimeFormat } from "./time/formats";

/**
 * Firestore's free-tier counters reset at midnight US Pacific, whatever timezone the project runs in, so the
 * burn meter files every operation under that calendar day.
 */
export const FIRESTORE_QUOTA_TIMEZONE = "America/Los_Angeles";

/** The calendar date (YYYY-MM-DD) of `at` in `timeZone`. */
export function calendarDay(at: Date, timeZone: string): string {
  const parts = dateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

export function firestoreQuotaDay(at: Date): string {
  return calendarDay(at, FIRESTORE_QUOTA_TIMEZONE);
}
