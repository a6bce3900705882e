import { LRUCache } from "lru-cache";
import Handlebars from "handlebars";

/**
 * Herald's own Handlebars environment. Helpers or partials registered on the global instance (by a
 * dependency, a plugin, a test) never reach email templates, and ours never leak out.
 */
export const handlebars = Handlebars.create();

// Templates are written by admins but fed data from CSV uploads: only the four block helpers are
// available, so no template can look up arbitrary properties (lookup) or write to the server log (log).
handlebars.unregisterHelper("lookup");
handlebars.unregisterHelper("log");

export const ALLOWED_BLOCK_HELPERS = new Set(["if", "unless", "each", "with"]);

/** Names that reach into an object's prototype; refused outright even though Handlebars would render "". */
export const FORBIDDEN_SEGMENTS = new Set([
  "constructor",
  "__proto__",
  "prototype",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toString",
  "toLocaleString",
  "valueOf",
]);

export type PartMode = "html" | "plain";

type Compiled = (data: unknown) => string;

const cache = new LRUCache<string, Compiled>({ max: 256 });

/**
 * Compiled templates are memoised by source: a drain renders the same template for hundreds of guests and
 * compiling is by far the expensive step. Bounded, oldest first out, so editing templates cannot grow it.
 */
export function compile(source: string, mode: PartMode): Compiled {
  const key = `${mode}\u0000${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  refusePrototypePaths(source);
  const template = handlebars.compile(source, {
    strict: true,
    // Only the html part is HTML; escaping a subject or a text body would show "&amp;" to the guest.
    noEscape: mode === "plain",
    knownHelpersOnly: true,
    knownHelpers: { lookup: false, log: false },
  });
  const compiled: Compiled = (data) =>
    template(data, {
      // The Handlebars 4.6+ defaults, spelled out so no later upgrade or option can loosen them.
      allowProtoPropertiesByDefault: false,
      allowProtoMethodsByDefault: false,
    });
  cache.set(key, compiled);
  return compiled;
}

/** Visits every AST node, depth first, skipping location objects. */
export function walk(node: hbs.AST.Node, visit: (node: hbs.AST.Node) => void): void {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === null || typeof current !== "object") continue;
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push(current[i]);
      continue;
    }
    const record = current as Record<string, unknown>;
    if (typeof record.type === "string") visit(current as hbs.AST.Node);
    for (const [key, value] of Object.entries(record)) {
      if (key !== "loc" && value !== null && typeof value === "object") stack.push(value);
    }
  }
}

/**
 * Handlebars already refuses to resolve prototype properties (it renders nothing), but a template asking
 * for `constructor` or `__proto__` is never legitimate: fail it, so it is fixed rather than sent.
 */
function refusePrototypePaths(source: string): void {
  walk(handlebars.parse(source), (node) => {
    if (node.type !== "PathExpression") return;
    const path = node as hbs.AST.PathExpression;
    const bad = path.parts.find((part) => FORBIDDEN_SEGMENTS.has(part));
    if (bad !== undefined) {
      throw new Error(`"${path.original}" is not allowed: "${bad}" is not a template variable`);
    }
  });
}
