import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ADMIN_EMAIL, ADMIN_ROUTES, signInAsAdmin } from "./support";

const SMTP = process.env.HERALD_LOCAL_SMTP ?? "127.0.0.1:1125";
const INBOX = process.env.HERALD_TEST_INBOX_URL ?? "http://127.0.0.1:1180";

interface InboxEmail {
  subject: string;
  to: { address: string }[];
}

async function inbox(): Promise<InboxEmail[]> {
  const res = await fetch(`${INBOX}/api/email`);
  if (!res.ok) throw new Error(`inbox answered ${res.status}`);
  return (await res.json()) as InboxEmail[];
}

/** The server's own HTML for a page (with the serialised props of every client component), not the live DOM. */
async function serverHtml(page: Page, path: string): Promise<string> {
  const res = await page.request.get(path);
  expect(res.status()).toBe(200);
  return res.text();
}

async function fillSmtpProvider(page: Page, fields: { name: string; host: string; port: string; user?: string; pass?: string; priority?: string }) {
  await page.getByLabel("Name", { exact: true }).fill(fields.name);
  await page.getByLabel("Priority").fill(fields.priority ?? "10");
  await page.getByLabel("Sender address").fill("events@herald.test");
  await page.getByLabel("Sender name").fill("Herald Events");
  await page.getByLabel("SMTP host").fill(fields.host);
  await page.getByLabel("Port", { exact: true }).fill(fields.port);
  await page.getByLabel("User name").fill(fields.user ?? "");
  await page.getByLabel("Password", { exact: true }).fill(fields.pass ?? "");
  await page.getByLabel("Daily quota").fill("50");
}

