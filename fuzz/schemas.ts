/**
 * The schemas inputs are checked against, and the contacts and events the two predicate modes are compared
 * on. `hostile` is the tests' rich schema (every field type, events with JSON and own-column properties)
 * plus names that are hard to quote: event properties named `*`, `$`, `a.b`, `[0]`, with quotes or
 * spaces, fields named like JavaScript internals, and non-default storage types.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { parseSchema, type Schema } from "../src/schema/schema.js";
import { contactsArb, eventsArb, RICH_SCHEMA_JSON, richSchema } from "../test/helpers/generators.js";

/** Names of the schemas an input may be checked against. */
export type SchemaName = "rich" | "hostile" | "fixtures" | "crm" | "retail" | "telco";

const root = new URL("../", import.meta.url);

const HOSTILE_JSON = {
  ...RICH_SCHEMA_JSON,
  fields: {
    ...RICH_SCHEMA_JSON.fields,
    constructor: { type: "string" },
    __proto__field: { type: "number", column: "__proto__" },
    "Ünïcödé name": { type: "string", column: "unicode_name" },
    "select": { type: "boolean", column: "select" },
    "semi;colon": { type: "string", column: "semi;colon" },
    "quote\"d": { type: "string", column: "quote\"d" },
    local_ts: { type: "timestamp", storage: { postgres: "timestamp", duckdb: "TIMESTAMPTZ", snowflake: "TIMESTAMP_NTZ", mysql: "TIMESTAMP", bigquery: "DATETIME" } },
    json_tags: { type: "list", storage: { duckdb: "JSON", postgres: "jsonb", bigquery: "JSON", snowflake: "VARIANT" } },
  },
  events: {
    ...RICH_SCHEMA_JSON.events,
    properties: {
      ...RICH_SCHEMA_JSON.events.properties,
      "*": { type: "number" },
      "$": { type: "string" },
      "a.b": { type: "string" },
      "[0]": { type: "number" },
      "it's": { type: "string" },
      "with space": { type: "boolean" },
      "back\\slash": { type: "string" },
      "dq\"uote": { type: "number" },
      "ship_date": { type: "date" },
      "labels": { type: "list" },
    },
    names: [...RICH_SCHEMA_JSON.events.names, "it's \"quoted\"", "\u202eRTL"],
  },
};

function readSchema(path: string): Schema {
  return parseSchema(readFileSync(new URL(path, root), "utf8"), path);
}

let cache: Map<SchemaName, Schema> | null = null;

/** Every schema, by name (read once per thread). */
export function schemas(): Map<SchemaName, Schema> {
  cache ??= new Map<SchemaName, Schema>([
    ["rich", richSchema],
    ["hostile", parseSchema(JSON.stringify(HOSTILE_JSON), "fuzz/schemas.ts")],
    ["fixtures", readSchema("test/fixtures/sql/schema.json")],
    ["crm", readSchema("test/fixtures/crm-schema.json")],
    ["retail", readSchema("data/online-retail/schema.json")],
    ["telco", readSchema("data/telco/schema.json")],
  ]);
  return cache;
}

/** The schema of a name. */
export function schemaNamed(name: SchemaName): Schema {
  return schemas().get(name)!;
}

/** Contacts and their events, for comparing predicates. */
export interface DataPool {
  contacts: Record<string, unknown>[];
  events: Map<string, Record<string, unknown>[]>;
}

const pools = new Map<string, DataPool>();

/**
 * A fixed pool of random contacts (with events) for a schema and `now`, built once per thread with the
 * shared generators, so values land on the edges of windows relative to `now`.
 */
export function dataPool(name: SchemaName, now: string): DataPool {
  const id = `${name} ${now}`;
  let pool = pools.get(id);
  if (pool) return pool;
  const schema = schemaNamed(name);
  const options = { maxContacts: 24, maxEventsPerContact: 5, allowNul: true };
  const [contacts] = fc.sample(contactsArb(schema, now, options), { seed: 7, numRuns: 1 });
  const keys = contacts!.map((c) => String(c[schema.key]));
  const [rows] = fc.sample(eventsArb(schema, keys, now, options), { seed: 11, numRuns: 1 });
  const events = new Map<string, Record<string, unknown>[]>();
  const keyColumn = schema.events?.contactKey;
  for (const row of rows ?? []) {
    const k = String(keyColumn ? row[keyColumn] : "");
    events.set(k, [...(events.get(k) ?? []), row]);
  }
  pool = { contacts: contacts!, events };
  pools.set(id, pool);
  return pool;
}
