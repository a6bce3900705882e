"use client";
import { useEffect, useState } from "react";

/**
 * The operator's own time zone. The server renders in UTC (it cannot know the browser's zone), and the first
 * client render must match it, so the zone switches to the browser's right after hydration.
 */
export function useTimeZone(): string {
  const [zone, setZone] = useState("UTC");
  useEffect(() => setZone(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"), []);
  return zone;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(zone: string, style: "time" | "dateTime" | "day" | "hour"): Intl.DateTimeFormat {
  const key = `${zone}|${style}`;
  let f = formats.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      style === "time"
        ? { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
        : style === "hour"
          ? { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
          : style === "day"
            ? { timeZone: zone, day: "numeric", month: "short" }
            : { timeZone: zone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
    f = new Intl.DateTimeFormat("en-GB", options);
    formats.set(key, f);
  }
  return f;
}

export function formatIn(zone: string, at: number, style: "time" | "dateTime" | "day" | "hour" = "dateTime"): string {
  return format(zone, style).format(at);
}

/** A short zone name for labels: "UTC", "CEST", "GMT+5:30". */
export function zoneAbbreviation(zone: string, at: number): string {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, timeZoneName: "short" }).formatToParts(at);
  return parts.find((p) => p.type === "timeZoneName")?.value ?? zone;
}

/** An instant in the operator's zone, with the zone named, machine-readable in `dateTime`. */
export function LocalTime({ at, style = "dateTime" }: { at: number; style?: "time" | "dateTime" }) {
  const zone = useTimeZone();
  return (
    <time dateTime={new Date(at).toISOString()} title={new Date(at).toISOString()}>
      {formatIn(zone, at, style)} {zoneAbbreviation(zone, at)}
    </time>
  );
}
