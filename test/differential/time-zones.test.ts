/**
 * Differential tests in time zones: for random expressions (every operator, events, segment references,
 * one in three joined with a future form: within next, in N unit, N unit from now)
 * over random tables, evaluated in a random time zone at a `now` near one of that zone's DST changes or a
 * local month end, the predicate's membership must equal each engine's for the SQL `compileSql` writes
 * with that `timeZone` and `now` (inlined, parameterised, and the count and where forms for every fifth
 * expression). The zones: the five the issue names (Europe/Berlin, America/New_York, Asia/Kolkata,
 * Pacific/Chatham, Australia/Lord_Howe) most of the time, else any zone Intl knows.
 *
 * On engines with zone functions (DuckDB, PostgreSQL) every third expression also runs as engine-clock SQL
 * (no `now`; the dialect's clock swapped for a literal of `now`), so the engine converts in the zone
 * itself; those runs use zones whose rules are settled (the named five and a few more), since each engine
 * ships its own copy of the zone data.
 *
 * Data and literals draw from pools of the zone's edges at `now` (`N units ago` resolved in the zone, the
 * day's start, the DST changes near `now`, ±1 ms), so windows are hit exactly where zones make a difference.
 * `SEGQL_DIFF_TZ_RUNS` sets the expressions per engine (default 150; `.ci/run` may raise it), `SEGQL_DIFF_SEED`
 * replays a run. The PostgreSQL server and MariaDB run when PG_URL / MYSQL_URL are set.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { subtractUnits } from "../../src/checker/time.js";
import { fromWallClock, startOfDay, supportedZones, timeZone, wallDay, zoneTransitions, type TimeZone } from "../../src/checker/zone.js";
import type { TypedQuery } from "../../src/checker/typed-ast.js";
import { compileSql, DIALECTS } from "../../src/compiler/sql/index.js";
import type { TimeKind } from "../../src/compiler/sql/dialect.js";
import { SqlGenerator } from "../../src/compiler/sql/generator.js";
import { parseSchema, type Schema } from "../../src/schema/schema.js";
import { ENGINE_NAMES, unavailable, type Engine } from "../engines/index.js";
import { contactArb, eventsArb, exprArb, fieldText, RICH_SCHEMA_JSON, RICH_SEGMENTS, segmentFileText, type Pools, type Unit } from "../helpers/generators.js";
import { checkQuery, describeMismatches, enginesOpenedFirst, predicateKeys, prepareDataset, type Mismatch, type Mode, type PreparedDataset } from "./harness.js";

const RUNS = Math.max(1, Number(process.env["SEGQL_DIFF_TZ_RUNS"] ?? 150));
const SEED = process.env["SEGQL_DIFF_SEED"] ? Number(process.env["SEGQL_DIFF_SEED"]) : undefined;
const PER_BATCH = 10;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The zones the issue names: 1-hour DST north and south, a 30-minute zone, a 45-minute zone, 30-minute DST. */
export const NAMED_ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Australia/Lord_Howe"];
/** Zones whose rules are settled in every engine's zone data (for engine-clock runs). */
const SETTLED_ZONES = [...NAMED_ZONES, "Europe/London", "America/Los_Angeles", "Australia/Adelaide", "Asia/Tokyo", "UTC"];
const ALL_ZONES = supportedZones();

const rich: Schema = (() => {
  const json = JSON.parse(JSON.stringify(RICH_SCHEMA_JSON)) as { events: { properties: Record<string, { type: string }> } };
  json.events.properties["delivered_on"] = { type: "date" };
  return parseSchema(JSON.stringify(json));
})();
const segmentNames = RICH_SEGMENTS.map((s) => s.name);

const UNITS: { amount: number; unit: Unit }[] = [
  { amount: 1, unit: "day" }, { amount: 7, unit: "day" }, { amount: 30, unit: "day" }, { amount: 1, unit: "week" },
  { amount: 1, unit: "month" }, { amount: 3, unit: "month" }, { amount: 1, unit: "year" }, { amount: 90, unit: "minute" }, { amount: 24, unit: "hour" },
];

/** A zone: the named five three times in four, else any zone Intl knows. */
const zoneArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NAMED_ZONES) }, { weight: 1, arbitrary: fc.constantFrom(...(ALL_ZONES.length ? ALL_ZONES : NAMED_ZONES)) });

