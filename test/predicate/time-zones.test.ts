/**
 * The predicate in a time zone (issue 15): every rule of docs/language.md's "Time zones" section, each
 * at a DST change or in a zone with an odd offset, with contacts placed on both sides of the boundary the
 * zone moves; codegen and closures agree; explain reads the same zone; the schema's timeZone is the
 * default and the option wins; UTC is exactly the behaviour without a zone.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { compilePredicate, compilePredicateClosure, compilePredicateCodegen } from "../../src/compiler/predicate/index.js";
import { explain } from "../../src/compiler/predicate/explain.js";
import { TimeZoneError } from "../../src/checker/zone.js";
import { parseSchema, type Schema } from "../../src/schema/schema.js";
import { contactArb, exprArb, richSchema } from "../helpers/generators.js";

const SCHEMA_JSON = {
  table: "contacts",
  key: "id",
  fields: { id: { type: "string" }, seen_at: { type: "timestamp" }, birthday: { type: "date" } },
  events: { table: "events", contact_key: "contact_id", name: "event", time: "occurred_at", properties: { due_on: { type: "date" } } },
};
const schema: Schema = parseSchema(JSON.stringify(SCHEMA_JSON));

/** The ids of `contacts` that `text` selects in `zone` at `now`, with both predicate back ends (which must agree). */
function select(text: string, contacts: Record<string, unknown>[], now: string, timeZone?: string, s: Schema = schema): string[] {
  const q = checkExpression(text, s);
  const options = { now, ...(timeZone ? { timeZone } : {}) };
  const a = compilePredicateCodegen(q, options);
  const b = compilePredicateClosure(q, options);
  const out: string[] = [];
  for (const c of contacts) {
    const events = (c["events"] as Record<string, unknown>[] | undefined) ?? [];
    expect(b(c, events), `${text} on ${String(c["id"])}`).toBe(a(c, events));
    if (a(c, events)) out.push(String(c["id"]));
  }
  return out;
}

const seen = (id: string, iso: string) => ({ id, seen_at: iso });
const born = (id: string, day: string) => ({ id, birthday: day });

describe("today starts at local midnight", () => {
  const contacts = [seen("22:30Z", "2024-03-30T22:30:00Z"), seen("23:30Z", "2024-03-30T23:30:00Z"), seen("00:30Z", "2024-03-31T00:30:00Z")];
  it("spring forward, Berlin: today began at 23:00 UTC (CET midnight) on the day clocks jumped", () => {
    expect(select("seen_at >= today", contacts, "2024-03-31T10:00:00Z", "Europe/Berlin")).toEqual(["23:30Z", "00:30Z"]);
    expect(select("seen_at >= today", contacts, "2024-03-31T10:00:00Z")).toEqual(["00:30Z"]);
  });

  it("a 30-minute zone, Kolkata: today began at 18:30 UTC", () => {
    const k = [seen("18:29Z", "2024-06-01T18:29:59.999Z"), seen("18:30Z", "2024-06-01T18:30:00Z")];
    expect(select("seen_at >= today", k, "2024-06-01T20:00:00Z", "Asia/Kolkata")).toEqual(["18:30Z"]);
  });

  it("a 45-minute zone, Chatham: today began at 11:15 UTC the day before (+12:45)", () => {
    const c = [seen("11:14Z", "2024-05-31T11:14:59.999Z"), seen("11:15Z", "2024-05-31T11:15:00Z")];
    expect(select("seen_at >= today", c, "2024-06-01T00:00:00Z", "Pacific/Chatham")).toEqual(["11:15Z"]);
  });
});

