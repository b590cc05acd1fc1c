/**
 * bench/sql: segql's SQL against hand-written SQL for the same rules, on DuckDB (@duckdb/node-api) with
 * 10,000,000 generated contacts, in one run. The conditions are bench/eval's:
 *
 * E1  (status = "Subscribed" and plan_type = "Pro") or lifetime_value > 1000
 * E2  eight rules: enum `in`, number `>=`, `!=`, `ends with`, `has`, `within last 30 days`, `not before`,
 *     and a boolean field.
 *
 * The hand-written SQL is what an engineer would write for the same semantics: `!=` and `not before`
 * keep empty fields (IS NULL OR …), `ends with` folds case with lower(). segql's SQL is compiled with
 * `now` fixed, like the hand-written literals. Data is generated inside DuckDB from hashes of the row
 * number (deterministic, ~10 s). Both must count the same rows. `SEGQL_BENCH_SQL_N` overrides the size.
 *
 * E3 is zone-aware (issue 15), in Europe/Berlin: `today`, a date field `within next 30 days` and a
 * timestamp `within last 1 month` on Berlin's calendar, over columns generated around the real current
 * time. Twice: with `now` (segql writes literals computed in JavaScript) and on the engine's clock (segql
 * converts with DuckDB's ICU zone functions, the date bounds in SQL), each against the SQL an engineer
 * would write with DuckDB's zone functions for the same instant (the literal now, or current_timestamp).
 */
import { loadavg } from "node:os";
import { checkExpression } from "../../src/index.js";
import { compileSql } from "../../src/compiler/sql/index.js";
import { parseSchema } from "../../src/schema/schema.js";
import { measure, openDuckDb, table, type Pair } from "./harness.js";

const N = Number(process.env["SEGQL_BENCH_SQL_N"] ?? 10_000_000);
const PASSES = 15;
const NOW = "2026-01-01T00:00:00Z";

const schema = parseSchema(JSON.stringify({
  table: "contacts",
  key: "id",
  fields: {
    id: { type: "string" },
    status: { type: "enum", values: ["Subscribed", "Unsubscribed", "Pending"] },
    plan_type: { type: "enum", values: ["Free", "Pro", "Enterprise"], column: "plan" },
    lifetime_value: { type: "number" },
    country: { type: "enum", values: ["US", "DE", "FR", "GB", "ES", "IT", "NL", "BR"] },
    orders: { type: "number" },
    email: { type: "string" },
    tags: { type: "list" },
    last_seen_at: { type: "timestamp" },
    signed_up_at: { type: "timestamp" },
    is_verified: { type: "boolean" },
    seen_at: { type: "timestamp" },
    renews_on: { type: "date" },
    joined_at: { type: "timestamp" },
  },
}));

const ZONE = "Europe/Berlin";
const E3 = "seen_at >= today and renews_on within next 30 days and joined_at within last 1 month";
/** The hand-written zone-aware E3 for an instant `x` (a TIMESTAMPTZ expression): DuckDB's ICU functions. */
function handE3(x: string): string {
  const local = `timezone('${ZONE}', ${x})`;
  const today = `CAST(${local} AS DATE)`;
  return `SELECT count(*) FROM contacts
WHERE seen_at >= timezone('UTC', timezone('${ZONE}', date_trunc('day', ${local})))
  AND renews_on > ${today} AND renews_on <= ${today} + 30
  AND joined_at BETWEEN timezone('UTC', timezone('${ZONE}', ${local} - INTERVAL 1 MONTH)) AND timezone('UTC', ${x})`;
}

const E1 = '(status = "Subscribed" and plan_type = "Pro") or lifetime_value > 1000';
const E2 =
  'country in ("US", "DE", "FR", "GB") and orders >= 3 and status != "Unsubscribed" and (email ends with "@gmail.com" or tags has "vip") and last_seen_at within last 30 days and signed_up_at not before 2020-01-01 and is_verified';

