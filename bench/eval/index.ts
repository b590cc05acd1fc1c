/**
 * bench/eval: in-memory evaluation speed. 1,000,000 generated contacts (deterministic), two conditions,
 * in one run: segql's generated predicate, segql's closure evaluator, a hand-written JavaScript arrow
 * function (the limit), json-logic-js, jexl, filtrex and @marcbachmann/cel-js, each written to the same
 * semantics (empty fields, ASCII-only case folding, inclusive windows), so every implementation must
 * return the same count; the benchmark stops with an error if one does not.
 *
 * E1  (status = "Subscribed" and plan_type = "Pro") or lifetime_value > 1000
 * E2  eight rules: enum `in`, number `>=`, `!=`, `ends with`, `has`, `within last 30 days`, `not before`,
 *     and a boolean field.
 *
 * Contacts are plain objects as JSON.parse would give them: empty fields are missing keys, "" or [];
 * timestamps are ISO-8601 strings with Z. `SEGQL_BENCH_N` overrides the number of contacts.
 */
import jexl from "jexl";
import jsonLogic from "json-logic-js";
import { compileExpression } from "filtrex";
import { Environment } from "@marcbachmann/cel-js";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { parseInstant } from "../../src/compiler/predicate/runtime.js";
import { checkExpression } from "../../src/index.js";
import { parseSchema } from "../../src/schema/schema.js";
import { mulberry32 as prng } from "../../src/data/random.js";

type Contact = Record<string, unknown>;
type Impl = { name: string; compile: () => (c: Contact) => boolean };

const NOW = "2026-01-01T00:00:00Z";
const NOW_MS = Date.parse(NOW);
const DAY = 86_400_000;
const WINDOW_LOW = NOW_MS - 30 * DAY; // within last 30 days: [now − 30 days, now]
const CUTOFF = Date.UTC(2020, 0, 1); // not before 2020-01-01

const schema = parseSchema(JSON.stringify({
  table: "contacts",
  key: "id",
  fields: {
    id: { type: "string" },
    status: { type: "enum", values: ["Subscribed", "Unsubscribed", "Pending"] },
    plan_type: { type: "enum", values: ["Free", "Pro", "Enterprise"] },
    lifetime_value: { type: "number" },
    country: { type: "enum", values: ["US", "DE", "FR", "GB", "ES", "IT", "NL", "BR"] },
    orders: { type: "number" },
    email: { type: "string" },
    tags: { type: "list" },
    last_seen_at: { type: "timestamp" },
    signed_up_at: { type: "timestamp" },
    is_verified: { type: "boolean" },
  },
}));

// ---- data ----------------------------------------------------------------------------------------------


/** Contacts with realistic gaps: each field missing (or "" / []) some of the time. */
export function generateContacts(n: number, seed = 42): Contact[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const statuses = ["Subscribed", "Subscribed", "Unsubscribed", "Pending"];
  const plans = ["Free", "Free", "Pro", "Enterprise"];
  const countries = ["US", "DE", "FR", "GB", "ES", "IT", "NL", "BR"];
  const domains = ["@gmail.com", "@GMAIL.COM", "@example.com", "@yahoo.fr", "@gmail.co", "@mail.gmail.com"];
  const tagPool = ["vip", "beta", "newsletter", "VIP", "churn-risk"];
  const out: Contact[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const c: Contact = { id: `c${i}` };
    if (r() < 0.95) c["status"] = pick(statuses);
    if (r() < 0.9) c["plan_type"] = pick(plans);
    if (r() < 0.9) c["lifetime_value"] = Math.round(r() * 150_000) / 100;
    if (r() < 0.97) c["country"] = pick(countries);
    if (r() < 0.9) c["orders"] = Math.floor(r() * 12);
    const e = r();
    if (e < 0.9) c["email"] = `user${i}${pick(domains)}`;
    else if (e < 0.95) c["email"] = "";
    const t = r();
    if (t < 0.8) c["tags"] = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(tagPool));
    else if (t < 0.9) c["tags"] = [];
    if (r() < 0.9) c["last_seen_at"] = new Date(NOW_MS - Math.floor(r() * 90 * DAY)).toISOString();
    if (r() < 0.9) c["signed_up_at"] = new Date(Date.UTC(2015, 0, 1) + Math.floor(r() * 11 * 365 * DAY)).toISOString();
    if (r() < 0.9) c["is_verified"] = r() < 0.7;
    out[i] = c;
  }
  return out;
}

