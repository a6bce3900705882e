import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ProviderDoc } from "@/lib/adapters/firestore/schemas";
import { createMailer } from "@/lib/adapters/email/create-mailer";
import { createSimulatedMailer } from "@/lib/adapters/email/simulated";
import { parseEmailAddress } from "@/lib/domain/email-address";
import { guessColumns, recallColumns, rememberColumns, type ColumnMapping } from "@/lib/domain/invitations/columns";
import { invitationIdFor } from "@/lib/domain/invitations/identity";
import { decodeUtf8Strict, parseRecipientTable, readRecipientTable } from "@/lib/domain/invitations/recipients";
import { chunkInviteRows, revalidateInviteRows, toInviteRowInput } from "@/lib/domain/invitations/upload";
import { testFirestore } from "@/tests/support/firestore";
import { eventInput, recipients, seedEvent, seedProvider, serviceContext, TEST_SECRET } from "@/tests/support/fixtures";
import { mailServers } from "@/tests/support/drain-world";
import type { ProviderStandin } from "@/tests/support/provider-standins";
import type { SmtpCatcher } from "@/tests/support/smtp-catcher";
import type { ServiceContext } from "./context";
import { drainQueue, newDrainId } from "./drain";
import { getEvent, updateEvent } from "./events";
import { rememberGuestColumns } from "./guest-columns";
import { inviteGuests, listInvitations } from "./invitations";
import { sealSecret } from "./provider-config";
import { ensureStarterTemplates } from "./templates";

/**
 * Guest lists as people have them, through the services against the Firestore emulator: export-shaped files read
 * the way the invite panel reads them, the mapping remembered on the event, and internationalised addresses all
 * the way through the drain to the SMTP catcher and the provider stand-ins.
 */

const CREDENTIALS_KEY = Buffer.alloc(32, 7).toString("base64");
const servers = mailServers();

async function setup() {
  const fs = testFirestore();
  const ctx = serviceContext(fs.db);
  await ensureStarterTemplates(ctx);
  const eventId = await seedEvent(ctx);
  /** The stored invitation of an address, found by its key as the service derives it. */
  const invitation = async (emailKey: string) =>
    (await fs.raw.collection("invitations").doc(invitationIdFor(eventId, emailKey)).get()).data();
  const drain = () =>
    drainQueue(
      {
        db: fs.db,
        clock: ctx.clock,
        random: { next: () => 0.5 },
        mailerFactory: (connection) => createMailer(connection),
        simulatedMailer: createSimulatedMailer(),
        credentialsKey: CREDENTIALS_KEY,
        tokenSecret: TEST_SECRET,
        baseUrl: ctx.baseUrl,
      },
      { drainId: newDrainId(), budgetMs: 20_000 },
    );
  return { ...fs, ctx, eventId, invitation, drain };
}

function fixtureText(name: string): string {
  const decoded = decodeUtf8Strict(new Uint8Array(readFileSync(`tests/fixtures/guest-lists/${name}`)));
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.text;
}

/**
 * What the invite panel does with a file, minus the browser: read, take the guessed columns (or the given ones),
 * keep the rows it judged ok, send them in calls that go through JSON and the server's own check.
 */
async function uploadAsTheUiDoes(ctx: ServiceContext, eventId: string, text: string, mapping?: ColumnMapping) {
  const read = readRecipientTable(text);
  if (!read.ok) throw new Error(read.error.message);
  const columns = mapping ?? guessColumns(read.table);
  if (!columns) throw new Error("no columns guessed");
  const parsed = parseRecipientTable(read.table, columns);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const tally = { invited: 0, duplicates: parsed.counts.duplicate, rejected: parsed.counts.invalid, calls: 0 };
  for (const call of chunkInviteRows(parsed.rows.filter((r) => r.status === "ok").map(toInviteRowInput))) {
    const checked = revalidateInviteRows(JSON.parse(JSON.stringify(call)) as unknown);
    if (!checked.ok) throw new Error(checked.message);
    const result = await inviteGuests(ctx, eventId, checked.rows);
    if (!result.ok) throw new Error(result.message);
    tally.invited += result.invited;
    tally.duplicates += result.duplicates;
    tally.rejected += result.rejected;
    tally.calls += 1;
  }
  return { table: read.table, columns, parsed, tally };
}

