import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ensureStarterTemplates } from "@/lib/services/templates";
import { seedProvider } from "@/tests/support/fixtures";
import { stackFirestore } from "./stack-data";
import { linkIn, mailTo } from "./inbox";
import { signInAsAdmin } from "./support";

/**
 * Reminders as an organiser meets them: two guests invited, one answers, then the organiser sets a reminder rule
 * on the event; the worker's scheduler sends it to the guest who has not answered, with the link from his
 * invitation, and not to the one who has. Emails are read back from the local mail catcher's inbox.
 */

/** A datetime-local value in UTC, `ms` from now, rounded up to the next whole minute. */
function utcInput(ms: number): string {
  const minute = 60_000;
  return new Date(Math.ceil((Date.now() + ms) / minute) * minute).toISOString().slice(0, 16);
}

async function invite(page: Page, addresses: string[]) {
  await page.getByLabel("Paste a list").check();
  await page.getByLabel("Addresses").fill(addresses.join("\n"));
  await page.getByRole("button", { name: "Check the list" }).click();
  await page.getByRole("button", { name: `Invite ${addresses.length} guests` }).click();
  await expect(page.getByTestId("outcome-invited")).toContainText(String(addresses.length));
}

test("an organiser sets a reminder rule: it reaches the guest who has not answered, not the one who has", async ({ page }) => {
  test.setTimeout(300_000);
  const stamp = Date.now();
  const [ada, bob] = [`ada-${stamp}@example.com`, `bob-${stamp}@example.com`];
  const [host = "127.0.0.1", port = "1125"] = (process.env.HERALD_LOCAL_SMTP ?? "127.0.0.1:1125").split(":");
  const { db } = stackFirestore();
  await seedProvider(db, "e2e-reminders-smtp", { name: "Mail catcher", settings: { host, port: Number(port), secure: false } });
  await ensureStarterTemplates({ db, clock: { now: () => new Date() } });

  await signInAsAdmin(page);
  await page.goto("/admin/events/new");
  await page.getByLabel("Title").fill(`Reminder party ${stamp}`);
  await page.getByLabel("Starts").fill(utcInput(10 * 86_400_000));
  await page.getByLabel("Ends").fill(utcInput(10 * 86_400_000 + 3 * 3_600_000));
  await page.getByLabel("Time zone").selectOption("UTC");
  await page.getByRole("button", { name: "Create event" }).click();
  await expect(page.getByRole("heading", { name: `Reminder party ${stamp}`, level: 1 })).toBeVisible();
  const eventUrl = page.url();
  await expect(page.getByRole("region", { name: "Reminders" })).toContainText("No reminders");

  await invite(page, [ada, bob]);
  for (const guest of [ada, bob]) {
    await expect.poll(async () => (await mailTo(guest)).length, { timeout: 60_000, message: `invitation to ${guest}` }).toBe(1);
  }
  const [bobInvitation] = await mailTo(bob);

  // Ada answers from her email.
  await page.goto(linkIn((await mailTo(ada))[0]!));
  await page.getByRole("button", { name: "Accept" }).click();
  await expect(page.getByRole("status")).toContainText("You're going");

  // The organiser adds "1 day before the RSVP deadline", with a deadline a day and under a minute and a half
  // from now (the field has whole minutes): the rule comes due moments after it is saved, never before.
  await page.goto(`${eventUrl}/edit`);
  await page.getByLabel("RSVP deadline").fill(utcInput(86_400_000 + 25_000));
  await page.getByRole("button", { name: "Add a reminder" }).click();
  const days = page.getByLabel("Reminder 1: days before the RSVP deadline");
  await expect(days).toBeFocused();
  // A rule of no days is refused on the field itself, with the focus on it.
  await days.fill("0");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(days).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("A reminder goes at least 1 day before")).toBeVisible();
  await days.fill("1");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(eventUrl);
  await expect(page.getByTestId("next-reminder")).toContainText("1 day before the RSVP deadline, to 1 guest who hasn’t answered");

  await expect
    .poll(async () => (await mailTo(bob)).filter((m) => m.subject.startsWith("Reminder:")).length, { timeout: 200_000, message: "Bob's reminder" })
    .toBe(1);
  const reminder = (await mailTo(bob)).find((m) => m.subject.startsWith("Reminder:"))!;
  expect(reminder.subject).toContain(`Reminder party ${stamp}`);
  // His own link, the one from his invitation: a reminder is not a resend.
  expect(linkIn(reminder)).toBe(linkIn(bobInvitation!));
  // Ada answered: her invitation and her confirmation, no reminder.
  expect((await mailTo(ada)).map((m) => m.subject.startsWith("Reminder:"))).toEqual([false, false]);

  await page.reload();
  await expect(page.getByTestId("reminder-rule")).toContainText("for 1 guest");
  await expect(page.getByTestId("next-reminder")).toContainText("No reminder left to send");
  await page.getByTestId("invitation-row").filter({ hasText: bob }).getByRole("link").click();
  await expect(page.getByTestId("reminders")).toContainText("1 day before the RSVP deadline · sent");
});
