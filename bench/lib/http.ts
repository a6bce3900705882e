import { errorMessage } from "./output";

export interface Sample {
  /** 0 when the request failed before any response (connection refused, reset, timeout). */
  status: number;
  location: string | null;
  ms: number;
  error?: string;
}

const TIMEOUT_MS = 30_000;

/**
 * One request with the timing a guest's browser would see: until the whole body has arrived. Redirects are
 * not followed, because the 303 and where it points are what is being measured. Global fetch keeps
 * connections alive by default, as a browser does.
 */
export async function timedRequest(url: string, init: RequestInit = {}): Promise<Sample> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    // Reading the body to the end is also what hands the connection back to the pool.
    await res.arrayBuffer();
    return { status: res.status, location: res.headers.get("location"), ms: performance.now() - t0 };
  } catch (error) {
    return { status: 0, location: null, ms: performance.now() - t0, error: errorMessage(error) };
  }
}

/**
 * `clients` loops sharing one list of `total` requests, each taking the next index as soon as its previous
 * request is done: a fixed amount of work at a fixed concurrency, like that many impatient users.
 */
export async function runClients(
  total: number,
  clients: number,
  request: (index: number) => Promise<Sample>,
): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = new Array<Sample>(total);
  let next = 0;
  const t0 = performance.now();
  const client = async () => {
    while (next < total) {
      const index = next++;
      samples[index] = await request(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(clients, total) }, client));
  return { samples, seconds: (performance.now() - t0) / 1000 };
}

export function latencies(samples: readonly Sample[]): Float64Array {
  return Float64Array.from(samples, (s) => s.ms);
}

export function statusCounts(samples: readonly Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) counts[String(s.status)] = (counts[String(s.status)] ?? 0) + 1;
  return counts;
}

/** `outcome=` of a 303's Location, or a label saying why there is none. */
export function outcomeOf(sample: Sample, base: string): string {
  if (sample.status !== 303) return `http_${sample.status}`;
  if (!sample.location) return "no_location";
  return new URL(sample.location, base).searchParams.get("outcome") ?? "no_outcome";
}

export function tally(labels: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

export const answerForm = (answer: "accept" | "decline"): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ answer }).toString(),
});
