import { handleWebhook } from "@/lib/server/webhooks";

/** Resend's webhooks (signed through Svix): delivered, delayed, bounced, complained, failed and suppressed emails. */
export function POST(request: Request): Promise<Response> {
  return handleWebhook(request, "resend");
}
