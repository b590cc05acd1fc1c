/**
 * The predicate on real data, through the loaders: IBM Telco Customer Churn (JSONL and the original CSV)
 * and UCI Online Retail (contacts and 95,880 events), checked against the facts in their READMEs and
 * against plain JavaScript written independently over the raw JSON.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePredicate, type Predicate } from "../../src/compiler/predicate/index.js";
import { loadContacts, loadEventsByKey, type LoadedContact, type LoadedEvent } from "../../src/data/index.js";
import { checkExpression } from "../../src/index.js";
import { parseSchema, type Schema } from "../../src/schema/schema.js";
import { readSchemaFile } from "../../src/schema/read-schema-file.js";
import { datasetFile } from "../helpers/datasets.js";

function hasFile(name: string): boolean {
  try {
    datasetFile(name);
    return true;
  } catch {
    return false;
  }
}

function compileBoth(text: string, schema: Schema, now: string): Predicate[] {
  const q = checkExpression(text, schema);
  return [compilePredicate(q, { now, mode: "codegen" }), compilePredicate(q, { now, mode: "closure" })];
}

/** Keys of the contacts matching `text`, after checking both back ends agree. */
function matching(text: string, schema: Schema, now: string, contacts: LoadedContact[], events?: Map<string, LoadedEvent[]>): string[] {
  const [gen, clo] = compileBoth(text, schema, now);
  const keys: string[] = [];
  for (const c of contacts) {
    const key = String(c[schema.key]);
    const evs = events?.get(key);
    const a = gen!(c, evs);
    if (a !== clo!(c, evs)) throw new Error(`codegen and closure disagree on ${key} for ${text}`);
    if (a) keys.push(key);
  }
  return keys;
}

