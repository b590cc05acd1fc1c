/**
 * Time zones in the SQL compiler:
 * - the engines' zone functions follow src/checker/zone.ts's rule (a skipped wall-clock time read with the
 *   offset before the change, a repeated one as the later instant), checked at every DST change of
 *   2023-2026 of zones with 1-hour, 30-minute and 45-minute changes, gaps over midnight and repeated
 *   midnights (DuckDB, PGlite; the PostgreSQL server when PG_URL is set);
 * - engine-clock SQL in a zone (no `now`) gives the predicate's answer when the clock reads `now` (the
 *   dialect's `now` swapped for a literal), for `now`s at DST changes and month ends, on timestamp and
 *   date columns (default storage and the TIMESTAMPTZ / timestamp overrides), and with `now`;
 * - SQLite and MySQL refuse (clearly) what needs the engine to know the zone, and compile everything
 *   with `now`;
 * - a zone of UTC compiles to exactly the SQL of no zone; options, schema default and bad names.
 * The random version (every operator, random zones and data) is test/differential/time-zones.test.ts.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { resolveTime } from "../../src/checker/time.js";
import { fromWallClock, startOfDay, timeZone, wallClock, zoneTransitions } from "../../src/checker/zone.js";
import { compileSql, DIALECTS, SqlCompileError, type Dialect, type DialectName } from "../../src/compiler/sql/index.js";
import type { TimeKind } from "../../src/compiler/sql/dialect.js";
import { SqlGenerator } from "../../src/compiler/sql/generator.js";
import { parseSchema, type Schema } from "../../src/schema/schema.js";
import { ENGINE_NAMES, unavailable, type Engine, type EngineName } from "../engines/index.js";
import { enginesOpenedFirst } from "../differential/harness.js";
import { exprArb, richSchema } from "../helpers/generators.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const at = (iso: string) => Date.parse(iso);

/** Zones whose DST changes are checked: 1 hour (north and south), 30 minutes, 45 minutes, over midnight. */
const ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "America/Santiago", "America/Havana", "Australia/Adelaide", "Europe/London"];

const SCHEMA_JSON = {
  table: "contacts",
  key: "id",
  fields: { id: { type: "string" }, seen_at: { type: "timestamp" }, birthday: { type: "date" } },
  events: { table: "events", contact_key: "contact_id", name: "event", time: "occurred_at", properties: { due_on: { type: "date" }, due_at: { type: "timestamp" } } },
};
const schema: Schema = parseSchema(JSON.stringify(SCHEMA_JSON));
/** The same with the other timestamp storage of DuckDB (TIMESTAMPTZ) and PostgreSQL (timestamp holding UTC). */
const overridden: Schema = (() => {
  const json = JSON.parse(JSON.stringify(SCHEMA_JSON)) as typeof SCHEMA_JSON & { fields: { seen_at: { storage?: object } }; events: { storage?: object } };
  json.fields.seen_at.storage = { duckdb: "TIMESTAMPTZ", postgres: "timestamp" };
  json.events.storage = { duckdb: "TIMESTAMPTZ", postgres: "timestamp" };
  return parseSchema(JSON.stringify(json));
})();

/** Expressions whose times the engine computes from its clock in the zone (without `now`). */
const CLOCK_EXPRESSIONS = [
  "seen_at >= today",
  "seen_at < today",
  "birthday = today",
  "birthday != today",
  "birthday < today",
  "birthday >= 1 day ago",
  "birthday > 1 day ago",
  "birthday <= now",
  "birthday < now",
  "birthday = 2 days ago",
  "birthday within last 7 days",
  "birthday not within last 1 month",
  "birthday between 1 week ago and today",
  "seen_at within last 1 day",
  "seen_at within last 2 weeks",
  "seen_at within last 1 month",
  "seen_at not within last 1 year",
  "seen_at after 3 days ago",
  "seen_at within last 90 minutes",
  "seen_at before 25 hours ago",
  'performed "Visit" within last 1 day',
  'performed "Visit" within last 1 month where due_on >= today',
  'performed "Visit" where due_at > 2 days ago and due_on < 1 day ago',
  'performed "Visit" with last time after today',
  "seen_at = 2024-03-31T02:30 or birthday = 2024-10-27",
  "seen_at within next 1 day",
  "seen_at not within next 1 month",
  "birthday within next 7 days",
  "birthday not within next 2 weeks",
  "seen_at < in 3 days",
  "birthday <= 1 year from now",
  "seen_at between 1 day ago and in 1 day",
  "seen_at > 90 minutes from now",
];

/**
 * `now`s for a zone: at each DST change of 2024 (the instant, 1 ms before, an hour either side, a day
 * after), the last and first millisecond of local days there, and local month ends.
 */
