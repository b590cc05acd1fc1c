/**
 * The loaded data as tables for DuckDB-WASM ("Check on DuckDB"): the contacts table and, when the schema
 * has events, the events table, with the physical types the DuckDB dialect documents (docs/sql.md:
 * VARCHAR, DOUBLE, BOOLEAN, DATE, TIMESTAMP holding UTC, VARCHAR[] lists, JSON properties; a field's
 * `storage.duckdb` wins). Rows are JSON Lines that DuckDB reads with these declared column types, so no
 * value is ever written into SQL text.
 */
import type { FieldDef, Schema } from "../../../src/schema/schema.js";
import type { Contact, EventRow } from "./load.js";
import type { DuckTable } from "./protocol.js";

/** DuckDB's type for a field (the schema's `storage.duckdb` wins). */
export function duckType(def: Pick<FieldDef, "type" | "storage">): string {
  const override = def.storage?.["duckdb"];
  if (override) return override;
  switch (def.type) {
    case "string":
    case "enum":
      return "VARCHAR";
    case "number":
      return "DOUBLE";
    case "boolean":
      return "BOOLEAN";
    case "date":
      return "DATE";
    case "timestamp":
      return "TIMESTAMP";
    case "list":
      return "VARCHAR[]";
  }
}

/** A value as DuckDB's JSON reader takes it for a column of `type`. */
function cell(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) {
    const iso = v.toISOString();
    const t = type.toUpperCase();
    if (t === "DATE") return iso.slice(0, 10);
    // TIMESTAMP holds UTC without a zone; TIMESTAMPTZ takes the zone.
    return t === "TIMESTAMP" ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : iso;
  }
  return v;
}

const encoder = new TextEncoder();

function jsonl(rows: Iterable<Record<string, unknown>>): ArrayBuffer {
  const parts: string[] = [];
  for (const r of rows) parts.push(JSON.stringify(r));
  return encoder.encode(parts.join("\n") + "\n").buffer as ArrayBuffer;
}

/** The tables of a dataset. */
export function duckTables(schema: Schema, contacts: readonly Contact[], events: Map<string, EventRow[]> | null): DuckTable[] {
  const fields = Object.values(schema.fields);
  const keyField = fields.find((f) => f.column === schema.key);
  const cols: { name: string; type: string; read: (c: Contact) => unknown }[] = [
    { name: schema.key, type: keyField?.type === "number" ? "DOUBLE" : "VARCHAR", read: (c) => (keyField ? c[keyField.name] : c[schema.key]) },
    ...fields.filter((f) => f !== keyField).map((f) => ({ name: f.column, type: duckType(f), read: (c: Contact) => c[f.name] })),
  ];
  const contactRows = function* () {
    for (const c of contacts) {
      const row: Record<string, unknown> = {};
      for (const col of cols) row[col.name] = cell(col.read(c), col.type);
      yield row;
    }
  };
  const tables: DuckTable[] = [{ name: schema.table, columns: cols.map(({ name, type }) => ({ name, type })), jsonl: jsonl(contactRows()) }];
  const ev = schema.events;
  if (ev) {
    const own = Object.values(ev.properties).filter((p) => p.ownColumn);
    const timeType = ev.storage?.["duckdb"] ?? "TIMESTAMP";
    const evCols = [
      { name: ev.contactKey, type: "VARCHAR" },
      { name: ev.name, type: "VARCHAR" },
      { name: ev.time, type: timeType },
      { name: ev.propertiesColumn, type: "JSON" },
      ...own.map((p) => ({ name: p.column, type: duckType(p) })),
    ];
    const eventRows = function* () {
      for (const list of events?.values() ?? []) {
        for (const e of list) {
          const row: Record<string, unknown> = {};
          for (const col of evCols) {
            const v = e[col.name];
            row[col.name] = col.type === "JSON" ? (v === undefined ? null : jsonProperties(v)) : cell(v, col.type);
          }
          yield row;
        }
      }
    };
    tables.push({ name: ev.table, columns: evCols, jsonl: jsonl(eventRows()) });
  }
  return tables;
}

/** Event properties as stored JSON: dates as ISO text (as events.jsonl writes them). */
function jsonProperties(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = x instanceof Date ? x.toISOString() : x;
  return out;
}