describe("telco (now 2026-01-01T00:00:00Z)", () => {
  const now = "2026-01-01T00:00:00Z";
  let schema: Schema;
  let contacts: LoadedContact[];
  let raw: Record<string, unknown>[];
  beforeAll(async () => {
    schema = readSchemaFile(datasetFile("telco/schema.json"));
    contacts = await loadContacts(datasetFile("telco/contacts.jsonl"), schema);
    raw = readFileSync(datasetFile("telco/contacts.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  });
  const count = (text: string) => matching(text, schema, now, contacts).length;

  it("matches the README's facts", () => {
    expect(contacts.length).toBe(7043);
    expect(count("total_charges is empty")).toBe(11);
    expect(count("total_charges is not empty")).toBe(7043 - 11);
    expect(count("total_charges >= 0")).toBe(7043 - 11);
    expect(count("total_charges < 0 or total_charges >= 0")).toBe(7043 - 11);
    expect(count("churn")).toBe(1869);
    expect(count("not churn")).toBe(7043 - 1869);
    expect(count('contract = "Month-to-month"')).toBe(3875);
    expect(count('services has "phone"')).toBe(6361);
    expect(count('services has "internet"')).toBe(5517);
    expect(count("signed_up_at = now")).toBe(11);
    expect(count("signed_up_at within last 0 days")).toBe(11);
    expect(count("tenure = 0")).toBe(11);
  });

  it("agrees with plain JavaScript over the raw JSON", () => {
    const expectSame = (text: string, js: (c: Record<string, unknown>) => boolean) =>
      expect(matching(text, schema, now, contacts)).toEqual(raw.filter(js).map((c) => c["customer_id"] as string));
    // signed_up_at is now − tenure calendar months, so a window of N months holds tenure ≤ N
    expectSame("signed_up_at within last 12 months", (c) => (c["tenure"] as number) <= 12);
    expectSame("signed_up_at not within last 12 months", (c) => (c["tenure"] as number) > 12);
    expectSame("signed_up_at before 2024-01-01", (c) => (c["tenure"] as number) > 24);
    expectSame('tenure between 12 and 24 and monthly_charges > 70 and payment_method in ("Bank transfer (automatic)", "Credit card (automatic)")',
      (c) => (c["tenure"] as number) >= 12 && (c["tenure"] as number) <= 24 && (c["monthly_charges"] as number) > 70 && (c["payment_method"] as string).endsWith("(automatic)"));
    expectSame('customer_id ends with "-vhveg" or customer_id ends with "qq"',
      (c) => (c["customer_id"] as string).toLowerCase().endsWith("-vhveg") || (c["customer_id"] as string).toLowerCase().endsWith("qq"));
    expectSame('internet_service in ("DSL", "Fiber optic") and not services has any ("online_security", "tech_support") and churn',
      (c) => c["internet_service"] !== "No" && !(c["services"] as string[]).some((s) => s === "online_security" || s === "tech_support") && c["churn"] === true);
    expectSame('customer_id starts with "00" or customer_id contains "-vhv"',
      (c) => (c["customer_id"] as string).startsWith("00") || (c["customer_id"] as string).toLowerCase().includes("-vhv"));
  });

  // The original CSV is in the shared data folder only (not vendored in data/).
  it.skipIf(!hasFile("telco/telco-customer-churn.csv"))("reads the original CSV (CRLF, blank TotalCharges) to the same answers", async () => {
    const strings = ["customerID", "MultipleLines", "InternetService", "OnlineSecurity", "OnlineBackup", "DeviceProtection", "TechSupport", "StreamingTV", "StreamingMovies", "PaymentMethod"];
    const csvSchema = parseSchema(JSON.stringify({
      table: "telco",
      key: "customerID",
      fields: {
        ...Object.fromEntries(strings.map((s) => [s, { type: "string" }])),
        gender: { type: "enum", values: ["Female", "Male"] },
        SeniorCitizen: { type: "boolean" }, Partner: { type: "boolean" }, Dependents: { type: "boolean" }, PhoneService: { type: "boolean" },
        PaperlessBilling: { type: "boolean" }, Churn: { type: "boolean" },
        tenure: { type: "number" }, MonthlyCharges: { type: "number" }, TotalCharges: { type: "number" },
        Contract: { type: "enum", values: ["Month-to-month", "One year", "Two year"] },
      },
    }));
    const rows = await loadContacts(datasetFile("telco/telco-customer-churn.csv"), csvSchema);
    expect(rows.length).toBe(7043);
    const csvCount = (text: string) => matching(text, csvSchema, now, rows);
    expect(csvCount("TotalCharges is empty").length).toBe(11);
    expect(csvCount("Churn").length).toBe(1869);
    expect(csvCount('Contract = "Month-to-month"').length).toBe(3875);
    expect(csvCount("PhoneService").length).toBe(6361);
    expect(csvCount('InternetService != "No"').length).toBe(5517);
    expect(csvCount("SeniorCitizen and tenure > 60 and TotalCharges > 5000")).toEqual(
      matching("senior_citizen and tenure > 60 and total_charges > 5000", schema, now, contacts),
    );
  });
});

describe("online retail events (now 2011-12-10T00:00:00Z)", () => {
  const now = "2011-12-10T00:00:00Z";
  const nowMs = Date.parse(now);
  let schema: Schema;
  let contacts: LoadedContact[];
  let events: Map<string, LoadedEvent[]>;
  /** The raw events, grouped by customer, for the independent computations. */
  let raw: Map<string, { event: string; at: number; props: Record<string, unknown> }[]>;
  beforeAll(async () => {
    schema = readSchemaFile(datasetFile("online-retail/schema.json"));
    contacts = await loadContacts(datasetFile("online-retail/contacts.jsonl"), schema);
    events = await loadEventsByKey(datasetFile("online-retail/events.jsonl"), schema);
    raw = new Map();
    for (const line of readFileSync(datasetFile("online-retail/events.jsonl"), "utf8").trim().split("\n")) {
      const e = JSON.parse(line) as { customer_id: string; event: string; occurred_at: string; properties: Record<string, unknown> };
      const list = raw.get(e.customer_id) ?? [];
      list.push({ event: e.event, at: Date.parse(e.occurred_at), props: e.properties });
      raw.set(e.customer_id, list);
    }
  }, 60_000);
  const keys = (text: string) => matching(text, schema, now, contacts, events);
  const js = (f: (evs: { event: string; at: number; props: Record<string, unknown> }[]) => boolean) =>
    contacts.map((c) => c["customer_id"] as string).filter((k) => f(raw.get(k) ?? []));

  it("matches the README's facts", () => {
    expect(contacts.length).toBe(1084);
    expect([...events.values()].reduce((n, l) => n + l.length, 0)).toBe(95_880);
    expect(keys('performed "Purchase"').length).toBe(1076);
    expect(keys('performed "Refund" and not performed "Purchase"').length).toBe(8);
    expect(keys('performed "Refund"').length).toBe(385);
    expect(keys('not performed "Refund"').length).toBe(699);
    expect(keys('performed "Purchase" exactly 0 times').length).toBe(8);
    expect(keys('performed "Purchase" at least 0 times').length).toBe(1084);
    // window ends are included: 12682 bought 30 lines at exactly now − 86 hours, 13126 at now − 110 hours
    expect(keys('performed "Purchase" within last 86 hours')).toContain("12682");
    expect(keys('performed "Purchase" within last 85 hours')).not.toContain("12682");
    expect(keys('performed "Purchase" exactly 30 times within last 86 hours where not invoice_no = ""')).toContain("12682");
    expect(keys('performed "Purchase" with first time = 2011-12-05T10:00:00Z within last 110 hours')).toContain("13126");
    expect(keys('performed "Purchase" within last 109 hours')).not.toContain("13126");
    // the anomalies dominate max(amount)
    expect(keys('performed "Purchase" with max of amount >= 77183.6')).toEqual(["12346", "16446"]);
    expect(keys('performed "Refund" with max of amount > 77183.6')).toEqual(["16446"]);
  });

  it("counts calendar months, not 30-day blocks", () => {
    const twoMonths = keys('performed "Purchase" within last 2 months');
    const sixtyDays = keys('performed "Purchase" within last 60 days');
    expect(twoMonths).toEqual(js((evs) => evs.some((e) => e.event === "Purchase" && e.at >= Date.UTC(2011, 9, 10) && e.at <= nowMs)));
    expect(sixtyDays).toEqual(js((evs) => evs.some((e) => e.event === "Purchase" && e.at >= Date.UTC(2011, 9, 11) && e.at <= nowMs)));
    const sixMonths = keys('performed "Purchase" at least 1 time within last 6 months');
    expect(sixMonths).toEqual(js((evs) => evs.some((e) => e.event === "Purchase" && e.at >= Date.UTC(2011, 5, 10))));
  });

  it("agrees with plain JavaScript on counts, filters and aggregates", () => {
    const purchases = (evs: { event: string; at: number; props: Record<string, unknown> }[]) => evs.filter((e) => e.event === "Purchase");
    expect(keys('performed "Purchase" at least 3 times within last 30 days where amount > 50')).toEqual(
      js((evs) => purchases(evs).filter((e) => e.at >= nowMs - 30 * 86_400_000 && (e.props["amount"] as number) > 50).length >= 3));
    expect(keys('performed "Purchase" with sum of amount > 5000 within last 1 year')).toEqual(
      js((evs) => {
        const inYear = purchases(evs).filter((e) => e.at >= Date.UTC(2010, 11, 10));
        return inYear.length > 0 && inYear.reduce((s, e) => s + (e.props["amount"] as number), 0) > 5000;
      }));
    expect(keys('performed "Purchase" with average of unit_price between 1 and 2 where country = "France"')).toEqual(
      js((evs) => {
        const fr = purchases(evs).filter((e) => e.props["country"] === "France");
        const avg = fr.reduce((s, e) => s + (e.props["unit_price"] as number), 0) / fr.length;
        return fr.length > 0 && avg >= 1 && avg <= 2;
      }));
    expect(keys('performed "Refund" with last time after 2011-12-01')).toEqual(
      js((evs) => evs.some((e) => e.event === "Refund" && e.at > Date.UTC(2011, 11, 1))));
    expect(keys('performed "Purchase" at most 2 times where description contains "heart" and stock_code not starts with "85"')).toEqual(
      js((evs) => purchases(evs).filter((e) => (e.props["description"] as string).toLowerCase().includes("heart") && !(e.props["stock_code"] as string).startsWith("85")).length <= 2));
    expect(keys('country = "France" and not performed "Purchase" between 2011-09-01 and 2011-12-09T23:59:59Z')).toEqual(
      contacts.filter((c) => c["country"] === "France").map((c) => c["customer_id"] as string)
        .filter((k) => !purchases(raw.get(k) ?? []).some((e) => e.at >= Date.UTC(2011, 8, 1) && e.at <= Date.UTC(2011, 11, 9, 23, 59, 59))));
  });
});
