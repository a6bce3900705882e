import { LRUCache } from "lru-cache";

/**
 * Building an Intl.DateTimeFormat costs far more than using one, and Herald formats on hot paths: the burn
 * meter files every Firestore operation under a quota day, quota windows are searched minute by minute, and
 * CSV-sized loops convert local times. One cache, keyed by locale and options, serves them all.
 */
// Bounded: locales can come from a request header, and a hostile stream of variants must not grow it forever.
const cache = new LRUCache<string, Intl.DateTimeFormat>({ max: 512 });

export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}\u0000${JSON.stringify(options)}`;
  let format = cache.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    cache.set(key, format);
  }
  return format;
}