const HAND_E1 = `SELECT count(*) FROM contacts WHERE (status = 'Subscribed' AND plan = 'Pro') OR lifetime_value > 1000`;
const HAND_E2 = `SELECT count(*) FROM contacts
WHERE country IN ('US', 'DE', 'FR', 'GB')
  AND orders >= 3
  AND (status IS NULL OR status <> 'Unsubscribed')
  AND (lower(email) LIKE '%@gmail.com' OR list_contains(tags, 'vip'))
  AND last_seen_at BETWEEN TIMESTAMP '2025-12-02 00:00:00' AND TIMESTAMP '2026-01-01 00:00:00'
  AND (signed_up_at IS NULL OR signed_up_at >= TIMESTAMP '2020-01-01 00:00:00')
  AND is_verified`;

/** A hash-derived value per row and field: deterministic, independent between fields. */
const h = (k: number) => `hash(i * 64 + ${k})`;
const pick = (k: number, values: string[]) => `[${values.map((v) => `'${v}'`).join(", ")}][CAST(1 + ${h(k)} % ${values.length} AS BIGINT)]`;

const GENERATE = `CREATE TABLE contacts AS SELECT
  'c' || i AS id,
  CASE WHEN ${h(1)} % 100 < 95 THEN ${pick(2, ["Subscribed", "Subscribed", "Unsubscribed", "Pending"])} END AS status,
  CASE WHEN ${h(3)} % 100 < 90 THEN ${pick(4, ["Free", "Free", "Pro", "Enterprise"])} END AS plan,
  CASE WHEN ${h(5)} % 100 < 90 THEN CAST(${h(6)} % 150000 AS DOUBLE) / 100 END AS lifetime_value,
  CASE WHEN ${h(7)} % 100 < 97 THEN ${pick(8, ["US", "DE", "FR", "GB", "ES", "IT", "NL", "BR"])} END AS country,
  CASE WHEN ${h(9)} % 100 < 90 THEN CAST(${h(10)} % 10 AS DOUBLE) END AS orders,
  CASE WHEN ${h(11)} % 100 < 92 THEN 'user' || i || ${pick(12, ["@gmail.com", "@GMAIL.COM", "@example.com", "@yahoo.fr", "@gmail.co", "@mail.gmail.com"])}
       WHEN ${h(11)} % 100 < 95 THEN '' END AS email,
  CASE CAST(${h(13)} % 6 AS INTEGER) WHEN 0 THEN ['vip'] WHEN 1 THEN ['beta', 'newsletter'] WHEN 2 THEN []::VARCHAR[]
       WHEN 3 THEN ['VIP', 'churn-risk'] WHEN 4 THEN ['newsletter', 'vip'] END AS tags,
  CASE WHEN ${h(14)} % 100 < 90 THEN TIMESTAMP '2026-01-01' - to_seconds(CAST(${h(15)} % (120 * 86400) AS BIGINT)) END AS last_seen_at,
  CASE WHEN ${h(16)} % 100 < 95 THEN TIMESTAMP '2015-01-01' + to_seconds(CAST(${h(17)} % (11 * 365 * 86400) AS BIGINT)) END AS signed_up_at,
  CASE WHEN ${h(18)} % 100 < 90 THEN ${h(19)} % 3 <> 0 END AS is_verified,
  CASE WHEN ${h(20)} % 100 < 90 THEN CAST(now() AS TIMESTAMP) - to_seconds(CAST(${h(21)} % (10 * 86400) AS BIGINT)) END AS seen_at,
  CASE WHEN ${h(22)} % 100 < 90 THEN CAST(now() AS DATE) + CAST(${h(23)} % 90 AS INTEGER) - 20 END AS renews_on,
  CASE WHEN ${h(24)} % 100 < 95 THEN CAST(now() AS TIMESTAMP) - to_seconds(CAST(${h(25)} % (400 * 86400) AS BIGINT)) END AS joined_at
FROM range(${N}) t(i)`;