describe("export-shaped guest lists through the service", () => {
  it.each([
    // Outlook: "E-mail Address" among 61 columns, First + Last Name; a mixed-case repeat; an IDN domain.
    ["outlook-contacts.csv", { headerRow: true, email: 8, name: 0, lastName: 2 }, { invited: 5, duplicates: 1, rejected: 0 },
      { email: "zoe@exämple.com", emailKey: "zoe@xn--exmple-cua.com", name: "Zoë Müller", fields: { company: "Müller & Söhne", business_city: "Zürich" } }],
    // Google Contacts: "E-mail 1 - Value" next to "E-mail 1 - Label"; one row whose address is not one.
    ["google-contacts.csv", { headerRow: true, email: 18, name: 0, lastName: 2 }, { invited: 4, duplicates: 0, rejected: 1 },
      { email: "hedy@bücher.example", emailKey: "hedy@xn--bcher-kva.example", name: "Hedy Lamarr", fields: { address_1_city: "Vienna" } }],
    // Mailchimp: "Email Address" first, merge fields after; a repeat in other capitals.
    ["mailchimp-audience.csv", { headerRow: true, email: 0, name: 1, lastName: 2 }, { invited: 3, duplicates: 1, rejected: 0 },
      { email: "chien-shiung.wu@example.edu", emailKey: "chien-shiung.wu@example.edu", name: "Chien-Shiung Wu", fields: { company: "Columbia", tags: '"Speakers","VIP"' } }],
    // A Spanish sheet: Nombre; Apellidos; Correo, semicolons, BOM, a blank row, one address without a real domain.
    ["correo-semicolon.csv", { headerRow: true, email: 2, name: 0, lastName: 1 }, { invited: 3, duplicates: 0, rejected: 1 },
      { email: "pedro@añil.es", emailKey: "pedro@xn--ail-7ma.es", name: "Pedro Añil", fields: { empresa: "Tintes del Norte", mesa: "3" } }],
    // No header row at all: addresses and names are recognised by their cells.
    ["headerless.csv", { headerRow: false, email: 0, name: 1, lastName: null }, { invited: 4, duplicates: 0, rejected: 0 },
      { email: "zoe@exämple.com", emailKey: "zoe@xn--exmple-cua.com", name: "Zoë", fields: { column_c: "Table 2" } }],
  ])("%s: the guessed columns invite the right guests", async (file, mapping, expected, guest) => {
    const s = await setup();
    await seedProvider(s.db);
    const { columns, tally } = await uploadAsTheUiDoes(s.ctx, s.eventId, fixtureText(file));
    expect(columns).toEqual(mapping);
    expect({ invited: tally.invited, duplicates: tally.duplicates, rejected: tally.rejected }).toEqual(expected);
    expect(await s.invitation(guest.emailKey)).toMatchObject(guest);
    const jobs = await s.raw.collection("jobs").where("eventId", "==", s.eventId).get();
    expect(jobs.size).toBe(expected.invited);
  });

  it("reads a 10,000-row file with a non-standard header, with IDN spellings found as duplicates, within the write budget", async () => {
    const s = await setup();
    await seedProvider(s.db);
    const lines = ["Nombre completo;Correo electrónico;Empresa;Mesa"];
    for (let i = 0; i < 9_900; i++) {
      const domain = i % 10 === 0 ? `exämple${i % 7}.es` : `example${i % 37}.com`;
      lines.push(`Invitado ${i};invitado.${i}@${domain};"Empresa ${i % 97}; S.L.";${i % 50}`);
    }
    // The same guests again, their domains typed in punycode and capitals.
    for (let i = 0; i < 1_000; i += 10) {
      const typed = parseEmailAddress(`invitado.${i}@exämple${i % 7}.es`);
      if (!typed.ok) throw new Error(typed.reason);
      lines.push(`Otra vez ${i};${typed.ascii.toUpperCase()};;`);
    }
    const before = s.meter.lifetimeTotals();
    const { columns, tally, parsed } = await uploadAsTheUiDoes(s.ctx, s.eventId, `\uFEFF${lines.join("\r\n")}\r\n`);
    const after = s.meter.lifetimeTotals();

    expect(columns).toEqual({ headerRow: true, email: 1, name: 0, lastName: null });
    expect(parsed.columns).toEqual(["empresa", "mesa"]);
    expect(tally).toMatchObject({ invited: 9_900, duplicates: 100, rejected: 0, calls: 20 });
    const reads = after.reads - before.reads;
    const writes = after.writes - before.writes;
    expect(reads / tally.invited).toBeLessThanOrEqual(1);
    expect(writes / tally.invited).toBeLessThanOrEqual(2.006);
    expect((await getEvent(s.ctx, s.eventId))?.data.counters).toMatchObject({ invited: 9_900, pending: 9_900 });
    expect(await s.invitation("invitado.10@xn--exmple3-6wa.es")).toMatchObject({
      email: "invitado.10@exämple3.es",
      name: "Invitado 10",
      fields: { empresa: "Empresa 10; S.L.", mesa: "10" },
    });
  });
});

