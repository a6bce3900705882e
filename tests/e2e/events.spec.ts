import { randomUUID } from "node:crypto";
import { type Locator, type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { docRef } from "@/lib/adapters/firestore/collection";
import { collections } from "@/lib/adapters/firestore/schemas";
import { invitationIdFor } from "@/lib/domain/invitations/identity";
import { ensureStarterTemplates } from "@/lib/services/templates";
import { seedProvider } from "@/tests/support/fixtures";
import { stackFirestore } from "./stack-data";
import { signInAsAdmin } from "./support";

/**
 * The organiser's path through events and invitations, in real Chromium on a phone-sized screen against the
 * production build: create an event, upload guests, watch counters move live in a second tab, resend, revoke,
 * look at one invitation, delete the event. Set-up data (an email provider, delivery records) is written
 * straight to the same Firestore emulator project the app uses.
 */

const db = stackFirestore;

/** An enabled provider pointing at the test stack's mail catcher, so a running drain has somewhere to send. */
async function seedMailCatcher() {
  const [host = "127.0.0.1", port = "1125"] = (process.env.HERALD_LOCAL_SMTP ?? "127.0.0.1:1125").split(":");
  await seedProvider(db().db, "e2e-events-smtp", { name: "Mail catcher", settings: { host, port: Number(port), secure: false } });
  await ensureStarterTemplates({ db: db().db, clock: { now: () => new Date() } });
}

function stat(page: Page, key: string): Locator {
  return page.getByTestId(`stat-${key}`).locator(".value");
}

function localInput(offsetDays: number, hour: number): string {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  return `${d.toISOString().slice(0, 10)}T${String(hour).padStart(2, "0")}:00`;
}

async function fillEventForm(page: Page, title: string) {
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Starts").fill(localInput(10, 18));
  await page.getByLabel("Ends").fill(localInput(10, 22));
  await page.getByLabel("Time zone").selectOption("Europe/Paris");
  await page.getByLabel("Place").fill("Station F");
}

const CSV = [
  "email,name,Company",
  "ada@example.com,Ada Lovelace,ACME",
  "bob@example.com,Bob,Beta",
  "ADA@example.com,Ada again,ACME",
  "not-an-email,Nobody,X",
  'carol@example.com,Carol,"Gamma, Inc"',
].join("\n");

test.describe.configure({ mode: "serial" });

test("an organiser creates an event, invites from a CSV, sees counters move live, resends, revokes and deletes", async ({
  page,
  context,
}) => {
  await seedMailCatcher();
  const title = `Launch ${randomUUID().slice(0, 8)}`;

  await signInAsAdmin(page);
  await page.goto("/admin/events");
  await page.getByRole("link", { name: "New event" }).click();
  await expect(page.getByRole("heading", { name: "New event" })).toBeVisible();
  await expect(page.getByLabel("Link lifetime (days)")).toHaveValue("7");

  // A first try without a title: the error sits next to the field, and nothing is created.
  await fillEventForm(page, "");
  await page.getByRole("button", { name: "Create event" }).click();
  const titleInput = page.getByLabel("Title");
  await expect(titleInput).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#event-title-error")).toHaveText("Give the event a title");
  await expect(titleInput).toBeFocused();
  await expect(page).toHaveURL(/\/admin\/events\/new$/);

  await titleInput.fill(title);
  await expect(titleInput).toHaveAttribute("aria-invalid", "false");
  await page.getByRole("button", { name: "Create event" }).click();
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  const eventId = new URL(page.url()).pathname.split("/").at(-1)!;
  await expect(page.getByText("(Europe/Paris)")).toBeVisible();
  await expect(page.getByTestId("live-status")).toHaveText("Live");

  // Upload: good, duplicate and bad rows are told apart before anything is sent.
  await page.getByLabel("Upload a CSV file").check();
  await page.getByLabel("CSV file", { exact: true }).setInputFiles({ name: "guests.csv", mimeType: "text/csv", buffer: Buffer.from(CSV, "utf8") });
  await page.getByRole("button", { name: "Use these columns" }).click();
  const preview = page.getByTestId("invite-preview");
  await expect(preview.getByTestId("preview-ok").locator(".value")).toHaveText("3");
  await expect(preview.getByTestId("preview-duplicate").locator(".value")).toHaveText("1");
  await expect(preview.getByTestId("preview-invalid").locator(".value")).toHaveText("1");
  await expect(preview.getByText("invitee.fields.company")).toBeVisible();
  const before = preview.getByTestId("problem-row");
  await expect(before).toHaveCount(2);
  await expect(before.nth(0)).toContainText("Duplicate of row 2");
  await expect(before.nth(1)).toContainText("not-an-email");
  await expect(before.nth(1)).toContainText("Email must contain exactly one @");

  await page.getByRole("button", { name: "Invite 3 guests" }).click();
  const outcome = page.getByTestId("invite-outcome");
  await expect(outcome.getByTestId("outcome-invited").locator(".value")).toHaveText("3");
  await expect(outcome.getByTestId("outcome-duplicates").locator(".value")).toHaveText("1");
  await expect(outcome.getByTestId("outcome-rejected").locator(".value")).toHaveText("1");
  await expect(outcome.getByTestId("problem-row")).toHaveCount(2);
  await expect(page.getByTestId("invite-status")).toHaveText("Done: 3 guests invited, 1 duplicate skipped, 1 rejected.");
  await expect(stat(page, "invited")).toHaveText("3");
  const rows = page.getByTestId("invitation-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText("ada@example.com");

  // The same address again, typed in: the server recognises the live invitation.
  await page.getByLabel("One address").check();
  await page.getByLabel("Email address").fill("Bob@Example.com");
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  await expect(page.getByTestId("invite-outcome").getByTestId("problem-row")).toContainText("Already invited");
  await expect(stat(page, "invited")).toHaveText("3");

  // A second tab on the same event: it follows changes made in the first without reloading.
  const second = await context.newPage();
  await second.goto(`/admin/events/${eventId}`);
  await expect(second.getByTestId("live-status")).toHaveText("Live");
  await expect(stat(second, "pending")).toHaveText("3");
  await expect(stat(second, "revoked")).toHaveText("0");

  await page.getByRole("checkbox", { name: "Select ada@example.com" }).check();
  await page.getByRole("button", { name: "Revoke", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Revoke 1 invitation?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByTestId("invitations-status")).toHaveText("Revoked 1 invitation.");
  await expect(rows.filter({ hasText: "ada@example.com" }).locator(".badge")).toHaveText("Revoked");

  await expect(stat(second, "revoked")).toHaveText("1");
  await expect(stat(second, "pending")).toHaveText("2");
  await expect(second.getByRole("img", { name: /0 accepted, 0 declined, 2 pending/ })).toBeVisible();

  // Filter and search go to the server; the revoked one is found by its status.
  await page.getByLabel("Status").selectOption("revoked");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("ada@example.com");
  await page.getByLabel("Status").selectOption("");
  await page.getByLabel("Email starts with").fill("car");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("carol@example.com");
  await page.getByLabel("Email starts with").fill("");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(rows).toHaveCount(3);

  await page.getByRole("checkbox", { name: "Select bob@example.com" }).check();
  await page.getByRole("button", { name: "Resend" }).click();
  await expect(page.getByTestId("invitations-status")).toHaveText("Resent 1 invitation.");

  // One invitation up close, with the delivery attempts the drain recorded.
  const carolId = invitationIdFor(eventId, "carol@example.com");
  const at = new Date();
  await db().db.set("test.seed", docRef(collections.audit, `e2e-${carolId}`), {
    at,
    drainId: "e2e",
    entries: [
      {
        at,
        jobId: `${carolId}-1`,
        invitationId: carolId,
        eventId,
        kind: "invitation",
        providerId: "e2e-events-smtp",
        outcome: "simulated",
        errorClass: null,
        message: null,
        latencyMs: 12,
        attempt: 1,
        idempotencyKey: `${carolId}-1`,
        resumed: false,
        superseded: false,
      },
    ],
    invitationIds: [carolId],
    eventIds: [eventId],
  });
  await page.getByRole("link", { name: "carol@example.com" }).click();
  await expect(page.getByRole("heading", { name: "carol@example.com" })).toBeVisible();
  await expect(page.getByText("Gamma, Inc")).toBeVisible();
  await expect(page.getByTestId("attempts")).toContainText("simulated");
  await expect(page.getByTestId("attempts")).toContainText("e2e-events-smtp");
  await page.goto(`/admin/events/${eventId}/invitations/${invitationIdFor(eventId, "bob@example.com")}`);
  await expect(page.getByText("Link no. 2")).toBeVisible();

  // The list shows the event with its counts, and loses it live when it is deleted elsewhere.
  await second.goto("/admin/events");
  await expect(second.getByTestId("live-status")).toHaveText("Live");
  const card = second.getByTestId("event-card").filter({ hasText: title });
  await expect(card.getByTestId("count-invited").locator("dd")).toHaveText("3");

  await page.goto(`/admin/events/${eventId}`);
  await page.getByRole("button", { name: "Delete event" }).click();
  const confirm = page.getByRole("dialog", { name: `Delete “${title}”?` });
  const confirmButton = confirm.getByRole("button", { name: "Delete event" });
  await expect(confirmButton).toBeDisabled();
  await confirm.getByLabel("Type the event title to confirm").fill(title);
  await confirmButton.click();
  await expect(page).toHaveURL(/\/admin\/events$/);
  await expect(page.getByTestId("event-card").filter({ hasText: title })).toHaveCount(0);
  await expect(card).toHaveCount(0);
  expect((await db().raw.collection("invitations").where("eventId", "==", eventId).get()).size).toBe(0);
});

test("an event is edited, works without live updates, stops at a missing provider, and a cut-off deletion resumes", async ({ page }) => {
  await seedMailCatcher();
  const title = `Half-deleted ${randomUUID().slice(0, 8)}`;
  await signInAsAdmin(page);

  // Without live updates the server-rendered page still works, and says the numbers may be stale.
  await page.route("**/api/live-token", (route) => route.fulfill({ status: 503, contentType: "application/json", body: "{}" }));
  await page.goto("/admin/events");
  await expect(page.getByTestId("live-status")).toContainText("Live updates paused");
  await expect(page.getByRole("link", { name: "New event" })).toBeVisible();
  await page.unroute("**/api/live-token");

  await page.goto("/admin/events/new");
  await fillEventForm(page, title);
  await page.getByRole("button", { name: "Create event" }).click();
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  const eventId = new URL(page.url()).pathname.split("/").at(-1)!;

  // Editing shows the times as the venue's clocks read them, and checks again before saving.
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page.getByLabel("Title")).toHaveValue(title);
  await expect(page.getByLabel("Time zone")).toHaveValue("Europe/Paris");
  await expect(page.getByLabel("Starts")).toHaveValue(localInput(10, 18));
  await page.getByLabel("Capacity").fill("0");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator("#event-capacity-error")).toHaveText("Capacity must be at least 1 (leave it empty for no limit)");
  await page.getByLabel("Capacity").fill("50");
  await expect(page.locator("#event-capacity-error")).toHaveCount(0);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/events/${eventId}$`));
  await expect(page.locator("dd").filter({ hasText: /^50$/ })).toBeVisible();

  // Every provider off for a moment: the upload stops with a message that says what to do.
  const providers = await db().raw.collection("providers").where("enabled", "==", true).get();
  await Promise.all(providers.docs.map((d) => d.ref.update({ enabled: false })));
  try {
    await page.getByLabel("Paste a list").check();
    await page.getByLabel("Addresses").fill("dan@example.com, Eve <eve@example.com>");
    await page.getByRole("button", { name: "Check the list" }).click();
    await page.getByRole("button", { name: "Invite 2 guests" }).click();
    const alert = page.getByTestId("no-provider");
    await expect(alert).toContainText("No email provider is set up");
    await expect(alert.getByRole("link", { name: "Add one under Providers" })).toHaveAttribute("href", "/admin/providers");
  } finally {
    await Promise.all(providers.docs.map((d) => d.ref.update({ enabled: true })));
  }
  await page.getByRole("button", { name: "Try the remaining 2 guests again" }).click();
  await expect(page.getByTestId("outcome-invited").locator(".value")).toHaveText("2");

  // A deletion cut off half-way (the tab closed): the event says so and offers to finish.
  await db().raw.collection("events").doc(eventId).update({ lifecycle: "deleting" });
  await page.goto("/admin/events");
  await expect(page.getByTestId("event-card").filter({ hasText: title }).getByText("Deleting…")).toBeVisible();
  await page.getByRole("link", { name: title }).click();
  await expect(page.getByRole("button", { name: "Invite", exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "Resume deletion" }).click();
  await expect(page).toHaveURL(/\/admin\/events$/);
  await expect(page.getByTestId("event-card").filter({ hasText: title })).toHaveCount(0);
  expect((await db().raw.collection("events").doc(eventId).get()).exists).toBe(false);
});

test("the live token is only handed to an admin session, and only to this site's pages", async ({ request, baseURL }) => {
  const crossSite = await request.post("/api/live-token", { headers: { origin: "https://evil.example" }, data: {} });
  expect(crossSite.status()).toBe(403);
  const anonymous = await request.post("/api/live-token", { headers: { origin: baseURL! }, data: {} });
  expect(anonymous.status()).toBe(401);
  expect(await anonymous.json()).not.toHaveProperty("token");
});
