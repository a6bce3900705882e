import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerSession } from "smtp-server";

/**
 * An in-process SMTP server that keeps every message it receives and can be told to refuse with specific
 * reply codes, so the SMTP adapter, the engine and benchmarks see real SMTP sessions (pooling, TLS, AUTH,
 * 4xx/5xx at each stage) without a mail server.
 */

export interface CaughtMessage {
  seq: number;
  /** MAIL FROM address. */
  from: string;
  /** RCPT TO addresses that were accepted. */
  to: string[];
  /** Lower-cased header names; a repeated header keeps its first value (see rawHeaders for all). */
  headers: Record<string, string>;
  rawHeaders: [name: string, value: string][];
  messageId: string | null;
  subject: string | null;
  /** The whole message as received (CRLF line ends), unless raw recording is off. */
  raw: string;
  receivedAt: number;
  /** AUTH user of the session, if it authenticated. */
  user: string | null;
  /** The client asked for SMTPUTF8 in MAIL FROM (RFC 6531), as it must for a non-ASCII address. */
  smtpUtf8: boolean;
  /**
   * MAIL FROM and every RCPT TO exactly as the client sent them. `from` and `to` above come from smtp-server,
   * which decodes punycode domains to Unicode; this is what was on the wire.
   */
  wire: WireEnvelope;
}

export interface WireEnvelope {
  mailFrom: string;
  rcptTo: string[];
}

export interface SmtpReply {
  code: number;
  message?: string;
}

/** Where in the session a refusal is given ("auth" only applies to clients that authenticate). */
export type SmtpStage = "connect" | "auth" | "mail" | "rcpt" | "data";

export interface SmtpCatcherOptions {
  /** Require AUTH with these credentials; a wrong password gets 535 like a real server. */
  auth?: { user: string; pass: string };
  /** Offer STARTTLS with smtp-server's built-in self-signed certificate. Off by default. */
  starttls?: boolean;
  /** Keep the raw message text (default true). */
  recordRaw?: boolean;
  /** Offer SMTPUTF8 in the EHLO answer (default true), like most current relays. */
  smtpUtf8?: boolean;
  /** The address to listen on (default 127.0.0.1); another interface's address stands for a remote relay. */
  listenHost?: string;
}

