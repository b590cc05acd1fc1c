/**
 * Runs one input at the limits through every stage (parse, check, format and parse back, both predicate
 * back ends and an evaluation, SQL for every dialect) and prints a JSON summary. test/hardening/stack.test.ts
 * runs it in a child `node --stack-size=…` process with a deliberately small stack, to show that the depth
 * every stage recurses on is bounded by the limits, far below the stack.
 *
 *   node --stack-size=400 --import tsx test/hardening/at-the-limits.ts <case>...
 */
import { readFileSync } from "node:fs";
import { analyze, compilePredicate, compileSql, DIALECT_NAMES, format, LIMITS, parse, parseSchema } from "../../src/index.js";
import { sameDocument } from "../../src/parser/format.js";
import type { TypedSegment } from "../../src/index.js";

const schema = parseSchema(readFileSync(new URL("../fixtures/crm-schema.json", import.meta.url), "utf8"));

/** `(x0 > 0 or (x1 > 1 and (…)))`: every level a parenthesis the precedence needs, and/or alternating. */
export function alternating(levels: number, leaf: string): string {
  let text = leaf;
  for (let i = levels - 1; i >= 0; i--) text = `tenure > ${i} ${i % 2 ? "and" : "or"} (${text})`;
  return text;
}

/** The inputs, each at a limit. */
export const CASES: Record<string, () => string> = {
  // LIMITS.nesting levels of parentheses (the top level needs none): each one the AST keeps.
  parentheses: () => alternating(LIMITS.nesting, "is_verified"),
  nots: () => `${"not ".repeat(LIMITS.nesting)}is_verified`,
  // The parser's recovery on the deepest unclosed parentheses it accepts.
  unclosed: () => `${"(".repeat(LIMITS.nesting)}tenure > 1 and`,
  // Filters nested as deep as the parser accepts (the checker refuses an event inside a filter).
  wheres: () => `${'performed "Purchase" where '.repeat(LIMITS.nesting)}amount > 1`,
  // 70,000 operands in parentheses, flattened into the outer `or`: a spread of them (`push(...operands)`)
  // would overflow this stack (V8 puts spread arguments on it).
  wide: () => `(${Array.from({ length: 70_000 }, (_, i) => `a${i % 10}`).join(" or ")}) or b`,
  // A chain of `in segment` as long as allowed, each one level deeper: nesting through references at the limit.
  references: () => {
    const n = LIMITS.referenceDepth;
    const per = Math.floor(LIMITS.nesting / (n + 1));
    const lines = Array.from({ length: n }, (_, i) => `segment "S${i}" as ${"not ".repeat(per)}in segment "S${i + 1}"`);
    lines.push(`segment "S${n}" as ${alternating(LIMITS.nesting - n * (per + 1), "is_verified")}`);
    return lines.join("\n");
  },
};

function run(name: string): Record<string, unknown> {
  const text = CASES[name]!();
  const parsed = parse(text);
  const out: Record<string, unknown> = { case: name, parseErrors: parsed.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}`) };
  if (name === "wide") {
    const expr = parsed.document.segments[0]?.expr;
    out["operands"] = expr?.kind === "or" ? expr.operands.length : 0;
    out["formatRoundTrip"] = sameDocument(parse(format(parsed.document)).document, parsed.document);
    return out;
  }
  const analysis = analyze(text, schema);
  out["checkErrors"] = analysis.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.span.line}:${d.span.column} ${d.code}`);
  if (parsed.diagnostics.length === 0) {
    const formatted = format(parsed.document);
    out["formatRoundTrip"] = sameDocument(parse(formatted).document, parsed.document);
  }
  const segment: TypedSegment | undefined = analysis.segments[0];
  if (segment) {
    const contact = { id: "c1", tenure: 5, is_verified: true };
    const codegen = compilePredicate(segment, { now: "2024-01-01T00:00:00Z", mode: "codegen" })(contact, []);
    const closure = compilePredicate(segment, { now: "2024-01-01T00:00:00Z", mode: "closure" })(contact, []);
    out["predicate"] = { codegen, closure };
    out["sql"] = Object.fromEntries(DIALECT_NAMES.map((d) => [d, compileSql(segment, { dialect: d, pretty: false }).sql.length > 0]));
  }
  return out;
}

// Run as a script: one JSON line per case named on the command line.
for (const name of process.argv.slice(2)) {
  try {
    console.log(JSON.stringify(run(name)));
  } catch (e) {
    console.log(JSON.stringify({ case: name, thrown: `${(e as Error).name}: ${(e as Error).message}` }));
    process.exitCode = 1;
  }
}
