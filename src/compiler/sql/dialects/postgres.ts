/**
 * PostgreSQL (tested on PostgreSQL 15 and PGlite). Physical types: boolean, double precision (or numeric),
 * text, date, timestamptz (or timestamp holding UTC), text[] (or jsonb) for lists, jsonb event properties.
 */
import type { TimeUnit } from "../../../checker/typed-ast.js";
import { ansiIdent, isoMs, SqlCompileError, standardString, wallClock, type Dialect, type TimeKind, type Values } from "../dialect.js";
import { EPOCH_LIMIT_MS, isoPatterns, MAX_INSTANT_MS, MIN_INSTANT_MS } from "../json-time.js";

/**
 * A string literal. With a backslash inside, an E'' literal: it means the same whatever
 * `standard_conforming_strings` says (a plain '…' would read `\` as an escape when it is off).
 */
function stringLiteral(value: string): string {
  if (value.includes("\u0000")) throw new SqlCompileError("PostgreSQL text cannot hold U+0000");
  if (!value.includes("\\")) return standardString(value);
  return `E'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

const UTC = "'UTC'";


function interval(amount: string, unit: TimeUnit): string {
  // A literal amount reads as `INTERVAL '30 day'`; a placeholder multiplies a unit interval.
  return /^\d+$/.test(amount) ? `INTERVAL '${amount} ${unit}'` : `CAST(${amount} AS integer) * INTERVAL '1 ${unit}'`;
}

function timestampKind(storage: string | undefined): TimeKind | null {
  if (storage === undefined || /^timestamptz(\(\d\))?$/.test(storage) || /^timestamp(\(\d\))? with time zone$/.test(storage)) return "instant";
  if (/^timestamp(\(\d\))?( without time zone)?$/.test(storage)) return "naive";
  return null;
}

const nowNaive = `date_trunc('milliseconds', CURRENT_TIMESTAMP AT TIME ZONE ${UTC})`;

/**
 * `expr ± amount unit`. Calendar arithmetic on timestamptz would follow the session time zone (DST, month
 * ends): it is computed on the UTC wall clock (timestamp) and converted back, parenthesised whole (a BETWEEN
 * bound cannot take AT TIME ZONE unparenthesised: b_expr).
 */
function shift(expr: string, sign: "-" | "+", amount: string, unit: TimeUnit, kind: TimeKind): string {
  return kind === "naive"
    ? `(${expr} ${sign} ${interval(amount, unit)})`
    : `(((${expr} AT TIME ZONE ${UTC}) ${sign} ${interval(amount, unit)}) AT TIME ZONE ${UTC})`;
}

export const postgres = {
  name: "postgres",
  formatter: { language: "postgresql" },
  // The wire protocol counts parameters in 16 bits.
  params: { style: "positional", placeholder: (n) => `$${n}`, max: 65_535 },
  quoteIdent: ansiIdent,
  stringLiteral,
  textHoldsNul: false,
  // In the "C" collation lower() converts only A-Z (with the default ICU/libc collation of a UTF-8
  // database it would also lower 'É' and map 'K' (Kelvin sign) to 'k').
  asciiLower: (x) => `lower(${x} COLLATE "C")`,

  listKind: (storage) => (storage === undefined || storage === "text[]" || storage === "varchar[]" || storage === "character varying[]" ? "array" : storage === "jsonb" ? "json" : null),
  listStorageNames: "text[] (default), varchar[], jsonb",
  list: (kind) =>
    kind === "array"
      ? {
          // && and @> can use a GIN index on the array column.
          hasAny: (x, vs) => `${x} && ARRAY[${vs.join(", ")}]::text[]`,
          hasAll: (x, vs) => `${x} @> ARRAY[${vs.join(", ")}]::text[]`,
          nonEmpty: (x) => `cardinality(${x}) > 0`,
        }
      : {
          // jsonb: ?| / ?& test the array's string elements (GIN-indexable as well).
          hasAny: (x, vs) => `${x} ?| ARRAY[${vs.join(", ")}]::text[]`,
          hasAll: (x, vs) => `${x} ?& ARRAY[${vs.join(", ")}]::text[]`,
          nonEmpty: (x) => `jsonb_array_length(${x}) > 0`,
        },

  time: {
    kind: timestampKind,
    storageNames: "timestamptz (default), timestamp (holding UTC)",
    jsonKind: "instant",
    instant: (ms: number, kind: TimeKind, v: Values) =>
      kind === "naive"
        ? v.params
          ? `CAST(${v.string(wallClock(ms))} AS timestamp)`
          : `TIMESTAMP '${wallClock(ms)}'`
        : v.params
          ? `CAST(${v.string(isoMs(ms))} AS timestamptz)`
          : `TIMESTAMPTZ '${wallClock(ms)}+00'`,
    // Calendar arithmetic on timestamptz would follow the session time zone (DST, month ends): compute on
    // the UTC wall clock (timestamp) and convert back.
    now: (kind: TimeKind) => (kind === "naive" ? nowNaive : `date_trunc('milliseconds', CURRENT_TIMESTAMP)`),
    today: (kind: TimeKind) => {
      const day = `date_trunc('day', CURRENT_TIMESTAMP AT TIME ZONE ${UTC})`;
      return kind === "naive" ? day : `(${day} AT TIME ZONE ${UTC})`;
    },
    minus: (expr: string, amount: string, unit: TimeUnit, kind: TimeKind) => shift(expr, "-", amount, unit, kind),
    plus: (expr: string, amount: string, unit: TimeUnit, kind: TimeKind) => shift(expr, "+", amount, unit, kind),
    /**
     * `timestamptz AT TIME ZONE zone` is the wall clock there; `timestamp AT TIME ZONE zone` reads one,
     * a skipped time with the offset before the change and a repeated one as the later instant (PostgreSQL's
     * documented rule). Every result parenthesised (AT TIME ZONE cannot stand as a BETWEEN bound).
     */
    zone: {
      toWall: (instant, kind, zone) => (kind === "naive" ? `((${instant} AT TIME ZONE ${UTC}) AT TIME ZONE ${zone})` : `(${instant} AT TIME ZONE ${zone})`),
      fromWall: (wall, kind, zone) => (kind === "naive" ? `((${wall} AT TIME ZONE ${zone}) AT TIME ZONE ${UTC})` : `(${wall} AT TIME ZONE ${zone})`),
      midnight: (wall) => `date_trunc('day', ${wall})`,
      dateOf: (wall) => `CAST(${wall} AS date)`,
      dateMidnight: (date) => `CAST(${date} AS timestamp)`,
      addDays: (date, days) => `(${date} ${days < 0 ? "-" : "+"} ${Math.abs(days)})`,
    },
  },

  json: {
    number: (doc, key) => `CASE WHEN jsonb_typeof(${get(doc, key)}) = 'number' THEN CAST(${text(doc, key)} AS double precision) END`,
    string: (doc, key) => `CASE WHEN jsonb_typeof(${get(doc, key)}) = 'string' THEN ${text(doc, key)} END`,
    boolean: (doc, key) => `CASE WHEN jsonb_typeof(${get(doc, key)}) = 'boolean' THEN CAST(${text(doc, key)} AS boolean) END`,
    timestamp: (doc, key) => jsonTime(doc, key, "timestamp"),
    date: (doc, key) => jsonTime(doc, key, "date"),
    list: (doc, key) => ({
      sql: `CASE WHEN jsonb_typeof(${get(doc, key)}) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(${get(doc, key)})) END`,
      kind: "array",
    }),
  },
} satisfies Dialect;

/** `doc -> 'key'`, parenthesised: -> binds looser than :: and some comparisons. */
function get(doc: string, key: string): string {
  return `(${doc} -> ${stringLiteral(key)})`;
}

function text(doc: string, key: string): string {
  return `(${doc} ->> ${stringLiteral(key)})`;
}

const SHAPE = isoPatterns("shape");
const CALENDAR = isoPatterns("calendar");
const anchored = (pattern: string) => `'^(${pattern})$'`;

/**
 * Day 29-31 of `YYYY-MM-DD…` text whose month and day are already known to be 01-12 and 01-31 exists in
 * its month: PostgreSQL's regular expressions cost ~0.7 µs a row, and the full calendar pattern twice
 * that, so the common path checks the shape by pattern and the month ends by these comparisons (only
 * equality: no collation involved).
 */
function realDay(s: string): string {
  const y = `CAST(left(${s}, 4) AS integer)`;
  return (
    `(substr(${s}, 9, 2) NOT IN ('29', '30', '31') ` +
    `OR substr(${s}, 6, 5) NOT IN ('02-29', '02-30', '02-31', '04-31', '06-31', '09-31', '11-31') ` +
    `OR substr(${s}, 6, 5) = '02-29' AND ${y} % 4 = 0 AND (${y} % 100 <> 0 OR ${y} % 400 = 0))`
  );
}

/**
 * A JSON timestamp property as a timestamptz, or a date property as the date of that instant at UTC (see
 * json-time.ts for what counts). PostgreSQL has no safe cast before version 16 and its casts fail the
 * whole query on `2023-02-29`, `0000-01-01` or an offset beyond 15:59, so a string is cast only after it
 * is known to be valid: a `…Z` string (or a `YYYY-MM-DD` date property) by its shape and `realDay`, and
 * cast directly (the common case); other forms by the full calendar pattern, read as their local time at
 * UTC minus the offset, done here, and range-checked (an offset can move 0001-01-01 or 9999-12-31 out of
 * years 1-9999). No subqueries: they would keep PostgreSQL from scanning the events in parallel. Numbers are read as numeric (no overflow on `1e400`), range-checked, floored, and turned
 * into an instant exactly: whole seconds through to_timestamp, the milliseconds added as an interval.
 */
function jsonTime(doc: string, key: string, type: "timestamp" | "date"): string {
  const s = text(doc, key);
  const asType = (instant: string) => (type === "date" ? `CAST((${instant}) AT TIME ZONE ${UTC} AS date)` : instant);
  const local = `CAST(COALESCE(substring(${s} from '^.{10}T[0-9:.]+'), ${s}) AS timestamp) AT TIME ZONE ${UTC}`;
  // The offset follows the seconds (position 17 on): ±hh, ±hhmm or ±hh:mm; none for Z, z or no zone.
  const zone = `substring(substr(${s}, 17) from '[+-][0-9:]+$')`;
  const offsetMinutes =
    `(CAST(substr(${zone}, 2, 2) AS integer) * 60 + COALESCE(CAST(NULLIF(substr(replace(${zone}, ':', ''), 4, 2), '') AS integer), 0)) * ` +
    `CASE WHEN left(${zone}, 1) = '-' THEN -1 ELSE 1 END`;
  const general = `${local} - COALESCE(${offsetMinutes}, 0) * INTERVAL '1 minute'`;
  // NULL outside years 1-9999, with `general` written once (a scalar subquery would make the scan
  // parallel-restricted): GREATEST/LEAST move an out-of-range instant onto a bound 1 µs outside the
  // range, which no millisecond instant equals, and NULLIF turns that bound into NULL.
  const below = `TIMESTAMPTZ '${wallClock(MIN_INSTANT_MS)}+00' - INTERVAL '1 microsecond'`;
  const above = `TIMESTAMPTZ '${wallClock(MAX_INSTANT_MS)}+00' + INTERVAL '1 microsecond'`;
  const inRange = `NULLIF(LEAST(NULLIF(GREATEST(${general}, ${below}), ${below}), ${above}), ${above})`;
  const n = `CAST(${get(doc, key)} AS numeric)`;
  const ms = `floor(${n})`;
  const epoch = `to_timestamp(div(${ms}, 1000)) + mod(${ms}, 1000) * INTERVAL '1 millisecond'`;
  return (
    `CASE jsonb_typeof(${get(doc, key)}) ` +
    `WHEN 'string' THEN CASE ` +
    (type === "date" ? `WHEN ${s} ~ ${anchored(SHAPE.date)} THEN CASE WHEN ${realDay(s)} THEN CAST(${s} AS date) END ` : "") +
    `WHEN ${s} ~ ${anchored(SHAPE.utc)} THEN CASE WHEN ${realDay(s)} THEN ${asType(`CAST(${s} AS timestamptz)`)} END ` +
    `WHEN ${s} ~ ${anchored(CALENDAR.any)} THEN ${asType(inRange)} END ` +
    `WHEN 'number' THEN CASE WHEN ${n} >= ${MIN_INSTANT_MS} AND ${n} < ${EPOCH_LIMIT_MS} THEN ${asType(epoch)} END END`
  );
}
