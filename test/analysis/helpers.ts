/**
 * Helpers for the analysis tests: conditions likely to contradict or repeat themselves (few fields, few
 * values, every operator), and data sets built from a condition's own literals so that every boundary is
 * hit: each number with the doubles either side, each time with the millisecond and the day either side
 * (and relative times resolved at the case's `now`), each text with case flips, prefixes and suffixes,
 * lists of the values named, every empty form, and events at window edges with property values from the
 * same pools.
 */
import fc from "fast-check";
import { checkExpression, type Schema } from "../../src/index.js";
import { resolveTime } from "../../src/checker/time.js";
import { wallDay, zoneOf, type TimeZone } from "../../src/checker/zone.js";
import { forEachTyped, type Literal, type TypedExpr, type TypedQuery } from "../../src/checker/typed-ast.js";
import { compilePredicate, type Contact, type EventRow, type Predicate } from "../../src/compiler/predicate/index.js";
import { nextDown, nextUp } from "../../src/analysis/ordered-set.js";
import { NOW_POOL, quoteString, richSchema } from "../helpers/generators.js";
import { mulberry32 as prng } from "../../src/data/random.js";

export { richSchema };

const DAY = 86_400_000;

// ---- conditions --------------------------------------------------------------------------------------------

const NUMBERS = ["0", "1", "5", "10", "12.5", "-1"];
const TEXTS = ["a", "ab", "b", "abc", "A", "ba", "x@b.com", ""];
const STATUSES = ["Subscribed", "Unsubscribed", "Pending", "Won't say"];
const DATES = ["2024-01-01", "2024-01-02", "2024-03-01", "2024-03-31"];
const TIMES = ["2024-01-01T00:00:00Z", "2024-01-01", "2024-03-31T12:00:00Z", "2024-01-01T00:00:00.001Z", "1 day ago", "30 days ago", "1 month ago", "2 months ago", "1 year ago", "today", "now"];
const UNITS = ["1 day", "7 days", "30 days", "1 month", "2 months", "1 year", "24 hours"];
const TAGS = ['"a"', '"b"', '"c"'];

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const list = (items: fc.Arbitrary<string>) => fc.array(items, { minLength: 1, maxLength: 3 }).map((xs) => `(${xs.join(", ")})`);

function numberRule(field: string): fc.Arbitrary<string> {
  const n = pick(NUMBERS);
  return fc.oneof(
    fc.tuple(pick(["=", "!=", "<", "<=", ">", ">="]), n).map(([op, v]) => `${field} ${op} ${v}`),
    fc.tuple(fc.boolean(), n, n).map(([neg, a, b]) => `${field} ${neg ? "not " : ""}between ${a} and ${b}`),
    fc.tuple(fc.boolean(), list(n)).map(([neg, l]) => `${field} ${neg ? "not " : ""}in ${l}`),
    pick(["is empty", "is not empty"]).map((t) => `${field} ${t}`),
  );
}

function textRule(field: string): fc.Arbitrary<string> {
  const s = pick(TEXTS).map((x) => quoteString(x));
  return fc.oneof(
    fc.tuple(pick(["=", "!="]), s).map(([op, v]) => `${field} ${op} ${v}`),
    fc.tuple(fc.boolean(), list(s)).map(([neg, l]) => `${field} ${neg ? "not " : ""}in ${l}`),
    fc.tuple(pick(["contains", "not contains", "starts with", "not starts with", "ends with", "not ends with"]), s).map(([op, v]) => `${field} ${op} ${v}`),
    pick(["is empty", "is not empty"]).map((t) => `${field} ${t}`),
  );
}

function enumRule(field: string): fc.Arbitrary<string> {
  const s = pick(STATUSES).map((x) => quoteString(x));
  return fc.oneof(
    fc.tuple(pick(["=", "!="]), s).map(([op, v]) => `${field} ${op} ${v}`),
    fc.tuple(fc.boolean(), list(s)).map(([neg, l]) => `${field} ${neg ? "not " : ""}in ${l}`),
    pick(["is empty", "is not empty"]).map((t) => `${field} ${t}`),
  );
}

