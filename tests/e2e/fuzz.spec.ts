import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { type APIResponse } from "@playwright/test";
import { expect, test } from "./fixtures";
import { actions, callAction, concrete } from "./build-manifest";
import { inviteToNewEvent, stackContext } from "./stack-data";

/**
 * The public routes and every server action, sent anything over HTTP against the production build: no input
 * produces a 500, a stack trace or internals in the response, or a change to the data. Bounded runs (each is
 * a real request), a few seconds per property.
 */

const RUNS = { numRuns: 60 };

/** What must never reach a client: a stack frame, a source path, a module name, an error class dump. */
const INTERNALS = /\bat [\w$.<>]+ \(|\bat (file|node):|node_modules|\.(ts|tsx|js):\d+|\b(TypeError|ReferenceError|FirebaseError|ZodError)\b/;

async function expectProperAnswer(response: APIResponse, what: string) {
  expect(response.status(), what).toBeLessThan(500);
  expect(await response.text(), what).not.toMatch(INTERNALS);
}

const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.constantFrom("", "%", "%00", "%E0%A4%A", "..", "../../admin", "\\", "answer=accept&answer=decline", "answer=ACCEPT", "answer[]=accept", "a".repeat(5000)),
);
const contentType = fc.constantFrom(
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=utf-16",
  "multipart/form-data; boundary=x",
  "application/json",
  "text/plain",
  "",
);

/** A body the answer form accepts (exactly one accept or decline, url-encoded): excluded to prove the others change nothing. */
function isRealAnswer(body: string, type: string): boolean {
  if (type.split(";")[0]!.trim() !== "application/x-www-form-urlencoded") return false;
  const answers = new URLSearchParams(body).getAll("answer");
  return answers.length === 1 && (answers[0] === "accept" || answers[0] === "decline");
}

const origin = () => process.env.HERALD_E2E_BASE_URL ?? "http://127.0.0.1:3100";

test("the invitation page, its form and its calendar answer any token with a proper page", async ({ request }) => {
  await fc.assert(
    fc.asyncProperty(anyText, fc.constantFrom("", "/answer", "/calendar.ics"), async (token, suffix) => {
      const url = `/invite/${encodeURIComponent(token)}${suffix}`;
      await expectProperAnswer(suffix === "/answer" ? await request.post(url, { form: { answer: "accept" }, maxRedirects: 0 }) : await request.get(url), url);
    }),
    RUNS,
  );
});

test("the answer form, sent anything but one real answer, changes nothing", async ({ request }) => {
  const { eventId, ids, tokens } = await inviteToNewEvent([`fuzz-${randomUUID().slice(0, 8)}@example.com`]);
  const url = `/invite/${tokens[0]}/answer`;
  await fc.assert(
    fc.asyncProperty(anyText, contentType, async (body, type) => {
      fc.pre(!isRealAnswer(body, type));
      const response = await request.post(url, { headers: type ? { "content-type": type } : {}, data: body, maxRedirects: 0 });
      await expectProperAnswer(response, `${type} ${JSON.stringify(body.slice(0, 80))}`);
      expect(response.status()).toBeGreaterThanOrEqual(400);
    }),
    RUNS,
  );
  const { raw } = stackContext();
  expect((await raw.collection("invitations").doc(ids[0]!).get()).data()?.status).toBe("queued");
  expect((await raw.collection("participants").where("eventId", "==", eventId).get()).size).toBe(0);
});

test("the session endpoint refuses any body without a session or an internal error", async ({ request }) => {
  const json = fc.oneof(fc.jsonValue(), fc.record({ idToken: fc.oneof(anyText, fc.jsonValue()) }));
  await fc.assert(
    fc.asyncProperty(fc.oneof(json.map((v) => JSON.stringify(v)), anyText), contentType, async (body, type) => {
      const response = await request.post("/api/session", { headers: { origin: origin(), ...(type ? { "content-type": type } : {}) }, data: body });
      await expectProperAnswer(response, body.slice(0, 80));
      expect(response.status()).toBeGreaterThanOrEqual(400);
      expect(response.headers()["set-cookie"] ?? "").not.toContain("__session=");
    }),
    RUNS,
  );
});