export interface SmtpCatcher {
  readonly host: string;
  readonly port: number;
  readonly messages: CaughtMessage[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Refuse the next `count` messages with `reply` at `stage` (default: MAIL FROM). */
  failNext(count: number, reply: SmtpReply, stage?: SmtpStage): void;
  /** Refuse this recipient at RCPT TO until cleared. */
  failRecipient(address: string, reply: SmtpReply): void;
  /** Never answer the end of DATA (until closed or set back to false). */
  hang(on: boolean): void;
  /** Wait this long before accepting each message. */
  setLatency(ms: number): void;
  /** Resolves once at least `count` messages were caught. */
  waitForMessages(count: number, timeoutMs?: number): Promise<CaughtMessage[]>;
  /** Forget messages, scripted failures, hang and latency. */
  reset(): void;
  close(): Promise<void>;
}

interface ScriptedFailure {
  remaining: number;
  reply: SmtpReply;
  stage: SmtpStage;
}

type SmtpError = Error & { responseCode: number };

function smtpError(reply: SmtpReply): SmtpError {
  const error = new Error(reply.message ?? defaultText(reply.code)) as SmtpError;
  error.responseCode = reply.code;
  return error;
}

function defaultText(code: number): string {
  switch (code) {
    case 421:
      return "Service not available, try again later";
    case 451:
      return "Requested action aborted: local error in processing";
    case 452:
      return "Insufficient system storage";
    case 535:
      return "Authentication credentials invalid";
    case 550:
      return "Mailbox unavailable";
    case 553:
      return "Mailbox name not allowed";
    default:
      return code >= 500 ? "Permanent failure" : "Temporary failure";
  }
}

export async function startSmtpCatcher(options: SmtpCatcherOptions = {}): Promise<SmtpCatcher> {
  const recordRaw = options.recordRaw ?? true;
  const listenHost = options.listenHost ?? "127.0.0.1";
  const messages: CaughtMessage[] = [];
  const waiters = new Set<{ count: number; resolve: () => void }>();
  const recipientFailures = new Map<string, SmtpReply>();
  let scripted: ScriptedFailure | null = null;
  let hanging = false;
  let latencyMs = 0;
  let connections = 0;
  let seq = 0;
  const pendingTimers = new Set<ReturnType<typeof setTimeout>>();
  const wireByConnection = new Map<string, WireEnvelope>();

  /**
   * smtp-server reports each command line it receives, by connection id, to a bunyan-style logger at debug level:
   * the only place the envelope appears as sent. Nothing else is logged.
   */
  const commandRecorder = {
    debug(entry: { tnx?: unknown; cid?: unknown }, _message: unknown, line?: unknown) {
      if (entry.tnx !== "command" || typeof entry.cid !== "string" || typeof line !== "string") return;
      const mailFrom = /^MAIL FROM:\s*<([^>]*)>/i.exec(line)?.[1];
      const rcptTo = /^RCPT TO:\s*<([^>]*)>/i.exec(line)?.[1];
      if (mailFrom !== undefined) wireByConnection.set(entry.cid, { mailFrom, rcptTo: [] });
      else if (rcptTo !== undefined) wireByConnection.get(entry.cid)?.rcptTo.push(rcptTo);
    },
    trace() {},
    info() {},
    warn() {},
    error() {},
    fatal() {},
  };

  /** Takes one scripted failure if it applies at this stage; each message consumes at most one. */
  function scriptedAt(stage: SmtpStage, session: SMTPServerSession | null): SmtpReply | null {
    if (!scripted || scripted.stage !== stage || scripted.remaining <= 0) return null;
    // A message is counted once, at the stage the failure was scripted for; RCPT is per recipient, so
    // only the first recipient of a transaction consumes it.
    if (stage === "rcpt" && session && session.envelope.rcptTo.length > 0) return null;
    scripted.remaining -= 1;
    const reply = scripted.reply;
    if (scripted.remaining === 0) scripted = null;
    return reply;
  }

  const server = new SMTPServer({
    // Also keeps smtp-server's default certificate warning off stderr.
    logger: commandRecorder,
    secure: false,
    authOptional: options.auth === undefined,
    allowInsecureAuth: true,
    disabledCommands: options.starttls ? [] : ["STARTTLS"],
    hideSMTPUTF8: options.smtpUtf8 === false,
    disableReverseLookup: true,
    size: 25 * 1024 * 1024,
    socketTimeout: 30_000,
    onConnect(session, callback) {
      connections += 1;
      const reply = scriptedAt("connect", null);
      callback(reply ? smtpError(reply) : null);
    },
    onAuth(auth, _session, callback) {
      const reply = scriptedAt("auth", null);
      if (reply) {
        callback(smtpError(reply));
        return;
      }
      const expected = options.auth;
      if (expected && auth.username === expected.user && auth.password === expected.pass) {
        callback(null, { user: auth.username });
        return;
      }
      callback(smtpError({ code: 535, message: "5.7.8 Authentication credentials invalid" }));
    },
    onMailFrom(_address, session, callback) {
      const reply = scriptedAt("mail", session);
      callback(reply ? smtpError(reply) : null);
    },
    onRcptTo(address, session, callback) {
      const perRecipient = recipientFailures.get(address.address.toLowerCase());
      if (perRecipient) {
        callback(smtpError(perRecipient));
        return;
      }
      const reply = scriptedAt("rcpt", session);
      callback(reply ? smtpError(reply) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const reply = scriptedAt("data", session);
        if (reply) {
          callback(smtpError(reply));
          return;
        }
        if (hanging) return;
        const accept = () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          const message = parseMessage(raw, recordRaw);
          seq += 1;
          messages.push({
            seq,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            ...message,
            receivedAt: Date.now(),
            user: typeof session.user === "string" ? session.user : null,
            smtpUtf8: session.envelope.smtpUtf8 === true,
            wire: wireByConnection.get(session.id) ?? { mailFrom: "", rcptTo: [] },
          });
          for (const waiter of waiters) {
            if (messages.length >= waiter.count) {
              waiters.delete(waiter);
              waiter.resolve();
            }
          }
          callback(null, `OK: queued as catcher-${seq}`);
        };
        if (latencyMs > 0) {
          const timer = setTimeout(() => {
            pendingTimers.delete(timer);
            accept();
          }, latencyMs);
          pendingTimers.add(timer);
        } else {
          accept();
        }
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, listenHost, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    host: listenHost,
    port,
    messages,
    get connections() {
      return connections;
    },
    failNext(count, reply, stage = "mail") {
      scripted = count > 0 ? { remaining: count, reply, stage } : null;
    },
    failRecipient(address, reply) {
      recipientFailures.set(address.toLowerCase(), reply);
    },
    hang(on) {
      hanging = on;
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    waitForMessages(count, timeoutMs = 5_000) {
      if (messages.length >= count) return Promise.resolve(messages.slice());
      return new Promise((resolve, reject) => {
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(messages.slice());
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`expected ${count} messages within ${timeoutMs} ms, got ${messages.length}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    reset() {
      messages.length = 0;
      recipientFailures.clear();
      scripted = null;
      hanging = false;
      latencyMs = 0;
      connections = 0;
    },
    async close() {
      wireByConnection.clear();
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      // smtp-server waits for open sessions (a pooled client keeps them) before calling back.
      for (const connection of server.connections) connection.close();
      await done;
    },
  };
}

/**
 * Just enough of RFC 5322 for assertions: unfolded headers and RFC 2047 encoded words in the subject.
 * Bodies stay raw; `decodeBody` below handles the simple multipart/alternative Herald sends.
 */
function parseMessage(
  raw: string,
  keepRaw: boolean,
): Pick<CaughtMessage, "headers" | "rawHeaders" | "messageId" | "subject" | "raw"> {
  const end = raw.indexOf("\r\n\r\n");
  const head = end === -1 ? raw : raw.slice(0, end);
  const rawHeaders = parseHeaderBlock(head);
  const headers: Record<string, string> = {};
  for (const [name, value] of rawHeaders) {
    const key = name.toLowerCase();
    if (!(key in headers)) headers[key] = value;
  }
  return {
    headers,
    rawHeaders,
    messageId: headers["message-id"] ?? null,
    subject: headers.subject === undefined ? null : decodeEncodedWords(headers.subject),
    raw: keepRaw ? raw : "",
  };
}

function parseHeaderBlock(head: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length > 0) {
      const last = out[out.length - 1];
      if (last) last[1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon > 0) out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return out;
}

export function decodeEncodedWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_match, _charset: string, encoding: string, text: string) => {
      if (encoding.toUpperCase() === "B") return Buffer.from(text, "base64").toString("utf8");
      const bytes = text.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      return Buffer.from(bytes, "latin1").toString("utf8");
    });
}

/**
 * The text and HTML parts of a caught message, transfer-decoded (quoted-printable, base64). Handles one
 * level of multipart, which is what the SMTP adapter produces (multipart/alternative, maybe inside mixed).
 */
export function decodeBody(message: Pick<CaughtMessage, "raw">): { text: string | null; html: string | null } {
  const result: { text: string | null; html: string | null } = { text: null, html: null };
  visitPart(message.raw, result, 0);
  return result;
}

function visitPart(part: string, result: { text: string | null; html: string | null }, depth: number): void {
  const end = part.indexOf("\r\n\r\n");
  const head = end === -1 ? part : part.slice(0, end);
  const body = end === -1 ? "" : part.slice(end + 4);
  const headers = new Map(parseHeaderBlock(head).map(([k, v]) => [k.toLowerCase(), v]));
  const contentType = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (/^multipart\//i.test(contentType) && boundary && depth < 4) {
    const pieces = body.split(`--${boundary}`);
    for (const piece of pieces.slice(1)) {
      if (piece.startsWith("--")) break;
      visitPart(piece.replace(/^\r\n/, ""), result, depth + 1);
    }
    return;
  }
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  const decoded =
    encoding === "base64"
      ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
      : encoding === "quoted-printable"
        ? Buffer.from(
            body
              .replace(/=\r?\n/g, "")
              .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            "latin1",
          ).toString("utf8")
        : body;
  const text = decoded.replace(/\r\n$/, "");
  if (/^text\/html/i.test(contentType) && result.html === null) result.html = text;
  else if (/^text\/plain/i.test(contentType) && result.text === null) result.text = text;
}
