/**
 * fast-check arbitraries of segql ASTs (src/parser/ast.ts), for the formatter's laws:
 * `parse(format(ast))` equals `ast` up to spans, and `format` is idempotent.
 *
 * Covers every expression kind (and, or, not, rule, event, segment reference), every test and operator
 * (negated forms included), every value kind (strings with Unicode, quotes, backslashes, `%`, `_`, control
 * characters and surrogate pairs (never a lone half: the parser refuses it); numbers as written; dates; timestamps with and without offsets;
 * relative times; now/today; bare and backticked words), events with every count, measure and window
 * clause and nested `where` filters, and documents (a bare expression, or 1-4 named declarations with
 * titles and descriptions).
 *
 * The ASTs are in the parser's normal form: `and`/`or` have at least two operands and no operand of their
 * own kind (the parser flattens them); a field's `quoted` is true exactly when its name needs backticks
 * (the formatter drops needless ones); measures never hold a bare-field test (the grammar requires an
 * operator there). Values the parser cannot produce (`missing`) are never generated. Spans are dummies.
 */
import fc from "fast-check";
import type { Span } from "../../src/diagnostics.js";
import type * as A from "../../src/parser/ast.js";

const span: Span = { start: 0, end: 0, line: 1, column: 1 };

/** Hard keywords (tokens.ts): a field or word with one of these names needs backticks. */
const HARD = new Set(["and", "or", "not", "in", "is", "between", "contains", "starts", "ends", "has", "before", "after", "within", "true", "false", "performed"]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** True when a field name can be written without backticks (independent of the formatter's own test). */
export function needsBackticks(name: string): boolean {
  return !IDENT.test(name) || HARD.has(name.toLowerCase());
}

// ---- names -------------------------------------------------------------------------------------

/** Field names: ordinary, dotted, named like soft keywords, and ones that need backticks. */
export const fieldNameArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("status", "plan_type", "lifetime_value", "custom.plan_type", "a.b.c", "_x", "X1"),
  // Soft keywords and keyword prefixes are fine as bare field names.
  fc.constantFrom(
    "android", "nullable", "in_trial", "count", "last", "segment", "days", "day", "where", "as", "title",
    "description", "now", "today", "with", "at", "of", "sum", "avg", "min", "first", "empty", "time", "times",
    "any", "all", "none", "ago", "to", "exactly", "minutes", "equal", "greater", "less", "than", "least", "most",
    "ORDER", "Notes", "isActive", "hasTags", "between_x", "performed_at", "truthy", "IN_TRIAL", "Segment",
  ),
  // Names that need backticks.
  fc.constantFrom("and", "OR", "Not", "in", "is", "has", "performed", "true", "FALSE", "between", "within",
    "Plan Type", "a`b", "``", "prénom", "1st", "a-b", "x.1", " ", "😀", "a.", ".a", "tab\there", "\"q\"", "'s"),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/),
  fc.string({ minLength: 1, maxLength: 8, unit: "binary" }).filter((s) => !/[\r\n]/.test(s)),
);

export const fieldArb: fc.Arbitrary<A.FieldRef> = fieldNameArb.map((name) => ({ name, quoted: needsBackticks(name), span }));

// ---- values ------------------------------------------------------------------------------------

/** Strings of UTF-16 units near and at the surrogates, kept only when each half has its pair: a lone half is refused (literals.ts). */
const surrogateString = fc.string({
  maxLength: 6,
  unit: fc.oneof(fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0, max: 0xffff })).map((c) => String.fromCharCode(c)),
}).filter(isWellFormed);

function isWellFormed(s: string): boolean {
  return !/\p{Cs}/u.test(s);
}

/** String contents that stress the formatter's escaping. */
export const stringContentArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("", "Subscribed", "it's", 'say "hi"', "C:\\path\\", "\\", "\\\\n", "100%_off", "%", "_", "a\nb", "tab\tx",
    "cr\r", "\u0000", "\u001f\u007f\u0085", "\u2028\u2029", "\ufeff", "😀", "é", "Ünïcödé", "`", "--not a comment", "\\u0041", "'\"'"),
  fc.string({ maxLength: 12, unit: "binary" }).filter(isWellFormed),
  fc.string({ maxLength: 12, unit: "grapheme" }),
  surrogateString,
);

const stringArb: fc.Arbitrary<A.StringValue> = stringContentArb.map((value) => ({ kind: "string", value, span }));

/** Number literals as the lexer reads them: `-?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?`. */
export const numberRawArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("0", "1", "-1", "42", "-3.5", "1000.25", "1e3", "2.5E-4", ".5", "-.5", "007", "1e+10", "12345678901234567890", "-0", "0.1"),
  fc.tuple(
    fc.boolean(),
    fc.stringMatching(/^\d{1,6}$/),
    fc.option(fc.stringMatching(/^\d{1,4}$/), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom("e", "E"), fc.constantFrom("", "+", "-"), fc.stringMatching(/^\d{1,2}$/)), { nil: undefined }),
  ).map(([neg, int, frac, exp]) => `${neg ? "-" : ""}${int}${frac !== undefined ? `.${frac}` : ""}${exp ? exp.join("") : ""}`),
);

