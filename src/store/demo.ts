/**
 * The demo CRM (`segql serve --demo`, `npm start`): contacts from both vendored datasets (data/telco:
 * 7,043 telecom customers; data/online-retail: 1,084 shop customers) in one contacts table with a
 * `source` enum, Online Retail's 95,880 events, and a few example segments (static and dynamic, with
 * events, with relative times, one reading two others).
 *
 * Contacts go in through `upsertContacts` (checked like any input); on DuckDB the events are read by
 * DuckDB's JSON reader straight into the events table (the vendored file is known good and the demo
 * must be ready in seconds), elsewhere through `importEvents`.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readJsonLines } from "../data/readers.js";
import { validateSchema, type Schema } from "../schema/schema.js";
import { InvalidInputError } from "./errors.js";
import { schemaToJson } from "./schema-json.js";
import type { CreateSegmentInput, Segment, Store } from "./types.js";

/** What `seedDemo` did. */
export interface DemoReport {
  /** False when the store already held contacts or segments (nothing was added). */
  seeded: boolean;
  contacts: number;
  events: number;
  segments: Segment[];
}

const TELCO_ENUM = (values: string[]) => ({ type: "enum", values });
const SERVICE3 = ["Yes", "No", "No internet service"];

/** The demo schema's JSON (a schema file's content). */
const DEMO_SCHEMA_JSON = {
  table: "contacts",
  key: "customer_id",
  fields: {
    customer_id: { type: "string", description: "Telco customer id (7590-VHVEG) or Online Retail CustomerID (12346): the key." },
    source: { type: "enum", values: ["telco", "online-retail"], description: "Which dataset the contact comes from." },
    gender: TELCO_ENUM(["Female", "Male"]),
    senior_citizen: { type: "boolean" },
    partner: { type: "boolean" },
    dependents: { type: "boolean" },
    tenure: { type: "number", description: "Months with the company (Telco)." },
    phone_service: { type: "boolean" },
    multiple_lines: TELCO_ENUM(["Yes", "No", "No phone service"]),
    internet_service: TELCO_ENUM(["DSL", "Fiber optic", "No"]),
    online_security: TELCO_ENUM(SERVICE3),
    online_backup: TELCO_ENUM(SERVICE3),
    device_protection: TELCO_ENUM(SERVICE3),
    tech_support: TELCO_ENUM(SERVICE3),
    streaming_tv: TELCO_ENUM(SERVICE3),
    streaming_movies: TELCO_ENUM(SERVICE3),
    contract: TELCO_ENUM(["Month-to-month", "One year", "Two year"]),
    paperless_billing: { type: "boolean" },
    payment_method: TELCO_ENUM(["Electronic check", "Mailed check", "Bank transfer (automatic)", "Credit card (automatic)"]),
    monthly_charges: { type: "number", description: "Monthly charge in USD (Telco)." },
    total_charges: { type: "number", description: "Total charged in USD (Telco)." },
    churn: { type: "boolean", description: "Left within the last month (Telco)." },
    services: { type: "list", description: "Telco services: phone, internet, streaming_tv, …" },
    signed_up_at: { type: "timestamp", description: "Telco sign-up: 2026-01-01 minus tenure months." },
    country: {
      type: "enum",
      values: ["Australia", "Austria", "Belgium", "Channel Islands", "Cyprus", "Denmark", "Finland", "France", "Germany", "Greece", "Israel", "Italy", "Japan", "Netherlands", "Norway", "Poland", "Portugal", "RSA", "Spain", "Sweden", "Switzerland", "USA", "United Kingdom"],
      description: "Online Retail: country of the customer's first invoice.",
    },
    first_seen_at: { type: "timestamp", description: "Online Retail: the customer's first event." },
  },
  events: {
    table: "events",
    contact_key: "customer_id",
    name: "event",
    time: "occurred_at",
    properties: {
      amount: { type: "number", description: "quantity x unit_price (GBP)." },
      quantity: { type: "number" },
      unit_price: { type: "number" },
      stock_code: { type: "string" },
      description: { type: "string" },
      invoice_no: { type: "string" },
      country: { type: "string" },
    },
    names: ["Purchase", "Refund"],
  },
};

