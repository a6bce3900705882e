/**
 * The arithmetic behind Herald's SVG charts, kept apart from the markup so it can be tested: a y axis that
 * ends on a round number above the data, a few evenly spaced round ticks, and compact number labels.
 */

/**
 * The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (at least 1), so the axis ends on a readable number.
 * Charts count operations and emails: below 10 there is no 2.5, so every tick can be a whole number.
 */
export function niceCeil(value: number): number {
  if (!Number.isFinite(value) || value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of power === 1 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

const isNice = (step: number) => {
  const mantissa = step / 10 ** Math.floor(Math.log10(step));
  return [1, 2, 2.5, 5].some((m) => Math.abs(mantissa - m) < 1e-9);
};

/**
 * Ticks from 0 to `max` inclusive for an axis whose max came from niceCeil: as many as five intervals, the
 * most that give round whole steps (50k in 10k steps, 20k in 5k steps, 2 in 1s), so no label needs rounding.
 */
export function linearTicks(max: number): number[] {
  const count = [5, 4, 3, 2, 1].find((n) => Number.isInteger(max / n) && isNice(max / n)) ?? 1;
  return Array.from({ length: count + 1 }, (_, i) => (max * i) / count);
}

/** "950", "1.2k", "48k", "1.5M": short enough for an axis on a phone. */
export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  const fmt = (n: number, suffix: string) => `${Number(n.toFixed(n < 10 ? 1 : 0))}${suffix}`;
  if (abs >= 1_000_000) return fmt(value / 1_000_000, "M");
  if (abs >= 1_000) return fmt(value / 1_000, "k");
  return String(Math.round(value));
}

/** Positions of `n` bars filling `width`, with a gap that is a fixed share of each slot. */
export function barSlots(n: number, width: number, gapShare = 0.25): { x: number; width: number }[] {
  if (n <= 0) return [];
  const slot = width / n;
  const gap = Math.min(slot * gapShare, 8);
  return Array.from({ length: n }, (_, i) => ({ x: i * slot + gap / 2, width: Math.max(1, slot - gap) }));
}

/** Print every k-th of `n` labels so they do not collide, where each takes `labelWidth` of `width`. */
export function labelStride(n: number, width: number, labelWidth = 40): number {
  if (n <= 1) return 1;
  return Math.max(1, Math.ceil((n * labelWidth) / width));
}

/** The indices of the labels to print: every `stride`-th from the first, and the last when it has room. */
export function labelledIndices(n: number, stride: number): Set<number> {
  const shown = new Set<number>();
  for (let i = 0; i < n; i += stride) shown.add(i);
  const lastShown = Math.floor((n - 1) / stride) * stride;
  if (n > 0 && n - 1 - lastShown >= stride * 0.75) shown.add(n - 1);
  return shown;
}
