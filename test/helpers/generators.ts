/**
 * Shared fast-check generators for segql's property and differential tests: a rich fixed schema, random
 * VALID expression text over any schema (every operator, nesting, `not`, event conditions with every
 * clause, segment references), random contacts and random event tables.
 *
 * Engine-agnostic on purpose: the predicate tests and the SQL differential tests (DuckDB, PostgreSQL,
 * SQLite, MariaDB) use the same cases, so every generated value is representable in every engine:
 * - strings are valid Unicode (no lone surrogates), never contain NUL unless `allowNul` is set;
 * - numbers are finite doubles (including -0, ±1e308 and tiny decimals such as 1e-300; no subnormals,
 *   which some engines refuse); event property numbers are multiples of 0.25, so sums are exact whatever
 *   order an engine adds them in;
 * - timestamps lie in years 1900-2200 and have millisecond precision; dates are `YYYY-MM-DD`.
 *
 * Shapes (what the predicate takes; the SQL tests insert the same data):
 * - a contact is a plain object keyed by schema FIELD NAME (not column); a missing key and `null` are both
 *   "no value"; timestamps are ISO-8601 strings (with `Z`, or an offset when `offsets` is on); dates are
 *   `YYYY-MM-DD`; lists are arrays of strings. The key field holds a unique string (`c0`, `c1`, …).
 * - an event row is keyed by the schema's events COLUMN names: `{ [contact_key]: key, [name]: "Purchase",
 *   [time]: ISO string with Z, [properties_column]: { prop: value, … }, [own property column]: value }`.
 *
 * Determinism: every arbitrary is pure; `fc.assert(prop, { seed })` or `sampleCases(seed, n)` replays a run.
 * The `now` of a case is part of the case (`Case.now`): evaluate with exactly that `now`.
 */
import fc from "fast-check";
import { parseSchema, type FieldDef, type Schema } from "../../src/schema/schema.js";
import { subtractUnits } from "../../src/checker/time.js";

// ---- the rich schema --------------------------------------------------------------------------------

/**
 * A schema with every field type, an enum value holding a quote, a field whose column differs from its
 * name, names that need backticks or are soft keywords, and events with JSON and own-column properties of
 * every scalar type.
 */
export const RICH_SCHEMA_JSON = {
  table: "contacts",
  key: "id",
  fields: {
    id: { type: "string", description: "The key." },
    email: { type: "string" },
    name: { type: "string", description: "Unicode, quotes, %, _ and backslashes." },
    status: { type: "enum", values: ["Subscribed", "Unsubscribed", "Pending", "Won't say"] },
    plan_type: { type: "enum", values: ["Free", "Pro", "Enterprise"], column: "plan" },
    lifetime_value: { type: "number" },
    score: { type: "number", description: "Boundary numbers: -0, ±1e308, tiny decimals." },
    is_vip: { type: "boolean" },
    opted_in: { type: "boolean" },
    birthday: { type: "date" },
    signed_up_at: { type: "timestamp" },
    last_seen_at: { type: "timestamp" },
    tags: { type: "list" },
    "Home City": { type: "string", column: "home_city", description: "A name that needs backticks." },
    count: { type: "number", description: "A field named like a soft keyword." },
  },
  events: {
    table: "events",
    contact_key: "contact_id",
    name: "event",
    time: "occurred_at",
    properties: {
      amount: { type: "number" },
      quantity: { type: "number" },
      currency: { type: "string" },
      channel: { type: "enum", values: ["web", "store", "app"] },
      gift: { type: "boolean" },
      shipped_at: { type: "timestamp" },
      sku: { type: "string", column: "sku", description: "Stored in its own column." },
    },
    names: ["Purchase", "Refund", "Login", "Page View"],
  },
} as const;

/** `RICH_SCHEMA_JSON`, validated. */
export const richSchema: Schema = parseSchema(JSON.stringify(RICH_SCHEMA_JSON), "test/helpers/generators.ts");

// ---- shared value pools (expressions and data draw from the same pools, so tests hit) ------------------

/** Strings that stress exactness, ASCII-only case folding and LIKE escaping. */
export const STRING_POOL: readonly string[] = [
  "", "a", "A", "abc", "ABC", "Abc", "é", "É", "ß", "SS", "ss", "straße", "STRASSE", "İ", "i", "I", "ı",
  "\u212A", "k", "K", "Ω", "ω", "ǅ", "%", "_", "\\", "a%b", "a_b", "a\\b", "100%", "it's", 'say "hi"',
  "`tick`", "${x}", "\u2028", "\u2029", "line\nbreak", "tab\t", " padded ", "😀", "日本語", "x@gmail.com",
  "X@GMAIL.COM", "Gmail", "__proto__", "constructor", "toString", '"); process.exit(1); ("', "' OR '1'='1",
  "--", "/*", "*/", "\u00a0", "e\u0301", "Ångström",
];

