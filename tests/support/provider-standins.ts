import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * Local stand-ins for the SendGrid and Resend HTTP APIs. They answer like the real services for the calls
 * Herald makes (status codes, error bodies, rate-limit headers, Resend's idempotency replay) and can be told
 * at run time to misbehave, so adapters, the engine and benchmarks exercise real HTTP without the internet.
 */

export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  idempotencyKey: string | null;
  /** Parsed JSON, the raw text when it is not JSON, or null when bodies are not recorded. */
  body: unknown;
  receivedAt: number;
  /** The status answered, or null while the request is still hanging or waiting out its latency. */
  status: number | null;
  /** Answered from Resend's idempotency store: the provider sends nothing for it. */
  replayed: boolean;
}

export interface StandinBehaviour {
  /**
   * Answer every send with this status and the provider's own error body for it (2xx = normal success).
   * 400: an invalid-recipient error; 401/403: auth errors; 429: rate limited (see retryAfterSeconds);
   * 5xx: server error.
   */
  status?: number;
  /** Sent as Retry-After (and the provider's reset header) with 429 answers. */
  retryAfterSeconds?: number;
  /** Replaces the error body for `status`. */
  body?: unknown;
  /** Never answer; the request stays open until the client gives up or the stand-in closes. */
  hang?: boolean;
  /** Wait this long before answering anything. */
  latencyMs?: number;
  /** Admit this many sends in any sliding second; the rest get 429 with Retry-After. */
  rateLimitPerSecond?: number;
  /** Accepted sends allowed since start / resetQuota(); beyond it the provider's quota error. */
  dailyQuota?: number;
}

export interface StandinOptions {
  /** When set, any other bearer token is refused like the real API refuses a wrong key. */
  apiKey?: string;
  behaviour?: StandinBehaviour;
  /** Keep parsed bodies (default true); benchmarks sending thousands of emails can turn this off. */
  recordBodies?: boolean;
}

