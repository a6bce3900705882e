import { formatEventTime } from "@/lib/domain/events/schema";

/**
 * An event's start and end as the venue's clocks read them. The server's and the browser's ICU data may format
 * a range with different spaces, so the text is allowed to differ at hydration.
 */
export function EventWhen({ startsAt, endsAt, timezone, className }: { startsAt: number; endsAt: number; timezone: string; className?: string }) {
  return (
    <time className={className} dateTime={new Date(startsAt).toISOString()} suppressHydrationWarning>
      {formatEventTime(new Date(startsAt), new Date(endsAt), timezone)}
    </time>
  );
}
