export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A random source the domain can be handed, so jitter and tokens are reproducible in tests. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
}

export const mathRandom: Random = { next: () => Math.random() };