describe("remembered columns", () => {
  it("stores the confirmed mapping on the event with one write, and the next file of that shape needs no change", async () => {
    const s = await setup();
    await seedProvider(s.db);
    const first = await uploadAsTheUiDoes(s.ctx, s.eventId, "Who;Company;Work mail\nAnn Roy;Acme;ann@example.com\n", {
      headerRow: true,
      email: 2,
      name: 0,
      lastName: null,
    });
    const before = s.meter.lifetimeTotals();
    expect(await rememberGuestColumns(s.ctx, s.eventId, rememberColumns(first.table, first.columns))).toEqual({ ok: true });
    const after = s.meter.lifetimeTotals();
    expect({ reads: after.reads - before.reads, writes: after.writes - before.writes }).toEqual({ reads: 0, writes: 1 });

    // An edit of the event keeps it.
    expect((await updateEvent(s.ctx, s.eventId, eventInput({ title: "Renamed" }))).ok).toBe(true);
    const remembered = (await getEvent(s.ctx, s.eventId))!.data.guestColumns!;
    expect(remembered).toEqual({ headerRow: true, email: { index: 2, header: "Work mail" }, name: { index: 0, header: "Who" }, lastName: null });

    const next = readRecipientTable("Work mail;who\nbob@example.com;Bob Ray\n");
    if (!next.ok) throw new Error(next.error.message);
    const recalled = recallColumns(next.table, remembered)!;
    // The guess alone would have found no name in this file.
    expect(guessColumns(next.table)).toMatchObject({ name: null });
    const second = await uploadAsTheUiDoes(s.ctx, s.eventId, "Work mail;who\nbob@example.com;Bob Ray\n", recalled);
    expect(second.tally.invited).toBe(1);
    expect(await s.invitation("bob@example.com")).toMatchObject({ name: "Bob Ray" });
  });

  it("says so when the event is gone", async () => {
    const s = await setup();
    const result = await rememberGuestColumns(s.ctx, "no-such-event", {
      headerRow: false,
      email: { index: 0, header: null },
      name: null,
      lastName: null,
    });
    expect(result).toMatchObject({ ok: false, code: "not_found" });
  });
});