function nowsFor(zone: string): number[] {
  const z = timeZone(zone);
  const out: number[] = [];
  for (const t of zoneTransitions(z, at("2024-01-01T00:00:00Z"), at("2025-01-01T00:00:00Z"))) {
    out.push(t.at, t.at - 1, t.at - HOUR, t.at + HOUR, t.at + DAY, startOfDay(t.at, z) - 1, startOfDay(t.at + DAY, z));
  }
  for (const local of ["2024-03-31T23:59:59.999", "2024-02-29T12:00:00.000", "2024-01-01T00:00:00.000", "2024-05-31T00:30:00.000"]) {
    out.push(fromWallClock(Date.parse(`${local}Z`), z));
  }
  return out;
}

/** Contacts whose times sit on the edges the expressions draw in the zone at `now` (±1 ms, local days around now). */
function edgeData(zone: string, now: number): { contacts: Record<string, unknown>[]; events: Record<string, unknown>[] } {
  const z = timeZone(zone);
  const instants = new Set<number>([now, now - 1, now + 1]);
  const values = [{ kind: "today" }, ...[[1, "day"], [2, "day"], [3, "day"], [7, "day"], [1, "week"], [2, "week"], [1, "month"], [1, "year"], [90, "minute"], [25, "hour"]].map(([amount, unit]) => ({ kind: "relative", amount, unit }))] as const;
  for (const v of values) {
    for (const sign of [1, -1]) {
      const ms = resolveTime((v.kind === "relative" ? { ...v, amount: sign * (v.amount as number) } : v) as never, now, z);
      instants.add(ms).add(ms - 1).add(ms + 1);
    }
  }
  instants.add(fromWallClock(at("2024-03-31T02:30:00Z"), z));
  const days = new Set<string>();
  for (let d = -40; d <= 40; d++) days.add(new Date(Math.floor((wallClock(now, z) + d * DAY) / DAY) * DAY).toISOString().slice(0, 10));
  days.add("2024-10-27");
  const list = [...instants].sort((a, b) => a - b);
  const dayList = [...days].sort();
  const contacts: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  const n = Math.max(list.length, dayList.length);
  for (let i = 0; i < n; i++) {
    const id = `c${i}`;
    const seen = list[i % list.length]!;
    const day = dayList[i % dayList.length]!;
    contacts.push({ id, seen_at: new Date(seen).toISOString(), birthday: i === 0 ? null : day });
    events.push({ contact_id: id, event: "Visit", occurred_at: new Date(list[(i * 7) % list.length]!).toISOString(), properties: { due_on: day, due_at: new Date(seen).toISOString() } });
  }
  return { contacts, events };
}

/** The dialect with its clock reading `nowMs` (a literal where the engine's current time would be). */
function frozenDialect(name: DialectName, nowMs: number, s: Schema): Dialect {
  const d = DIALECTS[name];
  const gen = new SqlGenerator(d, s, { params: false, now: null, outer: "contacts", view: null });
  return {
    ...d,
    time: {
      ...d.time,
      now: (kind: TimeKind) => d.time.instant(nowMs, kind, gen),
      today: (kind: TimeKind) => d.time.instant(Math.floor(nowMs / DAY) * DAY, kind, gen),
    },
  };
}

const sorted = (keys: string[]) => [...keys].sort();

