import type { ActionResult } from "@/components/events/types";

/** The runtime switches as the settings page shows them; times already formatted on the server. */
export interface RuntimeState {
  halted: boolean;
  /** "3 Dec 2026, 14:05 UTC" */
  haltedAt: string | null;
  haltedBy: string | null;
  /** Why, when the burn guard halted. */
  haltedReason: string | null;
  simulation: boolean;
}

export type SetSwitchAction = (on: boolean) => Promise<ActionResult>;