/** A `now` (epoch ms) near a DST change of the zone (2020-2030) or a local month end; any zone without changes gets month ends. */
function nowArb(zone: TimeZone): fc.Arbitrary<number> {
  const changes = zoneTransitions(zone, Date.UTC(2020, 0, 1), Date.UTC(2030, 0, 1)).map((t) => t.at);
  const nearChange = changes.length
    ? fc.tuple(fc.constantFrom(...changes), fc.constantFrom(0, -1, 1, -30 * MINUTE, 30 * MINUTE, -HOUR, HOUR, DAY, -DAY, 7 * DAY, 12 * HOUR)).map(([t, d]) => t + d)
    : null;
  const monthEnd = fc
    .tuple(fc.integer({ min: 2020, max: 2029 }), fc.integer({ min: 0, max: 11 }), fc.constantFrom("23:59:59.999", "12:00:00.000", "00:00:00.000", "00:30:00.000"), fc.boolean())
    .map(([y, m, time, last]) => {
      const day = last ? new Date(Date.UTC(y, m + 1, 0)).getUTCDate() : 1;
      return fromWallClock(Date.parse(`${String(y)}-${String(m + 1).padStart(2, "0")}-${String(day).padStart(2, "0")}T${time}Z`), zone);
    });
  return nearChange ? fc.oneof({ weight: 3, arbitrary: nearChange }, { weight: 2, arbitrary: monthEnd }) : monthEnd;
}

/** The zone's edges at `now`: relative times resolved there, day starts around now, nearby DST changes (each ±1 ms). */
function poolsFor(zone: TimeZone, now: number): Pools {
  const edges = new Set<number>([now]);
  for (const { amount, unit } of UNITS) edges.add(subtractUnits(now, amount, unit, zone)).add(subtractUnits(now, -amount, unit, zone));
  for (let d = -3; d <= 3; d++) edges.add(startOfDay(now + d * DAY, zone));
  // The local days around now and around each relative time, as the generators write dates (the UTC date
  // of a pooled instant): a date field's value then sits on the zone's day bounds.
  for (const t of [now, ...UNITS.map(({ amount, unit }) => subtractUnits(now, amount, unit, zone))]) {
    for (let d = -1; d <= 1; d++) edges.add(wallDay(t, zone) + d * DAY);
  }
  for (const t of zoneTransitions(zone, now - 40 * DAY, now + 40 * DAY)) edges.add(t.at);
  const instants: number[] = [];
  for (const e of edges) instants.push(e - 1, e, e + 1);
  return { units: UNITS, instants };
}

/**
 * A rule in a future form (the shared generators predate them): `within next`, `not within next`,
 * comparisons with `in N unit` / `N unit from now`, a window from the past into the future, and an event
 * window ending in the future.
 */
function futureRuleArb(schema: Schema): fc.Arbitrary<string> {
  const times = Object.values(schema.fields).filter((f) => f.type === "timestamp" || f.type === "date").map((f) => fieldText(f.name));
  const amount = fc.constantFrom(...UNITS);
  const word = ({ amount: n, unit }: { amount: number; unit: Unit }) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  const ahead = amount.chain((u) => fc.constantFrom(`in ${word(u)}`, `${word(u)} from now`));
  const field = fc.constantFrom(...times);
  return fc.oneof(
    fc.tuple(field, fc.constantFrom("within next", "not within next"), amount).map(([f, op, u]) => `${f} ${op} ${word(u)}`),
    fc.tuple(field, fc.constantFrom("<", "<=", ">", ">=", "=", "!=", "before", "after", "not after"), ahead).map(([f, op, v]) => `${f} ${op} ${v}`),
    fc.tuple(field, amount, ahead).map(([f, u, v]) => `${f} between ${word(u)} ago and ${v}`),
    fc.tuple(amount, ahead).map(([u, v]) => `performed "Purchase" between ${word(u)} ago and ${v}`),
  );
}

/** Random expressions, one in three joined with a rule in a future form. */
function exprWithFutureArb(schema: Schema, now: string, pools: Pools): fc.Arbitrary<string> {
  const base = exprArb(schema, now, { segments: segmentNames, pools });
  return fc.oneof(
    { weight: 2, arbitrary: base },
    { weight: 1, arbitrary: fc.tuple(base, futureRuleArb(schema), fc.constantFrom("and", "or", "and not")).map(([e, f, op]) => `(${e}) ${op} (${f})`) },
  );
}

interface Batch {
  zone: string;
  now: string;
  contacts: Record<string, unknown>[];
  events: Record<string, unknown>[];
  exprs: string[];
}

function batchArb(schema: Schema, allowNul: boolean, zones: fc.Arbitrary<string>): fc.Arbitrary<Batch> {
  return zones.chain((zoneName) => {
    const zone = timeZone(zoneName);
    return nowArb(zone).chain((nowMs) => {
      const now = new Date(nowMs).toISOString();
      const pools = poolsFor(zone, nowMs);
      return fc
        .record({
          contacts: fc
            .array(contactArb(schema, now, { allowNul, pools }), { minLength: 1, maxLength: 30, size: "max" })
            .map((cs) => cs.map((c, i) => ({ [schema.key]: `c${i}`, ...c }))),
          exprs: fc.array(exprWithFutureArb(schema, now, pools), { minLength: 1, maxLength: 2 * PER_BATCH, size: "max" }),
        })
        .chain(({ contacts, exprs }) =>
          eventsArb(schema, contacts.map((c) => String(c[schema.key])), now, { maxEventsPerContact: 5, allowNul, pools }).map((events) => ({ zone: zoneName, now, contacts, events, exprs })),
        );
    });
  });
}