function timeRule(field: string, date: boolean): fc.Arbitrary<string> {
  const t = pick(date ? [...DATES, "1 day ago", "30 days ago", "1 month ago", "today", "now"] : TIMES);
  return fc.oneof(
    fc.tuple(pick(["before", "after", "not before", "not after", "=", "!=", "<=", ">="]), t).map(([op, v]) => `${field} ${op} ${v}`),
    fc.tuple(fc.boolean(), t, t).map(([neg, a, b]) => `${field} ${neg ? "not " : ""}between ${a} and ${b}`),
    fc.tuple(fc.boolean(), pick(UNITS)).map(([neg, u]) => `${field} ${neg ? "not " : ""}within last ${u}`),
    pick(["is empty", "is not empty"]).map((x) => `${field} ${x}`),
  );
}

function eventCondition(): fc.Arbitrary<string> {
  const name = pick(['"Purchase"', '"Refund"']);
  const count = fc.oneof(
    fc.constant(""),
    fc.tuple(pick(["at least", "at most", "exactly"]), fc.integer({ min: 0, max: 3 })).map(([q, n]) => ` ${q} ${n} times`),
    fc.tuple(pick(["sum", "min", "max", "average"]), pick([">", "<", ">=", "="]), pick(["5", "10", "0"])).map(([fn, op, v]) => ` with ${fn} of amount ${op} ${v}`),
    fc.tuple(pick(["first", "last"]), pick(["after", "before"]), pick(["2024-01-01", "30 days ago", "7 days ago"])).map(([w, op, v]) => ` with ${w} time ${op} ${v}`),
  );
  const window = pick(["", " within last 7 days", " within last 30 days", " within last 1 month", " between 2024-01-01 and 2024-02-01", " between 2024-02-01 and 2024-01-01"]);
  const filter = pick(["", " where amount > 5", " where amount < 10", ' where channel = "web"', " where (amount > 5 and amount < 3)", " where (amount > 5 and amount > 1)", ' where (channel = "web" or channel != "web")']);
  return fc.tuple(name, count, window, filter).map(([n, c, w, f]) => `(performed ${n}${c}${w}${f})`);
}

/** A rule (or event condition) over the few fields the conflict-prone conditions use. */
export function leafArb(options: { events?: boolean } = {}): fc.Arbitrary<string> {
  return fc.oneof(...fieldLeafArbs(options));
}

/** Per field (and, with `events`, one for event conditions): rules over that field only. */
export function fieldLeafArbs(options: { events?: boolean } = {}): fc.Arbitrary<string>[] {
  const leaves: fc.Arbitrary<string>[] = [
    numberRule("lifetime_value"),
    numberRule("score"),
    textRule("email"),
    enumRule("status"),
    pick(["is_vip", "not is_vip", "is_vip = true", "is_vip = false", "is_vip is empty", "is_vip != true"]),
    timeRule("signed_up_at", false),
    timeRule("birthday", true),
    fc.oneof(
      pick(TAGS).map((t) => `tags has ${t}`),
      fc.tuple(pick(["any", "all", "none"]), list(pick(TAGS))).map(([q, l]) => `tags has ${q} ${l}`),
      pick(["tags is empty", "tags is not empty"]),
    ),
  ];
  if (options.events ?? true) leaves.push(eventCondition());
  return leaves;
}

/** Conditions of 1-8 rules over few fields and values, so contradictions, tautologies and repeats are common. */
export function conflictExprArb(options: { events?: boolean; depth?: number } = {}): fc.Arbitrary<string> {
  const leaf = leafArb(options);
  let level: fc.Arbitrary<string> = leaf;
  for (let d = 0; d < (options.depth ?? 3); d++) {
    const sub = level.map((s) => `(${s})`);
    level = fc.oneof(
      { weight: 3, arbitrary: leaf },
      { weight: 3, arbitrary: fc.array(sub, { minLength: 2, maxLength: 3 }).map((xs) => xs.join(" and ")) },
      { weight: 2, arbitrary: fc.array(sub, { minLength: 2, maxLength: 3 }).map((xs) => xs.join(" or ")) },
      { weight: 1, arbitrary: sub.map((s) => `not ${s}`) },
    );
  }
  return level;
}

/** A `now` for a case. */
export const caseNowArb = fc.constantFrom(...NOW_POOL);

/** Instants where time zones bite: DST changes (Berlin, New York, Lord Howe's half hour), Samoa's skipped day. */
export const ZONE_NOWS: readonly string[] = [
  "2024-03-31T01:00:00.000Z", "2024-03-31T00:59:59.999Z", "2024-10-27T01:30:00.000Z", "2024-03-10T07:00:00.000Z",
  "2024-11-03T06:30:00.000Z", "2024-04-06T15:00:00.000Z", "2011-12-30T10:00:00.000Z", "2011-12-31T09:59:59.999Z",
];