/** Short fragments that strings are built from, so `contains`/`starts with`/`ends with` find them. */
const FRAGMENTS: readonly string[] = [
  "a", "A", "b", "ab", "AB", "é", "É", "ß", "ss", "SS", "%", "_", "\\", "'", '"', "`", "${", "}", "\u2028",
  " ", "x", "X", "@", ".com", "😀", "İ", "i", "\u212A", "k", "proto",
];

/** List elements (tags). */
export const TAG_POOL: readonly string[] = ["vip", "VIP", "beta", "early-adopter", "café", "Café", "%", "_", "a\\b", "new", "😀", "it's", "__proto__"];

/** Numbers near which tests are likely to flip, plus IEEE boundaries every engine stores exactly. */
export const NUMBER_POOL: readonly number[] = [
  0, -0, 1, -1, 0.1, 0.2, 0.30000000000000004, 0.3, 0.5, 1.5, 2.5, 10, 99.99, 100, 999.999, 1000, 1000.0000000000001,
  -1000, 12345.678, 1e-300, -1e-300, 1e-10, 1e15, 9007199254740991, -9007199254740991, 1e308, -1e308, 1.7976931348623157e308,
];

/** Event property numbers: multiples of 0.25, so sums are exact in any order. */
const EVENT_NUMBERS: readonly number[] = [0, 0.25, 0.5, 1, 2.5, 3, 10, 49.75, 50, 50.25, 100, 1000, -5, 12345.5];

const TIME_UNITS = ["minute", "hour", "day", "week", "month", "year"] as const;
export type Unit = (typeof TIME_UNITS)[number];
/** Amounts per unit, kept small enough that `now − amount unit` stays after 1900 for every `now` generated. */
const AMOUNTS: Record<Unit, readonly number[]> = {
  minute: [0, 1, 5, 90],
  hour: [1, 24, 86, 110],
  day: [0, 1, 7, 28, 29, 30, 31, 60, 365],
  week: [1, 2, 52],
  month: [1, 2, 3, 6, 12, 13, 24],
  year: [1, 2, 4, 10, 30],
};

/** `now` values where calendar arithmetic bites: month ends, leap days, the last millisecond of a day. */
export const NOW_POOL: readonly string[] = [
  "2024-03-31T12:00:00.000Z", // − 1 month = 2024-02-29
  "2024-02-29T00:00:00.000Z", // − 1 year = 2023-02-28
  "2023-03-31T23:59:59.999Z",
  "2024-05-31T00:00:00.000Z",
  "2024-12-31T23:59:59.999Z",
  "2025-01-01T00:00:00.000Z",
  "2000-02-29T06:30:00.000Z",
  "2026-01-01T00:00:00.000Z",
  "2100-03-01T00:00:00.000Z", // 2100 is not a leap year
];

/** Absolute instants used both as literals and as data. */
const INSTANT_POOL: readonly string[] = [
  "1900-01-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z", "1999-12-31T23:59:59.999Z", "2000-02-29T00:00:00.000Z",
  "2023-02-28T00:00:00.000Z", "2024-01-31T00:00:00.000Z", "2024-02-29T00:00:00.000Z", "2024-02-29T23:59:59.999Z",
  "2024-03-01T00:00:00.000Z", "2024-03-31T00:00:00.000Z", "2024-12-31T23:59:59.999Z", "2025-06-15T12:34:56.789Z",
  "2199-12-31T23:59:59.999Z",
];

const MS_1900 = Date.UTC(1900, 0, 1);
const MS_2200 = Date.UTC(2200, 0, 1) - 1;
const DAY = 86_400_000;

// ---- formatting ------------------------------------------------------------------------------------------

/** ISO-8601 in UTC with milliseconds (`2024-01-01T00:00:00.000Z`). */
export function isoZ(ms: number): string {
  return new Date(ms).toISOString();
}

/** ISO-8601 of the same instant written with a UTC offset (`+05:30`), milliseconds kept. */
export function isoWithOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** A segql string literal for any string: double-quoted, with the escapes the lexer knows. */
export function quoteString(s: string, quote: '"' | "'" = '"'): string {
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + quote;
}

const KEYWORDS = new Set([
  "and", "or", "not", "in", "is", "between", "contains", "starts", "ends", "has", "before", "after", "within", "true",
  "false", "performed", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months", "year",
  "years", "sum", "average", "avg", "minimum", "min", "maximum", "max", "today", "now", "to", "with", "empty", "equal",
  "greater", "less", "than", "at", "least", "most", "any", "all", "none", "last", "first", "ago", "time", "times",
  "exactly", "where", "of", "segment", "as", "title", "description",
]);

/** A field name as written in an expression: bare when it is a plain identifier, else in backticks. */
export function fieldText(name: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name) && !KEYWORDS.has(name.toLowerCase());
  return plain ? name : `\`${name.replace(/`/g, "``")}\``;
}

/** A number as an expression literal (`-0` is written `0`, which the checker treats alike). */
function numberText(n: number): string {
  return Object.is(n, -0) ? "-0" : String(n);
}

// ---- options ---------------------------------------------------------------------------------------------

