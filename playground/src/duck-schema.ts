/**
 * The schema "Check on DuckDB" compiles against. DuckDB-WASM reads JSON only through its `json`
 * extension, which is not bundled and would be fetched from the internet; the check never fetches
 * anything, so it stores every event property in a column of its own (`p_<name>`, the schema's own-column
 * storage, typed) instead of the JSON properties column. Contact fields are unchanged. The SQL it runs is
 * the DuckDB dialect's SQL for that storage, compiled by the same compiler.
 */
import type { FieldDef, Schema } from "../../src/schema/schema.js";

/** The schema with every event property in its own column (the schema itself when it has no events). */
export function ownColumnSchema(schema: Schema): Schema {
  const ev = schema.events;
  if (!ev) return schema;
  const taken = new Set([ev.contactKey, ev.name, ev.time, ev.propertiesColumn, ...Object.values(ev.properties).filter((p) => p.ownColumn).map((p) => p.column)]);
  const properties: Record<string, FieldDef> = {};
  for (const [name, p] of Object.entries(ev.properties)) {
    if (p.ownColumn) {
      properties[name] = p;
      continue;
    }
    let column = `p_${p.name}`;
    for (let i = 2; taken.has(column); i++) column = `p_${p.name}_${i}`;
    taken.add(column);
    properties[name] = { ...p, column, ownColumn: true };
  }
  return { ...schema, events: { ...ev, properties } };
}