/** The rich schema evaluated in a time zone. */
export function zonedSchema(zone: string): Schema {
  return { ...richSchema, timeZone: zone };
}

/** Checks a text against the rich schema (throws on errors: the generators write only valid text). */
export function typed(text: string, schema: Schema = richSchema): TypedQuery {
  return checkExpression(text, schema);
}

// ---- boundary data -----------------------------------------------------------------------------------------

/** Values of each field (and event property) worth testing: from the literals of the conditions, at `now`. */
interface Pools {
  byField: Map<string, unknown[]>;
  byProperty: Map<string, unknown[]>;
  eventNames: Set<string>;
  times: number[];
}

function timeOf(v: Literal, now: number, zone: TimeZone): number | null {
  return v.kind === "instant" || v.kind === "relative" || v.kind === "now" || v.kind === "today" ? resolveTime(v, now, zone) : null;
}


function collect(exprs: readonly TypedExpr[], schema: Schema, now: number): Pools {
  const zone = zoneOf(schema.timeZone);
  const lits = new Map<string, Literal[]>();
  const props = new Map<string, Literal[]>();
  const texts = new Map<string, string[]>();
  const eventNames = new Set<string>(["Purchase", "Refund"]);
  const times: number[] = [now, now - 1, now + 1, now - DAY, now - 7 * DAY, now - 30 * DAY];
  const add = (m: Map<string, Literal[]>, k: string, v: Literal) => (m.get(k) ?? m.set(k, []).get(k)!).push(v);
  const seen = new Set<TypedExpr>();
  const stack = [...exprs];
  while (stack.length > 0) {
    const root = stack.pop()!;
    forEachTyped(root, (e) => {
      if (e.kind === "segment" && !seen.has(e.expr)) {
        seen.add(e.expr);
        stack.push(e.expr);
      }
      if (e.kind === "event") {
        eventNames.add(e.name);
        if (e.window) for (const t of [e.window.low, e.window.high]) times.push(resolveTime(t, now, zone));
        const m = e.measure;
        if (m.kind === "aggregate") for (const v of testLiterals(m.test)) add(props, m.property.name, v);
        if (m.kind === "first" || m.kind === "last") for (const v of testLiterals(m.test)) {
          const t = timeOf(v, now, zone);
          if (t !== null) times.push(t);
        }
      }
      if (e.kind !== "rule") return;
      const target = e.field.source === "contact" ? lits : props;
      const t = e.test;
      if (t.op === "contains" || t.op === "startsWith" || t.op === "endsWith") {
        (texts.get(e.field.name) ?? texts.set(e.field.name, []).get(e.field.name)!).push(t.value);
        add(target, e.field.name, { kind: "string", value: t.value });
      } else if (t.op === "hasAny" || t.op === "hasAll") {
        for (const x of t.values) add(target, e.field.name, { kind: "string", value: x });
      } else for (const v of testLiterals(t)) add(target, e.field.name, v);
    });
  }
  const pool = (name: string, type: string, values: Literal[], needles: string[], enumValues: readonly string[] | undefined): unknown[] => {
    const out: unknown[] = [];
    switch (type) {
      case "number":
        out.push(0, 1, -1, 1e308, -1e308);
        for (const v of values) if (v.kind === "number") out.push(v.value, nextUp(v.value), nextDown(v.value), v.value + 1, v.value - 1);
        break;
      case "string":
      case "enum": {
        const strs = values.filter((v): v is { kind: "string"; value: string } => v.kind === "string").map((v) => v.value);
        out.push("x", "zz", ...(enumValues ?? []));
        for (const s of [...strs, ...needles]) {
          out.push(s, s.toUpperCase(), s.toLowerCase(), `x${s}`, `${s}x`, `${s}${s}`, `É${s}`);
          for (const t of [...strs, ...needles]) out.push(`${s}${t}`);
        }
        break;
      }
      case "boolean":
        out.push(true, false);
        break;
      case "date":
      case "timestamp": {
        const ms = [...times, Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2)];
        for (const v of values) {
          const t = timeOf(v, now, zone);
          if (t !== null) ms.push(t, t - 1, t + 1, t - DAY, t + DAY, Math.floor(t / DAY) * DAY);
        }
        for (const t of ms) {
          if (!Number.isFinite(t) || t < -62_135_596_800_000 + DAY || t > 253_402_300_799_999 - DAY) continue;
          // A date is the local calendar day the instant falls on (and the days either side).
          if (type === "date") for (const d of [-DAY, 0, DAY]) out.push(new Date(wallDay(t, zone) + d).toISOString().slice(0, 10));
          else out.push(new Date(t).toISOString());
        }
        break;
      }
      case "list": {
        const strs = values.filter((v): v is { kind: "string"; value: string } => v.kind === "string").map((v) => v.value);
        out.push(["x"], ...strs.map((s) => [s]), strs, strs.slice(1), [...strs, "x"], strs.slice(0, 1).concat(strs.slice(2)));
        break;
      }
    }
    return out;
  };
  const byField = new Map<string, unknown[]>();
  for (const f of Object.values(schema.fields)) byField.set(f.name, pool(f.name, f.type, lits.get(f.name) ?? [], texts.get(f.name) ?? [], f.values));
  const byProperty = new Map<string, unknown[]>();
  for (const p of Object.values(schema.events?.properties ?? {})) byProperty.set(p.name, pool(p.name, p.type, props.get(p.name) ?? [], texts.get(p.name) ?? [], p.values));
  return { byField, byProperty, eventNames, times: times.filter((t) => Number.isFinite(t)) };
}