/** What the expression generator may use. */
export interface ExprOptions {
  /** Maximum nesting of and/or/not (default 3). */
  depth?: number;
  /** Generate event conditions (default: when the schema has events). */
  events?: boolean;
  /** Segment names that `in segment` / `not in segment` may refer to (default none). */
  segments?: readonly string[];
  /** Randomise keyword and field-name case (default true). */
  randomCase?: boolean;
  /** Time amounts and instants shared with the data, so window edges are hit exactly (set by `caseArb`). */
  pools?: Pools;
}

/**
 * Per-case pools that expressions and data both draw from (often), so a contact's timestamp lands exactly
 * on the bound of a window the expression uses: `within last 30 days` and a value of exactly now − 30 days.
 */
export interface Pools {
  units: readonly { amount: number; unit: Unit }[];
  /** Epoch ms. */
  instants: readonly number[];
}

/** What the data generators may produce. */
export interface DataOptions {
  /** Maximum contacts per case (default 12). */
  maxContacts?: number;
  /** Maximum events per contact (default 6). */
  maxEventsPerContact?: number;
  /** Write some contact timestamps with UTC offsets instead of `Z` (default true). */
  offsets?: boolean;
  /** Enum fields sometimes hold values outside the enum, e.g. `"pro"` for `"Pro"` (default true; the loaders reject these). */
  offEnumValues?: boolean;
  /** Event properties sometimes hold a JSON value of the wrong type, e.g. `"12.5"` for a number (default true). */
  mistypedProperties?: boolean;
  /** Allow U+0000 in strings (default false: PostgreSQL text cannot hold it). */
  allowNul?: boolean;
  /** See `ExprOptions.pools`. */
  pools?: Pools;
}

// ---- expressions -------------------------------------------------------------------------------------------

type Arb<T> = fc.Arbitrary<T>;

const unitArb: Arb<{ amount: number; unit: Unit }> = fc
  .constantFrom(...TIME_UNITS)
  .chain((unit) => fc.constantFrom(...AMOUNTS[unit]).map((amount) => ({ amount, unit })));

/** `unitArb`, drawing from the case's pool three times in four when there is one. */
function unitsFrom(pools: Pools | undefined): Arb<{ amount: number; unit: Unit }> {
  if (!pools || pools.units.length === 0) return unitArb;
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pools.units) }, { weight: 1, arbitrary: unitArb });
}

/** A pooled instant (or its neighbours ±1 ms) when there is a pool, else `fallback`. */
function instantsFrom(pools: Pools | undefined, fallback: Arb<number>): Arb<number> {
  if (!pools || pools.instants.length === 0) return fallback;
  const pooled = fc.tuple(fc.constantFrom(...pools.instants), fc.constantFrom(-1, 0, 0, 0, 1)).map(([ms, d]) => ms + d);
  return fc.oneof({ weight: 2, arbitrary: pooled }, { weight: 3, arbitrary: fallback });
}

function unitWord(unit: Unit, amount: number): string {
  return amount === 1 && unit !== "minute" ? unit : `${unit}s`;
}

function kw(word: string, randomCase: boolean): Arb<string> {
  if (!randomCase) return fc.constant(word);
  return fc.constantFrom(word, word.toUpperCase(), word[0]!.toUpperCase() + word.slice(1));
}

/** A sequence of keyword/text parts where some parts vary in case. */
function words(randomCase: boolean, ...parts: (string | Arb<string>)[]): Arb<string> {
  const arbs = parts.map((p) => (typeof p === "string" ? (/^[a-z ]+$/.test(p) ? kw(p, randomCase) : fc.constant(p)) : p));
  return fc.tuple(...arbs).map((xs) => xs.join(" "));
}

/** Absolute time literals: dates, `Z` timestamps, offsets, with and without milliseconds. */
function absoluteTimeText(nowMs: number, pools?: Pools): Arb<string> {
  const instant = instantsFrom(pools, fc.oneof(
    fc.constantFrom(...INSTANT_POOL).map((s) => Date.parse(s)),
    unitsFrom(pools).map(({ amount, unit }) => subtractUnits(nowMs, amount, unit)),
    fc.integer({ min: MS_1900 + DAY, max: MS_2200 - DAY }),
    fc.constant(nowMs),
  )).map((ms) => Math.min(MS_2200, Math.max(MS_1900, ms)));
  return fc.oneof(
    instant.map((ms) => isoZ(ms).slice(0, 10)), // a date literal: midnight UTC
    instant.map((ms) => isoZ(ms)),
    instant.map((ms) => isoZ(ms).replace(".000Z", "Z")),
    fc.tuple(instant, fc.constantFrom(60, -300, 330, -720, 840)).map(([ms, off]) => isoWithOffset(ms, off)),
    instant.map((ms) => isoZ(ms).slice(0, 19)), // no zone = UTC
  );
}