// ---- the conditions, once per implementation ----------------------------------------------------------

const E1 = '(status = "Subscribed" and plan_type = "Pro") or lifetime_value > 1000';
const E2 = 'country in ("US", "DE", "FR", "GB") and orders >= 3 and status != "Unsubscribed" and ' +
  '(email ends with "@gmail.com" or tags has "vip") and last_seen_at within last 30 days and ' +
  "signed_up_at not before 2020-01-01 and is_verified";

/** `h` ends with `n` (lower-case ASCII), A-Z folded to a-z and nothing else (the language's rule). */
function endsWithAsciiCi(h: string, n: string): boolean {
  const off = h.length - n.length;
  if (off < 0) return false;
  for (let i = 0; i < n.length; i++) {
    let c = h.charCodeAt(off + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== n.charCodeAt(i)) return false;
  }
  return true;
}
const isString = (v: unknown): v is string => typeof v === "string";
const withinLast30 = (v: unknown) => {
  if (!isString(v)) return false;
  const t = Date.parse(v);
  return t >= WINDOW_LOW && t <= NOW_MS;
};
const notBefore2020 = (v: unknown) => !(isString(v) && Date.parse(v) < CUTOFF);
const hasTag = (v: unknown, tag: string) => Array.isArray(v) && v.includes(tag);
const endsCi = (v: unknown, n: string) => isString(v) && endsWithAsciiCi(v, n);

function segql(text: string, mode: "codegen" | "closure"): () => (c: Contact) => boolean {
  return () => compilePredicate(checkExpression(text, schema), { now: NOW, mode }) as (c: Contact) => boolean;
}

/** Hand-written: what a careful developer writes for these rules, empties included. */
const hand: Record<"E1" | "E2", () => (c: Contact) => boolean> = {
  E1: () => (c) => {
    if (c["status"] === "Subscribed" && c["plan_type"] === "Pro") return true;
    const v = c["lifetime_value"];
    return typeof v === "number" && v > 1000;
  },
  E2: () => (c) => {
    const country = c["country"];
    if (country !== "US" && country !== "DE" && country !== "FR" && country !== "GB") return false;
    const orders = c["orders"];
    if (typeof orders !== "number" || !(orders >= 3)) return false;
    if (c["status"] === "Unsubscribed") return false;
    const email = c["email"];
    if (!((typeof email === "string" && endsWithAsciiCi(email, "@gmail.com")) || hasTag(c["tags"], "vip"))) return false;
    const seen = c["last_seen_at"];
    if (typeof seen !== "string") return false;
    const t = Date.parse(seen);
    if (!(t >= WINDOW_LOW && t <= NOW_MS)) return false;
    const signed = c["signed_up_at"];
    if (typeof signed === "string" && Date.parse(signed) < CUTOFF) return false;
    return c["is_verified"] === true;
  },
};

/** E2 hand-written again, parsing timestamps with segql's exported ISO fast path instead of `Date.parse`. */
const handFastParse = (): ((c: Contact) => boolean) => (c) => {
  const country = c["country"];
  if (country !== "US" && country !== "DE" && country !== "FR" && country !== "GB") return false;
  const orders = c["orders"];
  if (typeof orders !== "number" || !(orders >= 3)) return false;
  if (c["status"] === "Unsubscribed") return false;
  const email = c["email"];
  if (!((typeof email === "string" && endsWithAsciiCi(email, "@gmail.com")) || hasTag(c["tags"], "vip"))) return false;
  const seen = c["last_seen_at"];
  if (typeof seen !== "string") return false;
  const t = parseInstant(seen);
  if (!(t >= WINDOW_LOW && t <= NOW_MS)) return false;
  const signed = c["signed_up_at"];
  if (typeof signed === "string" && parseInstant(signed) < CUTOFF) return false;
  return c["is_verified"] === true;
};

jsonLogic.add_operation("ends_ci", endsCi);
jsonLogic.add_operation("has_tag", hasTag);
jsonLogic.add_operation("within_last_30_days", withinLast30);
jsonLogic.add_operation("not_before_2020", notBefore2020);
const logic = {
  E1: { or: [{ and: [{ "===": [{ var: "status" }, "Subscribed"] }, { "===": [{ var: "plan_type" }, "Pro"] }] }, { ">": [{ var: "lifetime_value" }, 1000] }] },
  E2: {
    and: [
      { in: [{ var: "country" }, ["US", "DE", "FR", "GB"]] },
      { ">=": [{ var: "orders" }, 3] },
      { "!==": [{ var: "status" }, "Unsubscribed"] },
      { or: [{ ends_ci: [{ var: "email" }, "@gmail.com"] }, { has_tag: [{ var: "tags" }, "vip"] }] },
      { within_last_30_days: [{ var: "last_seen_at" }] },
      { not_before_2020: [{ var: "signed_up_at" }] },
      { "===": [{ var: "is_verified" }, true] },
    ],
  },
};

