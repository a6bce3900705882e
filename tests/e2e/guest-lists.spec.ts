import { randomUUID } from "node:crypto";
import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ensureStarterTemplates } from "@/lib/services/templates";
import { seedEvent, seedProvider } from "@/tests/support/fixtures";
import { stackContext } from "./stack-data";
import { signInAsAdmin } from "./support";

/**
 * Guest lists as organisers have them, in real Chromium on a phone-sized screen against the production build:
 * address book exports and sheets go in through the column step, and an internationalised address goes out
 * through the worker to the mail catcher in punycode while the admin pages show it in Unicode.
 */

const SMTP = process.env.HERALD_LOCAL_SMTP ?? "127.0.0.1:1125";
const INBOX = process.env.HERALD_TEST_INBOX_URL ?? "http://127.0.0.1:1180";

/** A fresh event whose only way out is the test stack's mail catcher; the admin is on its page. */
async function openNewEvent(page: Page, title = `Guests ${randomUUID().slice(0, 8)}`): Promise<string> {
  const c = stackContext();
  const [host = "127.0.0.1", port = "1125"] = SMTP.split(":");
  await seedProvider(c.db, "e2e-guests-smtp", { name: "Mail catcher", settings: { host, port: Number(port), secure: false } });
  await ensureStarterTemplates(c);
  const eventId = await seedEvent(c, { title });
  await signInAsAdmin(page);
  await page.goto(`/admin/events/${eventId}`);
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  return eventId;
}

async function chooseFile(page: Page, file: { name: string; buffer: Buffer } | string) {
  await page.getByLabel("Upload a CSV file").check();
  const input = page.getByLabel("CSV file", { exact: true });
  if (typeof file === "string") await input.setInputFiles(`tests/fixtures/guest-lists/${file}`);
  else await input.setInputFiles({ ...file, mimeType: "text/csv" });
  await expect(page.getByTestId("column-step")).toBeVisible();
}

const EXPORTS = [
  {
    file: "outlook-contacts.csv",
    columns: { email: "8", name: "0", last: "2" },
    emailOption: "I · E-mail Address (ada.lovelace@example.com)",
    counts: { ok: "5", duplicate: "1", invalid: "0" },
    shown: ["zoe@exämple.com", "Zoë Müller"],
  },
  {
    file: "google-contacts.csv",
    columns: { email: "18", name: "0", last: "2" },
    emailOption: "S · E-mail 1 - Value (marie.curie@example.fr)",
    counts: { ok: "4", duplicate: "0", invalid: "1" },
    shown: ["hedy@bücher.example", "Hedy Lamarr"],
  },
  {
    file: "mailchimp-audience.csv",
    columns: { email: "0", name: "1", last: "2" },
    emailOption: "A · Email Address (lise.meitner@example.at)",
    counts: { ok: "3", duplicate: "1", invalid: "0" },
    shown: ["chien-shiung.wu@example.edu", "Chien-Shiung Wu"],
  },
  {
    file: "correo-semicolon.csv",
    columns: { email: "2", name: "0", last: "1" },
    emailOption: "C · Correo (lucia.fernandez@example.es)",
    counts: { ok: "3", duplicate: "0", invalid: "1" },
    shown: ["pedro@añil.es", "Pedro Añil"],
  },
  {
    file: "headerless.csv",
    columns: { email: "0", name: "1", last: "" },
    emailOption: "A (ada@example.com)",
    counts: { ok: "4", duplicate: "0", invalid: "0" },
    shown: ["zoe@exämple.com", "Zoë"],
  },
];

test.describe.configure({ mode: "serial" });

for (const shape of EXPORTS) {
  test(`${shape.file}: the guessed columns are right, and one press confirms them`, async ({ page }) => {
    await openNewEvent(page);
    await chooseFile(page, shape.file);

    const step = page.getByTestId("column-step");
    await expect(step.getByText("Herald's guess")).toBeVisible();
    await expect(step.getByLabel("Email address")).toHaveValue(shape.columns.email);
    await expect(step.getByLabel("Email address").locator("option:checked")).toHaveText(shape.emailOption);
    await expect(step.getByLabel("Name, or first name")).toHaveValue(shape.columns.name);
    await expect(step.getByLabel("Last name")).toHaveValue(shape.columns.last);
    await expect(step.getByTestId("column-sample").first()).toBeVisible();

    await step.getByRole("button", { name: "Use these columns" }).click();
    const preview = page.getByTestId("invite-preview");
    await expect(preview.getByTestId("preview-ok").locator(".value")).toHaveText(shape.counts.ok);
    await expect(preview.getByTestId("preview-duplicate").locator(".value")).toHaveText(shape.counts.duplicate);
    await expect(preview.getByTestId("preview-invalid").locator(".value")).toHaveText(shape.counts.invalid);

    await preview.getByRole("button", { name: /^Invite \d+ guests?$/ }).click();
    await expect(page.getByTestId("outcome-invited").locator(".value")).toHaveText(shape.counts.ok);
    const row = page.getByTestId("invitation-row").filter({ hasText: shape.shown[0]! });
    await expect(row).toContainText(shape.shown[1]!);
  });
}

