/**
 * How schema types are stored, per backend: column types (docs/sql.md, "Physical types", the types the
 * compiled SQL expects), and how a text parameter becomes a value of that type. Every value reaches the
 * database as a text parameter plus a cast written here, never pasted into SQL.
 */
import type { FieldDef, FieldType, Schema } from "../schema/schema.js";
import { InvalidInputError } from "./errors.js";

/** A logical column type: a field type, the key, or JSON (event properties). */
export type ColumnType = FieldType | "json";

/** One physical column of the contacts or events table. */
export interface ColumnPlan {
  name: string;
  type: ColumnType;
  /** The schema's storage override for this backend (lower case), when any. */
  storage?: string;
  /** The schema field it holds (contacts), or event property (own column). */
  field?: FieldDef;
}

/** What differs between the backends' storage. */
export interface Physical {
  /** The column type to create. */
  columnType(col: ColumnPlan): string;
  /** SQL turning the text expression `sql` (a parameter or a staging column) into the column's type. */
  fromText(sql: string, col: ColumnPlan): string;
  /** The text form of an instant that `fromText` reads for this column. */
  timestampText(ms: number, col: ColumnPlan): string;
}

/** DuckDB: BOOLEAN, DOUBLE, VARCHAR, DATE, TIMESTAMP (UTC) or TIMESTAMPTZ, VARCHAR[] or JSON, JSON. */
export const duckdbPhysical: Physical = {
  columnType(col) {
    if (col.storage) return col.storage.toUpperCase();
    return { string: "VARCHAR", enum: "VARCHAR", number: "DOUBLE", boolean: "BOOLEAN", date: "DATE", timestamp: "TIMESTAMP", list: "VARCHAR[]", json: "JSON" }[col.type];
  },
  fromText(sql, col) {
    const type = this.columnType(col);
    // from_json reads a JSON array of strings exactly (commas, quotes and brackets inside elements included),
    // which a VARCHAR → VARCHAR[] cast would not.
    if (type === "VARCHAR[]") return `from_json(${sql}, '["VARCHAR"]')`;
    if (type === "VARCHAR") return sql;
    return `CAST(${sql} AS ${type})`;
  },
  timestampText(ms, col) {
    const wall = new Date(ms).toISOString().replace("T", " ").replace("Z", "");
    return this.columnType(col) === "TIMESTAMPTZ" ? `${wall}+00` : wall;
  },
};

/** PostgreSQL: boolean, double precision, text, date, timestamptz (or timestamp holding UTC), text[] or jsonb, jsonb. */
export const postgresPhysical: Physical = {
  columnType(col) {
    if (col.storage) return col.storage;
    return { string: "text", enum: "text", number: "double precision", boolean: "boolean", date: "date", timestamp: "timestamptz", list: "text[]", json: "jsonb" }[col.type];
  },
  fromText(sql, col) {
    const type = this.columnType(col);
    if (type === "text[]") return `CASE WHEN ${sql} IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(CAST(${sql} AS jsonb))) END`;
    if (type === "text") return sql;
    return `CAST(${sql} AS ${type})`;
  },
  timestampText(ms, col) {
    const iso = new Date(ms).toISOString();
    return this.columnType(col).startsWith("timestamptz") || this.columnType(col).includes("with time zone") ? iso : iso.replace("T", " ").replace("Z", "");
  },
};

/** The storage types the store can create and fill, per backend and logical type (others are refused). */
const SUPPORTED: Record<"duckdb" | "postgres", Partial<Record<ColumnType, string[]>>> = {
  duckdb: { timestamp: ["timestamp", "timestamptz"], list: ["varchar[]", "json"], number: ["double"] },
  postgres: { timestamp: ["timestamptz", "timestamp", "timestamp with time zone", "timestamp without time zone"], list: ["text[]", "jsonb"], number: ["double precision", "numeric"] },
};

/** The contacts table's columns: the key first, then every field (by column). */
export function contactColumns(schema: Schema, backend: "duckdb" | "postgres"): ColumnPlan[] {
  const fields = Object.values(schema.fields);
  const keyField = fields.find((f) => f.column === schema.key);
  if (keyField && keyField.type !== "string") {
    throw new InvalidInputError([{ path: "", message: `the key field "${keyField.name}" must be a string field (it is ${keyField.type}); contact keys are text` }]);
  }
  const cols: ColumnPlan[] = [{ name: schema.key, type: "string", ...(keyField ? { field: keyField } : {}) }];
  for (const f of fields) {
    if (f === keyField) continue;
    cols.push({ name: f.column, type: f.type, field: f, ...storageOf(f.storage, backend, f.type, `fields.${f.name}`) });
  }
  return cols;
}

/** The names of a contact's values as the store gives them (`decodeContact`): the key's first. */
export function contactFieldNames(schema: Schema): string[] {
  return contactColumns(schema, "duckdb").map((c) => c.field?.name ?? schema.key);
}

/** The events table's columns: contact key, name, time, the JSON properties, then properties with own columns. */
export function eventColumns(schema: Schema, backend: "duckdb" | "postgres"): ColumnPlan[] {
  const ev = schema.events;
  if (!ev) return [];
  return [
    { name: ev.contactKey, type: "string" },
    { name: ev.name, type: "string" },
    { name: ev.time, type: "timestamp", ...storageOf(ev.storage, backend, "timestamp", "events") },
    { name: ev.propertiesColumn, type: "json" },
    ...Object.values(ev.properties)
      .filter((p) => p.ownColumn)
      .map((p) => ({ name: p.column, type: p.type, field: p, ...storageOf(p.storage, backend, p.type, `events.properties.${p.name}`) })),
  ];
}

function storageOf(storage: Record<string, string> | undefined, backend: "duckdb" | "postgres", type: ColumnType, where: string): { storage?: string } {
  const raw = storage?.[backend];
  if (raw === undefined) return {};
  const s = raw.trim().toLowerCase().replace(/\s+/g, " ");
  const ok = SUPPORTED[backend][type];
  if (!ok?.includes(s)) {
    throw new InvalidInputError([{ path: `${where}.storage.${backend}`, message: `the store cannot create "${raw}" columns for ${type} values${ok ? ` (supported: ${ok.join(", ")})` : ""}` }]);
  }
  return { storage: s };
}
