/**
 * The local mail catcher's inbox (maildev's REST API), read by the specs that follow an email from the queue to
 * the guest: what arrived, for whom, and the invitation link inside.
 */
const INBOX = process.env.HERALD_TEST_INBOX_URL ?? "http://127.0.0.1:1180";

export interface InboxEmail {
  subject: string;
  text?: string;
  html?: string;
  to: { address: string }[];
  attachments?: { contentType: string; fileName?: string; generatedFileName?: string }[];
}

export async function inbox(): Promise<InboxEmail[]> {
  const res = await fetch(`${INBOX}/api/email`);
  if (!res.ok) throw new Error(`inbox answered ${res.status}`);
  return (await res.json()) as InboxEmail[];
}

export const mailTo = async (address: string) => (await inbox()).filter((e) => e.to.some((t) => t.address === address));

/** The invitation link in an email, as the guest would click it. */
export function linkIn(email: InboxEmail): string {
  const link = `${email.text ?? ""}\n${email.html ?? ""}`.match(/https?:\/\/[^\s"<>]+\/invite\/[0-9a-f]{32}\.\d+\.[A-Za-z0-9_-]{22}/)?.[0];
  if (!link) throw new Error(`no invitation link in "${email.subject}"`);
  return link;
}
