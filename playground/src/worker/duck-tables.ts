/**
 * The loaded data as tables for DuckDB-WASM ("Check on DuckDB"): the contacts table and, when the schema
 * has events, the events table with every property in its own column (see duck-schema.ts), each column
 * with the DuckDB dialect's physical type (docs/sql.md: VARCHAR, DOUBLE, BOOLEAN, DATE, TIMESTAMP holding
 * UTC, VARCHAR[] lists; a field's `storage.duckdb` wins). Values travel as typed column arrays and enter
 * DuckDB as Arrow, never as SQL text.
 */
import type { FieldDef, Schema } from "../../../src/schema/schema.js";
import { ownColumnSchema } from "../duck-schema.js";
import type { Contact, EventRow } from "./load.js";
import type { DuckColumn, DuckTable } from "./protocol.js";

/** DuckDB's type for a field (the schema's `storage.duckdb` wins). */
export function duckType(def: Pick<FieldDef, "type" | "storage">): string {
  const override = def.storage?.["duckdb"];
  if (override) return override.toUpperCase();
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

/** A value as a column array holds it: instants as epoch ms, empty as null. */
function cell(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.getTime();
  return v;
}

/** The tables of a dataset. */
export function duckTables(original: Schema, contacts: readonly Contact[], events: Map<string, EventRow[]> | null): DuckTable[] {
  const schema = ownColumnSchema(original);
  const fields = Object.values(schema.fields);
  const keyField = fields.find((f) => f.column === schema.key);
  const contactCols: DuckColumn[] = [
    { name: schema.key, type: keyField?.type === "number" ? "DOUBLE" : "VARCHAR", values: contacts.map((c) => cell(keyField ? c[keyField.name] : c[schema.key])) },
    ...fields.filter((f) => f !== keyField).map((f) => ({ name: f.column, type: duckType(f), values: contacts.map((c) => cell(c[f.name])) })),
  ];
  const tables: DuckTable[] = [{ name: schema.table, columns: contactCols }];
  const ev = schema.events;
  const before = original.events;
  if (ev && before) {
    const rows: EventRow[] = [];
    for (const list of events?.values() ?? []) for (const e of list) rows.push(e);
    const read = (p: FieldDef) => (e: EventRow) => {
      const old = before.properties[p.name]!;
      if (old.ownColumn) return e[old.column];
      const bag = e[before.propertiesColumn];
      return typeof bag === "object" && bag !== null && Object.hasOwn(bag, p.name) ? (bag as Record<string, unknown>)[p.name] : null;
    };
    const columns: DuckColumn[] = [
      { name: ev.contactKey, type: "VARCHAR", values: rows.map((e) => cell(e[ev.contactKey])) },
      { name: ev.name, type: "VARCHAR", values: rows.map((e) => cell(e[ev.name])) },
      { name: ev.time, type: (ev.storage?.["duckdb"] ?? "TIMESTAMP").toUpperCase(), values: rows.map((e) => cell(e[ev.time])) },
      ...Object.values(ev.properties).map((p) => ({ name: p.column, type: duckType(p), values: rows.map((e) => cell(read(p)(e))) })),
    ];
    tables.push({ name: ev.table, columns });
  }
  return tables;
}
