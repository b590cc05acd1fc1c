/**
 * Test support: a common interface over the SQL engines the differential tests execute segql's SQL on
 * (DuckDB, PostgreSQL via PGlite or a server, SQLite, MariaDB), plus the value normalisation every loader
 * shares.
 *
 * Each engine creates the contacts table (and the events table when the schema has one) with the
 * documented physical types of its dialect (docs/testing.md lists them), pins its session time zone to
 * UTC, and bulk-loads rows with bound parameters (or DuckDB's appender), never by pasting values into SQL.
 *
 * Rows come in the shape of the JSONL files the loaders read (`contacts.jsonl`, `events.jsonl`):
 * contacts keyed by field name, events keyed by the events section's column names with a `properties`
 * object (see `EventRow`).
 */
import type { FieldDef, FieldType, Schema } from "../../src/schema/schema.js";
import { parseDate, parseTimestamp } from "../../src/checker/time.js";

/** The SQL dialects that have an engine here (`compileSql`'s dialect names). */
export type ExecutedDialect = "duckdb" | "postgres" | "sqlite" | "mysql";

/** A contact as in contacts.jsonl: field name → value (null or absent = empty). */
export type ContactRow = Readonly<Record<string, unknown>>;

/**
 * An event as in events.jsonl: `{ [contactKey]: "c1", [name]: "Purchase", [time]: "2024-01-01T10:00:00Z",
 * [propertiesColumn]: { amount: 12.5 } }`, keyed by the schema's events column names (the JSON object is
 * also accepted under `properties`, as events.jsonl writes it). The properties object is stored as JSON
 * as it is (mistyped and missing properties included). A property with its own column (`ownColumn`) is
 * read from the row under its column name (as test/helpers/generators.ts writes it), else from the
 * properties object under its name.
 */
export type EventRow = Readonly<Record<string, unknown>>;

