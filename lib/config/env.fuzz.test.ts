import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FUZZ_RUNS } from "@/tests/support/fuzz";
import { ConfigError, parseDrainEnv, parseServerEnv } from "./env";

/**
 * A mistyped environment stops the process with a message that names the variable and the rule, never its
 * value: that message lands in deploy logs, and the value may be a secret.
 */

const valid = {
  FIREBASE_PROJECT_ID: "demo-herald",
  FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080",
  FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:9099",
  FIREBASE_WEB_API_KEY: "demo-api-key",
  HERALD_BASE_URL: "http://127.0.0.1:3000",
  HERALD_ADMIN_EMAILS: "admin@herald.local",
  HERALD_TOKEN_SECRET: "fuzz-token-secret-0123456789abcdef0123",
  HERALD_CREDENTIALS_KEY: Buffer.alloc(32, 9).toString("base64"),
  HERALD_SESSION_DAYS: "5",
  HERALD_BURN_FLUSH_SECONDS: "15",
  HERALD_BURN_SHARDS: "8",
};

/** Marks a value so the test can tell an echo of it from the message's own words. */
const MARK = "Zq7-";

/** Environment values are always strings (or absent): any string, including secrets pasted in the wrong place. */
const envValue = fc.oneof(
  fc.string({ unit: "binary", maxLength: 50 }),
  fc.string({ unit: "binary", maxLength: 50 }).map((s) => `${MARK}${s}`),
  fc.constantFrom("", " ", "0", "-1", "999999", "1.5", "http://", "not a url", "a@b", "host:port", valid.HERALD_TOKEN_SECRET),
);

const mutatedEnv = fc
  .tuple(fc.subarray(Object.keys(valid)), fc.dictionary(fc.constantFrom(...Object.keys(valid)), envValue))
  .map(([dropped, replaced]) => {
    const env: Record<string, string | undefined> = { ...valid, ...replaced };
    for (const key of dropped) delete env[key];
    return env;
  });

describe("the environment parsers", () => {
  it("accept or stop with a ConfigError that never echoes a value", () => {
    fc.assert(
      fc.property(mutatedEnv, (env) => {
        for (const parse of [parseServerEnv, parseDrainEnv]) {
          try {
            parse(env);
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            const message = (error as ConfigError).message;
            for (const value of Object.values(env)) {
              if (value?.startsWith(MARK)) expect(message).not.toContain(MARK);
            }
          }
        }
      }),
      FUZZ_RUNS,
    );
  });
});