function testLiterals(t: { op: string }): Literal[] {
  const x = t as { value?: Literal; low?: Literal; high?: Literal; values?: Literal[] };
  return [x.value, x.low, x.high, ...(Array.isArray(x.values) ? x.values : [])].filter((v): v is Literal => v !== undefined && typeof v === "object");
}

/** Contacts (and their events) built to hit every boundary of the conditions, at `now`. */
export interface DataSet {
  now: string;
  contacts: Contact[];
  events: Map<string, EventRow[]>;
}

/**
 * `n` contacts from the pools of `queries`' literals: each field empty (in each empty form) a fifth of
 * the time, else a pooled value; 0-4 events each, at pooled times, with pooled properties. `extra`
 * contacts (witnesses) are added as they are.
 */
export function boundaryData(queries: readonly TypedQuery[], now: string, seed: number, n = 40, extra: readonly { contact: Contact; events: EventRow[] }[] = []): DataSet {
  const schema = queries[0]!.schema;
  const nowMs = Date.parse(now);
  const pools = collect(queries.map((q) => q.expr), schema, nowMs);
  const random = prng(seed);
  const choose = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const ev = schema.events!;
  const contacts: Contact[] = [];
  const events = new Map<string, EventRow[]>();
  for (let i = 0; i < n; i++) {
    const key = `c${i}`;
    const c: Record<string, unknown> = { [schema.key]: key };
    for (const f of Object.values(schema.fields)) {
      if (f.name === schema.key) continue;
      if (random() < 0.2) {
        const empty = choose<unknown>([undefined, null, f.type === "string" || f.type === "enum" ? "" : null, f.type === "list" ? [] : null]);
        if (empty !== undefined) c[f.name] = empty;
        continue;
      }
      c[f.name] = choose(pools.byField.get(f.name)!);
    }
    contacts.push(c);
    const rows: EventRow[] = [];
    const count = Math.floor(random() * 5);
    for (let j = 0; j < count; j++) {
      const row: Record<string, unknown> = {
        [ev.contactKey]: key,
        [ev.name]: choose([...pools.eventNames, "Other"]),
        [ev.time]: new Date(Math.max(-62_135_596_800_000, Math.min(253_402_300_799_999, choose(pools.times)))).toISOString(),
      };
      const bag: Record<string, unknown> = {};
      for (const p of Object.values(ev.properties)) {
        if (random() < 0.2) continue;
        const v = choose(pools.byProperty.get(p.name)!);
        if (p.ownColumn) row[p.column] = v;
        else bag[p.name] = v;
      }
      row[ev.propertiesColumn] = bag;
      rows.push(row);
    }
    events.set(key, rows);
  }
  extra.forEach((w, i) => {
    const key = `w${i}`;
    contacts.push({ ...w.contact, [schema.key]: key });
    events.set(key, w.events.map((e) => ({ ...e, [ev.contactKey]: key })));
  });
  return { now, contacts, events };
}

/** The predicate of a query at the data set's `now`. */
export function predicateOf(q: TypedQuery, data: DataSet): Predicate {
  return compilePredicate(q, { now: data.now });
}

/** Keys of the contacts a query matches. */
export function matching(q: TypedQuery, data: DataSet): Set<string> {
  const p = predicateOf(q, data);
  const key = q.schema.key;
  return new Set(data.contacts.filter((c) => p(c, data.events.get(String(c[key])))).map((c) => String(c[key])));
}
