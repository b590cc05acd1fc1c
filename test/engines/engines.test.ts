/**
 * The test engines themselves: documented physical types per dialect, UTC sessions, values round-tripping
 * exactly (boundary numbers, month-end and millisecond timestamps, quotes, backslashes, unicode, NUL
 * where storable), NULL vs empty list kept apart, parameterised queries, and bulk loads of thousands of rows.
 * Server-backed engines skip when PG_URL / MYSQL_URL are unset.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Schema } from "../../src/schema/schema.js";
import { ENGINE_NAMES, openEngine, unavailable, type Engine, type EngineName } from "./index.js";

const schema: Schema = {
  table: "contacts",
  key: "id",
  fields: {
    id: { name: "id", type: "string", column: "id" },
    name: { name: "name", type: "string", column: "name" },
    plan: { name: "plan", type: "enum", values: ["Pro", "Free"], column: "plan_type" },
    score: { name: "score", type: "number", column: "score" },
    active: { name: "active", type: "boolean", column: "active" },
    born: { name: "born", type: "date", column: "born" },
    seen: { name: "seen", type: "timestamp", column: "seen_at" },
    tags: { name: "tags", type: "list", column: "tags" },
  },
  events: {
    table: "events",
    contactKey: "contact_id",
    name: "event",
    time: "occurred_at",
    propertiesColumn: "properties",
    properties: {
      amount: { name: "amount", type: "number", column: "amount" },
      sku: { name: "sku", type: "string", column: "sku_col", ownColumn: true },
    },
  },
};

const NUL = "a\u0000b";
const strings = ["", "plain", "O'Brien", 'say "hi"', "back\\slash", "100%_done", "--;/* x */", "line\nbreak\ttab\r", "Ünïcødé ß ǅ 😀", "\u2028\u2029", "`tick`"];
const numbers = [0, -0, 1, -1, 0.1 + 0.2, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308, 9007199254740993, 1e21, 123.456];
const timestamps = ["2024-01-31T23:59:59.999Z", "2024-02-29T00:00:00.000Z", "2024-03-31T00:00:00.000Z", "1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2023-12-31T23:59:59.000Z", "2038-01-19T03:14:08.001Z", "2100-02-28T12:00:00.500Z"];
const dates = ["2024-02-29", "2023-02-28", "2024-12-31", "1970-01-01", "1900-03-01", "2099-12-31"];
const lists: (string[] | null)[] = [[], ["a"], ["x", "X", "O'Brien", "a,b", '"q"', "{}", "back\\", "NULL"], null];

function contacts(includeNul: boolean) {
  const n = Math.max(strings.length, numbers.length, timestamps.length, dates.length, lists.length) + 2;
  return Array.from({ length: n }, (_, i) => ({
    id: `c${String(i).padStart(3, "0")}`,
    name: i === n - 1 ? null : includeNul && i === n - 2 ? NUL : strings[i % strings.length]!,
    plan: i % 3 === 2 ? null : i % 2 ? "Pro" : "Free",
    score: i === n - 1 ? null : numbers[i % numbers.length]!,
    active: i % 3 === 2 ? null : i % 2 === 0,
    born: i === n - 1 ? null : dates[i % dates.length]!,
    seen: i === n - 1 ? null : timestamps[i % timestamps.length]!,
    tags: lists[i % lists.length]!,
  }));
}

const events = [
  { contact_id: "c000", event: "Purchase", occurred_at: "2024-01-31T23:59:59.999Z", properties: { amount: 10.5, sku: "A'1" } },
  { contact_id: "c000", event: "Purchase", occurred_at: "2024-02-29T00:00:00Z", properties: { amount: "12", extra: [1, { x: null }] } },
  { contact_id: "c001", event: "Refund", occurred_at: "2024-03-31T00:00:00Z", properties: {} },
  { contact_id: "c002", event: "Pur'chase", occurred_at: "2024-03-31T00:00:00Z", properties: { sku: "back\\slash" } },
];

