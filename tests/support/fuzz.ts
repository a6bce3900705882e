import fc from "fast-check";

/**
 * Hostile values for a form or request field: wrong types, control characters and line breaks, lone surrogates,
 * huge strings, numbers at the edges, prototype keys. What a hand-made request can send where the browser form
 * would have sent a tidy string.
 */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 2, withNullPrototype: true, withObjectString: true }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "\r\nBcc: victim@example.com",
    "\u2028",
    "\u0000",
    "\ud800",
    "=HYPERLINK(\"x\")",
    "<script>alert(1)</script>",
    "__proto__",
    "constructor",
    "NaN",
    "-1",
    "1e309",
    "0x10",
    " 12 ",
    "on",
    "true",
    "9".repeat(400),
    "x".repeat(70_000),
  ),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 2 ** 53, -1, 0.5, true, false, null, undefined, [], {}),
);

const DROP = Symbol("drop");

/**
 * Variations of a valid input: each field mostly kept, else replaced by a hostile value or dropped; sometimes
 * an extra field. Most runs stay close to valid, so the checks behind the first failing one are exercised too,
 * and some pass, so what is accepted gets checked as well.
 */
export function mutantsOf<T extends Record<string, unknown>>(valid: T): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(
    Object.entries(valid).map(([key, value]) => [
      key,
      fc.oneof({ weight: 10, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: hostileValue }, { weight: 1, arbitrary: fc.constant(DROP) }),
    ]),
  );
  return fc
    .tuple(fc.record(fields), fc.option(fc.tuple(fc.constantFrom("__proto__", "extra", "constructor"), hostileValue), { freq: 5 }))
    .map(([record, extra]) => {
      const kept = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== DROP));
      return extra ? { ...kept, [extra[0]]: extra[1] } : kept;
    });
}

/** Whatever the input, the check returns; a thrown error fails the property with the input that caused it. */
export const FUZZ_RUNS = { numRuns: 300 } as const;
