/**
 * PostgreSQL (tested on PostgreSQL 15 and PGlite). Physical types: boolean, double precision (or numeric),
 * text, date, timestamptz (or timestamp holding UTC), text[] (or jsonb) for lists, jsonb event properties.
 */
import type { TimeUnit } from "../../../checker/typed-ast.js";
import { ansiIdent, isoMs, SqlCompileError, standardString, wallClock, type Dialect, type TimeKind, type Values } from "../dialect.js";

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

/** An ISO-8601 timestamp with a zone (Z, z, ±hh, ±hhmm, ±hh:mm), at most 3 fraction digits (as segql reads them). */
const ZONED = "'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,3})?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$'";
/** The same without a zone (read as UTC), or a bare date (its midnight UTC). */
const ZONELESS = "'^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,3})?)?)?$'";

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

export const postgres = {
  name: "postgres",
  formatter: { language: "postgresql", paramTypes: { numbered: ["$"] } },
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
    minus: (expr: string, amount: string, unit: TimeUnit, kind: TimeKind) =>
      kind === "naive"
        ? `(${expr} - ${interval(amount, unit)})`
        : // Parenthesised whole: a BETWEEN bound cannot take AT TIME ZONE unparenthesised (b_expr).
          `(((${expr} AT TIME ZONE ${UTC}) - ${interval(amount, unit)}) AT TIME ZONE ${UTC})`,
  },

  json: {
    number: (doc, key) => `CASE WHEN jsonb_typeof(${get(doc, key)}) = 'number' THEN CAST(${text(doc, key)} AS double precision) END`,
    string: (doc, key) => `CASE WHEN jsonb_typeof(${get(doc, key)}) = 'string' THEN ${text(doc, key)} END`,
    boolean: (doc, key) => `CASE WHEN jsonb_typeof(${get(doc, key)}) = 'boolean' THEN CAST(${text(doc, key)} AS boolean) END`,
    timestamp: (doc, key) => jsonTimestamp(doc, key),
    date: (doc, key) => `CAST(${jsonTimestamp(doc, key)} AT TIME ZONE ${UTC} AS date)`,
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

/**
 * A JSON timestamp property: an ISO-8601 string (a zone, or none meaning UTC) or epoch milliseconds.
 * PostgreSQL has no safe cast before version 16, so strings are matched against the accepted shape first
 * (a string that is not a timestamp is empty, not an error).
 */
function jsonTimestamp(doc: string, key: string): string {
  const s = text(doc, key);
  return (
    `CASE jsonb_typeof(${get(doc, key)}) ` +
    `WHEN 'string' THEN CASE WHEN ${s} ~ ${ZONED} THEN CAST(${s} AS timestamptz) ` +
    `WHEN ${s} ~ ${ZONELESS} THEN CAST(${s} AS timestamp) AT TIME ZONE ${UTC} END ` +
    `WHEN 'number' THEN TIMESTAMPTZ 'epoch' + CAST(${s} AS double precision) * INTERVAL '1 millisecond' END`
  );
}