test("an admin adds an SMTP provider, sends a test email that arrives, and the password never comes back", async ({ page }) => {
  const [host = "127.0.0.1", port = "1125"] = SMTP.split(":");
  const stamp = Date.now();
  const name = `Local catcher ${stamp}`;
  const password = `pw-${stamp}-do-not-show`;
  const to = `provider-test-${stamp}@example.com`;

  await signInAsAdmin(page);
  await page.goto("/admin/providers");
  await page.getByRole("link", { name: "Add provider" }).click();
  await expect(page.getByRole("heading", { name: "Add a provider" })).toBeVisible();

  // Field-level errors come from the same schema the server uses, before anything is sent.
  await page.getByRole("button", { name: "Add provider" }).click();
  await expect(page.getByTestId("form-errors")).toContainText("Give the provider a name");
  await expect(page.getByLabel("Name", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Name", { exact: true })).toBeFocused();
  await expect(page.getByText("Enter the SMTP server's host name, e.g. smtp.example.com").first()).toBeVisible();

  await fillSmtpProvider(page, { name, host, port, user: "herald", pass: password });
  await page.getByLabel("Sender address").fill("not an address");
  await page.getByRole("button", { name: "Add provider" }).click();
  await expect(page.getByText("The sender must be an email address, e.g. events@example.com").first()).toBeVisible();
  await page.getByLabel("Sender address").fill("events@herald.test");
  await page.getByRole("button", { name: "Add provider" }).click();
  await expect(page).toHaveURL(/\/admin\/providers$/);

  const card = page.getByRole("article", { name });
  await expect(card).toBeVisible();
  await expect(card.getByTestId("provider-secret")).toHaveText("set");
  await expect(card.getByTestId("provider-health")).toHaveText("Healthy");
  await expect(card).toContainText("0 / 50 sent today");
  await expect(card.getByRole("switch", { name: "Enabled" })).toHaveAttribute("aria-checked", "true");
  expect(await page.content()).not.toContain(password);
  expect(await serverHtml(page, "/admin/providers")).not.toContain(password);

  await expect(card.getByLabel("Send a test email to")).toHaveValue(ADMIN_EMAIL);
  await card.getByLabel("Send a test email to").fill(to);
  await card.getByRole("button", { name: "Send test email" }).click();
  await expect(card.getByTestId("test-result")).toContainText("Sent in");
  await expect
    .poll(async () => (await inbox()).filter((e) => e.to.some((t) => t.address === to)).map((e) => e.subject), { timeout: 15_000 })
    .toEqual([`Herald test email via ${name}`]);
  await expect(card).toContainText("1 / 50 sent today");

  // The edit form starts with an empty password box and says a password is stored; the page carries no secret.
  await card.getByRole("link", { name: `Edit ${name}` }).click();
  await expect(page.getByRole("heading", { name: `Edit ${name}` })).toBeVisible();
  await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");
  await expect(page.getByText("A password is stored. Leave blank to keep it")).toBeVisible();
  expect(await page.content()).not.toContain(password);
  const editPath = new URL(page.url()).pathname;
  expect(await serverHtml(page, editPath)).not.toContain(password);

  // Pointing the provider elsewhere needs the password again: a stored one only goes where it was saved for.
  await page.getByLabel("SMTP host").fill("localhost");
  await expect(page.getByText("The server, user or encryption changed: the stored password is only sent where it was saved for")).toBeVisible();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByTestId("form-errors")).toContainText("the saved password is not sent there: enter it again");
  await expect(page.getByLabel("Password", { exact: true })).toBeFocused();
  await page.getByLabel("SMTP host").fill(host);
  await expect(page.getByText("A password is stored. Leave blank to keep it")).toBeVisible();

  // Saving with the box left blank keeps the stored password: the provider still sends.
  await page.getByLabel("Priority").fill("5");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(/\/admin\/providers$/);
  await expect(card).toContainText("priority 5");
  await expect(card.getByTestId("provider-secret")).toHaveText("set");

  await card.getByRole("switch", { name: "Enabled" }).click();
  await expect(card.getByRole("switch", { name: "Enabled" })).toHaveAttribute("aria-checked", "false");
  await card.getByRole("switch", { name: "Enabled" }).click();
  await expect(card.getByRole("switch", { name: "Enabled" })).toHaveAttribute("aria-checked", "true");

  // Other tests share this stack and bring their own providers.
  await card.getByRole("button", { name: `Delete ${name}` }).click();
  await page.getByRole("dialog", { name: `Delete ${name}?` }).getByRole("button", { name: "Delete provider" }).click();
  await expect(page.getByRole("article", { name })).toHaveCount(0);
});

test("a provider that cannot be reached reports the error class, and can be deleted after confirming", async ({ page }) => {
  const name = `Nowhere ${Date.now()}`;
  await signInAsAdmin(page);
  await page.goto("/admin/providers/new");
  // Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
  await fillSmtpProvider(page, { name, host: "127.0.0.1", port: "9", priority: "999" });
  await page.getByRole("button", { name: "Add provider" }).click();
  await expect(page).toHaveURL(/\/admin\/providers$/);

  const card = page.getByRole("article", { name });
  await expect(card.getByTestId("provider-secret")).toHaveText("not set");
  await card.getByRole("button", { name: "Send test email" }).click();
  await expect(card.getByTestId("test-result")).toContainText("Not sent (transient");
  await expect(card).toContainText("0 / 50 sent today");

  await card.getByRole("button", { name: `Delete ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Delete ${name}?` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(card).toBeVisible();
  await card.getByRole("button", { name: `Delete ${name}` }).click();
  await dialog.getByRole("button", { name: "Delete provider" }).click();
  await expect(page.getByRole("article", { name })).toHaveCount(0);
});

test("the template editor names an unknown variable, refuses to save it, and previews the fix for the sample guest", async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto("/admin/templates");
  await page.getByRole("link", { name: /^Reminder/ }).click();
  await expect(page.getByRole("heading", { name: "Edit Reminder" })).toBeVisible();

  const html = page.getByLabel("HTML", { exact: true });
  const original = await html.inputValue();
  expect(original).toContain("Hello {{invitee.name}},");
  const problems = page.getByTestId("template-problems");
  const preview = page.getByTestId("template-preview");
  await expect(preview.getByTestId("preview-text")).toContainText("Hello Ada Lovelace,");

  await html.fill(original.replace("Hello {{invitee.name}},", "Hello {{invitee.nmae}},"));
  await expect(problems).toContainText('html (line');
  await expect(problems).toContainText('Unknown variable "invitee.nmae". Did you mean "invitee.name"?');
  await expect(html).toHaveAttribute("aria-invalid", "true");
  await page.getByRole("button", { name: "Save template" }).click();
  await expect(page.getByTestId("save-status")).toHaveText("Not saved: fix the problems marked below.");

  await page.getByLabel("Subject", { exact: true }).fill("Still coming, {{invitee.name}}? {{event.title}}");
  await html.fill(original);
  await expect(problems).toBeEmpty();
  await expect(preview.getByTestId("preview-subject")).toHaveText("Still coming, Ada Lovelace? Launch party");
  await expect(page.frameLocator("iframe[title^='HTML part']").getByText("Hello Ada Lovelace,")).toBeVisible();
  await page.getByRole("button", { name: "Save template" }).click();
  await expect(page.getByTestId("save-status")).toHaveText("Saved.");

  await page.reload();
  await expect(page.getByLabel("Subject", { exact: true })).toHaveValue("Still coming, {{invitee.name}}? {{event.title}}");
  // Leave the starter as it was for whoever uses it next.
  await page.getByLabel("Subject", { exact: true }).fill("Reminder: {{event.title}} on {{event.startsAt}}");
  await page.getByRole("button", { name: "Save template" }).click();
  await expect(page.getByTestId("save-status")).toHaveText("Saved.");
});

test("halting shows a banner on every admin page until sending resumes; simulation shows its own", async ({ page }) => {
  await signInAsAdmin(page);
  const banner = page.getByTestId("halt-banner");
  try {
    await page.goto("/admin/settings");
    await expect(banner).toHaveCount(0);
    await page.getByRole("button", { name: "Halt all sending" }).click();
    const halt = page.getByRole("dialog", { name: "Halt all sending?" });
    await halt.getByRole("button", { name: "Halt sending" }).click();
    await expect(banner).toContainText(`Sending is halted since`);
    await expect(banner).toContainText(`by ${ADMIN_EMAIL}`);
    await expect(page.getByTestId("halt-state")).toContainText(`by ${ADMIN_EMAIL}`);

    for (const route of ADMIN_ROUTES) {
      await page.goto(route);
      await expect(banner, route).toBeVisible();
    }
    await banner.getByRole("link", { name: "Resume in Settings" }).click();
    await expect(page).toHaveURL(/\/admin\/settings$/);
    await page.getByRole("button", { name: "Resume sending" }).click();
    await page.getByRole("dialog", { name: "Resume sending?" }).getByRole("button", { name: "Resume sending" }).click();
    await expect(banner).toHaveCount(0);
    await expect(page.getByTestId("halt-state")).toContainText("Running");
    for (const route of ["/admin", "/admin/providers"]) {
      await page.goto(route);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      await expect(banner, route).toHaveCount(0);
    }

    await page.goto("/admin/settings");
    const simulation = page.getByRole("switch", { name: "Simulation mode" });
    await simulation.click();
    await expect(simulation).toHaveAttribute("aria-checked", "true");
    await expect(page.getByTestId("simulation-banner")).toBeVisible();
    await simulation.click();
    await expect(simulation).toHaveAttribute("aria-checked", "false");
    await expect(page.getByTestId("simulation-banner")).toHaveCount(0);
  } finally {
    // Other tests share this stack: never leave it halted or simulating.
    await page.goto("/admin/settings");
    if (await page.getByRole("button", { name: "Resume sending" }).isVisible()) {
      await page.getByRole("button", { name: "Resume sending" }).click();
      await page.getByRole("dialog", { name: "Resume sending?" }).getByRole("button", { name: "Resume sending" }).click();
    }
    const simulation = page.getByRole("switch", { name: "Simulation mode" });
    if ((await simulation.getAttribute("aria-checked")) === "true") await simulation.click();
  }
});
