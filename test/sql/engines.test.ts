/**
 * The SQL compiler's engine facts, executed (DuckDB, PGlite and SQLite always; the PostgreSQL server and
 * MariaDB when PG_URL / MYSQL_URL are set, as in .ci/run):
 * - every injection payload, inlined as a literal, reads back as exactly that string;
 * - ASCII-only case folding: contains / starts with / ends with agree with the predicate on strings
 *   built to break Unicode-aware LOWER (É, ß, İ, the Kelvin sign, %, _, \);
 * - calendar arithmetic in SQL (`now − N unit` without --now) equals the checker's subtractUnits at
 *   month ends, leap days and year ends, for each dialect's timestamp kinds;
 * - without --now (the engine's clock): random expressions agree with the predicate when the clock is
 *   replaced by the case's instant (the SQL text for `now`/`today` is the dialect's, swapped for a literal).
 * The full differential suite (random data, every operator, 1,000+ cases per engine in CI) is test/differential.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { subtractUnits, startOfUtcDay } from "../../src/checker/time.js";
import type { TimeUnit } from "../../src/checker/typed-ast.js";
import { compileSql, DIALECTS } from "../../src/compiler/sql/index.js";
import type { TimeKind } from "../../src/compiler/sql/dialect.js";
import { SqlGenerator } from "../../src/compiler/sql/generator.js";
import { duckJsonText } from "../../src/compiler/sql/dialects/duckdb.js";
import { parseSchema, type Schema } from "../../src/schema/schema.js";
import { ENGINE_NAMES, openEngine, unavailable, type Engine, type EngineName } from "../engines/index.js";
import { toCell } from "../engines/types.js";
import { eventsByKey, quoteString, richSchema, sampleCases } from "../helpers/generators.js";
import { PAYLOADS } from "../helpers/sql-payloads.js";

const schema = parseSchema(JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, email: { type: "string" } } }));

const FOLD_STRINGS = [
  "", "abc", "ABC", "aBc", "xABCx", "É", "é", "Éa", "ÉA", "ß", "SS", "ss", "straße", "STRASSE", "İ", "i", "I", "ı", "İstanbul", "istanbul",
  "\u212A", "k", "K", "\u212Aelvin", "kelvin", "KELVIN", "%", "_", "\\", "a%b", "a_b", "axb", "a\\b", "100%", "1000", "Gmail", "X@GMAIL.COM",
  "x@gmail.com", "x@gmaİl.com", "x@\u212Amail.com", "Ω", "ω", "ǅ", "ǆ", "😀", "😀A", "a😀", " padded ", "'quote'", "tab\t", "line\nbreak",
];
const NEEDLES = ["a", "A", "b", "abc", "ab", "\u0000", "k", "É", "é", "ß", "ss", "i", "I", "İ", "k", "K", "\u212A", "%", "_", "\\", "a%", "%b", "a_b", "x@gmail.com", "GMAIL", "ki", "😀", "e", "st", " "];
const OPS = ["contains", "starts with", "ends with", "not contains", "not starts with", "not ends with"];

const MONTH_END_NOWS = ["2024-03-31T12:00:00.000Z", "2024-02-29T00:00:00.000Z", "2023-12-31T23:59:59.999Z", "2024-01-31T00:00:00.001Z", "2025-05-31T18:30:00.000Z"];
const AMOUNTS: [number, TimeUnit][] = [
  [1, "minute"], [90, "minute"], [1, "hour"], [36, "hour"], [1, "day"], [30, "day"], [1, "week"], [2, "week"],
  [1, "month"], [2, "month"], [3, "month"], [13, "month"], [1, "year"], [4, "year"],
];

for (const name of ENGINE_NAMES) {
  const reason = unavailable(name);
  describe.skipIf(reason !== null)(`${name}${reason ? ` (skipped: ${reason})` : ""}`, () => {
    let e: Engine;
    beforeAll(async () => {
      e = await openEngine(name as EngineName, { sqliteTimestampText: "mixed" });
    });
    afterAll(async () => {
      await e?.close();
    });

    it("inlined literals read back as exactly the value", async () => {
      const d = DIALECTS[e.dialect];
      for (const p of PAYLOADS) {
        if (!d.textHoldsNul && p.includes("\u0000")) continue;
        const rows = await e.rows(`SELECT ${d.stringLiteral(p)} AS v`);
        expect(rows[0]!["v"], JSON.stringify(p)).toBe(p);
      }
    });

    it.runIf(name === "duckdb")("DuckDB's json_extract writes strings as duckJsonText does (string property equality relies on it)", async () => {
      const strings = [...PAYLOADS, ...FOLD_STRINGS, ...Array.from({ length: 128 }, (_, c) => `x${String.fromCharCode(c)}y`), "\\u00ab", "\\\u001b"];
      for (const s of strings) {
        for (const doc of [JSON.stringify({ k: s }), `{"k":"${[...s].map((ch) => (ch.codePointAt(0)! > 0xffff ? ch : `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`)).join("")}"}`]) {
          const sql = `SELECT CAST(json_extract(CAST(${DIALECTS.duckdb.stringLiteral(doc)} AS JSON), '$.k') AS VARCHAR) AS t`;
          expect((await e.rows(sql))[0]!["t"], `${JSON.stringify(s)} from ${doc}`).toBe(duckJsonText(s));
        }
      }
    });

    it("contains / starts with / ends with fold ASCII only, with %, _ and \\ literal", async () => {
      // NUL inside text (where the engine stores it): SQLite's LIKE stops there, so the SQL must not use it.
      const strings = e.storesNul ? [...FOLD_STRINGS, "a\u0000b", "\u0000AB", "x\u0000%", "İ\u0000k"] : FOLD_STRINGS;
      const contacts = strings.map((email, i) => ({ id: `c${i}`, email: email === "" && i % 2 ? null : email }));
      contacts.push({ id: "cnull", email: null });
      await e.load(schema, contacts);
      const mismatches: string[] = [];
      for (const op of OPS) {
        for (const needle of NEEDLES) {
          const query = checkExpression(`email ${op} ${quoteString(needle)}`, schema);
          const predicate = compilePredicate(query);
          const want = contacts.filter((c) => predicate(c)).map((c) => c.id).sort();
          for (const params of [false, true]) {
            const { sql, params: values } = compileSql(query, { dialect: e.dialect, params });
            const got = (await e.keys(sql, values as unknown[])).sort();
            if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`email ${op} ${JSON.stringify(needle)} (params ${params}): want ${want}, got ${got}\n${sql}`);
          }
        }
      }
      expect(mismatches).toEqual([]);
    });

    it.runIf(name === "mariadb")("inlined SQL means the same when sql_mode has NO_BACKSLASH_ESCAPES", async () => {
      const contacts = PAYLOADS.map((email, i) => ({ id: `p${i}`, email }));
      await e.load(schema, contacts);
      const tests = PAYLOADS.flatMap((p) => [`email = ${quoteString(p)}`, `email contains ${quoteString(p)}`, `email not ends with ${quoteString(p)}`]);
      const mismatches: string[] = [];
      for (const mode of ["default", "NO_BACKSLASH_ESCAPES"]) {
        await e.exec(mode === "default" ? "SET SESSION sql_mode = DEFAULT" : "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')");
        for (const p of PAYLOADS) {
          const rows = await e.rows(`SELECT ${DIALECTS.mysql.stringLiteral(p)} AS v`);
          if (rows[0]!["v"] !== p) mismatches.push(`${mode}: literal of ${JSON.stringify(p)} read back as ${JSON.stringify(rows[0]!["v"])}`);
        }
        for (const text of tests) {
          const query = checkExpression(text, schema);
          const predicate = compilePredicate(query);
          const want = contacts.filter((c) => predicate(c)).map((c) => c.id).sort();
          const { sql } = compileSql(query, { dialect: "mysql" });
          const got = (await e.keys(sql, [])).sort();
          if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${mode}: ${text}: want ${want}, got ${got}\n${sql}`);
        }
      }
      await e.exec("SET SESSION sql_mode = DEFAULT");
      expect(mismatches).toEqual([]);
    });

    it("now − N units in SQL equals the calendar arithmetic of the predicate (months clamp)", async () => {
      const d = DIALECTS[e.dialect];
      const kinds = (["instant", "naive", "text"] as TimeKind[]).filter((k) => canRun(e, k));
      const gen = new SqlGenerator(d, schema, { params: false, now: null, outer: "contacts", view: null });
      const failures: string[] = [];
      for (const kind of kinds) {
        for (const now of MONTH_END_NOWS) {
          const nowMs = Date.parse(now);
          for (const [amount, unit] of AMOUNTS) {
            const sql = d.time.minus(d.time.instant(nowMs, kind, gen), String(amount), unit, kind);
            const want = d.time.instant(subtractUnits(nowMs, amount, unit), kind, gen);
            const rows = await e.rows(`SELECT CASE WHEN ${sql} = ${want} THEN 1 ELSE 0 END AS ok, ${sql} AS got`);
            if (Number(rows[0]!["ok"]) !== 1) failures.push(`${kind} ${now} − ${amount} ${unit}: want ${new Date(subtractUnits(nowMs, amount, unit)).toISOString()}, got ${String(rows[0]!["got"])}`);
          }
        }
      }
      expect(failures).toEqual([]);
    });

    it("the clock expressions: now has millisecond precision and today is its UTC midnight", async () => {
      const d = DIALECTS[e.dialect];
      const gen = new SqlGenerator(d, schema, { params: false, now: null, outer: "contacts", view: null });
      for (const kind of (["instant", "naive", "text"] as TimeKind[]).filter((k) => canRun(e, k))) {
        const before = Date.now() - 1000;
        const after = Date.now() + 60_000;
        const sql =
          `SELECT CASE WHEN ${d.time.now(kind)} BETWEEN ${d.time.instant(before, kind, gen)} AND ${d.time.instant(after, kind, gen)} THEN 1 ELSE 0 END AS recent, ` +
          `CASE WHEN ${d.time.today(kind)} IN (${d.time.instant(startOfUtcDay(before), kind, gen)}, ${d.time.instant(startOfUtcDay(after), kind, gen)}) THEN 1 ELSE 0 END AS midnight`;
        const rows = await e.rows(sql);
        expect(Number(rows[0]!["recent"]), `${kind}: ${sql}`).toBe(1);
        expect(Number(rows[0]!["midnight"]), `${kind}: ${sql}`).toBe(1);
      }
    });

    it("without --now, random expressions agree with the predicate (clock swapped for the case's instant)", async () => {
      const d = DIALECTS[e.dialect];
      const failures: string[] = [];
      for (const c of sampleCases(Number(process.env["SEGQL_SQL_SEED"] ?? 20260101), Number(process.env["SEGQL_SQL_CLOCK_RUNS"] ?? 30), richSchema)) {
        typedOwnColumns(c.schema, c.events);
        const query = checkExpression(c.text, c.schema, c.segment ? { segment: c.segment } : {});
        const predicate = compilePredicate(query, { now: c.now });
        const byKey = eventsByKey(c.schema, c.events);
        const want = c.contacts.filter((ct) => predicate(ct, byKey.get(String(ct[c.schema.key])) ?? [])).map((ct) => String(ct[c.schema.key])).sort();
        await e.load(c.schema, c.contacts, c.events);
        for (const params of [false, true]) {
          const compiled = compileSql(query, { dialect: e.dialect, params, pretty: false });
          const sql = freezeClock(e, compiled.sql, Date.parse(c.now));
          let got: string[];
          try {
            got = (await e.keys(sql, compiled.params as unknown[])).sort();
          } catch (err) {
            failures.push(`${c.text} (now ${c.now}, params ${params}): ${(err as Error).message}\n${sql}`);
            continue;
          }
          if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${c.text} (now ${c.now}, params ${params}): want ${want}, got ${got}\n${sql}`);
        }
        expect(d).toBeDefined();
      }
      expect(failures).toEqual([]);
    });
  });
}

/**
 * Own-column event properties are typed columns: the loaders refuse a mistyped value there (only the JSON
 * properties column can hold one), so such values become NULL.
 */
