import http from "node:http";
import { errorMessage } from "./output";

export interface Sample {
  /** 0 when the request failed before any response (connection refused, reset, timeout). */
  status: number;
  location: string | null;
  ms: number;
  error?: string;
}

const TIMEOUT_MS = 30_000;

/** What a bench request may carry: every bench sends a method, headers and a text body, nothing else. */
export interface BenchRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Connections are kept alive between requests, as a browser keeps them, and as a production front end keeps
 * its connections to the app. node:http rather than global fetch: the load runs on the same two cores as the
 * app and the emulator, and fetch spent 1.0–1.1 ms of CPU per request against 0.4 ms for node:http
 * (4,000 GETs of a 6 KB page, 20 at a time), CPU taken from the server being measured.
 */
const agent = new http.Agent({ keepAlive: true });

function send(url: string, init: BenchRequest): Promise<{ status: number; location: string | null }> {
  return new Promise((resolve, reject) => {
    // A length, as a browser sends with a form or fetch with a text body, rather than a chunked body.
    const length = init.body === undefined ? {} : { "content-length": String(Buffer.byteLength(init.body)) };
    // Asks for compressed pages as browsers (and fetch) do over plain HTTP, so the app compresses them as it
    // would for a guest (the body is timed as it arrives; unpacking it is the guest's device's work).
    const headers = { "accept-encoding": "gzip, deflate", ...init.headers, ...length };
    const req = http.request(url, { agent, method: init.method ?? "GET", headers, timeout: TIMEOUT_MS }, (res) => {
      // Read to the end: the timing is until the whole body has arrived, and only then is the connection free.
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: (res.headers.location as string | undefined) ?? null }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on("error", (error: NodeJS.ErrnoException) => {
      // The server may close an idle kept-alive connection just as a request goes out on it: a browser sends
      // that request again on a new connection, and so does this (the time lost stays in the sample).
      if (req.reusedSocket && error.code === "ECONNRESET") send(url, init).then(resolve, reject);
      else reject(error);
    });
    req.end(init.body);
  });
}

/**
 * One request with the timing a guest's browser would see: until the whole body has arrived. Redirects are
 * not followed, because the 303 and where it points are what is being measured.
 */
export async function timedRequest(url: string, init: BenchRequest = {}): Promise<Sample> {
  const t0 = performance.now();
  try {
    const { status, location } = await send(url, init);
    return { status, location, ms: performance.now() - t0 };
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

export const answerForm = (answer: "accept" | "decline"): BenchRequest => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ answer }).toString(),
});
