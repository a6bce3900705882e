import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createMailer } from "@/lib/adapters/email/create-mailer";
import { initialHealth } from "@/lib/domain/delivery/provider-health";
import { quotaPeriodKey } from "@/lib/domain/delivery/quota";
import { emptyProviderFields, type ProviderFormFields } from "@/lib/domain/providers/form";
import type { MailerFactory } from "@/lib/services/provider-config";
import { testFirestore } from "@/tests/support/firestore";
import { seedProvider, serviceContext } from "@/tests/support/fixtures";
import { startResendStandin } from "@/tests/support/provider-standins";
import { startSmtpCatcher, type SmtpCatcher } from "@/tests/support/smtp-catcher";
import { toConnection } from "./provider-config";
import {
  deleteProvider,
  listProviderViews,
  providerRef,
  reenableProvider,
  saveProvider,
  sendTestEmail,
  setProviderEnabled,
} from "./providers";

const KEY = Buffer.alloc(32, 7).toString("base64");
const USER = "herald";
const PASS = "correct-horse-battery-staple-9";
const API_KEY = "re_live_0123456789abcdefghij";

const factory: MailerFactory = (connection) => createMailer(connection);

function setup() {
  const fs = testFirestore();
  return { ...fs, ctx: serviceContext(fs.db) };
}

async function rawProvider(fs: ReturnType<typeof setup>, id: string) {
  const snap = await fs.raw.collection("providers").doc(id).get();
  return snap.data() ?? null;
}

