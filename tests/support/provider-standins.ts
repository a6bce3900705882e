import { createHash, createSign, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Webhook } from "standardwebhooks";

/**
 * Local stand-ins for the SendGrid and Resend HTTP APIs. They answer like the real services for the calls
 * Herald makes (status codes, error bodies, rate-limit headers, Resend's idempotency replay) and can be told
 * at run time to misbehave, so adapters, the engine and benchmarks exercise real HTTP without the internet.
 *
 * Given a webhook URL and key, they also report what became of each accepted email the way the real services
 * do: SendGrid's Event Webhook (a JSON array of events, ECDSA-signed over timestamp + body) and Resend's
 * webhooks (one event per post, signed through Svix), retried after a non-2xx answer as the real ones are.
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

/** What the stand-in reports about an accepted email, in order. */
export type WebhookEventKind = "delivered" | "deferred" | "soft_bounce" | "hard_bounce" | "complaint";

export interface StandinWebhooks {
  /** Where to post (Herald's /api/webhooks/<provider>). */
  url: string;
  /** SendGrid: the ECDSA P-256 private key it signs with. Resend: the whsec_ signing secret. */
  key: KeyObject | string;
  /** The events for an email to `to`; by default one "delivered". */
  eventsFor?: (to: string) => WebhookEventKind[];
  /** Before the first post of an email's events (the real services take seconds). */
  delayMs?: number;
  /** Pause before posting again after a non-2xx answer, and how many posts in all. */
  retryDelayMs?: number;
  maxPosts?: number;
}

export interface WebhookPost {
  body: string;
  /** The answers to each post of this body, in order. */
  statuses: number[];
}

export interface StandinOptions {
  /** Report what became of accepted emails through signed webhooks. */
  webhooks?: StandinWebhooks;
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
  /** Webhook posts made so far (with their retries). */
  readonly webhookPosts: WebhookPost[];
  /** Resolves once every webhook scheduled so far has been answered 2xx or given up on. */
  webhooksSettled(): Promise<void>;
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
  /** The signed posts reporting `events` about an accepted send (`body` as sent, `seq` its message number). */
  webhookPosts(body: unknown, seq: number, events: WebhookEventKind[], key: KeyObject | string): SignedPost[];
  /** The recipient of a send body. */
  recipient(body: unknown): string;
}

export interface SignedPost {
  body: string;
  headers: Record<string, string>;
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
  recipient(body) {
    const p = isObject(body) && Array.isArray(body.personalizations) ? body.personalizations[0] : null;
    const to = isObject(p) && Array.isArray(p.to) && isObject(p.to[0]) ? p.to[0].email : null;
    return typeof to === "string" ? to : "";
  },
  webhookPosts(body, seq, events, key) {
    const args = isObject(body) && isObject(body.custom_args) ? body.custom_args : {};
    const email = this.recipient(body);
    const timestamp = Math.floor(Date.now() / 1000);
    // One batch per email here; SendGrid batches whatever happened within ~30 s.
    const batch = events.map((kind) => ({
      ...sendgridEvent(kind, email, timestamp, `sg-standin-${seq}`),
      ...args,
    }));
    return [signSendgridWebhook(key as KeyObject, JSON.stringify(batch))];
  },
};

/** One SendGrid event as its Event Webhook reports it. */
export function sendgridEvent(kind: WebhookEventKind, email: string, timestamp: number, messageId: string): Record<string, unknown> {
  const common = { email, timestamp, "smtp-id": `<${messageId}@standin>`, sg_event_id: randomBytes(16).toString("base64url"), sg_message_id: `${messageId}.filter0001` };
  switch (kind) {
    case "delivered":
      return { ...common, event: "delivered", response: "250 2.0.0 OK", ip: "127.0.0.1" };
    case "deferred":
      return { ...common, event: "deferred", response: "451 4.7.1 Try again later", attempt: "1" };
    case "soft_bounce":
      return { ...common, event: "bounce", type: "blocked", status: "4.2.2", reason: "452 4.2.2 Mailbox full", bounce_classification: "Unclassified" };
    case "hard_bounce":
      return { ...common, event: "bounce", type: "bounce", status: "5.1.1", reason: "550 5.1.1 The email account that you tried to reach does not exist", bounce_classification: "Invalid Address" };
    case "complaint":
      return { ...common, event: "spamreport" };
  }
}