export const numberArb: fc.Arbitrary<A.NumberValue> = numberRawArb.map((raw) => ({ kind: "number", value: Number(raw), raw, span }));

/** Non-negative integers, as amounts and counts are usually written (others are generated too). */
const amountArb: fc.Arbitrary<A.NumberValue> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 400 }).map((n) => String(n)) },
  { weight: 1, arbitrary: numberRawArb },
).map((raw) => ({ kind: "number", value: Number(raw), raw, span }));

const unitArb: fc.Arbitrary<A.TimeUnit> = fc.constantFrom("minute", "hour", "day", "week", "month", "year");

const d2 = fc.stringMatching(/^\d{2}$/);
/** Dates as written (not necessarily valid: the checker rejects `2024-02-30`). */
const dateTextArb = fc.tuple(fc.stringMatching(/^\d{4}$/), d2, d2).map(([y, m, d]) => `${y}-${m}-${d}`);
const timestampTextArb = fc
  .tuple(
    dateTextArb,
    d2,
    d2,
    fc.option(fc.tuple(d2, fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined })), { nil: undefined }),
    fc.constantFrom("", "Z", "z", "+02:00", "-0530", "+01"),
  )
  .map(([date, h, mi, sec, zone]) => `${date}T${h}:${mi}${sec ? `:${sec[0]}${sec[1] !== undefined ? `.${sec[1]}` : ""}` : ""}${zone}`);

/** Unquoted words the parser reads as a bare word (not a keyword, `now` or `today`). */
const barewordTextArb = fc.oneof(
  fc.constantFrom("Subscribed", "Pro", "fiber_optic", "days", "last", "count", "empty", "any", "x.y", "segment"),
  fc.stringMatching(/^[A-Z][a-z]{0,6}$/).filter((w) => !needsBackticks(w) && !/^(now|today)$/i.test(w)),
);

export const valueArb: fc.Arbitrary<A.Value> = fc.oneof(
  { weight: 5, arbitrary: stringArb },
  { weight: 3, arbitrary: numberArb },
  { weight: 1, arbitrary: fc.boolean().map((value): A.Value => ({ kind: "boolean", value, span })) },
  { weight: 1, arbitrary: dateTextArb.map((text): A.Value => ({ kind: "date", text, span })) },
  { weight: 1, arbitrary: timestampTextArb.map((text): A.Value => ({ kind: "timestamp", text, span })) },
  { weight: 2, arbitrary: fc.tuple(amountArb, unitArb).map(([amount, unit]): A.Value => ({ kind: "relative", amount, unit, span })) },
  { weight: 1, arbitrary: fc.constantFrom<A.Value>({ kind: "now", span }, { kind: "today", span }) },
  { weight: 1, arbitrary: barewordTextArb.map((text): A.Value => ({ kind: "bareword", text, quoted: false, span })) },
  { weight: 1, arbitrary: fieldNameArb.map((text): A.Value => ({ kind: "bareword", text, quoted: true, span })) },
);

const valuesArb = fc.array(valueArb, { minLength: 0, maxLength: 4 });

// ---- tests -------------------------------------------------------------------------------------

/** Every test except the bare boolean field (which measures cannot hold). */
export const operatorTestArb: fc.Arbitrary<A.Test> = fc.oneof(
  fc.tuple(fc.constantFrom<A.CompareOp>("=", "!=", "<", "<=", ">", ">="), valueArb).map(([cmp, value]): A.Test => ({ op: "compare", cmp, value, span })),
  fc.tuple(fc.boolean(), valueArb, valueArb).map(([negated, low, high]): A.Test => ({ op: "between", negated, low, high, span })),
  fc.tuple(fc.boolean(), valuesArb).map(([negated, values]): A.Test => ({ op: "in", negated, values, span })),
  fc.tuple(fc.constantFrom<A.TextOp>("contains", "startsWith", "endsWith"), fc.boolean(), valueArb).map(([op, negated, value]): A.Test => ({ op, negated, value, span })),
  fc.boolean().map((negated): A.Test => ({ op: "empty", negated, span })),
  valueArb.map((v): A.Test => ({ op: "has", quantifier: "one", values: [v], span })),
  fc.tuple(fc.constantFrom<"any" | "all" | "none">("any", "all", "none"), valuesArb).map(([quantifier, values]): A.Test => ({ op: "has", quantifier, values, span })),
  fc.tuple(fc.constantFrom<"before" | "after">("before", "after"), fc.boolean(), valueArb).map(([op, negated, value]): A.Test => ({ op, negated, value, span })),
  fc.tuple(fc.boolean(), amountArb, unitArb).map(([negated, amount, unit]): A.Test => ({ op: "within", negated, amount, unit, span })),
);

export const testArb: fc.Arbitrary<A.Test> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<A.Test>({ op: "truthy", span }) },
  { weight: 8, arbitrary: operatorTestArb },
);

