import type { ProviderReport, WebhookProvider } from "../domain/delivery/reports";

/** A request as a webhook handler sees it: the raw body (signatures cover its exact bytes) and its headers. */
export interface WebhookRequest {
  body: string;
  header(name: string): string | null;
}

export interface ParsedWebhook {
  reports: ProviderReport[];
  /** Events Herald has no use for (opens, clicks, "processed", another app's mail on the same account). */
  ignored: number;
}

/**
 * Each provider's webhook format behind one port: signature checks with the provider's own library, and its
 * events normalised into ProviderReports. The service decides what they change.
 */
export interface WebhookReader {
  /** True when `request` carries a valid signature made with the provider's key (or secret) `key`. */
  verify(provider: WebhookProvider, key: string, request: WebhookRequest): boolean;
  /** The reports in a verified request, or null when its body is not the provider's format. */
  parse(provider: WebhookProvider, request: WebhookRequest): ParsedWebhook | null;
}
