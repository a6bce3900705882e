/**
 * Token buckets, one per key (a client address, an invitation link, an admin), held in memory.
 *
 * A bucket holds up to `burst` requests and refills at `perMinute`: a person reloading a page or clicking
 * twice never notices it, a script does. Time is passed in, so the same limiter runs under a fake clock.
 *
 * Memory is bounded: at most `maxKeys` buckets, the least recently used one forgotten first. A spray of
 * distinct keys (made-up links, spoofed addresses) therefore cannot grow the process, at the price that an
 * evicted key starts again with a full bucket; limits that must hold against a spray belong at the edge.
 */
export interface RateLimit {
  /** Requests allowed at once, from a full bucket. */
  burst: number;
  /** Requests allowed per minute once the burst is spent. */
  perMinute: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

const DEFAULT_MAX_KEYS = 10_000;

/**
 * The bucket is kept as one number per key, the time at which it will next be full (the "generic cell rate
 * algorithm", equivalent to a token bucket): each request moves that time one interval later, and a request
 * arriving more than a burst's worth of intervals before it is refused without moving it. Refused requests
 * therefore cost the client nothing more, and waiting the advertised time is always enough.
 */
export class RateLimiter {
  /** Per key, when its bucket is next full; insertion order is recency order (see `take`). */
  private readonly fullAt = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly toleranceMs: number;

  constructor(
    readonly limit: RateLimit,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {
    if (!(limit.burst >= 1) || !(limit.perMinute > 0) || !(maxKeys >= 1)) {
      throw new RangeError("A rate limit needs burst ≥ 1, perMinute > 0 and maxKeys ≥ 1");
    }
    this.intervalMs = 60_000 / limit.perMinute;
    this.toleranceMs = (limit.burst - 1) * this.intervalMs;
  }

  /** Spends one request for `key` at `nowMs` if its bucket has one; otherwise says how long until it does. */
  take(key: string, nowMs: number): RateDecision {
    const next = Math.max(this.fullAt.get(key) ?? nowMs, nowMs);
    const early = next - this.toleranceMs - nowMs;
    if (early > 0) return { ok: false, retryAfterSeconds: Math.ceil(early / 1000) };
    // Deleting first moves the key to the end of the Map's order, which makes the first key the least
    // recently allowed one: the one to forget when the map is full.
    this.fullAt.delete(key);
    this.fullAt.set(key, next + this.intervalMs);
    if (this.fullAt.size > this.maxKeys) this.fullAt.delete(this.fullAt.keys().next().value!);
    return { ok: true };
  }
}

/**
 * The key one client's requests are counted under. An IPv6 subscriber is handed a whole /64 and can change
 * address at will within it, so IPv6 addresses count by their /64 prefix; IPv4 (also written IPv4-mapped)
 * counts by address. Anything unparseable counts as itself.
 */
export function clientKey(address: string): string {
  const bare = address.trim().toLowerCase().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(bare);
  if (mapped) return mapped[1]!;
  if (!bare.includes(":") || !/^[0-9a-f:.]+$/.test(bare)) return bare;
  const [head = "", tail, extra] = bare.split("::");
  if (extra !== undefined) return bare;
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(Math.max(0, missing)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
