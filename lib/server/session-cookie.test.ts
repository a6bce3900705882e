import { describe, expect, it } from "vitest";
import { sessionCookieOptions } from "./session-cookie";

const DAY = 24 * 60 * 60;

describe("sessionCookieOptions", () => {
  it("is Secure outside the emulator, even when the base URL says http (a typo, or TLS ended by a proxy)", () => {
    expect(sessionCookieOptions({ FIREBASE_AUTH_EMULATOR_HOST: undefined }, DAY).secure).toBe(true);
  });

  it("is not Secure against the Auth emulator, whose local stack is plain http", () => {
    expect(sessionCookieOptions({ FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:9099" }, DAY).secure).toBe(false);
  });

  it("is never readable by scripts nor sent on cross-site subrequests, and lasts the session length", () => {
    expect(sessionCookieOptions({ FIREBASE_AUTH_EMULATOR_HOST: undefined }, 5 * DAY)).toEqual({
      httpOnly: true,
      secure: true,
      sameSite: "lax",
      path: "/",
      maxAge: 5 * DAY,
    });
  });
});
