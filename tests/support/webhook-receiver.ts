import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { webhookReader } from "@/lib/adapters/email/webhooks";
import type { MeteredFirestore } from "@/lib/adapters/firestore/db";
import { WEBHOOK_PROVIDERS, type WebhookProvider } from "@/lib/domain/delivery/reports";
import type { Clock } from "@/lib/ports/clock";
import { statusFor } from "@/lib/services/errors";
import { receiveWebhook, WebhookKeyring, type WebhookReceipt } from "@/lib/services/webhooks";

/**
 * Herald's webhook endpoints for integration tests, which run without Next: a plain HTTP server at
 * /api/webhooks/<provider> calling the same service, reader and keyring the route handler does, answering with
 * the same statuses (401 bad signature, 400 not the format, 200 once the reports are in the webhook inbox). The route's own behaviour (body limit, rate limit) is tested against the built app.
 */
export interface WebhookReceiver {
  url(provider: WebhookProvider): string;
  /** Every answer given, in order. */
  readonly answers: { provider: WebhookProvider; status: number; summary: WebhookReceipt | null }[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(db: MeteredFirestore, clock: Clock, credentialsKey: string): Promise<WebhookReceiver> {
  const keyring = new WebhookKeyring(db, credentialsKey, clock, () => undefined);
  const answers: WebhookReceiver["answers"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const provider = /^\/api\/webhooks\/(\w+)$/.exec(req.url ?? "")?.[1] as WebhookProvider | undefined;
      if (!provider || !WEBHOOK_PROVIDERS.includes(provider) || req.method !== "POST") {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      const header = (name: string) => {
        const value = req.headers[name.toLowerCase()];
        return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
      };
      receiveWebhook({ db, clock }, { keyring, reader: webhookReader }, provider, { body, header }).then(
        (result) => {
          const status = !result.ok ? statusFor(result.code) : 200;
          answers.push({ provider, status, summary: result.ok ? result : null });
          res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(result));
        },
        (error: Error) => {
          answers.push({ provider, status: 500, summary: null });
          res.writeHead(500).end(error.message);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (provider) => `http://127.0.0.1:${port}/api/webhooks/${provider}`,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
