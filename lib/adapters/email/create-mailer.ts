import { parseProviderConnection, type ProviderConnectionInput } from "@/lib/domain/providers/connection";
import type { Mailer } from "@/lib/ports/mailer";
import { createResendMailer } from "./resend";
import { createSendgridMailer } from "./sendgrid";
import type { MailerOptions } from "./shared";
import { createSimulatedMailer } from "./simulated";
import { createSmtpMailer } from "./smtp";

export interface CreateMailerOptions extends MailerOptions {
  /** Simulation mode: validate the connection but return a mailer that never opens one. */
  simulate?: boolean;
  simulatedLatencyMs?: number;
}

/**
 * The one place a provider connection becomes a Mailer. Throws ProviderConnectionError (naming fields, never
 * values) when the connection is invalid.
 */
export function createMailer(connection: ProviderConnectionInput, options: CreateMailerOptions = {}): Mailer {
  const parsed = parseProviderConnection(connection);
  if (options.simulate) {
    return createSimulatedMailer(
      options.simulatedLatencyMs === undefined ? {} : { latencyMs: options.simulatedLatencyMs },
    );
  }
  switch (parsed.kind) {
    case "smtp":
      return createSmtpMailer(parsed);
    case "sendgrid":
      return createSendgridMailer(parsed, options);
    case "resend":
      return createResendMailer(parsed, options);
  }
}
