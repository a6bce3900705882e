import { test as base } from "@playwright/test";
import { clientAddresses } from "./support";

/**
 * Every test's browser context speaks from its own client address (X-Forwarded-For, which the app reads
 * without a proxy in front), as separate people would: the app's per-address rate limits then apply to each
 * test as they would to one visitor, instead of the whole suite sharing one loopback address's budget.
 */
const address = clientAddresses();
let next = 0;

export const test = base.extend({
  context: async ({ context }, use, testInfo) => {
    await context.setExtraHTTPHeaders({ "x-forwarded-for": address(testInfo.workerIndex * 4096 + next++) });
    await use(context);
  },
});

export { expect } from "@playwright/test";