export interface ProviderStandin {
  /** The base URL to configure the adapter with. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Sends the stand-in accepted (2xx), replays of an idempotency key not counted twice. */
  readonly accepted: number;
  setBehaviour(behaviour: StandinBehaviour): void;
  /** "Fail with 5xx from now on", keeping the rest of the current behaviour. */
  failFromNow(status?: number): void;
  resetQuota(): void;
  /** Forget recorded requests (counters too); behaviour and quota usage stay. */
  clear(): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Flavour {
  sendPath: string;
  /** Authorization check; null when the key is acceptable. */
  checkAuth(authorization: string | undefined, apiKey: string | undefined): Answer | null;
  validate(body: unknown): Answer | null;
  success(seq: number, body: unknown, idempotencyKey: string | null, replay: ReplayStore): Answer & { counted: boolean };
  errorFor(status: number): Answer;
  rateLimited(retryAfterSeconds: number, limit: number, nowMs: number): Answer;
  quotaExceeded(): Answer;
}

type ReplayStore = Map<string, { fingerprint: string; answer: Answer }>;

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

const sendgrid: Flavour = {
  sendPath: "/v3/mail/send",
  checkAuth(authorization, apiKey) {
    if (!authorization?.startsWith("Bearer ")) {
      return sendgridError(401, "authorization required");
    }
    if (apiKey !== undefined && authorization !== `Bearer ${apiKey}`) {
      return sendgridError(401, "The provided authorization grant is invalid, expired, or revoked");
    }
    return null;
  },
  validate(body) {
    const personalizations = isObject(body) && Array.isArray(body.personalizations) ? body.personalizations : null;
    if (!personalizations?.length) {
      return sendgridError(400, "The personalizations field is required and must have at least one personalization.", "personalizations");
    }
    for (const [i, p] of personalizations.entries()) {
      const to = isObject(p) && Array.isArray(p.to) ? p.to : [];
      for (const [j, recipient] of to.entries()) {
        const email = isObject(recipient) ? recipient.email : undefined;
        if (typeof email !== "string" || !EMAIL.test(email)) {
          return sendgridError(400, "Does not contain a valid address.", `personalizations.${i}.to.${j}.email`);
        }
      }
    }
    return null;
  },
  success(seq) {
    return { status: 202, headers: { "x-message-id": `sg-standin-${seq}` }, counted: true };
  },
  errorFor(status) {
    switch (status) {
      case 400:
        return sendgridError(400, "Does not contain a valid address.", "personalizations.0.to.0.email");
      case 401:
        return sendgridError(401, "The provided authorization grant is invalid, expired, or revoked");
      case 403:
        return sendgridError(403, "access forbidden");
      case 413:
        return sendgridError(413, "Payload Too Large");
      case 429:
        return sendgridError(429, "too many requests");
      default:
        return status >= 500
          ? sendgridError(status, "internal server error")
          : sendgridError(status, `error ${status}`);
    }
  },
  rateLimited(retryAfterSeconds, limit, nowMs) {
    const answer = sendgridError(429, "too many requests");
    answer.headers = {
      "retry-after": String(retryAfterSeconds),
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(Math.ceil(nowMs / 1000) + retryAfterSeconds),
    };
    return answer;
  },
  quotaExceeded() {
    // What SendGrid really answers when an account's credits run out.
    return sendgridError(401, "Maximum credits exceeded");
  },
};

function sendgridError(status: number, message: string, field: string | null = null): Answer {
  return { status, body: { errors: [{ message, field, help: null }] } };
}

const resend: Flavour = {
  sendPath: "/emails",
  checkAuth(authorization, apiKey) {
    if (!authorization?.startsWith("Bearer ") || authorization === "Bearer ") {
      return resendError(401, "missing_api_key", "Missing API key in the authorization header.");
    }
    if (apiKey !== undefined && authorization !== `Bearer ${apiKey}`) {
      return resendError(403, "invalid_api_key", "API key is invalid.");
    }
    return null;
  },
  validate(body) {
    if (!isObject(body)) return resendError(422, "validation_error", "Invalid JSON body.");
    for (const field of ["from", "to", "subject"] as const) {
      if (body[field] === undefined) {
        return resendError(422, "missing_required_field", `Missing \`${field}\` field.`);
      }
    }
    const to = Array.isArray(body.to) ? body.to : [body.to];
    for (const recipient of to) {
      if (typeof recipient !== "string" || !EMAIL.test(bareAddress(recipient))) {
        return resendError(
          422,
          "validation_error",
          "Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.",
        );
      }
    }
    return null;
  },
  success(seq, body, idempotencyKey, replay) {
    if (idempotencyKey !== null) {
      const fingerprint = createHash("sha256").update(JSON.stringify(body)).digest("hex");
      const earlier = replay.get(idempotencyKey);
      if (earlier) {
        // Resend answers a repeated key with the first result, or 409 if the payload changed.
        if (earlier.fingerprint !== fingerprint) {
          return {
            ...resendError(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload."),
            counted: false,
          };
        }
        return { ...earlier.answer, counted: false };
      }
      const answer: Answer = { status: 200, body: { id: `re-standin-${seq}` } };
      replay.set(idempotencyKey, { fingerprint, answer });
      return { ...answer, counted: true };
    }
    return { status: 200, body: { id: `re-standin-${seq}` }, counted: true };
  },
  errorFor(status) {
    switch (status) {
      case 400:
        return resendError(
          400,
          "validation_error",
          "Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.",
        );
      case 401:
        return resendError(401, "missing_api_key", "Missing API key in the authorization header.");
      case 403:
        return resendError(403, "invalid_api_key", "API key is invalid.");
      case 422:
        return resendError(422, "validation_error", "We found an error with one or more fields in the request.");
      case 429:
        return resendError(429, "rate_limit_exceeded", "Too many requests. You can only make 2 requests per second.");
      default:
        return status >= 500
          ? resendError(status, "internal_server_error", "An unexpected error occurred.")
          : resendError(status, "application_error", `error ${status}`);
    }
  },
  rateLimited(retryAfterSeconds, limit) {
    const answer = resendError(429, "rate_limit_exceeded", `Too many requests. You can only make ${limit} requests per second.`);
    answer.headers = {
      "retry-after": String(retryAfterSeconds),
      "ratelimit-limit": String(limit),
      "ratelimit-remaining": "0",
      "ratelimit-reset": String(retryAfterSeconds),
    };
    return answer;
  },
  quotaExceeded() {
    return resendError(429, "daily_quota_exceeded", "You have reached your daily email sending quota.");
  },
};

function resendError(status: number, name: string, message: string): Answer {
  return { status, body: { statusCode: status, name, message } };
}

function bareAddress(value: string): string {
  const angle = /<([^>]*)>\s*$/.exec(value);
  return (angle?.[1] ?? value).trim();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function startSendgridStandin(options: StandinOptions = {}): Promise<ProviderStandin> {
  return startStandin(sendgrid, options);
}

export function startResendStandin(options: StandinOptions = {}): Promise<ProviderStandin> {
  return startStandin(resend, options);
}

async function startStandin(flavour: Flavour, options: StandinOptions): Promise<ProviderStandin> {
  let behaviour: StandinBehaviour = { ...options.behaviour };
  const recordBodies = options.recordBodies ?? true;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const replay: ReplayStore = new Map();
  /** Arrival times of admitted sends within the last second, oldest first. */
  let window: number[] = [];
  let seq = 0;
  let connections = 0;
  let accepted = 0;
  let quotaUsed = 0;
  let closed = false;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  server.on("connection", (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  function handle(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    seq += 1;
    const receivedAt = Date.now();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    let body: unknown = rawBody;
    try {
      body = rawBody ? JSON.parse(rawBody) : null;
    } catch {
      // Kept as text: a malformed body is itself worth seeing in a failing test.
    }
    const record: RecordedRequest = {
      seq,
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers,
      idempotencyKey: headers["idempotency-key"] ?? null,
      body: recordBodies ? body : null,
      receivedAt,
      status: null,
      replayed: false,
    };
    requests.push(record);

    const current = behaviour;
    if (current.hang) return;
    const answer = decide(record, body, current, receivedAt);
    const respond = () => {
      if (closed || res.writableEnded) return;
      record.status = answer.status;
      const payload = answer.body === undefined ? "" : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        ...(payload ? { "content-type": "application/json" } : {}),
        ...answer.headers,
      });
      res.end(payload);
    };
    if (current.latencyMs && current.latencyMs > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond();
      }, current.latencyMs);
      timers.add(timer);
    } else {
      respond();
    }
  }

  function decide(record: RecordedRequest, body: unknown, current: StandinBehaviour, nowMs: number): Answer {
    if (record.method !== "POST" || record.path.split("?")[0] !== flavour.sendPath) {
      return { status: 404, body: { message: "not found" } };
    }
    const authProblem = flavour.checkAuth(record.headers.authorization, options.apiKey);
    if (authProblem) return authProblem;
    if (current.rateLimitPerSecond !== undefined) {
      window = window.filter((t) => nowMs - t < 1000);
      if (window.length >= current.rateLimitPerSecond) {
        const oldest = window[0] ?? nowMs;
        const retryAfter = Math.max(1, Math.ceil((oldest + 1000 - nowMs) / 1000));
        return flavour.rateLimited(retryAfter, current.rateLimitPerSecond, nowMs);
      }
      window.push(nowMs);
    }
    if (current.status !== undefined && (current.status < 200 || current.status >= 300)) {
      const answer = flavour.errorFor(current.status);
      if (current.body !== undefined) answer.body = current.body;
      if (current.status === 429 && current.retryAfterSeconds !== undefined) {
        answer.headers = { ...answer.headers, "retry-after": String(current.retryAfterSeconds) };
      }
      return answer;
    }
    const invalid = flavour.validate(body);
    if (invalid) return invalid;
    if (current.dailyQuota !== undefined && quotaUsed >= current.dailyQuota) return flavour.quotaExceeded();
    const success = flavour.success(record.seq, body, record.idempotencyKey, replay);
    if (success.counted) {
      quotaUsed += 1;
      accepted += 1;
    } else {
      record.replayed = true;
    }
    return success;
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return connections;
    },
    get accepted() {
      return accepted;
    },
    setBehaviour(next) {
      behaviour = { ...next };
    },
    failFromNow(status = 503) {
      behaviour = { ...behaviour, status };
    },
    resetQuota() {
      quotaUsed = 0;
    },
    clear() {
      requests.length = 0;
      window = [];
      replay.clear();
      connections = 0;
      accepted = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      // Hanging and keep-alive connections would hold close() open indefinitely.
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await done;
    },
  };
}