describe("provider service", () => {
  let catcher: SmtpCatcher;

  const smtp = (overrides: Partial<ProviderFormFields> = {}): ProviderFormFields => ({
    ...emptyProviderFields("smtp"),
    name: "Catcher",
    fromEmail: "events@herald.test",
    fromName: "Herald Events",
    host: catcher.host,
    port: String(catcher.port),
    user: USER,
    pass: PASS,
    ...overrides,
  });

  async function create(fs: ReturnType<typeof setup>, fields: ProviderFormFields = smtp()) {
    const saved = await saveProvider(fs.ctx, KEY, null, fields);
    if (!saved.ok) throw new Error(`save failed: ${saved.message} ${JSON.stringify(saved.fieldErrors)}`);
    return saved.id;
  }

  beforeAll(async () => {
    catcher = await startSmtpCatcher({ auth: { user: USER, pass: PASS } });
  });
  afterEach(() => catcher.reset());
  afterAll(async () => {
    await catcher.close();
  });

  it("stores the password only encrypted, the other connection settings in clear, with fresh health", async () => {
    const fs = setup();
    const id = await create(fs);
    const stored = await rawProvider(fs, id);
    expect(JSON.stringify(stored)).not.toContain(PASS);
    expect(stored?.secret).toEqual({ iv: expect.any(String), tag: expect.any(String), data: expect.any(String) });
    expect(stored?.settings).toEqual({ host: catcher.host, port: catcher.port, secure: false, allowPlaintext: false, allowSelfSigned: false, user: USER });
    expect(stored?.usage).toBeNull();
    expect(stored?.enabled).toBe(true);
    expect(stored?.dailyQuota).toBeNull();
    const doc = await fs.db.get("test", providerRef(id));
    expect(doc?.data.health).toEqual(initialHealth());
    // The sealed secret is bound to this provider and opens with the key.
    expect(toConnection(KEY, id, doc!.data)).toMatchObject({ kind: "smtp", user: USER, pass: PASS });
  });

  it("lists providers for the browser without the secret or its ciphertext", async () => {
    const fs = setup();
    const id = await create(fs);
    const apiId = await create(fs, { ...emptyProviderFields("resend"), name: "Resend", fromEmail: "a@herald.test", apiKey: API_KEY, priority: "20" });
    const views = await listProviderViews(fs.ctx);
    expect(views.map((v) => [v.id, v.kind, v.hasSecret])).toEqual([
      [id, "smtp", true],
      [apiId, "resend", true],
    ]);
    const stored = await rawProvider(fs, id);
    const json = JSON.stringify(views);
    for (const secret of [PASS, API_KEY, stored?.secret.data, stored?.secret.iv, PASS.slice(-4), API_KEY.slice(-4)]) {
      expect(json).not.toContain(secret);
    }
    expect(json).not.toMatch(/"(pass|apiKey|secret)"/);
    expect(views[0]).toMatchObject({ connection: { host: catcher.host, user: USER }, health: { status: "healthy" } });
  });

  it("keeps the stored secret when an edit leaves it blank, and replaces it when one is typed", async () => {
    const fs = setup();
    const id = await create(fs);
    const before = await rawProvider(fs, id);
    const edited = await saveProvider(fs.ctx, KEY, id, smtp({ name: "Renamed", pass: "", priority: "3" }));
    expect(edited).toEqual({ ok: true, id });
    const after = await rawProvider(fs, id);
    expect(after?.name).toBe("Renamed");
    expect(after?.priority).toBe(3);
    expect(after?.secret).toEqual(before?.secret);

    await saveProvider(fs.ctx, KEY, id, smtp({ pass: "a-new-password" }));
    const doc = await fs.db.get("test", providerRef(id));
    expect(toConnection(KEY, id, doc!.data)).toMatchObject({ pass: "a-new-password" });
  });

  it("does not keep an SMTP password as the API key when the kind changes, and drops it when the user goes", async () => {
    const fs = setup();
    const id = await create(fs);
    const switched = await saveProvider(fs.ctx, KEY, id, { ...smtp(), kind: "sendgrid", apiKey: "" });
    expect(switched).toMatchObject({ ok: false, code: "invalid_input", fieldErrors: { apiKey: "Enter the API key" } });

    const noAuth = await saveProvider(fs.ctx, KEY, id, smtp({ user: "", pass: "" }));
    expect(noAuth.ok).toBe(true);
    const stored = await rawProvider(fs, id);
    expect(stored?.secret).toBeNull();
    expect(stored?.settings).not.toHaveProperty("user");
  });

  it("never lets a stored API key follow a new API address: a test send after the change cannot carry it there", async () => {
    const fs = setup();
    const original = await startResendStandin({ apiKey: API_KEY });
    const elsewhere = await startResendStandin();
    try {
      const fields: ProviderFormFields = { ...emptyProviderFields("resend"), name: "Resend", fromEmail: "events@herald.test", apiKey: API_KEY, baseUrl: original.url };
      const id = await create(fs, fields);

      const moved = await saveProvider(fs.ctx, KEY, id, { ...fields, apiKey: "", baseUrl: elsewhere.url });
      expect(moved).toMatchObject({ ok: false, code: "invalid_input", fieldErrors: { apiKey: expect.stringMatching(/enter it again/i) } });
      await sendTestEmail(fs.ctx, KEY, factory, id, "admin@example.com");
      expect(elsewhere.requests).toHaveLength(0);
      expect((await rawProvider(fs, id))?.settings).toEqual({ baseUrl: original.url });

      // Typed again, the key goes where the admin now points it.
      expect(await saveProvider(fs.ctx, KEY, id, { ...fields, apiKey: "re_for_the_new_address", baseUrl: elsewhere.url })).toEqual({ ok: true, id });
      await sendTestEmail(fs.ctx, KEY, factory, id, "admin@example.com");
      expect(elsewhere.requests.map((r) => r.headers.authorization)).toEqual(["Bearer re_for_the_new_address"]);
    } finally {
      await original.close();
      await elsewhere.close();
    }
  });

  it("asks for the SMTP password again when the host, port, user or encryption changes, and keeps it otherwise", async () => {
    const fs = setup();
    const id = await create(fs);
    const before = await rawProvider(fs, id);
    const again = { pass: expect.stringMatching(/enter it again/i) };
    for (const change of [{ host: "localhost" }, { port: String(catcher.port + 1) }, { user: "someone-else" }, { allowSelfSigned: true }, { allowPlaintext: true }]) {
      expect(await saveProvider(fs.ctx, KEY, id, smtp({ ...change, pass: "" })), JSON.stringify(change)).toMatchObject({
        ok: false,
        code: "invalid_input",
        fieldErrors: again,
      });
    }
    expect(await rawProvider(fs, id)).toEqual(before);
    // Only the endpoint matters: a rename or a new quota keeps the password.
    expect(await saveProvider(fs.ctx, KEY, id, smtp({ name: "Renamed", dailyQuota: "10", pass: "" }))).toEqual({ ok: true, id });
    expect((await rawProvider(fs, id))?.secret).toEqual(before?.secret);
  });

  it("refuses invalid input with a message per field and writes nothing", async () => {
    const fs = setup();
    const result = await saveProvider(fs.ctx, KEY, null, smtp({ name: " ", fromEmail: "nope", timezone: "Mars/Base", port: "70000", secure: true, allowPlaintext: true, pass: "" }));
    expect(result).toMatchObject({ ok: false, code: "invalid_input" });
    if (result.ok) return;
    expect(Object.keys(result.fieldErrors ?? {}).sort()).toEqual(["allowPlaintext", "fromEmail", "name", "pass", "port", "timezone"]);
    expect((await fs.raw.collection("providers").get()).size).toBe(0);
    expect(await saveProvider(fs.ctx, KEY, "missing", smtp())).toMatchObject({ ok: false, code: "not_found" });
  });

  it("sends a test email through the provider at once, and counts it against today's quota", async () => {
    const fs = setup();
    const id = await create(fs, smtp({ dailyQuota: "5" }));
    const sent = await sendTestEmail(fs.ctx, KEY, factory, id, "admin@example.com");
    expect(sent).toMatchObject({ ok: true, result: { ok: true } });
    const [message] = await catcher.waitForMessages(1);
    expect(message?.to).toEqual(["admin@example.com"]);
    expect(message?.user).toBe(USER);
    expect(message?.subject).toBe("Herald test email via Catcher");
    expect(message?.messageId).toMatch(new RegExp(`^<test-\\d+\\.${id}@herald>$`));
    const [view] = await listProviderViews(fs.ctx);
    expect(view?.usage).toMatchObject({ sentToday: 1, dailyQuota: 5, remaining: 4 });
  });

  it("reports a 535 from the server as an auth error without the password, and leaves health alone", async () => {
    const fs = setup();
    const id = await create(fs);
    catcher.failNext(1, { code: 535, message: "5.7.8 Username and Password not accepted" }, "auth");
    const sent = await sendTestEmail(fs.ctx, KEY, factory, id, "admin@example.com");
    if (!sent.ok || sent.result.ok) throw new Error(`expected an auth failure, got ${JSON.stringify(sent)}`);
    expect(sent.result).toMatchObject({ errorClass: "auth", status: 535 });
    expect(sent.result.message).not.toContain(PASS);
    expect(catcher.messages).toHaveLength(0);
    const [view] = await listProviderViews(fs.ctx);
    expect(view?.health.status).toBe("healthy");
    expect(view?.usage.sentToday).toBe(0);
  });

  it("refuses a test to a malformed address, to a missing provider, and once the quota is used up", async () => {
    const fs = setup();
    const id = await create(fs, smtp({ dailyQuota: "1" }));
    expect(await sendTestEmail(fs.ctx, KEY, factory, id, "not an address")).toMatchObject({ ok: false, code: "invalid_input" });
    expect(await sendTestEmail(fs.ctx, KEY, factory, "missing", "a@example.com")).toMatchObject({ ok: false, code: "not_found" });
    const now = new Date();
    await fs.raw.collection("providers").doc(id).update({ usage: { periodKey: quotaPeriodKey(now, "00:00", "UTC"), sent: 1 } });
    expect(await sendTestEmail(fs.ctx, KEY, factory, id, "a@example.com")).toMatchObject({ ok: false, code: "unavailable" });
    expect(catcher.messages).toHaveLength(0);
  });

  it("summarises health: auth-disabled until re-enabled, open circuit with its end, used-up quota", async () => {
    const fs = setup();
    const now = new Date();
    const until = new Date(now.getTime() + 60_000);
    const health = initialHealth();
    await seedProvider(fs.db, "a-disabled", { priority: 1, health: { ...health, disabled: { reason: "auth", at: now }, consecutiveFailures: 3 } });
    await seedProvider(fs.db, "b-open", { priority: 2, health: { ...health, circuit: { ...health.circuit, state: "open", openUntil: until, trips: 1 } } });
    await seedProvider(fs.db, "c-quota", { priority: 3, dailyQuota: 2, usage: { periodKey: quotaPeriodKey(now, "00:00", "UTC"), sent: 2, grants: {} } });
    await seedProvider(fs.db, "d-old-usage", { priority: 4, dailyQuota: 2, usage: { periodKey: "2020-01-01", sent: 2, grants: {} } });
    const views = await listProviderViews(fs.ctx);
    expect(views.map((v) => [v.id, v.health.status])).toEqual([
      ["a-disabled", "disabled"],
      ["b-open", "circuit_open"],
      ["c-quota", "quota_exhausted"],
      ["d-old-usage", "healthy"],
    ]);
    expect(views[1]?.health.openUntil).toEqual(until);
    expect(views[2]?.usage).toMatchObject({ sentToday: 2, remaining: 0 });
    expect(views[3]?.usage).toMatchObject({ sentToday: 0, remaining: 2 });
    expect(views[0]?.usage.nextResetAt.toISOString()).toMatch(/T00:00:00\.000Z$/);

    expect(await reenableProvider(fs.ctx, "a-disabled")).toEqual({ ok: true });
    const after = (await listProviderViews(fs.ctx))[0];
    expect(after?.health).toMatchObject({ status: "healthy", disabledReason: null, consecutiveFailures: 0 });
  });

  it("switches a provider off and on, deletes it, and says so when it is gone", async () => {
    const fs = setup();
    const id = await create(fs);
    expect(await setProviderEnabled(fs.ctx, id, false)).toEqual({ ok: true });
    expect((await rawProvider(fs, id))?.enabled).toBe(false);
    expect(await deleteProvider(fs.ctx, id)).toEqual({ ok: true });
    expect(await rawProvider(fs, id)).toBeNull();
    expect(await deleteProvider(fs.ctx, id)).toMatchObject({ ok: false, code: "not_found" });
    expect(await setProviderEnabled(fs.ctx, id, true)).toMatchObject({ ok: false, code: "not_found" });
    expect(await reenableProvider(fs.ctx, id)).toMatchObject({ ok: false, code: "not_found" });
  });
});
