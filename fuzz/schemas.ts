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
export const SCHEMA_NAMES = ["rich", "hostile", "fixtures", "crm", "retail", "telco"] as const;
/** The name of a fuzz schema. */
export type SchemaName = (typeof SCHEMA_NAMES)[number];

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

/** Contacts and, at the same index, the events argument the predicate gets for them. */
export interface DataPool {
  contacts: Record<string, unknown>[];
  /** Usually an array of event rows; for some hostile contacts something else (the predicate must cope). */
  events: unknown[];
}

/**
 * Values of every wrong (or borderline) JavaScript type. docs/predicate.md: a value of the wrong type is
 * empty and the predicate never throws on data, so both predicate modes must agree on these and not throw.
 */
const HOSTILE_VALUES: readonly unknown[] = [
  "12", "", " ", "true", "\u0000", "😀", "2024-02-30", "2024-01-01 10:00:00", "2024-01-01T10:00:00+19:00", "0000-01-01",
  "9999-12-31T23:59:59.999Z", "1e3", NaN, Infinity, -Infinity, -0, 1e308, 5e-324, -1, 1.5, 8.64e15, 8.64e15 + 1, -8.64e15 - 1,
  true, false, [], ["vip", 1, null, ["x"]], {}, { a: 1 }, new Date(Number.NaN), new Date(0), new Date(253402300800000),
  new Date(-62135596800001), 10n, Symbol("s"), Object.create(null),
];

/** One contact per hostile value (every field holding it), with events that hold it in every slot. */
function hostileData(schema: Schema, now: string): DataPool {
  const contacts: Record<string, unknown>[] = [];
  const events: unknown[] = [];
  const ev = schema.events;
  HOSTILE_VALUES.forEach((v, i) => {
    const contact: Record<string, unknown> = {};
    for (const name of Object.keys(schema.fields)) Object.defineProperty(contact, name, { value: v, enumerable: true, writable: true, configurable: true });
    contact[schema.key] = `h${i}`;
    contacts.push(contact);
    if (!ev) {
      events.push(undefined);
      return;
    }
    const props: Record<string, unknown> = {};
    const row: Record<string, unknown> = { [ev.contactKey]: `h${i}`, [ev.name]: ev.names?.[0] ?? "Purchase", [ev.time]: v };
    for (const p of Object.values(ev.properties)) {
      if (p.ownColumn) row[p.column] = v;
      else Object.defineProperty(props, p.name, { value: v, enumerable: true, writable: true, configurable: true });
    }
    row[ev.propertiesColumn] = props;
    const rows: unknown[] = [
      row,
      { ...row, [ev.time]: now, [ev.propertiesColumn]: v },
      { ...row, [ev.name]: v, [ev.time]: now },
      v,
    ];
    // Every fourth hostile contact gets a hostile events argument itself (not an array, or an array-like).
    events.push(i % 4 === 3 ? v : rows);
  });
  return { contacts, events };
}

/** Random contacts and their event rows, with unique keys (`r0`, `r1`, …): loadable into a database as they are. */
export interface RandomData {
  contacts: Record<string, unknown>[];
  /** Every contact's event rows, in one list (the events table). */
  rows: Record<string, unknown>[];
  /** The rows of contact i, at index i. */
  perContact: Record<string, unknown>[][];
}

const randoms = new Map<string, RandomData>();

/**
 * 24 or more random contacts with events for a schema and `now`, built once per thread with the shared
 * generators (so values land on the edges of windows relative to `now`).
 */
export function randomData(name: SchemaName, now: string): RandomData {
  const id = `${name} ${now}`;
  let data = randoms.get(id);
  if (data) return data;
  const schema = schemaNamed(name);
  const ev = schema.events;
  const options = { maxContacts: 12, maxEventsPerContact: 5, allowNul: true };
  data = { contacts: [], rows: [], perContact: [] };
  // fast-check draws short arrays often, so take several samples (each with its own events) until 24;
  // each sample numbers its contacts c0, c1, …, so they are renumbered r0, r1, … across samples.
  for (let seed = 7; data.contacts.length < 24 && seed < 100; seed++) {
    const [contacts] = fc.sample(contactsArb(schema, now, options), { seed, numRuns: 1 });
    const keys = contacts!.map((c) => String(c[schema.key]));
    const [rows] = fc.sample(eventsArb(schema, keys, now, options), { seed, numRuns: 1 });
    for (const [i, contact] of contacts!.entries()) {
      const key = `r${data.contacts.length}`;
      const mine = (rows ?? []).filter((r) => ev && r[ev.contactKey] === keys[i]).map((r) => ({ ...r, [ev!.contactKey]: key }));
      data.contacts.push({ ...contact, [schema.key]: key });
      data.perContact.push(mine);
      data.rows.push(...mine);
    }
  }
  randoms.set(id, data);
  return data;
}

const pools = new Map<string, DataPool>();

/** A fixed pool for a schema and `now`: the random contacts with their events, then the hostile contacts. */
export function dataPool(name: SchemaName, now: string): DataPool {
  const id = `${name} ${now}`;
  let pool = pools.get(id);
  if (pool) return pool;
  const random = randomData(name, now);
  const hostile = hostileData(schemaNamed(name), now);
  pool = { contacts: [...random.contacts, ...hostile.contacts], events: [...random.perContact, ...hostile.events] };
  pools.set(id, pool);
  return pool;
}