// Each engine's suite works on an engine of its own (PostgreSQL server: a schema of its own), so the
// suites below run at the same time, each its tests in order: the server and DuckDB answer outside this
// thread while the predicate and PGlite use it.
const EXEC_ENGINES: EngineName[] = ["duckdb", "pglite", "postgres-server"];
const zoneEngines = enginesOpenedFirst(EXEC_ENGINES);
for (const name of EXEC_ENGINES) {
  const reason = unavailable(name);
  describe.skipIf(reason !== null)(`time zones on ${name}${reason ? ` (skipped: ${reason})` : ""}`, { concurrent: true }, () => {
    let e: Engine;
    beforeAll(() => {
      e = zoneEngines.get(name)!;
    });

    it.sequential("the engine's zone functions follow zone.ts at every DST change of 2023-2026 (spring forward, fall back, 30- and 45-minute changes, midnight gaps)", async () => {
      const d = DIALECTS[e.dialect];
      const z = d.time.zone!;
      const gen = new SqlGenerator(d, schema, { params: false, now: null, outer: "contacts", view: null });
      const failures: string[] = [];
      for (const zoneName of ZONES) {
        const zone = timeZone(zoneName);
        const zoneSql = d.stringLiteral(zoneName);
        const checks: { label: string; sql: string }[] = [];
        for (const t of zoneTransitions(zone, at("2023-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"))) {
          const wallAt = t.at + t.offsetBefore;
          for (let m = -90; m <= 90; m += 15) {
            const w = wallAt + m * MINUTE;
            for (const kind of ["instant", "naive"] as TimeKind[]) {
              const got = z.fromWall(d.time.instant(w, "naive", gen), kind, zoneSql);
              checks.push({ label: `${zoneName} fromWall ${new Date(w).toISOString().slice(0, 16)} (${kind})`, sql: `${got} = ${d.time.instant(fromWallClock(w, zone), kind, gen)}` });
            }
            const instant = t.at + m * MINUTE;
            for (const kind of ["instant", "naive"] as TimeKind[]) {
              const wall = z.toWall(d.time.instant(instant, kind, gen), kind, zoneSql);
              checks.push({ label: `${zoneName} toWall ${new Date(instant).toISOString()} (${kind})`, sql: `${wall} = ${d.time.instant(wallClock(instant, zone), "naive", gen)}` });
            }
          }
        }
        expect(checks.length).toBeGreaterThan(0);
        const sql = checks.map((c, i) => `SELECT ${i} AS i, CASE WHEN ${c.sql} THEN 1 ELSE 0 END AS ok`).join(" UNION ALL ");
        for (const row of await e.rows(sql)) if (Number(row["ok"]) !== 1) failures.push(checks[Number(row["i"])]!.label);
      }
      expect(failures).toEqual([]);
    });

    for (const [label, s] of [["default storage", schema], ["TIMESTAMPTZ / timestamp storage", overridden]] as const) {
      it.sequential(`engine-clock SQL in a zone equals the predicate at DST changes and month ends (${label})`, async () => {
        const failures: string[] = [];
        let checked = 0;
        for (const zoneName of ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata"]) {
          for (const now of nowsFor(zoneName).filter((_, i) => i % 2 === (s === schema ? 0 : 1))) {
            const { contacts, events } = edgeData(zoneName, now);
            await e.load(s, contacts, events);
            const byKey = new Map<string, Record<string, unknown>[]>();
            for (const ev of events) byKey.set(String(ev["contact_id"]), [...(byKey.get(String(ev["contact_id"])) ?? []), ev]);
            for (const text of CLOCK_EXPRESSIONS) {
              const query = checkExpression(text, s);
              const pred = compilePredicate(query, { now, timeZone: zoneName });
              const want = sorted(contacts.filter((c) => pred(c, byKey.get(String(c["id"])) ?? [])).map((c) => String(c["id"])));
              for (const variant of ["clock", "now"] as const) {
                const compiled =
                  variant === "clock"
                    ? compileSql(query, { dialect: frozenDialect(e.dialect, now, s), timeZone: zoneName, pretty: false })
                    : compileSql(query, { dialect: e.dialect, timeZone: zoneName, now, pretty: false, params: true });
                const got = sorted(await e.keys(compiled.sql, compiled.params as unknown[]));
                checked++;
                if (JSON.stringify(got) !== JSON.stringify(want)) {
                  failures.push(`${zoneName} now ${new Date(now).toISOString()} ${variant}: ${text}\n  want ${want}\n  got  ${got}\n  ${compiled.sql}`);
                }
              }
            }
            if (failures.length > 3) break;
          }
        }
        expect(failures).toEqual([]);
        expect(checked).toBeGreaterThan(500);
      }, 240_000);
    }
  });
}

