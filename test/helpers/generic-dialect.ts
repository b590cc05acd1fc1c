/**
 * The "generic" SQL of the golden files (STYLE.md 11): the shared generator's output with every optional
 * hook left to its fallback and the required ones written in SQL-standard form (SQL:2016 JSON_VALUE,
 * standard intervals). It is not a dialect anyone runs: each real dialect's snapshot is a diff against
 * it, so a review sees only what that dialect changes.
 */
import type { TimeUnit } from "../../src/checker/typed-ast.js";
import { ansiIdent, standardString, wallClock, type Dialect, type TimeKind, type Values } from "../../src/compiler/sql/dialect.js";

const UNITS: Record<TimeUnit, string> = { minute: "MINUTE", hour: "HOUR", day: "DAY", week: "WEEK", month: "MONTH", year: "YEAR" };

export const generic: Dialect = {
  name: "postgres", // only used in messages and storage lookups
  formatter: { language: "postgresql" as const },
  params: { style: "positional", placeholder: () => "?", max: Number.POSITIVE_INFINITY },
  quoteIdent: ansiIdent,
  stringLiteral: standardString,
  textHoldsNul: true,
  listKind: (storage) => (storage === undefined ? "array" : null),
  listStorageNames: "ARRAY",
  list: () => ({
    hasAny: (x, vs) => `LIST_HAS_ANY(${x}, ARRAY[${vs.join(", ")}])`,
    hasAll: (x, vs) => `LIST_HAS_ALL(${x}, ARRAY[${vs.join(", ")}])`,
    nonEmpty: (x) => `CARDINALITY(${x}) > 0`,
  }),
  time: {
    kind: (storage) => (storage === undefined ? "instant" : null),
    storageNames: "TIMESTAMP WITH TIME ZONE",
    jsonKind: "instant",
    instant: (ms: number, _kind: TimeKind, v: Values) =>
      v.params ? `CAST(${v.string(`${wallClock(ms)}+00:00`)} AS TIMESTAMP WITH TIME ZONE)` : `TIMESTAMP '${wallClock(ms)}+00:00'`,
    now: () => "CURRENT_TIMESTAMP",
    today: () => "CAST(CURRENT_DATE AS TIMESTAMP WITH TIME ZONE)",
    minus: (expr: string, amount: string, unit: TimeUnit) => `(${expr} - ${/^\d+$/.test(amount) ? `INTERVAL '${amount}'` : `CAST(${amount} AS INTERVAL)`} ${UNITS[unit]})`,
    plus: (expr: string, amount: string, unit: TimeUnit) => `(${expr} + ${/^\d+$/.test(amount) ? `INTERVAL '${amount}'` : `CAST(${amount} AS INTERVAL)`} ${UNITS[unit]})`,
    // SQL:2016's AT TIME ZONE (a zone-less timestamp read in the zone, or an instant shown there).
    zone: {
      toWall: (instant, _kind, zone) => `CAST(${instant} AT TIME ZONE ${zone} AS TIMESTAMP)`,
      fromWall: (wall, _kind, zone) => `(${wall} AT TIME ZONE ${zone})`,
      midnight: (wall) => `CAST(CAST(${wall} AS DATE) AS TIMESTAMP)`,
      dateOf: (wall) => `CAST(${wall} AS DATE)`,
      dateMidnight: (date) => `CAST(${date} AS TIMESTAMP)`,
      addDays: (date, days) => `(${date} ${days < 0 ? "-" : "+"} INTERVAL '${Math.abs(days)}' DAY)`,
    },
  },
  json: {
    number: (doc, key) => `JSON_VALUE(${doc}, ${standardString(`$."${key}"`)} RETURNING DOUBLE PRECISION NULL ON ERROR)`,
    string: (doc, key) => `JSON_VALUE(${doc}, ${standardString(`$."${key}"`)} RETURNING VARCHAR NULL ON ERROR)`,
    boolean: (doc, key) => `JSON_VALUE(${doc}, ${standardString(`$."${key}"`)} RETURNING BOOLEAN NULL ON ERROR)`,
    timestamp: (doc, key) => `JSON_VALUE(${doc}, ${standardString(`$."${key}"`)} RETURNING TIMESTAMP WITH TIME ZONE NULL ON ERROR)`,
    date: (doc, key) => `JSON_VALUE(${doc}, ${standardString(`$."${key}"`)} RETURNING DATE NULL ON ERROR)`,
    list: (doc, key) => ({ sql: `JSON_QUERY(${doc}, ${standardString(`$."${key}"`)})`, kind: "array" }),
  },
};