jexl.addFunction("endsCi", endsCi);
jexl.addFunction("hasTag", hasTag);
jexl.addFunction("withinLast30Days", withinLast30);
jexl.addFunction("notBefore2020", notBefore2020);
const jexlText = {
  E1: '(status == "Subscribed" && plan_type == "Pro") || lifetime_value > 1000',
  E2: 'country in ["US", "DE", "FR", "GB"] && orders >= 3 && status != "Unsubscribed" && (endsCi(email, "@gmail.com") || hasTag(tags, "vip")) && ' +
    "withinLast30Days(last_seen_at) && notBefore2020(signed_up_at) && is_verified == true",
};

/**
 * filtrex throws (and returns the error) on a missing property, on comparing a non-number and on `in` with a
 * missing value, so the rules guard with exists(); it has no boolean literals, so `isTrue(x)` tests a boolean.
 */
const filtrexText = {
  E1: '(status == "Subscribed" and plan_type == "Pro") or (exists(lifetime_value) and lifetime_value > 1000)',
  E2: 'exists(country) and country in ("US", "DE", "FR", "GB") and exists(orders) and orders >= 3 and status != "Unsubscribed" and ' +
    '(endsCi(email, "@gmail.com") or hasTag(tags, "vip")) and withinLast30Days(last_seen_at) and notBefore2020(signed_up_at) and isTrue(is_verified)',
};
const filtrexOptions = {
  extraFunctions: { endsCi, hasTag, withinLast30Days: withinLast30, notBefore2020, isTrue: (v: unknown) => v === true },
  customProp: (name: string, _get: unknown, obj: Contact) => (Object.hasOwn(obj, name) ? obj[name] : undefined),
};

/** CEL: a missing map key is an error, so every read is guarded with has(); numbers are doubles. */
const cel = new Environment({ unlistedVariablesAreDyn: true })
  .registerFunction("endsCi(string, string): bool", (v: string, n: string) => endsWithAsciiCi(v, n))
  .registerFunction("withinLast30Days(string): bool", withinLast30)
  .registerFunction("notBefore2020(string): bool", notBefore2020);
const celText = {
  E1: '(has(c.status) && c.status == "Subscribed" && has(c.plan_type) && c.plan_type == "Pro") || (has(c.lifetime_value) && c.lifetime_value > 1000.0)',
  E2: 'has(c.country) && c.country in ["US", "DE", "FR", "GB"] && has(c.orders) && c.orders >= 3.0 && (!has(c.status) || c.status != "Unsubscribed") && ' +
    '((has(c.email) && endsCi(c.email, "@gmail.com")) || (has(c.tags) && "vip" in c.tags)) && has(c.last_seen_at) && withinLast30Days(c.last_seen_at) && ' +
    "(!has(c.signed_up_at) || notBefore2020(c.signed_up_at)) && has(c.is_verified) && c.is_verified == true",
};

function implementations(which: "E1" | "E2"): Impl[] {
  const text = which === "E1" ? E1 : E2;
  return [
    { name: "hand-written JS", compile: hand[which] },
    ...(which === "E2" ? [{ name: "hand-written JS, fast ISO parse", compile: handFastParse }] : []),
    { name: "segql (codegen)", compile: segql(text, "codegen") },
    { name: "segql (closure)", compile: segql(text, "closure") },
    {
      name: "filtrex",
      compile: () => {
        const f = compileExpression(filtrexText[which], filtrexOptions as never) as (c: Contact) => unknown;
        return (c) => f(c) === true;
      },
    },
    {
      name: "@marcbachmann/cel-js",
      compile: () => {
        const f = cel.parse(celText[which]);
        return (c) => f({ c }) === true;
      },
    },
    {
      name: "json-logic-js",
      compile: () => {
        const rule = logic[which] as unknown as Parameters<typeof jsonLogic.apply>[0];
        return (c) => jsonLogic.apply(rule, c) === true;
      },
    },
    {
      name: "jexl",
      compile: () => {
        const e = jexl.compile(jexlText[which]);
        return (c) => e.evalSync(c) === true;
      },
    },
  ];
}