/** Any time value literal: absolute, `N units ago`, `now`, `today`. */
function timeValueText(nowMs: number, rc: boolean, pools?: Pools): Arb<string> {
  return fc.oneof(
    { weight: 4, arbitrary: absoluteTimeText(nowMs, pools) },
    { weight: 2, arbitrary: unitsFrom(pools).chain(({ amount, unit }) => words(rc, String(amount), unitWord(unit, amount), "ago")) },
    { weight: 1, arbitrary: kw("now", rc) },
    { weight: 1, arbitrary: kw("today", rc) },
  );
}

function stringLiteralArb(allowNul = false): Arb<string> {
  return stringValueArb(allowNul).chain((s) => fc.constantFrom<'"' | "'">('"', "'").map((q) => quoteString(s, q)));
}

function numberLiteralArb(): Arb<string> {
  return fc
    .oneof(
      { weight: 3, arbitrary: fc.constantFrom(...NUMBER_POOL) },
      { weight: 2, arbitrary: fc.integer({ min: -2000, max: 5000 }) },
      { weight: 1, arbitrary: fc.constantFrom(...EVENT_NUMBERS) },
    )
    .map(numberText);
}

function listOf(item: Arb<string>, max = 4): Arb<string> {
  return fc.array(item, { minLength: 1, maxLength: max }).map((xs) => `(${xs.join(", ")})`);
}

/** One valid rule on a field (or event property) of the given definition. */
export function ruleArb(def: FieldDef, nowMs: number, rc = true, pools?: Pools): Arb<string> {
  const f = fieldArb(def.name, rc);
  const w = (...parts: (string | Arb<string>)[]) => words(rc, f, ...parts);
  switch (def.type) {
    case "string": {
      const s = stringLiteralArb();
      return fc.oneof(
        w(fc.constantFrom("=", "!=", "==", "<>"), s),
        w("is", s),
        w("is not", s),
        w("is equal to", s),
        w("in", listOf(s)),
        w("not in", listOf(s)),
        w("contains", s),
        w("not contains", s),
        w("starts with", s),
        w("not starts with", s),
        w("ends with", s),
        w("not ends with", s),
        w("is empty"),
        w("is not empty"),
      );
    }
    case "enum": {
      const v = fc.constantFrom(...(def.values ?? [])).map((x) => quoteString(x));
      return fc.oneof(w(fc.constantFrom("=", "!="), v), w("in", listOf(v)), w("not in", listOf(v)), w("is", v), w("is not", v), w("is empty"), w("is not empty"));
    }
    case "number": {
      const n = numberLiteralArb();
      return fc.oneof(
        w(fc.constantFrom("=", "!=", "<", "<=", ">", ">="), n),
        w("is greater than", n),
        w("is less than", n),
        w("is at least", n),
        w("is at most", n),
        w("between", n, "and", n),
        w("not between", n, "and", n),
        w("in", listOf(n)),
        w("not in", listOf(n)),
        w("is empty"),
        w("is not empty"),
      );
    }
    case "boolean": {
      const b = fc.constantFrom("true", "false");
      return fc.oneof(f, words(rc, "not", f), w(fc.constantFrom("=", "!="), b), w("is", b), w("is not", b), w("is empty"), w("is not empty"));
    }
    case "date":
    case "timestamp": {
      const t = timeValueText(nowMs, rc, pools);
      return fc.oneof(
        w("before", t),
        w("after", t),
        w("not before", t),
        w("not after", t),
        w(fc.constantFrom("=", "!=", "<", "<=", ">", ">="), t),
        w("between", t, "and", t),
        w("not between", t, "and", t),
        unitsFrom(pools).chain(({ amount, unit }) => w("within last", String(amount), unitWord(unit, amount))),
        unitsFrom(pools).chain(({ amount, unit }) => w("not within last", String(amount), unitWord(unit, amount))),
        w("is empty"),
        w("is not empty"),
      );
    }
    case "list": {
      const s = fc.oneof(fc.constantFrom(...TAG_POOL), stringValueArb()).map((x) => quoteString(x));
      return fc.oneof(w("has", s), w("has any", listOf(s)), w("has all", listOf(s)), w("has none", listOf(s)), w("is empty"), w("is not empty"));
    }
  }
}

function fieldArb(name: string, rc: boolean): Arb<string> {
  const text = fieldText(name);
  if (!rc || text.startsWith("`")) return fc.constant(text);
  return fc.constantFrom(text, text.toUpperCase(), text[0]!.toUpperCase() + text.slice(1));
}

/** A positive test for an aggregate or first/last time (the checker refuses negated forms there). */
function positiveNumberTest(rc: boolean): Arb<string> {
  const n = fc.constantFrom(...EVENT_NUMBERS, 0.75, 51, 99.5).map(numberText);
  return fc.oneof(
    words(rc, fc.constantFrom("=", "<", "<=", ">", ">="), n),
    words(rc, "between", n, "and", n),
    words(rc, "is at least", n),
    words(rc, "in", listOf(n, 3)),
  );
}

