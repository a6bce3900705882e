import { handleWebhook } from "@/lib/server/webhooks";

/** SendGrid's Event Webhook (signed): delivery, bounce, drop, deferral and spam-report events. */
export function POST(request: Request): Promise<Response> {
  return handleWebhook(request, "sendgrid");
}
