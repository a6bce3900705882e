import type { Mailer, OutgoingEmail, SendResult } from "@/lib/ports/mailer";

export interface SimulatedMailerOptions {
  /** Pretend each send takes this long, so simulation runs show realistic pacing. */
  latencyMs?: number;
}

/**
 * Simulation mode: the whole pipeline runs (render, audit, job states) but nothing leaves the process.
 * It holds no connection, so it cannot reach a provider even if handed a real configuration by mistake.
 */
export function createSimulatedMailer(options: SimulatedMailerOptions = {}): Mailer {
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  return {
    kind: "simulated",
    async send(email: OutgoingEmail): Promise<SendResult> {
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      // Derived from the idempotency key so a simulated re-send reports the same id, like Resend would.
      return { ok: true, providerMessageId: `simulated:${email.idempotencyKey}`, latencyMs };
    },
    async close(): Promise<void> {},
  };
}