/** Future forms from the engine's clock in UTC: every engine adds (months clamped) as the predicate does. */
const FUTURE_EXPRESSIONS = CLOCK_EXPRESSIONS.filter((t) => /next|from now|\bin \d/.test(t));
const futureEngines = enginesOpenedFirst(ENGINE_NAMES, { sqliteTimestampText: "mixed" });
for (const name of ENGINE_NAMES) {
  const reason = unavailable(name);
  describe.skipIf(reason !== null)(`future times on ${name}${reason ? ` (skipped: ${reason})` : ""}`, { concurrent: true }, () => {
    let e: Engine;
    beforeAll(() => {
      e = futureEngines.get(name)!;
    });
    it.sequential("engine-clock SQL of within next / in N units / N units from now equals the predicate in UTC (month ends, leap days)", async () => {
      const failures: string[] = [];
      for (const nowIso of ["2024-01-31T12:00:00.000Z", "2024-02-29T23:59:59.999Z", "2023-12-31T00:00:00.000Z", "2024-03-31T01:30:00.000Z"]) {
        const now = Date.parse(nowIso);
        const { contacts, events } = edgeData("UTC", now);
        await e.load(schema, contacts, events);
        for (const text of FUTURE_EXPRESSIONS) {
          const query = checkExpression(text, schema);
          const pred = compilePredicate(query, { now });
          const want = sorted(contacts.filter((c) => pred(c, [])).map((c) => String(c["id"])));
          for (const params of [false, true]) {
            const compiled = compileSql(query, { dialect: frozenDialect(e.dialect, now, schema), pretty: false, params });
            const got = sorted(await e.keys(compiled.sql, compiled.params as unknown[]));
            if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${nowIso} ${text} (params ${params})\n  want ${want}\n  got  ${got}\n  ${compiled.sql}`);
          }
        }
      }
      expect(failures).toEqual([]);
      expect(FUTURE_EXPRESSIONS.length).toBeGreaterThan(5);
    });
  });
}

describe("dialects without zone functions", () => {
  const query = (text: string) => checkExpression(text, schema);
  for (const dialect of ["sqlite", "mysql"] as const) {
    it(`${dialect}: a time that needs the zone from the engine's clock is refused, saying to give now`, () => {
      for (const text of ["seen_at >= today", "seen_at within last 2 days", "birthday = today", "birthday <= now", "birthday > 30 minutes ago", 'performed "Visit" within last 1 month']) {
        expect(() => compileSql(query(text), { dialect, timeZone: "Europe/Berlin" }), text).toThrow(SqlCompileError);
        expect(() => compileSql(query(text), { dialect, timeZone: "Europe/Berlin" }), text).toThrow(/in Europe\/Berlin needs the time zone's offsets, and .*: give 'now' \(--now\)/);
      }
    });

    it(`${dialect}: minutes, hours and now on timestamps need no zone; everything compiles with now`, () => {
      for (const text of ["seen_at within last 90 minutes", "seen_at before 2 hours ago", "seen_at <= now", "seen_at = 2024-03-31T02:30"]) {
        expect(() => compileSql(query(text), { dialect, timeZone: "Europe/Berlin" }), text).not.toThrow();
      }
      for (const text of CLOCK_EXPRESSIONS) {
        expect(() => compileSql(query(text), { dialect, timeZone: "Pacific/Chatham", now: "2024-04-07T00:00:00Z" }), text).not.toThrow();
      }
    });
  }
});

describe("options", () => {
  it("a zone of UTC (or none) compiles to exactly the SQL of no zone, on every dialect (random expressions)", () => {
    fc.assert(
      fc.property(exprArb(richSchema, "2024-03-31T12:00:00.000Z"), fc.constantFrom(...(Object.keys(DIALECTS) as DialectName[])), fc.boolean(), (text, dialect, withNow) => {
        const q = checkExpression(text, richSchema);
        const base = { dialect, pretty: false, ...(withNow ? { now: "2024-03-31T12:00:00.000Z" } : {}) };
        const plain = compileSql(q, base);
        expect(compileSql(q, { ...base, timeZone: "UTC" })).toEqual(plain);
        expect(compileSql(q, { ...base, timeZone: "Etc/UTC" })).toEqual(plain);
      }),
      { numRuns: 150 },
    );
  });

  it("the schema's timeZone is the default; the option wins; a bad name is a SqlCompileError", () => {
    const zoned = parseSchema(JSON.stringify({ ...SCHEMA_JSON, timeZone: "Asia/Kolkata" }));
    const now = "2024-06-01T20:00:00Z";
    const sql = (s: Schema, timeZone?: string) => compileSql(checkExpression("seen_at >= today", s), { dialect: "duckdb", now, ...(timeZone ? { timeZone } : {}) }).sql;
    expect(sql(zoned)).toContain("2024-06-01 18:30:00.000"); // Kolkata's day began at 18:30 UTC
    expect(sql(schema, "Asia/Kolkata")).toContain("2024-06-01 18:30:00.000");
    expect(sql(zoned, "UTC")).toContain("2024-06-01 00:00:00.000");
    expect(sql(schema)).toContain("2024-06-01 00:00:00.000");
    expect(() => sql(schema, "Europe/Berln")).toThrow(SqlCompileError);
    expect(() => sql(schema, "Europe/Berln")).toThrow(/unknown time zone 'Europe\/Berln'/);
  });

  it("a now written without an offset is wall-clock time in the zone", () => {
    const q = checkExpression("seen_at >= today", schema);
    const a = compileSql(q, { dialect: "postgres", timeZone: "America/New_York", now: "2024-03-10T23:00" }).sql;
    expect(a).toContain("2024-03-10 05:00:00.000+00"); // midnight EST of 10 March
    expect(compileSql(q, { dialect: "postgres", timeZone: "America/New_York", now: "2024-03-11T03:30:00Z" }).sql).toBe(a);
  });

  it("the zone name is written as a string literal of the dialect", () => {
    const q = checkExpression("seen_at >= today", schema);
    for (const dialect of ["duckdb", "postgres", "bigquery", "snowflake"] as const) {
      expect(compileSql(q, { dialect, timeZone: "Pacific/Chatham", pretty: false }).sql).toContain("'Pacific/Chatham'");
    }
  });
});
