import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { invitationIdOfJob, mergeReport, REPORT_KINDS, reportDetail, type DeliveryFacts, type ReportKind } from "./reports";

const sent: DeliveryFacts = { state: "sent", reported: null, error: null };
const report = (kind: ReportKind, detail: string | null = null) => ({ provider: "sendgrid" as const, kind, detail });
const apply = (start: DeliveryFacts, kinds: readonly ReportKind[]) => kinds.reduce((d, k) => mergeReport(d, report(k, `${k} detail`)) ?? d, start);

describe("merging provider reports into a delivery", () => {
  it("a delivered report confirms a sent email without touching its state", () => {
    expect(mergeReport(sent, report("delivered"))).toEqual({ state: "sent", reported: "delivered", error: null });
  });

  it("a hard bounce or a complaint marks the email bounced, with the provider's reason", () => {
    expect(mergeReport(sent, report("hard_bounce", "5.1.1 550 no such user"))).toEqual({
      state: "bounced",
      reported: "hard_bounce",
      error: "Hard bounce reported by SendGrid: 5.1.1 550 no such user",
    });
    expect(mergeReport(sent, report("complaint"))).toMatchObject({ state: "bounced", error: "The guest marked the email as spam" });
  });

  it("a soft bounce marks it failed; a deferral changes nothing but the record", () => {
    expect(mergeReport(sent, report("soft_bounce", "mailbox full"))).toMatchObject({ state: "failed", reported: "soft_bounce" });
    expect(mergeReport(sent, report("deferred"))).toEqual({ state: "sent", reported: "deferred", error: null });
  });

  it("a late delivered never overwrites a bounce", () => {
    const bounced = apply(sent, ["hard_bounce"]);
    expect(mergeReport(bounced, report("delivered"))).toBeNull();
    expect(apply(sent, ["hard_bounce", "delivered", "deferred", "soft_bounce"])).toEqual(bounced);
  });

  it("never weakens what the queue itself recorded (an SMTP 550 at send time)", () => {
    const refused: DeliveryFacts = { state: "bounced", reported: null, error: "550 5.1.1 no such user" };
    expect(mergeReport(refused, report("delivered"))).toEqual({ state: "bounced", reported: "delivered", error: "550 5.1.1 no such user" });
    expect(apply(refused, ["soft_bounce"]).state).toBe("bounced");
  });

  it("any order, any number of replays, gives the same delivery", () => {
    const kinds = fc.array(fc.constantFrom(...REPORT_KINDS), { maxLength: 8 });
    const start = fc.constantFrom<DeliveryFacts>(sent, { state: "failed", reported: null, error: "timed out" }, { state: "bounced", reported: null, error: "550" });
    fc.assert(
      fc.property(start, kinds, fc.infiniteStream(fc.nat()), (from, list, picks) => {
        const shuffled = [...list];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = picks.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const replayed = [...shuffled, ...shuffled.slice(0, 3)];
        expect(apply(from, replayed)).toEqual(apply(from, list));
      }),
    );
  });
});

describe("reading a provider's words and job ids", () => {
  it("keeps provider text to one bounded line", () => {
    expect(reportDetail("550", "no\nsuch\tuser")).toBe("550 no such user");
    expect(reportDetail(null, "  ")).toBeNull();
    expect(reportDetail("x".repeat(500))!.length).toBe(200);
  });

  it("finds the invitation of an invitation or confirmation job, and nothing for other mail", () => {
    const id = "0123456789abcdef0123456789abcdef";
    expect(invitationIdOfJob(`${id}-3`)).toBe(id);
    expect(invitationIdOfJob(`${id}-c2`)).toBe(id);
    expect(invitationIdOfJob("test-abc-1700000000000")).toBeNull();
    expect(invitationIdOfJob(`${id}`)).toBeNull();
    expect(invitationIdOfJob(`../${id}-1`)).toBeNull();
  });
});