/** The demo schema: Telco and Online Retail contact fields, `source`, and Online Retail's events. */
export function demoSchema(): Schema {
  const result = validateSchema(JSON.parse(JSON.stringify(DEMO_SCHEMA_JSON)));
  if (!result.schema) throw new Error(`the demo schema is invalid: ${result.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
  return result.schema;
}

/** The example segments, in creation order (a segment after those it reads). */
const SEGMENTS: (CreateSegmentInput & { name: string })[] = [
  { name: "Fiber churners", kind: "dynamic", description: "Telco customers on fiber who left.", expression: 'internet_service = "Fiber optic" and churn' },
  { name: "Loyal on contract", kind: "dynamic", description: "Two years or more on a one- or two-year contract.", expression: 'contract in ("One year", "Two year") and tenure >= 24' },
  { name: "Signed up in the last year", kind: "dynamic", description: "Relative time: refreshed on the schedule.", expression: "signed_up_at within last 1 year" },
  { name: "Big UK spenders", kind: "dynamic", description: "UK shop customers who bought for more than £5,000.", expression: 'country = "United Kingdom" and (performed "Purchase" with sum of amount > 5000)' },
  { name: "Frequent refunders", kind: "dynamic", description: "Shop customers with three refunds or more.", expression: 'performed "Refund" at least 3 times' },
  { name: "VIP list", kind: "static", description: "Hand-picked accounts (a static list).", members: ["12346", "12350", "17850", "7590-VHVEG", "5575-GNVDE", "3668-QPYBK", "9237-HQITU"] },
  { name: "VIPs and big spenders", kind: "dynamic", description: "Reads two other segments.", expression: 'in segment "VIP list" or (in segment "Big UK spenders" and not in segment "Frequent refunders")' },
];

/** The repository's data directory (data/telco, data/online-retail). */
function dataFile(path: string): string {
  const file = fileURLToPath(new URL(`../../data/${path}`, import.meta.url));
  if (!existsSync(file)) throw new InvalidInputError([{ path: file, message: "the demo data is missing (it ships in the repository's data/ directory)" }]);
  return file;
}

/** Fills an empty store opened with `demoSchema()` with the demo contacts, events and segments. */
export async function seedDemo(store: Store): Promise<DemoReport> {
  if (JSON.stringify(schemaToJson(store.schema)) !== JSON.stringify(schemaToJson(demoSchema()))) {
    throw new InvalidInputError([{ path: "schema", message: "the demo needs a store opened with demoSchema()" }]);
  }
  const stats = await store.stats();
  if (stats.contacts > 0 || stats.segments > 0) return { seeded: false, contacts: stats.contacts, events: stats.events, segments: [] };
  // Contacts: both files, tagged with their source, in batches.
  let contacts = 0;
  for (const [file, source] of [
    ["telco/contacts.jsonl.gz", "telco"],
    ["online-retail/contacts.jsonl.gz", "online-retail"],
  ] as const) {
    let batch: Record<string, unknown>[] = [];
    for await (const { value } of readJsonLines(dataFile(file))) {
      batch.push({ ...(value as Record<string, unknown>), source });
      if (batch.length === 5000) {
        contacts += (await store.upsertContacts(batch, { by: "demo" })).inserted;
        batch = [];
      }
    }
    if (batch.length > 0) contacts += (await store.upsertContacts(batch, { by: "demo" })).inserted;
  }
  const eventsFile = dataFile("online-retail/events.jsonl.gz");
  const fast = (store as { loadDemoEvents?: (file: string) => Promise<number> }).loadDemoEvents;
  const events = fast ? await fast.call(store, eventsFile) : (await store.importEvents(eventsFile, { by: "demo" })).inserted;
  const segments: Segment[] = [];
  for (const s of SEGMENTS) segments.push(await store.createSegment(s, { by: "demo" }));
  return { seeded: true, contacts, events, segments };
}
