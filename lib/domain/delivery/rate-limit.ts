/**
 * Pacing rather than bucket-with-burst: sends are spaced evenly at the slower of the two limits. A burst
 * allowance would let "100 per minute" fire 100 sends at once and then 99 more a second later, which a
 * provider's sliding window counts as 199 in a minute. Even spacing stays under both sliding and fixed
 * windows and costs nothing in throughput over a drain that lasts longer than a few sends.
 */

export interface RateLimits {
  perSecond?: number;
  perMinute?: number;
}

export interface PacerState {
  /** The provider's configured limits. */
  limits: RateLimits;
  /** This drain's fraction of the provider's rate, in (0, 1]. */
  share: number;
  /** The fraction of the limits sends are paced at, in (0, 1] (see the drain's PACING_HEADROOM). */
  headroom: number;
  /** Epoch ms before which the next send may not start; null before the first reservation. */
  nextAt: number | null;
  /** When the sends of the last second actually started, oldest first (see startDelayMs). */
  starts: number[];
}

function checkLimit(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
}

function checkShare(share: number): void {
  if (!(Number.isFinite(share) && share > 0 && share <= 1)) {
    throw new RangeError(`share must be in (0, 1], got ${share}`);
  }
}

export function createPacer(limits: RateLimits, share = 1, headroom = 1): PacerState {
  checkLimit("perSecond", limits.perSecond);
  checkLimit("perMinute", limits.perMinute);
  checkShare(share);
  if (!(Number.isFinite(headroom) && headroom > 0 && headroom <= 1)) throw new RangeError(`headroom must be in (0, 1], got ${headroom}`);
  return { limits, share, headroom, nextAt: null, starts: [] };
}

/** The even share for one of `concurrentDrains` drains using the same provider at once. */
export function evenShare(concurrentDrains: number): number {
  return 1 / Math.max(1, Math.floor(concurrentDrains));
}

/** Milliseconds between send starts for this drain; 0 when the provider has no rate limit. */
export function spacingMs(state: Pick<PacerState, "limits" | "share" | "headroom">): number {
  const { perSecond, perMinute } = state.limits;
  const fromSecond = perSecond === undefined ? 0 : 1000 / perSecond;
  const fromMinute = perMinute === undefined ? 0 : 60_000 / perMinute;
  return Math.max(fromSecond, fromMinute) / (state.share * state.headroom);
}

/**
 * Books the next send slot. The caller sleeps until `at` and then sends; reserving without sending only
 * wastes a slot, which errs on the safe side. Idle time earns no credit, so a quiet minute never turns into a
 * burst.
 */
export function reserve(state: PacerState, now: Date): { state: PacerState; at: Date } {
  const start = Math.max(now.getTime(), state.nextAt ?? Number.NEGATIVE_INFINITY);
  // Rounded up: Date drops fractions of a millisecond, and rounding down would start a send a hair early.
  return { state: { ...state, nextAt: start + spacingMs(state) }, at: new Date(Math.ceil(start)) };
}

/** After a 429 with Retry-After, nothing more goes to the provider from this drain before `until`. */
export function holdUntil(state: PacerState, until: Date): PacerState {
  return { ...state, nextAt: Math.max(state.nextAt ?? Number.NEGATIVE_INFINITY, until.getTime()) };
}

/** Changes this drain's share (another drain started or finished) without forgetting the booked slot. */
export function withShare(state: PacerState, share: number): PacerState {
  checkShare(share);
  return { ...state, share };
}

/**
 * Sends a drain may start in any one second: as many as its paced spacing puts in one, but never more than
 * its share of the configured limit, and at least one. At 1.9 a second (a 2-per-second provider, paced a
 * little under) starts 527 ms apart put two in some second: an allowance rounded down to one held every send
 * back a whole second, half the provider's rate. Four drains with a quarter of 10 a second each may start 2,
 * not 3: together they must stay within the 10 in the worst alignment. (The margin keeps 95.000000001, a
 * product of floating-point shares, from rounding up to 96.)
 */
function perSecondAllowance(state: Pick<PacerState, "limits" | "share" | "headroom">): number | null {
  if (state.limits.perSecond === undefined) return null;
  const paced = Math.ceil(state.limits.perSecond * state.share * state.headroom - 1e-6);
  return Math.max(1, Math.min(paced, Math.floor(state.limits.perSecond * state.share + 1e-6)));
}

/**
 * How long a send whose slot has come must still wait. Slots are spaced on the clock, but a busy event loop
 * can wake several sleeping sends at once, late: their slots were spread over the pause, their starts are
 * not, and a provider counting a sliding second sees a burst and answers 429. So the starts of the last
 * second are counted, and a send waits until the oldest leaves the window when the allowance is reached.
 * Sends that fell behind also catch up at no more than twice the paced rate: a burst let through at once
 * frees its places at once a second later, so the next sends burst too, and a provider whose clock sees the
 * two bursts a millisecond closer than ours did counts both in one second (bench:drain: 101–104 requests in a
 * second at stand-ins allowing 100, while Herald had started 90).
 */
export function startDelayMs(state: PacerState, now: number): number {
  const allowance = perSecondAllowance(state);
  if (allowance === null) return 0;
  const recent = state.starts.filter((t) => now - t < 1000);
  const last = recent[recent.length - 1];
  const catchUp = last === undefined ? 0 : last + spacingMs(state) / 2 - now;
  const window = recent.length < allowance ? 0 : recent[recent.length - allowance]! + 1000 - now;
  return Math.max(0, catchUp, window);
}

/** Notes that a send started now; only the last second's starts are kept. */
export function recordStart(state: PacerState, now: number): PacerState {
  const allowance = perSecondAllowance(state);
  if (allowance === null) return state;
  const starts = [...state.starts.filter((t) => now - t < 1000), now].slice(-allowance);
  return { ...state, starts };
}