function positiveTimeTest(nowMs: number, rc: boolean, pools?: Pools): Arb<string> {
  const t = timeValueText(nowMs, rc, pools);
  return fc.oneof(
    words(rc, "before", t),
    words(rc, "after", t),
    words(rc, fc.constantFrom("=", "<", "<=", ">", ">="), t),
    words(rc, "between", t, "and", t),
    unitsFrom(pools).chain(({ amount, unit }) => words(rc, "within last", String(amount), unitWord(unit, amount))),
  );
}

/** An event condition with any combination of clauses (count or measure, window, where filter). */
export function eventArb(schema: Schema, nowMs: number, rc = true, pools?: Pools): Arb<string> {
  const events = schema.events!;
  const props = Object.values(events.properties);
  const numberProps = props.filter((p) => p.type === "number");
  const name = fc.constantFrom(...(events.names ?? ["Purchase"])).map((n) => quoteString(n));
  const count = fc.oneof(
    fc.integer({ min: 0, max: 4 }).chain((n) => words(rc, "at least", String(n), n === 1 ? "time" : "times")),
    fc.integer({ min: 0, max: 4 }).chain((n) => words(rc, "at most", String(n), "times")),
    fc.integer({ min: 0, max: 3 }).chain((n) => words(rc, "exactly", String(n), "times")),
  );
  const measures: Arb<string>[] = [
    words(rc, "with", fc.constantFrom("first", "last"), "time", positiveTimeTest(nowMs, rc, pools)),
  ];
  if (numberProps.length > 0) {
    measures.push(
      words(rc, "with", fc.constantFrom("sum", "average", "avg", "min", "max", "minimum", "maximum"), "of",
        fc.constantFrom(...numberProps.map((p) => fieldText(p.name))), positiveNumberTest(rc)),
    );
  }
  const measure = fc.oneof(count, ...measures);
  const window = fc.oneof(
    unitsFrom(pools).chain(({ amount, unit }) => words(rc, "within last", String(amount), unitWord(unit, amount))),
    words(rc, "between", timeValueText(nowMs, rc, pools), "and", timeValueText(nowMs, rc, pools)),
  );
  const filter = props.length > 0 ? filterArb(props, nowMs, rc, pools) : fc.constant(null);
  return fc
    .record({
      name,
      measure: fc.option(measure, { nil: null }),
      window: fc.option(window, { nil: null }),
      windowFirst: fc.boolean(),
      filter: fc.option(filter, { nil: null }),
      performed: kw("performed", rc),
      where: kw("where", rc),
    })
    .map((r) => {
      const clauses = [r.measure, r.window].filter((c): c is string => c !== null);
      if (r.windowFirst) clauses.reverse();
      return [r.performed, r.name, ...clauses, ...(r.filter ? [r.where, r.filter] : [])].join(" ");
    });
}

/** A `where` filter: rules on event properties combined with and/or/not. */
function filterArb(props: FieldDef[], nowMs: number, rc: boolean, pools?: Pools): Arb<string> {
  const leaf = fc.constantFrom(...props).chain((p) => ruleArb(p, nowMs, rc, pools));
  const { tree } = fc.letrec<{ tree: string }>((tie) => ({
    tree: fc.oneof(
      { maxDepth: 2, depthIdentifier: "filter" },
      { weight: 3, arbitrary: leaf },
      { weight: 1, arbitrary: fc.tuple(tie("tree"), kw("and", rc), tie("tree")).map(([a, op, b]) => `(${a}) ${op} (${b})`) },
      { weight: 1, arbitrary: fc.tuple(tie("tree"), kw("or", rc), tie("tree")).map(([a, op, b]) => `(${a}) ${op} (${b})`) },
      { weight: 1, arbitrary: fc.tuple(kw("not", rc), tie("tree")).map(([n, a]) => `${n} (${a})`) },
    ),
  }));
  return tree;
}

/**
 * Random valid expression text over `schema`, evaluated at `now`: every rule form per field type, and/or/not
 * nesting up to `depth`, event conditions (when the schema has events), and `in segment` references to
 * `options.segments`. Compound operands are parenthesised, so `where` filters never swallow what follows.
 */
export function exprArb(schema: Schema, now: string, options: ExprOptions = {}): Arb<string> {
  const nowMs = Date.parse(now);
  const rc = options.randomCase ?? true;
  const fields = Object.values(schema.fields);
  const leaves: { weight: number; arbitrary: Arb<string> }[] = [
    { weight: 6, arbitrary: fc.constantFrom(...fields).chain((f) => ruleArb(f, nowMs, rc, options.pools)) },
  ];
  if ((options.events ?? true) && schema.events) leaves.push({ weight: 2, arbitrary: eventArb(schema, nowMs, rc, options.pools) });
  if (options.segments && options.segments.length > 0) {
    const name = fc.constantFrom(...options.segments).map((n) => quoteString(n));
    leaves.push({ weight: 1, arbitrary: fc.tuple(fc.boolean(), name).chain(([neg, n]) => words(rc, neg ? "not in segment" : "in segment", n)) });
  }
  const leaf = fc.oneof(...leaves);
  let level: Arb<string> = leaf;
  for (let d = 0; d < (options.depth ?? 3); d++) {
    const sub = level;
    const paren = sub.map((s) => `(${s})`);
    level = fc.oneof(
      { weight: 3, arbitrary: leaf },
      { weight: 2, arbitrary: fc.tuple(fc.array(paren, { minLength: 2, maxLength: 3 }), kw("and", rc)).map(([xs, op]) => xs.join(` ${op} `)) },
      { weight: 2, arbitrary: fc.tuple(fc.array(paren, { minLength: 2, maxLength: 3 }), kw("or", rc)).map(([xs, op]) => xs.join(` ${op} `)) },
      { weight: 1, arbitrary: fc.tuple(kw("not", rc), paren).map(([n, s]) => `${n} ${s}`) },
    );
  }
  return level;
}

