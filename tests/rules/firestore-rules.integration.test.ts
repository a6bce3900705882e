import { describe, expect, it } from "vitest";
import { testFirestore } from "@/tests/support/firestore";

/**
 * The rules the Firestore emulator enforces for browser (web SDK / REST) clients. The server uses
 * firebase-admin, which bypasses them; browsers may only read what admins' live pages listen to, and only as admins.
 */
function unsignedIdToken(projectId: string, claims: Record<string, unknown>): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "none", typ: "JWT" })}.${b64({
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    sub: "user-1",
    user_id: "user-1",
    iat: now,
    exp: now + 3600,
    auth_time: now,
    firebase: { sign_in_provider: "custom", identities: {} },
    ...claims,
  })}.`;
}

async function rest(projectId: string, method: string, path: string, token: string | null, body?: object) {
  const res = await fetch(`http://${process.env.FIRESTORE_EMULATOR_HOST}/v1/projects/${projectId}/databases/(default)/documents/${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.status;
}

describe("Firestore security rules", () => {
  it("let admins read events but not invitations or the audit; nobody writes from a browser", async () => {
    const { raw, projectId } = testFirestore();
    await raw.collection("events").doc("e1").set({ title: "Party" });
    await raw.collection("audit").doc("a1").set({ entries: [] });
    await raw.collection("invitations").doc("i1").set({ tokenHash: "x" });
    const admin = unsignedIdToken(projectId, { admin: true });
    const guest = unsignedIdToken(projectId, { email: "guest@example.com" });
    const doc = { fields: { title: { stringValue: "hacked" } } };

    expect(await rest(projectId, "GET", "events/e1", admin)).toBe(200);
    expect(await rest(projectId, "GET", "events/e1", guest)).toBe(403);
    expect(await rest(projectId, "GET", "events/e1", null)).toBe(403);
    expect(await rest(projectId, "PATCH", "events/e1", admin, doc)).toBe(403);
    expect(await rest(projectId, "GET", "invitations/i1", admin)).toBe(403);
    expect(await rest(projectId, "GET", "audit/a1", admin)).toBe(403);
    expect(await rest(projectId, "PATCH", "audit/a1", admin, doc)).toBe(403);
    expect(await rest(projectId, "DELETE", "audit/a1", admin)).toBe(403);
    expect(await rest(projectId, "PATCH", "audit/new", null, doc)).toBe(403);
    expect((await raw.collection("audit").doc("a1").get()).exists).toBe(true);
  });

  it("let admins read what the operators' console listens to, and never provider documents", async () => {
    const { raw, projectId } = testFirestore();
    await raw.collection("burn").doc("2026-03-01_0").set({ reads: 1 });
    await raw.collection("settings").doc("runtime").set({ halted: false });
    await raw.collection("jobs").doc("j1").set({ state: "pending" });
    await raw.collection("providers").doc("p1").set({ secret: { data: "sealed" } });
    const admin = unsignedIdToken(projectId, { admin: true });
    const guest = unsignedIdToken(projectId, { email: "guest@example.com" });
    const doc = { fields: { halted: { booleanValue: true } } };

    for (const path of ["burn/2026-03-01_0", "settings/runtime", "jobs/j1"]) {
      expect(await rest(projectId, "GET", path, admin)).toBe(200);
      expect(await rest(projectId, "GET", path, guest)).toBe(403);
      expect(await rest(projectId, "GET", path, null)).toBe(403);
      expect(await rest(projectId, "PATCH", path, admin, doc)).toBe(403);
    }
    expect(await rest(projectId, "GET", "providers/p1", admin)).toBe(403);
    expect(await rest(projectId, "GET", "settingChanges/c1", admin)).toBe(403);
  });
});