export async function run(): Promise<string> {
  const log = (s: string) => console.log(s);
  const { con, close } = await openDuckDb();
  try {
    const t0 = performance.now();
    await con.run(GENERATE);
    log(`  generated ${N.toLocaleString("en-US")} contacts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const segql = (expr: string) => compileSql(checkExpression(expr, schema), { dialect: "duckdb", form: "count", now: NOW, pretty: false }).sql;
    // E3 at the real current time (its columns are generated around it), to the second and not on a midnight.
    const zoneNow = new Date(Math.floor(Date.now() / 1000) * 1000 + 17_000).toISOString();
    const e3 = checkExpression(E3, schema);
    const pairs: Pair[] = [
      { label: "E1", expression: E1, segql: segql(E1), hand: HAND_E1 },
      { label: "E2", expression: E2, segql: segql(E2), hand: HAND_E2 },
      {
        label: "E3 Berlin, with now",
        expression: E3,
        segql: compileSql(e3, { dialect: "duckdb", form: "count", now: zoneNow, timeZone: ZONE, pretty: false }).sql,
        hand: handE3(`TIMESTAMPTZ '${zoneNow}'`),
      },
      {
        label: "E3 Berlin, engine clock",
        expression: E3,
        segql: compileSql(e3, { dialect: "duckdb", form: "count", timeZone: ZONE, pretty: false }).sql,
        hand: handE3("current_timestamp"),
      },
    ];
    const loadBefore = loadavg().map((x) => x.toFixed(1)).join(", ");
    const rows = [];
    for (const p of pairs) rows.push(await measure(con, p, PASSES, log));
    const load = loadavg().map((x) => x.toFixed(1)).join(", ");
    return [
      "## bench/sql: segql's SQL vs hand-written SQL (DuckDB)",
      "",
      `${N.toLocaleString("en-US")} generated contacts in an in-memory DuckDB ${(await con.runAndReadAll("SELECT version()")).getRows()[0]![0]} (@duckdb/node-api), now = ${NOW}. Best of ${PASSES} interleaved runs of each statement after a warm-up; both return the same count (checked); \"same plan\": DuckDB's EXPLAIN is identical, so any difference is noise. Goal: within 1.1x.`,
      "",
      `- E1: \`${E1}\``,
      `- E2: \`${E2}\``,
      `- E3 (time zone ${ZONE}): \`${E3}\`; with now = ${zoneNow} (segql: literals) and on the engine's clock (segql: DuckDB's zone functions)`,
      "",
      table(rows, "contacts counted", { cpu: true }),
      "",
      `Machine load (1, 5, 15 min) when timing began: ${loadBefore}; at the end: ${load} (2 cores). Wall time includes waiting for a core while other work runs; the CPU time column (best process CPU time, all of DuckDB's threads) is less moved by that.`,
      "",
      "E3's plans: DuckDB folds every zone function of both statements into constants before the scan (`current_timestamp` is fixed per statement), so both scan with the same three range filters (see `EXPLAIN`); they differ only in how the same bounds are written (`renews_on > D` against `renews_on >= D + 1`, segql's clock truncated to milliseconds), hence \"same plan: no\". segql's engine-clock SQL is longer (its date bounds are a CASE, below) and costs about 1 ms more to bind and fold (measured separately on a 1,000-row table): a fixed cost per statement, not per row.",
      "",
      "On this shared 2-core machine identical plans vary by up to ±15% between runs, so ratios within that band are noise. E2's differences: `email ends with` is `lower(email) LIKE …` plus a re-check with TRANSLATE only for values holding 'İ' or the Kelvin sign (lower() maps those two to ASCII letters), so ASCII-only case folding stays exact; `is_verified` is `= TRUE`.",
      "",
      "Hand-written SQL (segql's is in `test/fixtures/sql/*.snap` for the same operators):",
      "",
      "```sql",
      HAND_E1,
      "",
      HAND_E2,
      "```",
      "",
      "segql's E2 for DuckDB:",
      "",
      "```sql",
      compileSql(checkExpression(E2, schema), { dialect: "duckdb", form: "count", now: NOW }).sql,
      "```",
      "",
      "Hand-written zone-aware E3 (on the engine's clock; with now, `current_timestamp` is the literal instant) and segql's, for DuckDB:",
      "",
      "```sql",
      handE3("current_timestamp"),
      "",
      compileSql(e3, { dialect: "duckdb", form: "count", timeZone: ZONE }).sql,
      "```",
    ].join("\n");
  } finally {
    close();
  }
}
