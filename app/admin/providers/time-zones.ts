/** For the time zone box's suggestions; read on the server so the list the browser hydrates is the same. */
export function timeZoneSuggestions(): string[] {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}
