import type { ActionResult } from "@/components/events/types";
import type { ProviderFormFields, ProviderKind } from "@/lib/domain/providers/form";

/**
 * What the provider pages' client components receive and what their server actions return. Times arrive
 * already formatted (in the provider's own time zone) so server and browser render the same text.
 */

export type ProviderStatus = "healthy" | "failing" | "disabled" | "circuit_open" | "half_open" | "quota_exhausted" | "rate_limited";

export interface ProviderCardData {
  id: string;
  name: string;
  kind: ProviderKind;
  enabled: boolean;
  priority: number;
  /** "Herald Events <events@example.com>" */
  from: string;
  /** Host and port, or the API address: enough to recognise the connection, nothing secret. */
  endpoint: string;
  hasSecret: boolean;
  health: {
    status: ProviderStatus;
    /** "Circuit open until 14:05 UTC (in 3 min)" */
    label: string;
    details: string[];
  };
  quota: {
    sent: number;
    /** null: no daily limit. */
    limit: number | null;
    /** "00:00 UTC (in 5 h 12 min)" */
    resetsAt: string;
  };
}

/** A test send's outcome as the adapter normalised it: never a credential, never a stack. */
export type TestSendView =
  | { ok: true; latencyMs: number; providerMessageId: string | null }
  | { ok: false; errorClass: string; message: string; status: string | null; latencyMs: number };

export type SaveProviderAction = (id: string | null, fields: ProviderFormFields) => Promise<ActionResult<{ id: string }>>;
export type SetProviderEnabledAction = (id: string, enabled: boolean) => Promise<ActionResult>;
export type ProviderIdAction = (id: string) => Promise<ActionResult>;
export type SendTestEmailAction = (id: string, to: string) => Promise<ActionResult<{ result: TestSendView }>>;

export interface ProviderActions {
  setEnabled: SetProviderEnabledAction;
  reenable: ProviderIdAction;
  remove: ProviderIdAction;
  sendTest: SendTestEmailAction;
}