// ---- segment files -------------------------------------------------------------------------------------

/** Named segments over the rich schema; later ones refer to earlier ones (a DAG, no cycle). */
export const RICH_SEGMENTS: readonly { name: string; text: string }[] = [
  { name: "Paying", text: `plan_type in ("Pro", "Enterprise")` },
  { name: "Engaged", text: `last_seen_at within last 30 days or (performed "Login" at least 2 times within last 7 days)` },
  { name: "Big spender", text: `performed "Purchase" with sum of amount >= 100 within last 1 year` },
  { name: "VIP", text: `in segment "Paying" and (is_vip or lifetime_value >= 1000 or in segment "Big spender")` },
  { name: "Lapsed \"VIP\"", text: `in segment "VIP" and not in segment "Engaged"` },
];

/**
 * A segment file: the library segments, then `segment "Main" as <expr>`. Compile the segment named
 * `Main` (`checkExpression(text, schema, { segment: "Main" })`).
 */
export function segmentFileText(mainExpr: string, library: readonly { name: string; text: string }[] = RICH_SEGMENTS): string {
  const lines = library.map((s) => `segment ${quoteString(s.name)} as ${s.text};`);
  return `${lines.join("\n")}\n-- the segment under test\nsegment "Main" as ${mainExpr}\n`;
}

// ---- data ------------------------------------------------------------------------------------------------

/** A string value: from the pool, built from fragments, or arbitrary Unicode. */
export function stringValueArb(allowNul = false): Arb<string> {
  const anyString = fc.string({ unit: "grapheme", maxLength: 6 });
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.constantFrom(...STRING_POOL) },
      { weight: 3, arbitrary: fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 4 }).map((xs) => xs.join("")) },
      { weight: 1, arbitrary: anyString },
    )
    .map((s) => (allowNul ? s : s.replace(/\0/g, "")));
}

/** A number a contact may hold. */
function numberValueArb(): Arb<number> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NUMBER_POOL) },
    { weight: 2, arbitrary: fc.integer({ min: -2000, max: 5000 }) },
    { weight: 1, arbitrary: fc.constantFrom(...EVENT_NUMBERS) },
    { weight: 1, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => (Math.abs(x) < 1e-300 ? 0 : x)) },
  );
}

/** An instant: pool, exactly `now − N unit` (±1 ms), `now` itself (±1 ms), month ends, or random in 1900-2200. */
function instantArb(nowMs: number, pools?: Pools): Arb<number> {
  const edge = fc.tuple(unitsFrom(pools), fc.constantFrom(-1, 0, 0, 1)).map(([{ amount, unit }, d]) => subtractUnits(nowMs, amount, unit) + d);
  return instantsFrom(pools, fc
    .oneof(
      { weight: 3, arbitrary: edge },
      { weight: 2, arbitrary: fc.constantFrom(...INSTANT_POOL).map((s) => Date.parse(s)) },
      { weight: 1, arbitrary: fc.constantFrom(-1, 0, 1, 3_600_000, -DAY).map((d) => nowMs + d) },
      { weight: 2, arbitrary: fc.integer({ min: MS_1900, max: MS_2200 }) },
    ))
    .map((ms) => Math.min(MS_2200, Math.max(MS_1900, ms)));
}

function timestampTextArb(nowMs: number, offsets: boolean, pools?: Pools): Arb<string> {
  const plain = instantArb(nowMs, pools).map(isoZ);
  if (!offsets) return plain;
  return fc.oneof(
    { weight: 4, arbitrary: plain },
    { weight: 1, arbitrary: fc.tuple(instantArb(nowMs, pools), fc.constantFrom(60, -300, 330, 840, -720)).map(([ms, o]) => isoWithOffset(ms, o)) },
  );
}

function dateTextArb(nowMs: number, pools?: Pools): Arb<string> {
  return fc.oneof(
    instantArb(nowMs, pools).map((ms) => isoZ(ms).slice(0, 10)),
    fc.constantFrom("2000-02-29", "2024-02-29", "2023-02-28", "2024-12-31", "1900-01-01", "2199-12-31"),
  );
}

