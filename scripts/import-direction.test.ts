import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

/**
 * The architecture's import direction, as eslint.config.mjs enforces it: a ban must hold however the import
 * is written, through the "@/" alias or a relative path.
 */
const eslint = new ESLint();

async function messages(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

/** Lints a module that imports `x` from `from` and uses it. */
const importing = (from: string) => `import { x } from "${from}";\nexport const used = x;\n`;

describe("import direction", () => {
  it.each([
    ["lib/domain/events/x.ts", "../../adapters/firestore/db"],
    ["lib/domain/events/x.ts", "@/lib/adapters/firestore/db"],
    ["lib/domain/x.ts", "../services/events"],
    ["lib/domain/x.ts", "../server/session"],
    ["lib/domain/x.ts", "../../components/events/types"],
    ["lib/services/x.ts", "../server/session"],
    ["components/events/x.tsx", "../../lib/server/session"],
    ["components/events/x.tsx", "../../lib/services/events"],
    ["app/admin/x.ts", "../../lib/adapters/firestore/db"],
    ["lib/client/x.ts", "../server/session"],
  ])("refuses %s importing %s, and says why", async (file, from) => {
    const found = await messages(file, importing(from));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/domain|Services|browser|composition root/);
  });

  it("lets each layer import what it may", async () => {
    expect(await messages("lib/services/x.ts", importing("../adapters/firestore/db"))).toEqual([]);
    expect(await messages("app/admin/x.ts", importing("../../lib/server/session"))).toEqual([]);
    expect(await messages("lib/domain/events/x.ts", importing("../time/formats"))).toEqual([]);
    expect(await messages("components/events/x.tsx", importing("../../lib/domain/events/schema"))).toEqual([]);
  });
});
