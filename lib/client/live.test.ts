import { describe, expect, it } from "vitest";
import { Timestamp } from "firebase/firestore";
import { toLiveEvent } from "./live";

const base = {
  title: "Launch party",
  startsAt: Timestamp.fromMillis(1_800_000_000_000),
  endsAt: Timestamp.fromMillis(1_800_010_800_000),
  timezone: "Europe/Paris",
  lifecycle: "active",
  counters: { invited: 3, pending: 2, delivered: 1, accepted: 1, declined: 0, failed: 0, revoked: 0 },
  host: { name: "Ada", email: "ada@example.com" },
};

describe("toLiveEvent", () => {
  it("turns a web SDK snapshot into what the dashboards show, times as epoch milliseconds", () => {
    expect(toLiveEvent("e1", base)).toEqual({
      id: "e1",
      title: "Launch party",
      startsAt: 1_800_000_000_000,
      endsAt: 1_800_010_800_000,
      timezone: "Europe/Paris",
      lifecycle: "active",
      counters: base.counters,
    });
  });

  it("reads missing or odd counters as zero rather than failing the whole list", () => {
    const event = toLiveEvent("e1", { ...base, counters: { invited: 4, pending: "x" } });
    expect(event?.counters).toEqual({ invited: 4, pending: 0, delivered: 0, accepted: 0, declined: 0, failed: 0, revoked: 0 });
  });

  it("skips a document that is not an event", () => {
    expect(toLiveEvent("e1", { title: "No times" })).toBeNull();
    expect(toLiveEvent("e1", { ...base, lifecycle: "archived" })).toBeNull();
  });
});
