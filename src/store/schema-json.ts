/**
 * A validated `Schema` back to the JSON a schema file holds (canonical: keys in a fixed order, defaults
 * left out), so the store can keep it in the database and compare two schemas.
 */
import type { EventsDef, FieldDef, Schema } from "../schema/schema.js";

/** The schema as schema-file JSON; `validateSchema(schemaToJson(s))` gives back an equal schema. */
export function schemaToJson(schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = { table: schema.table, key: schema.key, fields: fieldsJson(schema.fields, false) };
  if (schema.events) out["events"] = eventsJson(schema.events);
  // The account's zone decides what `today` and a time without an offset mean: a store reopened without it
  // compiled its segments in UTC (the zone was kept only by the process that created the store).
  if (schema.timeZone !== undefined) out["timeZone"] = schema.timeZone;
  return out;
}

function fieldsJson(fields: Record<string, FieldDef>, properties: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of Object.values(fields)) {
    const def: Record<string, unknown> = { type: f.type };
    if (f.values) def["values"] = [...f.values];
    if (f.description !== undefined) def["description"] = f.description;
    if (properties ? f.ownColumn : f.column !== f.name) def["column"] = f.column;
    if (f.storage) def["storage"] = { ...f.storage };
    out[f.name] = def;
  }
  return out;
}

function eventsJson(ev: EventsDef): Record<string, unknown> {
  const out: Record<string, unknown> = {
    table: ev.table,
    contact_key: ev.contactKey,
    name: ev.name,
    time: ev.time,
    properties_column: ev.propertiesColumn,
    properties: fieldsJson(ev.properties, true),
  };
  if (ev.names) out["names"] = [...ev.names];
  if (ev.storage) out["storage"] = { ...ev.storage };
  return out;
}