// ---- measuring -----------------------------------------------------------------------------------------

/** A fresh loop per implementation, so one's type feedback never slows another. */
function makeLoop(): (f: (c: Contact) => boolean, cs: Contact[]) => number {
  return new Function("f", "cs", "let n = 0; for (let i = 0; i < cs.length; i++) if (f(cs[i])) n++; return n;") as never;
}

interface Result {
  name: string;
  count: number;
  /** Best time over the rounds, ms. */
  ms: number;
}

/**
 * Times every implementation in interleaved rounds (round 1 of each, then round 2 of each, …), so a burst
 * of load from elsewhere on the machine hits all of them alike; keeps each one's best pass. Slow peers
 * stop after `peerBudgetMs` of passes (at least 3).
 */
function measureAll(impls: Impl[], contacts: Contact[], rounds: number, peerBudgetMs: number): Result[] {
  const state = impls.map((impl) => {
    const f = impl.compile();
    const loop = makeLoop();
    const count = loop(f, contacts); // warm-up, and the count every implementation must agree on
    return { impl, f, loop, count, best: Infinity, spent: 0, passes: 0, fast: impl.name.startsWith("segql") || impl.name.startsWith("hand") };
  });
  for (let round = 0; round < rounds; round++) {
    for (const s of state) {
      if (!s.fast && s.passes >= 3 && s.spent > peerBudgetMs) continue;
      const t = performance.now();
      const n = s.loop(s.f, contacts);
      const ms = performance.now() - t;
      if (n !== s.count) throw new Error(`${s.impl.name}: counts differ between passes (${s.count} vs ${n})`);
      s.best = Math.min(s.best, ms);
      s.spent += ms;
      s.passes++;
    }
  }
  return state.map((s) => ({ name: s.impl.name, count: s.count, ms: s.best }));
}

function fmtRate(perSecond: number): string {
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(1)} M/s` : `${Math.round(perSecond / 1e3)} k/s`;
}

export async function run(): Promise<string> {
  const n = Number(process.env["SEGQL_BENCH_N"] ?? 1_000_000);
  console.log(`generating ${n.toLocaleString("en-US")} contacts…`);
  const contacts = generateContacts(n);
  const sections: string[] = [];
  const rows: string[] = [];
  for (const which of ["E1", "E2"] as const) {
    const results = measureAll(implementations(which), contacts, 9, 2500);
    for (const r of results) console.log(`${which} ${r.name.padEnd(32)} ${r.count} matches, best ${r.ms.toFixed(1)} ms`);
    const base = results[0]!;
    const wrong = results.filter((r) => r.count !== base.count);
    if (wrong.length > 0) {
      throw new Error(`bench/eval ${which}: implementations disagree: ${results.map((r) => `${r.name}=${r.count}`).join(", ")}`);
    }
    for (const r of results) {
      rows.push(`| ${which} | ${r.name} | ${fmtRate((n / r.ms) * 1000)} | ${(r.ms / base.ms).toFixed(2)}x | ${r.count.toLocaleString("en-US")} |`);
    }
  }
  sections.push(
    "## bench/eval: in-memory evaluation",
    "",
    `${n.toLocaleString("en-US")} generated contacts (deterministic; empty fields are missing keys, \"\" or []; timestamps ISO strings), ` +
      "now = 2026-01-01T00:00:00Z. Best of 9 interleaved passes per implementation (at least 3 for the slower peers) after a warm-up pass; ratio = time / hand-written time " +
      "(lower is faster). Every implementation implements the same semantics (empty fields, ASCII-only case folding, inclusive " +
      "window) and returned the same count, which the benchmark checks.",
    "",
    `- E1: \`${E1}\``,
    `- E2: \`${E2}\``,
    "",
    "| condition | implementation | contacts/second | time vs hand-written | matches |",
    "| --- | --- | ---: | ---: | ---: |",
    ...rows,
    "",
    "The hand-written functions parse timestamps with `Date.parse`, as one would; segql parses ISO-8601 `Z` strings with its " +
      "own fast path (other forms go through the same parser as literals), which is most of its lead on E2. The row " +
      "\"hand-written JS, fast ISO parse\" is E2 written by hand with that same parser: the tightest limit. Peers get helper functions for what they cannot express " +
      "(ASCII-only case-insensitive `ends with`, list membership on a missing list, the time window), so they are measured " +
      "doing the same work.",
  );
  return sections.join("\n");
}
