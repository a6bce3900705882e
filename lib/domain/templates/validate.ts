import { ALLOWED_BLOCK_HELPERS, handlebars } from "./environment";
import type { EmailTemplate, TemplatePart } from "./render";

export interface TemplateProblem {
  part: TemplatePart;
  message: string;
  /** 1-based, when the problem has a position. */
  line?: number;
  column?: number;
}

export type TemplateValidation = { ok: true } | { ok: false; errors: TemplateProblem[] };

/** A path with "*" segments standing for "any name" (CSV columns, #each items). */
type Segments = readonly string[];

const ANY = "*";
const EACH_DATA = new Set(["index", "key", "first", "last"]);

/**
 * Checks a template the way the editor needs it: every syntax error and every variable that is not in
 * `allowedVariables` (dotted paths, "*" for any one segment, e.g. "invitee.fields.*"), with the part and
 * position, so the admin sees all problems at once instead of the first failure at send time.
 */
export function validateTemplate(template: EmailTemplate, allowedVariables: Iterable<string>): TemplateValidation {
  const allowed = [...new Set(allowedVariables)].map((v) => v.split("."));
  const errors: TemplateProblem[] = [];
  const parts: [TemplatePart, string | null | undefined][] = [
    ["subject", template.subject],
    ["html", template.html],
    ["text", template.text],
  ];
  for (const [part, source] of parts) {
    if (source === undefined || source === null) continue;
    if (part !== "text" && source.trim() === "") {
      errors.push({ part, message: `The ${part} is empty.` });
      continue;
    }
    errors.push(...checkPart(part, source, allowed));
  }
  return errors.length === 0 ? { ok: true } : { ok: false, errors };
}

function checkPart(part: TemplatePart, source: string, allowed: Segments[]): TemplateProblem[] {
  let program: hbs.AST.Program;
  try {
    program = handlebars.parse(source);
  } catch (error) {
    return [syntaxProblem(part, error)];
  }
  const checker = new Checker(part, allowed);
  checker.program(program, [{ path: [], inEach: false }]);
  return checker.problems;
}

interface Scope {
  /** Absolute path of the context object ([] = the root data). */
  path: Segments;
  inEach: boolean;
}

class Checker {
  readonly problems: TemplateProblem[] = [];
  private readonly reported = new Set<string>();

  constructor(
    private readonly part: TemplatePart,
    private readonly allowed: Segments[],
  ) {}

  program(program: hbs.AST.Program | undefined, scopes: Scope[]): void {
    if (!program) return;
    if (program.blockParams?.length) {
      this.report(program, `Block parameters (as |${program.blockParams.join(" ")}|) are not supported.`);
    }
    for (const statement of program.body) this.statement(statement, scopes);
  }

  private statement(node: hbs.AST.Statement, scopes: Scope[]): void {
    switch (node.type) {
      case "ContentStatement":
      case "CommentStatement":
        return;
      case "MustacheStatement":
        return this.mustache(node as hbs.AST.MustacheStatement, scopes);
      case "BlockStatement":
        return this.block(node as hbs.AST.BlockStatement, scopes);
      case "PartialStatement":
      case "PartialBlockStatement":
        return this.report(node, "Partials ({{> …}}) are not available in email templates.");
      case "Decorator":
      case "DecoratorBlock":
        return this.report(node, "Decorators ({{* …}}) are not available in email templates.");
      default:
        return this.report(node, `Unsupported template construct (${node.type}).`);
    }
  }

  private mustache(node: hbs.AST.MustacheStatement, scopes: Scope[]): void {
    if (node.path.type !== "PathExpression") {
      return this.report(node, "A literal cannot be output on its own; write the text directly.");
    }
    const path = node.path as hbs.AST.PathExpression;
    if (node.params.length > 0 || node.hash?.pairs.length) {
      return this.report(node, `Unknown helper "${path.original}": only #if, #unless, #each and #with are available.`);
    }
    if (!node.escaped && this.part === "html") {
      this.report(
        node,
        `{{{${path.original}}}} would insert "${path.original}" as raw HTML; use {{${path.original}}} so it is escaped.`,
      );
    }
    this.value(path, scopes, "leaf");
  }

  private block(node: hbs.AST.BlockStatement, scopes: Scope[]): void {
    const name = node.path.original;
    if (!ALLOWED_BLOCK_HELPERS.has(name) || node.path.parts.length !== 1 || node.path.data) {
      this.report(
        node,
        `Unknown block "{{#${name}}}": use {{#if ${name}}}, {{#each ${name}}} or {{#with ${name}}} instead.`,
      );
      return;
    }
    if (node.params.length !== 1) {
      this.report(node, `{{#${name}}} takes exactly one variable.`);
      return;
    }
    if (node.hash?.pairs.length) this.report(node, `{{#${name}}} does not take named options.`);
    const param = node.params[0];
    if (!param || param.type !== "PathExpression") {
      this.report(node, `{{#${name}}} needs a variable, not a literal.`);
      return;
    }
    const target = this.value(param as hbs.AST.PathExpression, scopes, name === "if" || name === "unless" ? "any" : "group");
    if (name === "with" && target) {
      this.program(node.program, [...scopes, { path: target, inEach: false }]);
    } else if (name === "each" && target) {
      this.program(node.program, [...scopes, { path: [...target, ANY], inEach: true }]);
    } else {
      this.program(node.program, scopes);
    }
    // {{else}} of #each and #with runs in the outer context.
    this.program(node.inverse, scopes);
  }