export const ruleArb: fc.Arbitrary<A.RuleExpr> = fc.tuple(fieldArb, testArb).map(([field, test]) => ({ kind: "rule", field, test, span }));

export const segmentRefArb: fc.Arbitrary<A.SegmentRefExpr> = stringContentArb.map((name) => ({ kind: "segmentRef", name, nameSpan: span, span }));

// ---- events ------------------------------------------------------------------------------------

const eventNameArb: fc.Arbitrary<A.Value> = fc.oneof(
  { weight: 6, arbitrary: stringArb },
  { weight: 1, arbitrary: fc.constantFrom("Purchase", "page_view").map((text): A.Value => ({ kind: "bareword", text, quoted: false, span })) },
  { weight: 1, arbitrary: numberArb },
);

export const measureArb: fc.Arbitrary<A.Measure> = fc.oneof(
  fc.tuple(fc.constantFrom<">=" | "<=" | "=">(">=", "<=", "="), amountArb).map(([cmp, count]): A.Measure => ({ kind: "count", cmp, count, span })),
  fc.tuple(fc.constantFrom<A.AggregateFn>("sum", "avg", "min", "max"), fieldArb, operatorTestArb).map(
    ([fn, property, test]): A.Measure => ({ kind: "aggregate", fn, property, test, span }),
  ),
  fc.tuple(fc.constantFrom<"first" | "last">("first", "last"), operatorTestArb).map(([kind, test]): A.Measure => ({ kind, test, span })),
);

export const windowArb: fc.Arbitrary<A.Window> = fc.oneof(
  fc.tuple(amountArb, unitArb).map(([amount, unit]): A.Window => ({ kind: "within", amount, unit, span })),
  fc.tuple(valueArb, valueArb).map(([low, high]): A.Window => ({ kind: "between", low, high, span })),
);

// ---- expressions -------------------------------------------------------------------------------

function junction(kind: "and" | "or", operands: A.Expr[]): A.Expr {
  const flat = operands.flatMap((o) => (o.kind === kind ? o.operands : [o]));
  return { kind, operands: flat, span };
}

/** Expressions in the parser's normal form, nested a few levels deep. */
// A type alias, not an interface: fc.letrec wants a `Record<string, unknown>`.
type ExprKinds = {
  expr: A.Expr;
  and: A.Expr;
  or: A.Expr;
  not: A.Expr;
  event: A.EventExpr;
};

export const exprArb: fc.Arbitrary<A.Expr> = fc.letrec<ExprKinds>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", maxDepth: 5, withCrossShrink: true },
    { weight: 6, arbitrary: ruleArb },
    { weight: 1, arbitrary: segmentRefArb },
    { weight: 2, arbitrary: tie("event") },
    { weight: 2, arbitrary: tie("and") },
    { weight: 2, arbitrary: tie("or") },
    { weight: 1, arbitrary: tie("not") },
  ),
  and: fc.array(tie("expr"), { minLength: 2, maxLength: 4 }).map((ops) => junction("and", ops)),
  or: fc.array(tie("expr"), { minLength: 2, maxLength: 4 }).map((ops) => junction("or", ops)),
  not: tie("expr").map((operand): A.Expr => ({ kind: "not", operand, span })),
  event: fc
    .record({
      name: eventNameArb,
      measure: fc.option(measureArb, { nil: null }),
      window: fc.option(windowArb, { nil: null }),
      filter: fc.option(tie("expr"), { nil: null, freq: 2 }),
    })
    .map((e): A.EventExpr => ({ kind: "event", ...e, span })),
})).expr;

// ---- documents ---------------------------------------------------------------------------------

const declarationArb: fc.Arbitrary<A.SegmentDeclaration> = fc
  .record({
    name: fc.oneof(fc.constantFrom("High value", "churn-risk", "VIP's", "x"), stringContentArb),
    title: fc.option(stringArb, { nil: null }),
    description: fc.option(stringArb, { nil: null }),
    expr: exprArb,
  })
  .map((d) => ({ kind: "segment", ...d, nameSpan: span, span }));

/** A bare expression, or a segment file of 1-4 declarations. Comments are empty (tested separately). */
export const documentArb: fc.Arbitrary<A.SegqlDocument> = fc.oneof(
  exprArb.map((expr): A.SegqlDocument => ({
    kind: "document",
    segments: [{ kind: "segment", name: null, nameSpan: null, title: null, description: null, expr, span }],
    bare: true,
    comments: [],
    span,
  })),
  fc.array(declarationArb, { minLength: 1, maxLength: 4 }).map((segments): A.SegqlDocument => ({ kind: "document", segments, bare: false, comments: [], span })),
);

/** A deep copy without spans (`span`, `nameSpan`) or comments: what the round-trip law compares. */
export function stripSpans<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripSpans) as T;
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "span" || k === "nameSpan" || k === "comments") continue;
    out[k] = stripSpans(v);
  }
  return out as T;
}
