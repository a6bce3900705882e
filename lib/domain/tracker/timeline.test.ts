import { describe, expect, it } from "vitest";
import { buildTimeline, type TimelineJob } from "./timeline";

const t = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute));

const job = (overrides: Partial<TimelineJob>): TimelineJob => ({
  id: "inv-1",
  kind: "invitation",
  state: "completed",
  tokenVersion: 1,
  createdAt: t(0),
  completedAt: t(3),
  updatedAt: t(3),
  sentBy: "resend",
  simulated: false,
  waitingReason: null,
  lastError: null,
  ...overrides,
});

const attempt = (jobId: string, minute: number, outcome: string, providerId: string, attemptNo: number) => ({
  at: t(minute),
  jobId,
  providerId,
  outcome,
  errorClass: outcome === "retry" ? "transient" : null,
  message: outcome === "retry" ? "503 from provider" : null,
  latencyMs: 120,
  attempt: attemptNo,
  idempotencyKey: jobId,
  resumed: false,
});

describe("a guest's timeline", () => {
  it("tells the story in order: invited, each attempt, sent, opened, accepted, changed, confirmation sent", () => {
    const timeline = buildTimeline({
      invitation: {
        createdAt: t(0),
        openedAt: t(10),
        answers: [
          { status: "declined", at: t(20) },
          { status: "accepted", at: t(12) },
        ],
        status: "declined",
        answeredAt: t(20),
      },
      jobs: [job({}), job({ id: "inv-1-c1", kind: "confirmation", createdAt: t(12), completedAt: t(13), updatedAt: t(13) })],
      attempts: [attempt("inv-1", 1, "retry", "sendgrid", 1), attempt("inv-1", 3, "sent", "resend", 2), attempt("inv-1-c1", 13, "sent", "resend", 1)],
    });
    expect(timeline.map((e) => (e.type === "answered" ? `${e.type}:${e.status}${e.changed ? ":changed" : ""}` : e.type))).toEqual([
      "queued",
      "attempt",
      "attempt",
      "sent",
      "opened",
      "queued",
      "answered:accepted",
      "attempt",
      "sent",
      "answered:declined:changed",
    ]);
    const retry = timeline[1];
    expect(retry?.type === "attempt" && retry.attempt).toMatchObject({ providerId: "sendgrid", errorClass: "transient", idempotencyKey: "inv-1" });
  });

  it("shows a bounce as a bounce, and a job still waiting as waiting", () => {
    const timeline = buildTimeline({
      invitation: { createdAt: t(0), openedAt: null, answers: [], status: "bounced", answeredAt: null },
      jobs: [job({ state: "failed" }), job({ id: "inv-2", tokenVersion: 2, state: "retry", createdAt: t(5), updatedAt: t(6), completedAt: null })],
      attempts: [attempt("inv-1", 2, "bounced", "resend", 1)],
    });
    expect(timeline.find((e) => e.type === "failed")).toMatchObject({ bounced: true });
    expect(timeline.at(-1)?.type).toBe("waiting");
  });

  it("falls back to the stored answer for guests who answered before answers were kept one by one", () => {
    const timeline = buildTimeline({
      invitation: { createdAt: t(0), openedAt: null, answers: [], status: "accepted", answeredAt: t(9) },
      jobs: [],
      attempts: [],
    });
    expect(timeline).toEqual([{ type: "answered", at: t(9), status: "accepted", changed: false }]);
  });
});