test("the provider webhooks refuse anything not signed by the provider, without an internal error or a write", async ({ request }) => {
  const { ids } = await inviteToNewEvent([`hook-${randomUUID().slice(0, 8)}@example.com`]);
  const { raw } = stackContext();
  // What a webhook would write: the invitation's report history and strongest report. (Its delivery state is
  // the worker's: the invitation is being sent meanwhile.)
  const reports = async () => {
    const data = (await raw.collection("invitations").doc(ids[0]!).get()).data() ?? {};
    return { history: data.deliveryReports ?? [], reported: data.delivery?.reported ?? null };
  };
  const before = await reports();
  // Anything a client can put in a header (HTTP refuses control characters before they reach the app).
  const header = fc.oneof(fc.stringMatching(/^[\x21-\x7e ]{0,80}$/), fc.constantFrom("v1,c2lnbmF0dXJl", "MEUCIQ==", String(Math.floor(Date.now() / 1000)), "msg_1"));
  const event = fc.record({ event: fc.constantFrom("bounce", "delivered", "spamreport"), sg_event_id: fc.string(), herald_idempotency_key: fc.constant(`${ids[0]}-1`), timestamp: fc.nat() });
  const body = fc.oneof(anyText, fc.array(event, { maxLength: 3 }).map((e) => JSON.stringify(e)), fc.jsonValue().map((v) => JSON.stringify(v)));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom("sendgrid", "resend"), body, header, header, async (provider, data, signature, timestamp) => {
      const response = await request.post(`/api/webhooks/${provider}`, {
        headers: {
          "content-type": "application/json",
          "x-twilio-email-event-webhook-signature": signature,
          "x-twilio-email-event-webhook-timestamp": timestamp,
          "svix-id": "msg_fuzz",
          "svix-timestamp": timestamp,
          "svix-signature": signature,
        },
        data,
      });
      await expectProperAnswer(response, `${provider} ${data.slice(0, 80)}`);
      expect(response.status()).toBe(401);
    }),
    RUNS,
  );
  const huge = await request.post("/api/webhooks/resend", { headers: { "content-type": "application/json" }, data: "x".repeat(2 * 1024 * 1024) });
  expect(huge.status()).toBe(413);
  expect(await reports()).toEqual(before);
  expect(before).toEqual({ history: [], reported: null });
});

/** Strings starting with "$" are React's reference syntax in an action payload ("$K1", "$@0"; "$$" escapes a "$"). */
const REFERENCE = /"\$/;

test("every server action, sent any body by a stranger, refuses without an internal error", async ({ request }) => {
  const all = actions();
  const args = fc.oneof(fc.array(fc.jsonValue(), { maxLength: 4 }).map((a) => JSON.stringify(a)), anyText, fc.constantFrom('{"0":"x"}', "[[[[[[[[[[]]]]]]]]]]", "[1e999]"));
  const type = fc.constantFrom("text/plain;charset=UTF-8", "multipart/form-data; boundary=x", "application/json");
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...all), args, type, async (action, data, contentType) => {
      fc.pre(!REFERENCE.test(data));
      await expectProperAnswer(await callAction(request, action, origin(), data, contentType), `${action.name} ${contentType} ${data.slice(0, 80)}`);
    }),
    { numRuns: 120 },
  );
  // Well-formed form data (what a form action sends) with any root value.
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...all), args, anyText, async (action, root, other) => {
      fc.pre(!REFERENCE.test(root));
      const response = await request.post(concrete(action.page), {
        headers: { "next-action": action.id, accept: "text/x-component", origin: origin() },
        multipart: { "0": root, "1_field": other },
        maxRedirects: 0,
      });
      await expectProperAnswer(response, `${action.name} multipart ${root.slice(0, 80)}`);
    }),
    { numRuns: 60 },
  );
});

test("a malformed React reference in an action payload runs nothing and reveals nothing", async ({ request }) => {
  // React's decoder, inside Next and before any of our code, answers some malformed references with a 500 that
  // carries only an opaque digest; the proxy cannot tell them apart without re-implementing that decoder.
  const all = actions();
  const reference = fc.oneof(fc.constantFrom("$", "$K", "$@", "$Q", "$T", "$W", "$B", "$S", "$D", "$n", "$@99", "$K9"), fc.string({ maxLength: 6 }).map((s) => `$${s}`));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...all), fc.array(reference, { minLength: 1, maxLength: 3 }), async (action, refs) => {
      const response = await callAction(request, action, origin(), JSON.stringify([refs]));
      const body = await response.text();
      expect(body).not.toMatch(INTERNALS);
      if (response.status() >= 500) expect(body).toMatch(/^0:\{[^\n]*\}\n1:E\{"digest":"\d+"\}\n?$/);
      else expect(body).toMatch(/"code":"unauthenticated"/);
    }),
    { numRuns: 60 },
  );
});