function typedOwnColumns(s: Schema, events: Record<string, unknown>[]): void {
  const own = Object.values(s.events?.properties ?? {}).filter((p) => p.ownColumn);
  for (const e of events) {
    for (const p of own) {
      try {
        toCell(p.type, e[p.column], "");
      } catch {
        e[p.column] = null;
      }
    }
  }
}

/** Timestamp kinds this engine's dialect has (SQLite: text only; MySQL: naive only). */
function canRun(e: Engine, kind: TimeKind): boolean {
  if (e.dialect === "sqlite") return kind === "text";
  if (e.dialect === "mysql") return kind === "naive";
  return kind !== "text";
}

/** Replaces the dialect's clock expressions (longest first: `today` contains `now`) with literals for `nowMs`. */
function freezeClock(e: Engine, sql: string, nowMs: number): string {
  const d = DIALECTS[e.dialect];
  const gen = new SqlGenerator(d, richSchema, { params: false, now: null, outer: "contacts", view: null });
  const swaps: [string, string][] = [];
  for (const kind of ["instant", "naive", "text"] as TimeKind[]) {
    if (!canRun(e, kind)) continue;
    swaps.push([d.time.today(kind), d.time.instant(startOfUtcDay(nowMs), kind, gen)], [d.time.now(kind), d.time.instant(nowMs, kind, gen)]);
  }
  swaps.sort((a, b) => b[0].length - a[0].length);
  let out = sql;
  for (const [from, to] of swaps) out = out.split(from).join(to);
  return out;
}