describe("internationalised addresses through the drain", () => {
  const smtpCatcher = () => servers.catcher();
  const standin = (kind: "sendgrid" | "resend") => servers.standin(kind);

  const smtp = (c: SmtpCatcher): Partial<ProviderDoc> => ({ kind: "smtp", settings: { host: c.host, port: c.port, secure: false } });
  const http = (id: string, kind: "sendgrid" | "resend", s: ProviderStandin): Partial<ProviderDoc> => ({
    name: kind,
    kind,
    settings: { baseUrl: s.url, timeoutMs: 2000 },
    secret: sealSecret(CREDENTIALS_KEY, id, "key-123"),
  });

  /** One provider, some guests invited as a pasted list would be, one drain. */
  async function inviteAndDrain(provider: Partial<ProviderDoc>, emails: string[]) {
    const s = await setup();
    await seedProvider(s.db, "p1", provider);
    const invited = await inviteGuests(s.ctx, s.eventId, recipients(emails));
    if (!invited.ok) throw new Error(invited.message);
    return { ...s, invited, summary: await s.drain() };
  }

  it("stores the Unicode form, finds it by search, and hands the SMTP relay punycode", async () => {
    const catcher = await smtpCatcher();
    const w = await inviteAndDrain(smtp(catcher), ["Zoë <Zoe@EXÄMPLE.com>"]);
    expect(w.summary).toMatchObject({ sent: 1, failed: 0 });
    expect(catcher.messages[0]?.wire.rcptTo).toEqual(["Zoe@xn--exmple-cua.com"]);
    expect(catcher.messages[0]?.headers.to).toContain("<Zoe@xn--exmple-cua.com>");
    expect(await w.invitation("zoe@xn--exmple-cua.com")).toMatchObject({ email: "Zoe@exämple.com", delivery: { state: "sent" } });

    const found = await listInvitations(w.ctx, w.eventId, { search: "ZOE@exämple" });
    expect(found.map((f) => f.data.email)).toEqual(["Zoe@exämple.com"]);
  });

  it.each(["sendgrid", "resend"] as const)("posts punycode to the %s stand-in", async (kind) => {
    const s = await standin(kind);
    const w = await inviteAndDrain(http("p1", kind, s), ["zoe@exämple.com"]);
    expect(w.summary).toMatchObject({ sent: 1, failed: 0 });
    const body = s.requests[0]?.body as { personalizations?: { to: { email: string }[] }[]; to?: string };
    expect(kind === "sendgrid" ? body.personalizations?.[0]?.to[0]?.email : body.to).toBe("zoe@xn--exmple-cua.com");
  });

  it("sends a non-ASCII local part through SMTPUTF8 when an SMTP provider is enabled", async () => {
    const catcher = await smtpCatcher();
    const w = await inviteAndDrain(smtp(catcher), ["josé@exämple.com"]);
    expect(w.summary).toMatchObject({ sent: 1 });
    // Under SMTPUTF8 the whole address may be UTF-8 (RFC 6531), and nodemailer sends it so.
    expect(catcher.messages[0]).toMatchObject({ smtpUtf8: true, wire: { rcptTo: ["josé@exämple.com"] } });
  });

  it("refuses a non-ASCII local part at invite time when only providers that cannot send it are enabled", async () => {
    const s = await standin("sendgrid");
    const w = await inviteAndDrain(http("p1", "sendgrid", s), ["josé@example.com", "ann@example.com"]);
    expect(w.invited).toMatchObject({ invited: 1, rejected: 1 });
    expect(w.invited.rows.find((r) => r.outcome === "rejected")).toMatchObject({
      email: "josé@example.com",
      reason: expect.stringContaining("needs an SMTP provider whose server offers SMTPUTF8"),
    });
    expect(s.requests).toHaveLength(1);
  });

  it("fails, with the provider's reason and without a request, a queued one that only Resend is left to send", async () => {
    const catcher = await smtpCatcher();
    const resend = await standin("resend");
    const s = await setup();
    await seedProvider(s.db, "smtp", smtp(catcher));
    expect(await inviteGuests(s.ctx, s.eventId, recipients(["josé@example.com"]))).toMatchObject({ ok: true, invited: 1 });
    await s.raw.collection("providers").doc("smtp").update({ enabled: false });
    await seedProvider(s.db, "p1", http("p1", "resend", resend));

    expect(await s.drain()).toMatchObject({ sent: 0, failed: 1 });
    expect(resend.requests).toHaveLength(0);
    expect((await s.invitation("josé@example.com"))?.delivery).toMatchObject({
      state: "failed",
      error: expect.stringContaining("Resend does not offer SMTPUTF8"),
    });
  });
});
