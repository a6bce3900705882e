import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { seedEvent } from "@/tests/support/fixtures";
import { standinWebhookKeys, startResendStandin, type ProviderStandin, type WebhookEventKind } from "@/tests/support/provider-standins";
import { stackContext } from "./stack-data";
import { ADMIN_EMAIL, signInAsAdmin } from "./support";

/**
 * Bounces as an organiser meets them: a Resend stand-in (in this test process) takes the worker's emails and
 * reports back through Resend's signed webhooks to the app under test, exactly as Resend would. A hard bounce
 * shows on the guest's row with its reason, and the address cannot be invited again until it is taken off the
 * suppression list.
 */

const base = () => process.env.HERALD_E2E_BASE_URL ?? "http://127.0.0.1:3100";

/** What the guest's row says once the worker and the webhooks have had their say (the table is reloaded to see). */
async function rowEventually(page: Page, email: string, text: string, message: string) {
  const row = page.getByTestId("invitation-row").filter({ hasText: email });
  await expect
    .poll(
      async () => {
        await page.reload();
        return row.innerText();
      },
      { timeout: 90_000, message },
    )
    .toContain(text);
  return row;
}

async function inviteOne(page: Page, email: string) {
  await page.getByLabel("One address").check();
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Invite", exact: true }).click();
}

test("a hard bounce marks the guest, suppresses the address, and re-inviting it takes removing it first", async ({ page }) => {
  test.setTimeout(180_000);
  const stamp = Date.now();
  const bouncing = `gone-${stamp}@example.com`;
  const plan: Record<string, WebhookEventKind[]> = { [bouncing]: ["hard_bounce"] };
  const keys = standinWebhookKeys();
  let standin: ProviderStandin | null = null;
  const providerName = `Resend ${stamp}`;
  try {
    standin = await startResendStandin({
      webhooks: { url: `${base()}/api/webhooks/resend`, key: keys.resend, eventsFor: (to) => plan[to] ?? ["delivered"], delayMs: 200, retryDelayMs: 1_000 },
    });
    await signInAsAdmin(page);

    // The provider, with its webhook signing secret, added through the form.
    await page.goto("/admin/providers/new");
    await page.getByLabel("Name", { exact: true }).fill(providerName);
    await page.getByLabel("Kind").selectOption("resend");
    await page.getByLabel("Priority").fill("0");
    await page.getByLabel("Sender address").fill("events@herald.test");
    await page.getByLabel("API key").fill("re_e2e_key");
    await page.getByLabel("API address").fill(standin.url);
    await expect(page.getByText(`${base()}/api/webhooks/resend`)).toBeVisible();
    await page.getByLabel("Webhook signing secret").fill(keys.resend);
    await page.getByRole("button", { name: "Add provider" }).click();
    await expect(page).toHaveURL(/\/admin\/providers$/);

    const eventId = await seedEvent(stackContext(), { title: `Bounce party ${stamp}` });
    await page.goto(`/admin/events/${eventId}`);
    await inviteOne(page, bouncing);
    await expect(page.getByTestId("invite-status")).toContainText("1 guest invited");

    // The worker sends it, Resend reports the bounce: the row says so, and why.
    const row = await rowEventually(page, bouncing, "Bounced", "the bounce on the guest's row");
    await expect(row.getByTestId("delivery-problem")).toContainText("Hard bounce reported by Resend");

    // Inviting the address again is refused before anything is sent, with the way out.
    await inviteOne(page, bouncing);
    const refusal = page.getByText(/is on the suppression list/).first();
    await expect(refusal).toBeVisible();
    // The pasted-list preview flags it too.
    await page.getByLabel("Paste a list").check();
    await page.getByLabel("Addresses").fill(`${bouncing}\nfriend-${stamp}@example.com`);
    await page.getByRole("button", { name: "Check the list" }).click();
    await expect(page.getByTestId("preview-suppressed")).toContainText("1");
    await expect(page.getByTestId("problem-row").filter({ hasText: bouncing })).toContainText("Suppressed");
    await expect(page.getByRole("button", { name: "Invite 1 guest" })).toBeVisible();

    // Taken off the list (on record: who and when) ...
    await page.getByTestId("problem-row").filter({ hasText: bouncing }).getByRole("link", { name: "Review" }).click();
    await expect(page).toHaveURL(/\/admin\/suppressions\?q=/);
    const entry = page.getByTestId("suppression").filter({ hasText: bouncing });
    await expect(entry).toContainText("Hard bounce");
    await expect(entry).toContainText("Resend");
    await entry.getByRole("button", { name: `Remove ${bouncing} from the suppression list` }).click();
    await page.getByRole("dialog", { name: `Mail ${bouncing} again?` }).getByRole("button", { name: "Remove from the list" }).click();
    await expect(page.getByTestId("suppressions-status")).toContainText(`${bouncing} was removed`);
    await expect(page.getByTestId("suppression").filter({ hasText: bouncing })).toHaveCount(0);
    await expect(page.getByTestId("removals")).toContainText(`${bouncing} (hard bounce) removed by ${ADMIN_EMAIL}`);

    // ... the address can be invited again, and this time the email is delivered.
    plan[bouncing] = ["delivered"];
    await page.goto(`/admin/events/${eventId}`);
    await inviteOne(page, bouncing);
    await expect(page.getByTestId("invite-status")).toContainText("1 invited again");
    await rowEventually(page, bouncing, "Delivered to the guest’s mail server", "the second email delivered");
  } finally {
    await standin?.close();
    // Out of rotation again, so later tests' emails do not come here.
    const { raw } = stackContext();
    const mine = await raw.collection("providers").where("name", "==", providerName).get();
    await Promise.all(mine.docs.map((d) => d.ref.delete()));
  }
});
