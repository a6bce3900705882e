import { type Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { linkIn, mailTo } from "./inbox";
import { signInAsAdmin } from "./support";

/**
 * Delivery as a new user meets it, end to end: real Chromium, the production app, the worker draining the
 * queue on its timer, and the emails read back from the local mail catcher's inbox.
 */
const SMTP = process.env.HERALD_LOCAL_SMTP ?? "127.0.0.1:1125";

function localInput(offsetDays: number, hour: number): string {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  return `${d.toISOString().slice(0, 10)}T${String(hour).padStart(2, "0")}:00`;
}

async function setRuntime(page: Page, control: "halt" | "resume" | "simulation-on" | "simulation-off") {
  await page.goto("/admin/settings");
  if (control === "halt" || control === "resume") {
    const label = control === "halt" ? "Halt all sending" : "Resume sending";
    await page.getByRole("button", { name: label }).first().click();
    await page.getByRole("dialog").getByRole("button", { name: control === "halt" ? "Halt sending" : "Resume sending" }).click();
    await expect(page.getByRole("button", { name: control === "halt" ? "Resume sending" : "Halt all sending" }).first()).toBeVisible();
  } else {
    const toggle = page.getByRole("switch", { name: /Simulation mode/ });
    const on = (await toggle.getAttribute("aria-checked")) === "true";
    if (on !== (control === "simulation-on")) await toggle.click();
    await expect(toggle).toHaveAttribute("aria-checked", control === "simulation-on" ? "true" : "false");
  }
}

async function invite(page: Page, eventUrl: string, addresses: string[]) {
  await page.goto(eventUrl);
  await page.getByLabel("Paste a list").check();
  await page.getByLabel("Addresses").fill(addresses.join("\n"));
  await page.getByRole("button", { name: "Check the list" }).click();
  await page.getByRole("button", { name: `Invite ${addresses.length} guest${addresses.length === 1 ? "" : "s"}` }).click();
  await expect(page.getByTestId("outcome-invited")).toContainText(String(addresses.length));
}

test.describe.configure({ mode: "serial" });

test("invitations reach the inbox with working links; acceptance sends a confirmation; halt and simulation hold", async ({ page }) => {
  test.setTimeout(240_000);
  const stamp = Date.now();
  const guests = ["ada", "bob", "cy"].map((n) => `${n}-${stamp}@example.com`);
  const [host = "127.0.0.1", port = "1125"] = SMTP.split(":");

  await signInAsAdmin(page);
  try {
    // A provider pointing at the local mail catcher, added through the UI as a newcomer would.
    await page.goto("/admin/providers/new");
    await page.getByLabel("Name", { exact: true }).fill(`Catcher ${stamp}`);
    await page.getByLabel("Priority").fill("1");
    await page.getByLabel("Sender address").fill("events@herald.test");
    await page.getByLabel("Sender name").fill("Herald Events");
    await page.getByLabel("SMTP host").fill(host);
    await page.getByLabel("Port", { exact: true }).fill(port);
    await page.getByRole("button", { name: "Add provider" }).click();
    await expect(page).toHaveURL(/\/admin\/providers$/);

    await page.goto("/admin/events/new");
    await page.getByLabel("Title").fill(`Delivery party ${stamp}`);
    await page.getByLabel("Starts").fill(localInput(10, 18));
    await page.getByLabel("Ends").fill(localInput(10, 22));
    await page.getByLabel("Time zone").selectOption("Europe/Paris");
    await page.getByLabel("Place").fill("Station F");
    await page.getByRole("button", { name: "Create event" }).click();
    await expect(page.getByRole("heading", { name: `Delivery party ${stamp}`, level: 1 })).toBeVisible();
    const eventUrl = page.url();

    await invite(page, eventUrl, guests);
    for (const guest of guests) {
      await expect.poll(async () => (await mailTo(guest)).length, { timeout: 60_000, message: `invitation to ${guest}` }).toBe(1);
    }

    // The link in Ada's email opens her invitation; accepting queues a confirmation with the calendar file.
    const [adaMail] = await mailTo(guests[0]!);
    expect(adaMail!.subject).toContain(`Delivery party ${stamp}`);
    await page.goto(linkIn(adaMail!));
    await expect(page.getByRole("heading", { name: `Delivery party ${stamp}` })).toBeVisible();
    await page.getByRole("button", { name: "Accept" }).click();
    await expect(page.getByRole("status")).toContainText("You're going");
    await expect
      .poll(async () => (await mailTo(guests[0]!)).length, { timeout: 60_000, message: "confirmation email" })
      .toBe(2);
    const confirmation = (await mailTo(guests[0]!)).find((m) => m !== undefined && m.subject !== adaMail!.subject)!;
    expect(confirmation.attachments?.some((a) => a.contentType.startsWith("text/calendar"))).toBe(true);

    // Halted: invitations queue up but nothing leaves.
    await setRuntime(page, "halt");
    await expect(page.getByText(/Sending is halted/).first()).toBeVisible();
    const held = [`dee-${stamp}@example.com`, `eve-${stamp}@example.com`];
    await invite(page, eventUrl, held);
    await page.waitForTimeout(6_000); // several worker ticks
    expect((await mailTo(held[0]!)).length + (await mailTo(held[1]!)).length).toBe(0);

    // Resumed: they go out.
    await setRuntime(page, "resume");
    for (const guest of held) {
      await expect.poll(async () => (await mailTo(guest)).length, { timeout: 60_000, message: `held invitation to ${guest}` }).toBe(1);
    }

    // Simulation: the pipeline runs, nothing is sent, and the invitation says so.
    await setRuntime(page, "simulation-on");
    const simulated = `sim-${stamp}@example.com`;
    await invite(page, eventUrl, [simulated]);
    await page.goto(eventUrl);
    await expect
      .poll(async () => {
        await page.reload();
        return page.getByTestId("invitation-row").filter({ hasText: simulated }).innerText();
      }, { timeout: 60_000 })
      .toMatch(/simulated/i);
    expect(await mailTo(simulated)).toHaveLength(0);
    await page.getByTestId("invitation-row").filter({ hasText: simulated }).getByRole("link").first().click();
    await expect(page.getByTestId("attempts")).toContainText(/simulated/i);
  } finally {
    await setRuntime(page, "simulation-off").catch(() => undefined);
    await page.goto("/admin/settings");
    if (await page.getByRole("button", { name: "Resume sending" }).count()) await setRuntime(page, "resume").catch(() => undefined);
  }
});