/** An engine that executes one dialect's SQL over loaded contacts/events. */
export interface Engine {
  /** Short name for messages and test titles: duckdb, pglite, postgres-server, sqlite, mariadb. */
  readonly name: string;
  /** The `compileSql` dialect whose SQL this engine runs. */
  readonly dialect: ExecutedDialect;
  /** False where the engine cannot store U+0000 in text (PostgreSQL: text and jsonb reject it). */
  readonly storesNul: boolean;
  /**
   * (Re)creates the contacts table (and the events table when `schema.events` is set) and loads the rows.
   * Replaces whatever an earlier `load` created.
   */
  load(schema: Schema, contacts: readonly ContactRow[], events?: readonly EventRow[]): Promise<void>;
  /** Runs a query and returns the first column of every row as a string, in result order (duplicates kept). */
  keys(sql: string, params?: readonly unknown[]): Promise<string[]>;
  /** Runs a query and returns its rows as plain objects (driver's native value types). */
  rows(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs statements that return nothing (DDL such as CREATE VIEW; several separated by `;` allowed). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** A loader-ready value: the logical type decides the physical column, `null` is SQL NULL. */
export type Cell =
  | { type: "string"; value: string }
  | { type: "number"; value: number }
  | { type: "boolean"; value: boolean }
  /** `text` is `YYYY-MM-DD`; `ms` its midnight UTC. */
  | { type: "date"; text: string; ms: number }
  /** `ms` since the epoch, millisecond precision. */
  | { type: "timestamp"; ms: number }
  | { type: "list"; value: string[] }
  /** Event properties: any JSON value, stored as JSON text. */
  | { type: "json"; text: string }
  | null;

/** One physical column of a table this harness creates. */
export interface Column {
  name: string;
  type: FieldType | "json";
  /** The schema's per-dialect storage override, when any (used as the column type verbatim). */
  storage?: Record<string, string>;
}

/** The contacts and events tables of a schema, as columns plus rows of cells. */
export interface TablePlan {
  name: string;
  columns: Column[];
  rows: Cell[][];
  /** Column to index (the events' contact key), when any. */
  index?: string;
}

/** Builds the tables `load` creates: the contacts table (key first) and, with `schema.events`, the events table. */
export function planTables(schema: Schema, contacts: readonly ContactRow[], events: readonly EventRow[] = []): TablePlan[] {
  const fields = Object.values(schema.fields);
  const keyField = fields.find((f) => f.column === schema.key);
  const contactCols: { col: Column; field: FieldDef | null }[] = [
    { col: { name: schema.key, type: keyField?.type === "number" ? "number" : "string" }, field: keyField ?? null },
    ...fields
      .filter((f) => f !== keyField)
      .map((f) => ({ col: { name: f.column, type: f.type, ...(f.storage ? { storage: f.storage } : {}) }, field: f })),
  ];
  const keyName = keyField?.name ?? schema.key;
  const contactRows = contacts.map((c, i) =>
    contactCols.map(({ col, field }) => {
      const name = field?.name ?? keyName;
      const raw = Object.hasOwn(c, name) ? c[name] : undefined;
      if (col.name === schema.key && (raw === null || raw === undefined)) throw new Error(`contacts[${i}]: the key "${name}" is missing`);
      return toCell(col.type, raw, `contacts[${i}].${name}`);
    }),
  );
  const plans: TablePlan[] = [{ name: schema.table, columns: contactCols.map((c) => c.col), rows: contactRows }];
  const ev = schema.events;
  if (ev) {
    const own = Object.values(ev.properties).filter((p) => p.ownColumn);
    const eventCols: { col: Column; read: (e: EventRow) => unknown; label: string }[] = [
      { col: { name: ev.contactKey, type: "string" }, read: (e) => e[ev.contactKey], label: ev.contactKey },
      { col: { name: ev.name, type: "string" }, read: (e) => e[ev.name], label: ev.name },
      { col: { name: ev.time, type: "timestamp", ...(ev.storage ? { storage: ev.storage } : {}) }, read: (e) => e[ev.time], label: ev.time },
      { col: { name: ev.propertiesColumn, type: "json" }, read: (e) => propertiesOf(e, ev.propertiesColumn), label: ev.propertiesColumn },
      ...own.map((p) => ({
        col: { name: p.column, type: p.type, ...(p.storage ? { storage: p.storage } : {}) } as Column,
        read: (e: EventRow) => (Object.hasOwn(e, p.column) && p.column !== ev.propertiesColumn ? e[p.column] : propertiesOf(e, ev.propertiesColumn)?.[p.name]),
        label: p.column,
      })),
    ];
    const eventRows = events.map((e, i) => eventCols.map(({ col, read, label }) => toCell(col.type, read(e), `events[${i}].${label}`)));
    plans.push({ name: ev.table, columns: eventCols.map((c) => c.col), rows: eventRows, index: ev.contactKey });
  }
  return plans;
}

/** The properties object of an event row (under the properties column's name, or `properties`). */
function propertiesOf(e: EventRow, column: string): Record<string, unknown> | undefined {
  const p = Object.hasOwn(e, column) ? e[column] : e["properties"];
  return typeof p === "object" && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : undefined;
}

/**
 * Converts a JSON-ish value to a cell of the given logical type. Accepts: strings; finite numbers;
 * booleans; dates as `YYYY-MM-DD`; timestamps as ISO-8601 text (zone optional, UTC when absent), epoch
 * milliseconds or `Date`; lists as arrays of strings; anything JSON for properties. Throws, naming the
 * row and field, on a value the type cannot hold (contact fields are physically typed columns).
 */
export function toCell(type: FieldType | "json", raw: unknown, where: string): Cell {
  if (type === "json") return raw === undefined || raw === null ? null : { type: "json", text: JSON.stringify(raw) };
  if (raw === undefined || raw === null) return null;
  const bad = (what: string): never => {
    throw new Error(`${where}: expected ${what} for a ${type} column, found ${JSON.stringify(raw)}`);
  };
  switch (type) {
    case "string":
    case "enum":
      return typeof raw === "string" ? { type: "string", value: raw } : bad("a string");
    case "number":
      return typeof raw === "number" && Number.isFinite(raw) ? { type: "number", value: raw } : bad("a finite number");
    case "boolean":
      return typeof raw === "boolean" ? { type: "boolean", value: raw } : bad("true or false");
    case "date": {
      const ms = typeof raw === "string" ? parseDate(raw) : null;
      return ms === null ? bad("a YYYY-MM-DD date") : { type: "date", text: raw as string, ms };
    }
    case "timestamp": {
      const ms = timestampMs(raw);
      return ms === null ? bad("an ISO-8601 timestamp, epoch milliseconds or a Date") : { type: "timestamp", ms };
    }
    case "list":
      return Array.isArray(raw) && raw.every((x) => typeof x === "string") ? { type: "list", value: [...raw] } : bad("an array of strings");
  }
}

function timestampMs(raw: unknown): number | null {
  let ms: number | null = null;
  if (raw instanceof Date) ms = raw.getTime();
  else if (typeof raw === "number") ms = raw;
  else if (typeof raw === "string") {
    const r = parseTimestamp(raw);
    ms = "ms" in r ? r.ms : null;
  }
  return ms !== null && Number.isFinite(ms) && Number.isInteger(ms) ? ms : null;
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC (for engines whose timestamp type has no zone). */
export function utcDateTimeText(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

/** Rows per INSERT statement, bounded by the engine's bind-parameter limit. */
export function batchSize(columns: number, maxParams: number, maxRows = 1000): number {
  return Math.max(1, Math.min(maxRows, Math.floor(maxParams / columns)));
}

/** A short random name for a per-engine PostgreSQL schema / MariaDB database. */
export function scratchName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Splits an array into chunks of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