/** The dialect of the engine with its clock reading `nowMs`: engine-clock SQL, converted in the zone by the engine. */
function clockFrozen(engine: Engine, nowMs: number) {
  const d = DIALECTS[engine.dialect];
  const gen = new SqlGenerator(d, rich, { params: false, now: null, outer: "contacts", view: null });
  return { ...d, time: { ...d.time, now: (kind: TimeKind) => d.time.instant(nowMs, kind, gen), today: (kind: TimeKind) => d.time.instant(Math.floor(nowMs / DAY) * DAY, kind, gen) } };
}

async function clockMismatch(engine: Engine, query: TypedQuery, expected: string[], nowMs: number, zone: string): Promise<Mismatch | null> {
  let sql = "";
  let params: unknown = [];
  try {
    const compiled = compileSql(query, { dialect: clockFrozen(engine, nowMs), timeZone: zone, pretty: false, params: true });
    sql = compiled.sql;
    params = compiled.params;
    const got = (await engine.keys(sql, compiled.params as unknown[])).sort();
    if (got.length === expected.length && got.every((k, i) => k === expected[i])) return null;
    return { engine: `${engine.name} (engine clock)`, mode: "params", sql, params, expected, got };
  } catch (e) {
    return { engine: `${engine.name} (engine clock)`, mode: "params", sql, params, expected, got: null, error: (e as Error).message };
  }
}

const modesFor = (i: number): Mode[] => (i % 5 === 0 ? ["inline", "params", "count", "where"] : ["inline", "params"]);

async function runZones(engine: Engine, runs: number, withClock: boolean): Promise<void> {
  let checked = 0;
  let clockChecked = 0;
  const zonesSeen = new Set<string>();
  const started = Date.now();
  let inFlight: Promise<unknown> = Promise.resolve();
  const property = async (batch: Batch) => {
    const ds: PreparedDataset = prepareDataset({ schema: rich, contacts: batch.contacts, events: batch.events });
    await engine.load(rich, ds.contacts, ds.events);
    zonesSeen.add(batch.zone);
    for (let i = 0; i < batch.exprs.length; i++) {
      const expr = batch.exprs[i]!;
      const text = segmentFileText(expr);
      const typed = checkExpression(text, rich, { segment: "Main" });
      const expected = predicateKeys(typed, ds, batch.now, batch.zone);
      const mismatches = await checkQuery(engine, typed, ds, expected, batch.now, { modes: modesFor(i), prettyModes: [], timeZone: batch.zone });
      if (withClock && i % 3 === 0 && SETTLED_ZONES.includes(batch.zone)) {
        const m = await clockMismatch(engine, typed, expected, Date.parse(batch.now), batch.zone);
        clockChecked++;
        if (m) mismatches.push(m);
      }
      checked++;
      if (mismatches.length > 0) throw new Error(describeMismatches(expr, batch.now, ds, mismatches, `time zone: ${batch.zone}; schema: rich; segment file: RICH_SEGMENTS + segment "Main" as <expression>`));
    }
  };
  const zones = withClock ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...SETTLED_ZONES) }, { weight: 1, arbitrary: zoneArb }) : zoneArb;
  try {
    await fc.assert(
      fc.asyncProperty(batchArb(rich, engine.storesNul, zones), (batch) => {
        const run = inFlight.then(() => property(batch));
        inFlight = run.catch(() => undefined);
        return run;
      }),
      { numRuns: Math.ceil(runs / PER_BATCH), ...(SEED !== undefined ? { seed: SEED } : {}), interruptAfterTimeLimit: 240_000 },
    );
  } finally {
    await inFlight;
  }
  console.log(`differential in time zones, ${engine.name}: ${checked} expressions (${clockChecked} also on the engine's clock) in ${zonesSeen.size} zones, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  expect(checked).toBeGreaterThan(0);
}

// The engines share nothing, so their suites run at the same time (see differential.test.ts).
const opened = enginesOpenedFirst(ENGINE_NAMES, { sqliteTimestampText: "mixed" });
for (const name of ENGINE_NAMES) {
  const reason = unavailable(name);
  describe.skipIf(reason !== null)(`differential in time zones: predicate = ${name}${reason ? ` (skipped: ${reason})` : ""}`, { concurrent: true }, () => {
    let engine: Engine;
    beforeAll(() => {
      engine = opened.get(name)!;
    });
    const clock = name === "duckdb" || name === "pglite" || name === "postgres-server";
    it.sequential(
      `${RUNS} random expressions in random zones, now near DST changes and month ends${clock ? ", also on the engine's clock" : ""}`,
      () => runZones(engine, RUNS, clock),
      300_000,
    );
  });
}