/** Per dialect: SQL reading every column back in a canonical form (text / double / epoch ms / JSON text). */
function canonicalSelect(e: Engine): string {
  switch (e.dialect) {
    case "duckdb":
      return `SELECT id, name, plan_type, score, active, strftime(born, '%Y-%m-%d') AS born, epoch_ms(seen_at) AS seen, CAST(to_json(tags) AS VARCHAR) AS tags FROM contacts ORDER BY id`;
    case "postgres":
      return `SELECT id, name, plan_type, score, active, to_char(born, 'YYYY-MM-DD') AS born, round(extract(epoch FROM seen_at) * 1000)::float8 AS seen, to_jsonb(tags)::text AS tags FROM contacts ORDER BY id`;
    case "sqlite":
      return `SELECT id, name, plan_type, score, active, born, CAST(round((julianday(seen_at) - 2440587.5) * 86400000) AS INTEGER) AS seen, tags FROM contacts ORDER BY id`;
    case "mysql":
      return `SELECT id, name, plan_type, score, active, DATE_FORMAT(born, '%Y-%m-%d') AS born, TIMESTAMPDIFF(MICROSECOND, '1970-01-01', seen_at) DIV 1000 - (TIMESTAMPDIFF(MICROSECOND, '1970-01-01', seen_at) % 1000 < 0) AS seen, CAST(tags AS CHAR) AS tags FROM contacts ORDER BY id`;
  }
}