/** A value of a field's type (never empty; emptiness is added by `contactArb`). */
export function valueArb(def: FieldDef, nowMs: number, data: DataOptions = {}): Arb<unknown> {
  switch (def.type) {
    case "string":
      return stringValueArb(data.allowNul);
    case "enum": {
      const values = def.values ?? [];
      const member = fc.constantFrom(...values);
      if (!(data.offEnumValues ?? true)) return member;
      return fc.oneof(
        { weight: 6, arbitrary: member },
        { weight: 1, arbitrary: member.map((v) => (v === v.toLowerCase() ? v.toUpperCase() : v.toLowerCase())) },
      );
    }
    case "number":
      return numberValueArb();
    case "boolean":
      return fc.boolean();
    case "date":
      return dateTextArb(nowMs, data.pools);
    case "timestamp":
      return timestampTextArb(nowMs, data.offsets ?? true, data.pools);
    case "list":
      return fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TAG_POOL) }, { weight: 1, arbitrary: stringValueArb(data.allowNul) }), { maxLength: 4 });
  }
}

/** The empty forms of a field's type: missing key, null, and "" / [] where the type has them. */
function emptyArb(def: FieldDef): Arb<unknown> {
  const forms: unknown[] = [MISSING, null];
  if (def.type === "string" || def.type === "enum") forms.push("");
  if (def.type === "list") forms.push([]);
  return fc.constantFrom(...forms);
}

const MISSING = Symbol("missing");

/** One contact (without its key, which `contactsArb` assigns): each field empty about a quarter of the time. */
export function contactArb(schema: Schema, now: string, data: DataOptions = {}): Arb<Record<string, unknown>> {
  const nowMs = Date.parse(now);
  const entries = Object.values(schema.fields)
    .filter((f) => f.name !== schema.key)
    .map((f) => fc.oneof({ weight: 1, arbitrary: emptyArb(f) }, { weight: 3, arbitrary: valueArb(f, nowMs, data) }).map((v) => [f.name, v] as const));
  return fc.tuple(...entries).map((pairs) => {
    const contact: Record<string, unknown> = {};
    for (const [name, v] of pairs) if (v !== MISSING) Object.defineProperty(contact, name, { value: v, enumerable: true, writable: true, configurable: true });
    return contact;
  });
}

/** Contacts with unique keys `c0`, `c1`, … in the key field (a string field of the schema, or an extra key). */
export function contactsArb(schema: Schema, now: string, data: DataOptions = {}): Arb<Record<string, unknown>[]> {
  return fc.array(contactArb(schema, now, data), { minLength: 0, maxLength: data.maxContacts ?? 12 }).map((cs) =>
    cs.map((c, i) => ({ [schema.key]: `c${i}`, ...c })),
  );
}

/** One event property value: usually of its type, sometimes missing, null or (when allowed) mistyped. */
function propertyValueArb(def: FieldDef, nowMs: number, data: DataOptions): Arb<unknown> {
  let typed: Arb<unknown>;
  switch (def.type) {
    case "number":
      typed = fc.constantFrom(...EVENT_NUMBERS);
      break;
    case "timestamp":
      typed = instantArb(nowMs, data.pools).map(isoZ);
      break;
    case "date":
      typed = dateTextArb(nowMs, data.pools);
      break;
    default:
      typed = valueArb(def, nowMs, { ...data, offEnumValues: false });
  }
  const options: { weight: number; arbitrary: Arb<unknown> }[] = [
    { weight: 6, arbitrary: typed },
    { weight: 1, arbitrary: fc.constantFrom(MISSING, null) },
  ];
  if ((def.type === "timestamp" || def.type === "date") && (data.mistypedProperties ?? true)) {
    // The other forms a JSON time may take (src/compiler/sql/json-time.ts), at the case's instants so
    // they land on window edges: epoch ms (fractional ones are floored), offsets beyond what some
    // engines read (+16:00, -18:00), no zone, a lower-case z, an ISO timestamp for a date.
    const forms: ((ms: number) => unknown)[] = [
      (ms) => ms,
      (ms) => ms + 0.5,
      (ms) => isoWithOffset(ms, 960),
      (ms) => isoWithOffset(ms, -1080),
      (ms) => isoZ(ms).slice(0, 23),
      (ms) => isoZ(ms).replace("Z", "z"),
    ];
    options.push({ weight: 1, arbitrary: fc.tuple(instantArb(nowMs, data.pools), fc.constantFrom(...forms)).map(([ms, form]) => form(ms)) });
  }
  if (data.mistypedProperties ?? true) {
    const wrong: unknown[] =
      def.type === "number"
        ? ["12.5", "abc", true]
        : def.type === "boolean"
          ? ["true", 1]
          : def.type === "timestamp" || def.type === "date"
            ? // Not times: text, impossible days, 24:00, year 0, a space for the T, beyond years 1-9999, a Julian day number.
              ["not a time", "2023-02-29T10:00:00Z", "2024-02-30", "2024-01-01T24:00:00Z", "0000-01-01T00:00:00Z", "2024-01-01 10:00:00Z", 1e20, "2460000.5"]
            : [42, false];
    options.push({ weight: 1, arbitrary: fc.constantFrom(...wrong) });
  }
  return fc.oneof(...options);
}

