import type { OutgoingEmail } from "@/lib/ports/mailer";

let counter = 0;

/** A complete email for adapter tests; every call gets its own idempotency key and Message-ID. */
export function testEmail(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  counter += 1;
  const id = `job-${process.pid}-${counter}`;
  return {
    from: { email: "events@herald.test", name: "Herald Events" },
    to: { email: "guest@example.com", name: "Ada Guest" },
    subject: "You're invited: Launch party",
    html: '<p>Hello Ada, <a href="https://herald.test/i/abc">open your invitation</a></p>',
    text: "Hello Ada, open your invitation (https://herald.test/i/abc)",
    idempotencyKey: `idem-${id}`,
    messageId: `<${id}@herald.test>`,
    ...overrides,
  };
}