/** Per dialect: the declared type of every column of a table, lower case, with MySQL's collation. */
async function columnTypes(e: Engine, table: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (e.dialect === "duckdb") {
    for (const r of await e.rows(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${table}'`)) out[String(r["column_name"])] = String(r["data_type"]).toLowerCase();
  } else if (e.dialect === "postgres") {
    const rows = await e.rows(`SELECT a.attname AS c, format_type(a.atttypid, a.atttypmod) AS t FROM pg_attribute a WHERE a.attrelid = '${table}'::regclass AND a.attnum > 0 AND NOT a.attisdropped`);
    for (const r of rows) out[String(r["c"])] = String(r["t"]);
  } else if (e.dialect === "sqlite") {
    for (const r of await e.rows(`SELECT name, type FROM pragma_table_info('${table}')`)) out[String(r["name"])] = String(r["type"]).toLowerCase();
  } else {
    const rows = await e.rows(`SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t, COLLATION_NAME AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${table}'`);
    for (const r of rows) out[String(r["c"])] = `${String(r["t"]).toLowerCase()}${r["k"] ? ` ${String(r["k"])}` : ""}`;
  }
  return out;
}

const expectedTypes: Record<string, Record<string, string | RegExp>> = {
  duckdb: { id: "varchar", name: "varchar", plan_type: "varchar", score: "double", active: "boolean", born: "date", seen_at: "timestamp", tags: "varchar[]" },
  postgres: { id: "text", name: "text", plan_type: "text", score: "double precision", active: "boolean", born: "date", seen_at: "timestamp with time zone", tags: "text[]" },
  sqlite: { id: "text", name: "text", plan_type: "text", score: "real", active: "integer", born: "text", seen_at: "text", tags: "text" },
  // JSON is LONGTEXT with a JSON_VALID check on MariaDB (json on MySQL); text keeps the default _ci collation.
  mysql: { id: /^varchar\(191\) utf8mb4_\w+_ci$/, name: /^text utf8mb4_\w+_ci$/, plan_type: /^text utf8mb4_\w+_ci$/, score: "double", active: "tinyint(1)", born: "date", seen_at: "datetime(6)", tags: /^(longtext utf8mb4_bin|json)$/ },
};

const expectedEventTypes: Record<string, Record<string, string | RegExp>> = {
  duckdb: { contact_id: "varchar", event: "varchar", occurred_at: "timestamp", properties: "json", sku_col: "varchar" },
  postgres: { contact_id: "text", event: "text", occurred_at: "timestamp with time zone", properties: "jsonb", sku_col: "text" },
  sqlite: { contact_id: "text", event: "text", occurred_at: "text", properties: "text", sku_col: "text" },
  mysql: { contact_id: /^varchar\(191\) utf8mb4_\w+_ci$/, event: /^text utf8mb4_\w+_ci$/, occurred_at: "datetime(6)", properties: /^(longtext utf8mb4_bin|json)$/, sku_col: /^text utf8mb4_\w+_ci$/ },
};

function placeholder(e: Engine, i: number): string {
  return e.dialect === "postgres" || e.dialect === "duckdb" ? `$${i}` : "?";
}

for (const name of ENGINE_NAMES) {
  const reason = unavailable(name);
  describe.skipIf(reason !== null)(`engine ${name}${reason ? ` (skipped: ${reason})` : ""}`, () => {
    let e: Engine;
    beforeAll(async () => {
      e = await openEngine(name as EngineName);
    });
    afterAll(async () => {
      await e?.close();
    });

    it("creates the documented physical types", async () => {
      await e.load(schema, contacts(false), events);
      const got = await columnTypes(e, "contacts");
      for (const [col, want] of Object.entries(expectedTypes[e.dialect]!)) {
        if (typeof want === "string") expect(got[col], col).toBe(want);
        else expect(got[col], col).toMatch(want);
      }
      const ev = await columnTypes(e, "events");
      for (const [col, want] of Object.entries(expectedEventTypes[e.dialect]!)) {
        if (typeof want === "string") expect(ev[col], col).toBe(want);
        else expect(ev[col], col).toMatch(want);
      }
    });

    it("pins the session time zone to UTC", async () => {
      const sql = {
        duckdb: "SELECT current_setting('TimeZone') AS tz",
        postgres: "SELECT current_setting('TimeZone') AS tz",
        sqlite: "SELECT strftime('%H:%M', '2024-06-01T12:00:00Z') AS tz",
        mysql: "SELECT @@session.time_zone AS tz",
      }[e.dialect];
      const tz = String((await e.rows(sql))[0]!["tz"]);
      expect(["UTC", "Etc/UTC", "+00:00", "12:00"]).toContain(tz);
    });

    it("round-trips every value exactly (NULL and [] kept apart)", async () => {
      const rows = contacts(e.storesNul);
      await e.load(schema, rows, events);
      const got = await e.rows(canonicalSelect(e));
      expect(got.length).toBe(rows.length);
      got.forEach((g, i) => {
        const c = rows[i]!;
        const at = `${e.name} row ${c.id}`;
        expect(g["id"], at).toBe(c.id);
        expect(g["name"], at).toBe(c.name);
        expect(g["plan_type"], at).toBe(c.plan);
        if (c.score === null) expect(g["score"], at).toBeNull();
        else expect(Number(g["score"]) === c.score, `${at} score ${String(g["score"])} vs ${c.score}`).toBe(true); // === : -0 may come back as 0
        expect(g["active"] === null ? null : Boolean(g["active"]), at).toBe(c.active);
        expect(g["born"], at).toBe(c.born);
        expect(g["seen"] === null ? null : Number(g["seen"]), `${at} seen`).toBe(c.seen === null ? null : Date.parse(c.seen));
        expect(g["tags"] === null ? null : JSON.parse(String(g["tags"])), `${at} tags`).toEqual(c.tags);
      });
      const props = await e.rows(`SELECT contact_id, event, sku_col FROM events ORDER BY contact_id, occurred_at`);
      expect(props.map((p) => [p["contact_id"], p["event"], p["sku_col"]])).toEqual([
        ["c000", "Purchase", "A'1"],
        ["c000", "Purchase", null],
        ["c001", "Refund", null],
        ["c002", "Pur'chase", "back\\slash"],
      ]);
    });

    it("answers parameterised queries with bound values of every kind", async () => {
      await e.load(schema, contacts(false), events);
      for (const s of strings) {
        const want = contacts(false).filter((c) => c.name === s).map((c) => c.id);
        // MariaDB's default collation is case-insensitive: compare bytes so the engine itself is checked.
        const col = e.dialect === "mysql" ? "BINARY name" : "name";
        const got = await e.keys(`SELECT id FROM contacts WHERE ${col} = ${col === "name" ? placeholder(e, 1) : `BINARY ${placeholder(e, 1)}`} ORDER BY id`, [s]);
        expect(got, JSON.stringify(s)).toEqual(want);
      }
      const big = await e.keys(`SELECT id FROM contacts WHERE score > ${placeholder(e, 1)} ORDER BY id`, [1e300]);
      expect(big).toEqual(contacts(false).filter((c) => c.score !== null && c.score > 1e300).map((c) => c.id));
    });

    it.skipIf(name === "sqlite" || name === "mariadb")("honours the schema's storage overrides (TIMESTAMPTZ / timestamp, JSON / jsonb lists)", async () => {
      const storage = { seen: { duckdb: "TIMESTAMPTZ", postgres: "timestamp" }, tags: { duckdb: "JSON", postgres: "jsonb" } };
      const fields = Object.fromEntries(Object.entries(schema.fields).map(([k, f]) => [k, k in storage ? { ...f, storage: storage[k as keyof typeof storage] } : f]));
      const rows = contacts(false);
      await e.load({ ...schema, fields }, rows, []);
      const types = await columnTypes(e, "contacts");
      expect([types["seen_at"], types["tags"]]).toEqual(e.dialect === "duckdb" ? ["timestamp with time zone", "json"] : ["timestamp without time zone", "jsonb"]);
      const sql =
        e.dialect === "duckdb"
          ? "SELECT id, epoch_ms(seen_at) AS seen, CAST(tags AS VARCHAR) AS tags FROM contacts ORDER BY id"
          : "SELECT id, round(extract(epoch FROM seen_at) * 1000)::float8 AS seen, tags::text AS tags FROM contacts ORDER BY id";
      const got = await e.rows(sql);
      got.forEach((g, i) => {
        const c = rows[i]!;
        expect(g["seen"] === null ? null : Number(g["seen"]), `${c.id} seen`).toBe(c.seen === null ? null : Date.parse(c.seen));
        expect(g["tags"] === null ? null : JSON.parse(String(g["tags"])), `${c.id} tags`).toEqual(c.tags);
      });
    });

    it.skipIf(name === "pglite" || name === "postgres-server")("stores NUL in text where the engine can", async () => {
      await e.load(schema, [{ id: "n1", name: NUL }], []);
      const got = await e.rows("SELECT name FROM contacts");
      expect(got[0]!["name"]).toBe(NUL);
    });

    it.skipIf(name !== "pglite" && name !== "postgres-server")("rejects NUL in text (PostgreSQL cannot store it)", async () => {
      await expect(e.load(schema, [{ id: "n1", name: NUL }], [])).rejects.toThrow(/0x00|invalid byte sequence|null character/i);
    });

    it("bulk-loads thousands of contacts and events in batches", async () => {
      const many = Array.from({ length: 5000 }, (_, i) => ({ id: `k${i}`, name: `n${i % 7}`, score: i, active: i % 2 === 0, seen: 1704067200000 + i * 1000, tags: [`t${i % 3}`] }));
      const evs = Array.from({ length: 20000 }, (_, i) => ({ contact_id: `k${i % 5000}`, event: i % 4 ? "Purchase" : "Refund", occurred_at: 1704067200000 + i * 60000, properties: { amount: i / 10 } }));
      await e.load(schema, many, evs);
      expect(await e.keys("SELECT COUNT(*) FROM contacts")).toEqual(["5000"]);
      expect(await e.keys("SELECT COUNT(*) FROM events")).toEqual(["20000"]);
    });
  });
}