/** Event rows for the given contact keys, in the events table's column shape (see the file header). */
export function eventsArb(schema: Schema, keys: readonly string[], now: string, data: DataOptions = {}): Arb<Record<string, unknown>[]> {
  const events = schema.events;
  if (!events || keys.length === 0) return fc.constant([]);
  const nowMs = Date.parse(now);
  const names = events.names ?? ["Purchase"];
  const nameArb = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...names) },
    { weight: 1, arbitrary: fc.constantFrom("Unlisted", names[0]!.toLowerCase()) }, // names match exactly
  );
  const props = Object.values(events.properties);
  const row = (key: string) =>
    fc.tuple(nameArb, instantArb(nowMs, data.pools), fc.tuple(...props.map((p) => propertyValueArb(p, nowMs, data)))).map(([name, ms, values]) => {
      const r: Record<string, unknown> = { [events.contactKey]: key, [events.name]: name, [events.time]: isoZ(ms) };
      const bag: Record<string, unknown> = {};
      props.forEach((p, i) => {
        const v = values[i];
        if (p.ownColumn) r[p.column] = v === MISSING ? null : v;
        else if (v !== MISSING) Object.defineProperty(bag, p.name, { value: v, enumerable: true, writable: true, configurable: true });
      });
      r[events.propertiesColumn] = bag;
      return r;
    });
  const max = data.maxEventsPerContact ?? 6;
  return fc
    .tuple(...keys.map((k) => fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 3, arbitrary: fc.array(row(k), { maxLength: max }) })))
    .chain((perContact) => fc.shuffledSubarray(perContact.flat(), { minLength: perContact.flat().length })); // interleaved, like a real table
}

// ---- whole cases -------------------------------------------------------------------------------------------

/** `now` for a case: from `NOW_POOL` or random in 2000-2150 (so windows stay after 1900). */
export const nowArb: Arb<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...NOW_POOL) },
  { weight: 1, arbitrary: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2150, 0, 1) }).map(isoZ) },
);

/** A complete test case: one expression, a `now`, contacts and their events. */
export interface Case {
  schema: Schema;
  now: string;
  /** A bare expression, or (when `segments` was asked for) a segment file whose `Main` segment is under test. */
  text: string;
  /** The segment to compile: "Main" for segment files, undefined for a bare expression. */
  segment?: string;
  contacts: Record<string, unknown>[];
  events: Record<string, unknown>[];
}

/** Options of `caseArb`: expression and data options, plus whether to wrap the expression in a segment file. */
export interface CaseOptions extends ExprOptions, DataOptions {
  /** Use `RICH_SEGMENTS` (or these) as a library the expression may refer to (default: only for the rich schema). */
  library?: readonly { name: string; text: string }[] | null;
}

/** A whole case over `schema` (default: the rich schema). */
export function caseArb(schema: Schema = richSchema, options: CaseOptions = {}): Arb<Case> {
  const library = options.library === undefined ? (schema === richSchema ? RICH_SEGMENTS : null) : options.library;
  return fc.tuple(nowArb, fc.array(unitArb, { minLength: 1, maxLength: 2 }), fc.array(fc.constantFrom(...INSTANT_POOL), { minLength: 1, maxLength: 2 })).chain(([now, units, fixed]) => {
    const nowMs = Date.parse(now);
    // The case's pool: a few windows, their exact lower bounds, `now`, and fixed instants.
    const pools: Pools = options.pools ?? { units, instants: [nowMs, ...units.map((u) => subtractUnits(nowMs, u.amount, u.unit)), ...fixed.map((s) => Date.parse(s))] };
    const opts = { ...options, pools };
    return fc
      .record({
        expr: exprArb(schema, now, { ...opts, segments: library ? library.map((s) => s.name) : [] }),
        contacts: contactsArb(schema, now, opts),
      })
      .chain(({ expr, contacts }) =>
        eventsArb(schema, contacts.map((c) => String(c[schema.key])), now, opts).map((events) => ({
          schema,
          now,
          text: library ? segmentFileText(expr, library) : expr,
          ...(library ? { segment: "Main" } : {}),
          contacts,
          events,
        })),
      );
  });
}

/** `n` cases reproducibly from a seed (for differential tests that batch many cases into one database load). */
export function sampleCases(seed: number, n: number, schema: Schema = richSchema, options: CaseOptions = {}): Case[] {
  return fc.sample(caseArb(schema, options), { seed, numRuns: n });
}

/** Groups event rows by contact key (rows keep their order). */
export function eventsByKey(schema: Schema, events: readonly Record<string, unknown>[]): Map<string, Record<string, unknown>[]> {
  const out = new Map<string, Record<string, unknown>[]>();
  const col = schema.events?.contactKey;
  if (!col) return out;
  for (const e of events) {
    const k = String(e[col]);
    const list = out.get(k);
    if (list) list.push(e);
    else out.set(k, [e]);
  }
  return out;
}