/** A SendGrid Event Webhook post: ECDSA (P-256, SHA-256) over the timestamp followed by the body. */
export function signSendgridWebhook(privateKey: KeyObject, body: string, timestamp = Math.floor(Date.now() / 1000)): SignedPost {
  const signature = createSign("sha256").update(`${timestamp}${body}`).sign(privateKey).toString("base64");
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-twilio-email-event-webhook-signature": signature,
      "x-twilio-email-event-webhook-timestamp": String(timestamp),
    },
  };
}

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
  recipient(body) {
    const to = isObject(body) ? (Array.isArray(body.to) ? body.to[0] : body.to) : null;
    return typeof to === "string" ? bareAddress(to) : "";
  },
  webhookPosts(body, seq, events, key) {
    const tags = isObject(body) && Array.isArray(body.tags) ? body.tags : [];
    const data = {
      email_id: `re-standin-${seq}`,
      from: isObject(body) && typeof body.from === "string" ? body.from : "",
      to: [this.recipient(body)],
      subject: isObject(body) && typeof body.subject === "string" ? body.subject : "",
      created_at: new Date().toISOString(),
      tags: Object.fromEntries(tags.filter(isObject).map((t) => [String(t.name), String(t.value)])),
    };
    return events.map((kind) => signResendWebhook(key as string, `msg_${randomUUID()}`, JSON.stringify(resendEvent(kind, data))));
  },
};

/** One Resend webhook event about an email (`data` as Resend describes the email). */
export function resendEvent(kind: WebhookEventKind, data: Record<string, unknown>): Record<string, unknown> {
  const created_at = new Date().toISOString();
  switch (kind) {
    case "delivered":
      return { type: "email.delivered", created_at, data };
    case "deferred":
      return { type: "email.delivery_delayed", created_at, data };
    case "soft_bounce":
      return { type: "email.bounced", created_at, data: { ...data, bounce: { type: "Transient", subType: "MailboxFull", message: "The recipient's mailbox is full." } } };
    case "hard_bounce":
      return {
        type: "email.bounced",
        created_at,
        data: { ...data, bounce: { type: "Permanent", subType: "General", message: "The recipient's email provider sent a hard bounce message." } },
      };
    case "complaint":
      return { type: "email.complained", created_at, data };
  }
}

/** A Resend webhook post, signed through Svix (Standard Webhooks) with the endpoint's whsec_ secret. */
export function signResendWebhook(secret: string, messageId: string, body: string, at = new Date()): SignedPost {
  const signature = new Webhook(secret).sign(messageId, at, body);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "svix-id": messageId,
      "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
      "svix-signature": signature,
    },
  };
}

/** Keys as each service hands them out: SendGrid's verification key (base64 DER) with its private half, Resend's secret. */
export function standinWebhookKeys(): { sendgrid: { privateKey: KeyObject; verificationKey: string }; resend: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    sendgrid: { privateKey, verificationKey: publicKey.export({ type: "spki", format: "der" }).toString("base64") },
    resend: `whsec_${randomBytes(24).toString("base64")}`,
  };
}

/** Posts a signed webhook, the way the services do: a plain POST whose answer's status is all that matters. */
export async function postWebhook(url: string, post: SignedPost): Promise<number> {
  const response = await fetch(url, { method: "POST", headers: post.headers, body: post.body });
  await response.arrayBuffer();
  return response.status;
}

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
  const webhookPosts: WebhookPost[] = [];
  const inFlightWebhooks = new Set<Promise<void>>();

  /** Posts one signed body until it is answered 2xx, the way the services retry (here in milliseconds). */
  async function deliver(config: StandinWebhooks, post: SignedPost): Promise<void> {
    const record: WebhookPost = { body: post.body, statuses: [] };
    webhookPosts.push(record);
    for (let attempt = 1; attempt <= (config.maxPosts ?? 20) && !closed; attempt++) {
      const status = await postWebhook(config.url, post).catch(() => 0);
      record.statuses.push(status);
      if (status >= 200 && status < 300) return;
      await new Promise((r) => setTimeout(r, config.retryDelayMs ?? 250));
    }
  }

  function report(body: unknown, seq: number): void {
    const config = options.webhooks;
    if (!config) return;
    const events = config.eventsFor?.(flavour.recipient(body)) ?? ["delivered"];
    if (events.length === 0) return;
    const task = (async () => {
      await new Promise((r) => setTimeout(r, config.delayMs ?? 0));
      // One post per Resend event; SendGrid reports an email's events in one batch.
      for (const post of flavour.webhookPosts(body, seq, events, config.key)) await deliver(config, post);
    })();
    inFlightWebhooks.add(task);
    void task.finally(() => inFlightWebhooks.delete(task));
  }

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
      report(body, record.seq);
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
    webhookPosts,
    async webhooksSettled() {
      while (inFlightWebhooks.size > 0) await Promise.all([...inFlightWebhooks]);
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