test("a wrong guess is corrected in the column step, and the event remembers the correction for its next file", async ({ page }) => {
  const stamp = randomUUID().slice(0, 8);
  const eventId = await openNewEvent(page);
  await chooseFile(page, { name: "rsvp.csv", buffer: Buffer.from(`Who,Contact,Where\nAnn Roy,ann-${stamp}@example.com,Oslo\n`) });

  // "Who" is no name Herald knows: the address is found by its cells, the name is left to the organiser.
  const step = page.getByTestId("column-step");
  await expect(step.getByLabel("Email address")).toHaveValue("1");
  await expect(step.getByLabel("Name, or first name")).toHaveValue("");
  await expect(step.getByTestId("column-sample").first()).toContainText("(none)");
  await step.getByLabel("Name, or first name").selectOption("0");
  await expect(step.getByTestId("column-sample").first()).toContainText("Ann Roy");
  await step.getByRole("button", { name: "Use these columns" }).click();
  await expect(page.getByTestId("invite-preview")).toContainText("Email from column “B · Contact”, name from “A · Who”.");
  await page.getByRole("button", { name: "Invite 1 guest" }).click();
  await expect(page.getByTestId("outcome-invited").locator(".value")).toHaveText("1");

  // Another day, another file of that shape, its columns in another order.
  await page.goto(`/admin/events/${eventId}`);
  await chooseFile(page, { name: "rsvp-2.csv", buffer: Buffer.from(`Where,Who,Contact\nBergen,Bob Ray,bob-${stamp}@example.com\n`) });
  await expect(step.getByText("The columns you chose for this event's last upload")).toBeVisible();
  await expect(step.getByLabel("Email address")).toHaveValue("2");
  await expect(step.getByLabel("Name, or first name")).toHaveValue("1");
  await step.getByRole("button", { name: "Use these columns" }).click();
  await page.getByRole("button", { name: "Invite 1 guest" }).click();
  await expect(page.getByTestId("invitation-row").filter({ hasText: `bob-${stamp}@example.com` })).toContainText("Bob Ray");
});

test("a file where no column holds addresses asks for the column instead of refusing the upload", async ({ page }) => {
  await openNewEvent(page);
  await chooseFile(page, { name: "odd.csv", buffer: Buffer.from("Guest,Reach\nAnn,ann(at)example.com\n") });
  const step = page.getByTestId("column-step");
  await expect(step.getByText("Herald could not tell which column holds the email addresses")).toBeVisible();
  await expect(step.getByRole("button", { name: "Use these columns" })).toBeDisabled();
  await step.getByLabel("Email address").selectOption("1");
  await expect(step.getByTestId("column-sample").first()).toContainText("Email must contain exactly one @");
});

test("an internationalised address is sent in punycode and shown in Unicode", async ({ page }) => {
  test.setTimeout(120_000);
  const stamp = randomUUID().slice(0, 8);
  const local = `zoe-${stamp}`;
  await openNewEvent(page, `IDN party ${stamp}`);
  await page.getByLabel("Paste a list").check();
  await page.getByLabel("Addresses").fill(`Zoë Müller <${local}@EXÄMPLE.com>`);
  await page.getByRole("button", { name: "Check the list" }).click();
  await page.getByRole("button", { name: "Invite 1 guest" }).click();
  await expect(page.getByTestId("outcome-invited").locator(".value")).toHaveText("1");
  await expect(page.getByTestId("invitation-row").filter({ hasText: `${local}@exämple.com` })).toBeVisible();

  // The worker drains the queue into the mail catcher. Its inbox list shows domains decoded (mailparser does
  // that), so the message is found by its local part and the ASCII form is checked in the message as received.
  const ascii = `${local}@xn--exmple-cua.com`;
  const find = async () => {
    const res = await fetch(`${INBOX}/api/email`);
    const emails = (await res.json()) as { id: string; subject: string; to: { address: string }[] }[];
    return emails.find((e) => e.to.some((t) => t.address.toLowerCase().startsWith(`${local}@`)));
  };
  await expect.poll(async () => (await find())?.subject ?? null, { timeout: 60_000, message: `invitation to ${ascii}` }).toContain(
    `IDN party ${stamp}`,
  );
  const source = await (await fetch(`${INBOX}/api/email/${(await find())!.id}/source`)).text();
  expect(source).toMatch(new RegExp(`^To: .*<${ascii.replace(/[.]/g, "\\.")}>`, "mi"));

  // The admin finds the guest by the address as people write it.
  await page.getByLabel("Email starts with").fill(`${local}@exämple`);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("invitation-row")).toHaveCount(1);
  await expect(page.getByTestId("invitation-row").first()).toContainText(`${local}@exämple.com`);
});