describe("calendar units move the wall clock; minutes and hours are durations", () => {
  it("fall back, Berlin: 1 day ago is the same local time yesterday, 25 hours earlier", () => {
    const now = "2024-10-27T11:00:00Z"; // 12:00 CET
    const c = [seen("24h", "2024-10-26T11:00:00Z"), seen("25h", "2024-10-26T10:00:00Z"), seen("25h-1ms", "2024-10-26T09:59:59.999Z")];
    expect(select("seen_at within last 1 day", c, now, "Europe/Berlin")).toEqual(["24h", "25h"]);
    expect(select("seen_at within last 24 hours", c, now, "Europe/Berlin")).toEqual(["24h"]);
    expect(select("seen_at within last 1 day", c, now)).toEqual(["24h"]);
  });

  it("spring forward, New York: 1 week ago across the change is 167 hours", () => {
    const now = "2024-03-15T13:00:00Z"; // 09:00 EDT
    const c = [seen("167h", "2024-03-08T14:00:00Z"), seen("168h", "2024-03-08T13:00:00Z")];
    expect(select("seen_at within last 1 week", c, now, "America/New_York")).toEqual(["167h"]);
    expect(select("seen_at within last 1 week", c, now)).toEqual(["167h", "168h"]);
  });

  it("Lord Howe's 30-minute DST: 1 day ago across its change is 23.5 hours", () => {
    const now = "2024-10-06T01:00:00Z"; // 12:00 +11, the first day of DST
    const c = [seen("23.5h", "2024-10-05T01:30:00Z"), seen("24h", "2024-10-05T01:00:00Z")];
    expect(select("seen_at within last 1 day", c, now, "Australia/Lord_Howe")).toEqual(["23.5h"]);
  });

  it("months clamp to the month's end on the local calendar", () => {
    // 31 March 10:00 CEST − 1 month = 29 February 10:00 CET (09:00 UTC).
    const c = [seen("feb29-09:00Z", "2024-02-29T09:00:00Z"), seen("feb29-08:59Z", "2024-02-29T08:59:59.999Z")];
    expect(select("seen_at within last 1 month", c, "2024-03-31T08:00:00Z", "Europe/Berlin")).toEqual(["feb29-09:00Z"]);
  });
});

describe("dates and offset-less timestamps are wall-clock times in the zone", () => {
  it("a date literal is its local midnight (New York, 2024-03-31 starts at 04:00 UTC)", () => {
    const c = [seen("03:59Z", "2024-03-31T03:59:59.999Z"), seen("04:00Z", "2024-03-31T04:00:00Z")];
    expect(select("seen_at >= 2024-03-31", c, "2024-04-01T00:00:00Z", "America/New_York")).toEqual(["04:00Z"]);
  });

  it("spring forward: a skipped time is read as the time after the change (Berlin 02:30 → 03:30 CEST)", () => {
    const c = [seen("01:29Z", "2024-03-31T01:29:59.999Z"), seen("01:30Z", "2024-03-31T01:30:00Z")];
    expect(select("seen_at >= 2024-03-31T02:30", c, "2024-04-01T00:00:00Z", "Europe/Berlin")).toEqual(["01:30Z"]);
  });

  it("fall back: a repeated time is the later one (New York 01:30 → 06:30 UTC), an offset picks the other", () => {
    const c = [seen("05:30Z", "2024-11-03T05:30:00Z"), seen("06:30Z", "2024-11-03T06:30:00Z")];
    expect(select("seen_at = 2024-11-03T01:30", c, "2024-12-01T00:00:00Z", "America/New_York")).toEqual(["06:30Z"]);
    expect(select("seen_at = 2024-11-03T01:30-04:00", c, "2024-12-01T00:00:00Z", "America/New_York")).toEqual(["05:30Z"]);
  });
});