  /** Resolves a path against the scopes and checks it; returns the absolute path when it is known. */
  private value(path: hbs.AST.PathExpression, scopes: Scope[], want: "leaf" | "group" | "any"): Segments | null {
    if (path.data) return this.dataValue(path, scopes, want);
    const base = scopes[scopes.length - 1 - path.depth];
    if (!base) {
      this.report(path, `"${path.original}" goes above the top level.`);
      return null;
    }
    const absolute = [...base.path, ...path.parts];
    return this.check(path, absolute, want);
  }

  private dataValue(path: hbs.AST.PathExpression, scopes: Scope[], want: "leaf" | "group" | "any"): Segments | null {
    const [head, ...rest] = path.parts;
    if (head === "root") {
      return this.check(path, rest, want);
    }
    if (head !== undefined && EACH_DATA.has(head) && rest.length === 0) {
      if (!scopes.some((s) => s.inEach)) this.report(path, `"${path.original}" only exists inside {{#each}}.`);
      return null;
    }
    this.report(path, `Unknown variable "${path.original}".`);
    return null;
  }

  private check(node: hbs.AST.Node, absolute: Segments, want: "leaf" | "group" | "any"): Segments | null {
    const shown = absolute.join(".");
    if (absolute.length === 0) {
      this.report(node, want === "leaf" ? "{{this}} at the top level would print the whole data object." : "The whole data object cannot be used here.");
      return null;
    }
    const isLeaf = this.allowed.some((v) => matches(absolute, v, false));
    const isGroup = this.allowed.some((v) => matches(absolute, v, true));
    if (!isLeaf && !isGroup) {
      const suggestion = this.suggest(shown);
      this.report(node, `Unknown variable "${shown}".${suggestion ? ` Did you mean "${suggestion}"?` : ""}`);
      return null;
    }
    if (want === "leaf" && !isLeaf) {
      const example = this.allowed.find((v) => matches(absolute, v, true));
      this.report(
        node,
        `"${shown}" is a group of values, not a value${example ? `: use e.g. "${example.join(".")}"` : ""}.`,
      );
      return null;
    }
    if (want === "group" && !isGroup) {
      this.report(node, `"${shown}" is a single value; {{#each}} and {{#with}} need a group such as "invitee.fields".`);
      return null;
    }
    return absolute;
  }

  private suggest(unknown: string): string | undefined {
    let best: { name: string; distance: number } | undefined;
    for (const variable of this.allowed) {
      if (variable.includes(ANY)) continue;
      const name = variable.join(".");
      const distance = editDistance(unknown.toLowerCase(), name.toLowerCase());
      if (distance <= Math.max(2, Math.floor(name.length / 5)) && (!best || distance < best.distance)) {
        best = { name, distance };
      }
    }
    return best?.name;
  }

  private report(node: hbs.AST.Node, message: string): void {
    const line = node.loc?.start.line;
    const column = node.loc === undefined ? undefined : node.loc.start.column + 1;
    const key = `${line}:${column}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.problems.push({
      part: this.part,
      message,
      ...(line === undefined ? {} : { line }),
      ...(column === undefined ? {} : { column }),
    });
  }
}

/**
 * `path` against an allowed variable. Exact: same length, each segment equal or either side "*".
 * Group: `path` is a proper prefix of the variable.
 */
function matches(path: Segments, variable: Segments, asGroup: boolean): boolean {
  if (asGroup ? path.length >= variable.length : path.length !== variable.length) return false;
  for (let i = 0; i < path.length; i++) {
    const a = path[i];
    const b = variable[i];
    if (a !== b && a !== ANY && b !== ANY) return false;
  }
  return true;
}

function syntaxProblem(part: TemplatePart, error: unknown): TemplateProblem {
  const raw = error instanceof Error ? error.message : String(error);
  const withLocation = error as { lineNumber?: unknown; column?: unknown };
  // Jison parse errors: "Parse error on line 3:\n<source line>\n---^\nExpecting 'X', got 'Y'"
  const parseLine = /Parse error on line (\d+)/.exec(raw)?.[1];
  const lines = raw.split("\n");
  let message: string;
  if (parseLine !== undefined) {
    const expectation = lines[lines.length - 1] ?? "";
    message = `Syntax error on line ${parseLine}: ${friendlyExpectation(expectation)}`;
  } else {
    message = `Syntax error: ${(lines[0] ?? raw).replace(/ - \d+:\d+$/, "")}`;
  }
  const line = parseLine !== undefined ? Number(parseLine) : typeof withLocation.lineNumber === "number" ? withLocation.lineNumber : undefined;
  const column = typeof withLocation.column === "number" ? withLocation.column + 1 : undefined;
  return { part, message, ...(line === undefined ? {} : { line }), ...(column === undefined ? {} : { column }) };
}

function friendlyExpectation(expectation: string): string {
  if (/got 'EOF'/.test(expectation) && /OPEN_ENDBLOCK|INVERSE/.test(expectation)) {
    return "a block ({{#…}}) is never closed with {{/…}}.";
  }
  if (/got 'INVALID'/.test(expectation)) return "unexpected characters inside {{ }}.";
  if (/CLOSE/.test(expectation) && /Expecting/.test(expectation)) return "a {{ is not closed with }}.";
  return expectation;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const left = row[j - 1] ?? 0;
      row[j] = Math.min(above + 1, left + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}