describe("date fields are calendar days", () => {
  it("= today compares days in the zone (Berlin at 23:30 UTC is already tomorrow)", () => {
    const c = [born("mar31", "2024-03-31"), born("apr1", "2024-04-01")];
    expect(select("birthday = today", c, "2024-03-31T23:30:00Z", "Europe/Berlin")).toEqual(["apr1"]);
    expect(select("birthday = today", c, "2024-03-31T23:30:00Z")).toEqual(["mar31"]);
    // Values as Date objects or ISO timestamps are read as their UTC date (how JSON and drivers write dates).
    expect(select("birthday = today", [{ id: "date-object", birthday: new Date("2024-04-01T00:00:00Z") }], "2024-03-31T23:30:00Z", "Europe/Berlin")).toEqual(["date-object"]);
  });

  it("within last 7 days: today and the 6 days before it, in the zone (Chatham is a day ahead of UTC)", () => {
    const days = ["2024-05-25", "2024-05-26", "2024-05-31", "2024-06-01", "2024-06-02"].map((d) => born(d, d));
    expect(select("birthday within last 7 days", days, "2024-05-31T12:00:00Z", "Pacific/Chatham")).toEqual(["2024-05-26", "2024-05-31", "2024-06-01"]);
    expect(select("birthday within last 7 days", days, "2024-05-31T12:00:00Z")).toEqual(["2024-05-25", "2024-05-26", "2024-05-31"]);
  });

  it("a date compared with an instant inside a day: d < t holds for the day t falls in only when t is its start", () => {
    const c = [born("mar30", "2024-03-30"), born("mar31", "2024-03-31")];
    // 2024-03-31T00:30 in Berlin is inside 31 March (which began at 00:00 CET, 23:00 UTC the day before).
    expect(select("birthday < 2024-03-31T00:30", c, "2024-04-01T00:00:00Z", "Europe/Berlin")).toEqual(["mar30", "mar31"]);
    expect(select("birthday < 2024-03-31", c, "2024-04-01T00:00:00Z", "Europe/Berlin")).toEqual(["mar30"]);
    expect(select("birthday = 2024-03-31T00:30", c, "2024-04-01T00:00:00Z", "Europe/Berlin")).toEqual([]);
  });

  it("a date property of an event, in an event window in the zone", () => {
    const c = [{ id: "x", events: [{ contact_id: "x", event: "Renewal", occurred_at: "2024-03-30T23:30:00Z", properties: { due_on: "2024-03-31" } }] }];
    expect(select('performed "Renewal" within last 1 day where due_on = today', c, "2024-03-31T12:00:00Z", "Europe/Berlin")).toEqual(["x"]);
    expect(select('performed "Renewal" within last 1 day where due_on = today', c, "2024-03-31T12:00:00Z")).toEqual(["x"]);
    expect(select('performed "Renewal" within last 11 hours', c, "2024-03-31T10:00:00Z", "Europe/Berlin")).toEqual(["x"]);
  });
});

describe("options", () => {
  it("the schema's timeZone is the default; the option wins; a bad name throws TimeZoneError", () => {
    const zoned = parseSchema(JSON.stringify({ ...SCHEMA_JSON, timeZone: "Europe/Berlin" }));
    const c = [seen("23:30Z", "2024-03-30T23:30:00Z")];
    expect(select("seen_at >= today", c, "2024-03-31T10:00:00Z", undefined, zoned)).toEqual(["23:30Z"]);
    expect(select("seen_at >= today", c, "2024-03-31T10:00:00Z", "UTC", zoned)).toEqual([]);
    expect(() => compilePredicate(checkExpression("seen_at >= today", schema), { timeZone: "Europe/Berln" })).toThrow(TimeZoneError);
    expect(() => parseSchema(JSON.stringify({ ...SCHEMA_JSON, timeZone: "Europe/Berln" }))).toThrow(/timeZone: unknown time zone "Europe\/Berln"/);
  });

  it("an offset-less now is wall-clock time in the zone", () => {
    const c = [seen("23:30Z", "2024-03-30T23:30:00Z")];
    expect(select("seen_at >= today", c, "2024-03-31T00:10", "Europe/Berlin")).toEqual(["23:30Z"]);
    expect(select("seen_at <= now", c, "2024-03-31T00:10", "Europe/Berlin")).toEqual([]); // 00:10 CET is 23:10 UTC
  });

  it("UTC as a zone is exactly no zone (random expressions and contacts)", () => {
    const now = "2024-03-31T12:00:00.000Z";
    fc.assert(
      fc.property(exprArb(richSchema, now, { events: false }), fc.array(contactArb(richSchema, now), { maxLength: 8 }), (text, contacts) => {
        const q = checkExpression(text, richSchema);
        const plain = compilePredicate(q, { now });
        const utc = compilePredicate(q, { now, timeZone: "Etc/UTC" });
        for (const c of contacts) expect(utc(c)).toBe(plain(c));
      }),
      { numRuns: 200 },
    );
  });

  it("explain resolves the window in the zone and agrees with the predicate", () => {
    const q = checkExpression('performed "Visit" within last 1 day', schema);
    const events = [{ contact_id: "x", event: "Visit", occurred_at: "2024-10-26T10:30:00Z" }];
    const e = explain(q, { id: "x" }, events, { now: "2024-10-27T11:00:00Z", timeZone: "Europe/Berlin" });
    expect(e.value).toBe(true);
    expect(e.root.read).toMatchObject({ kind: "events", window: { from: "2024-10-26T10:00:00.000Z", to: "2024-10-27T11:00:00.000Z" } });
    expect(explain(q, { id: "x" }, events, { now: "2024-10-27T11:00:00Z" }).value).toBe(false);
  });
});
