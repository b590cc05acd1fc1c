/**
 * docs/language.md's "Time zones" section stays true: every row of its table of examples (a value, a zone,
 * a now and the UTC instant the value resolves to) is what the predicate resolves, to the millisecond, and
 * the section's prose examples about windows and date fields hold.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkExpression } from "../../src/index.js";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { parseSchema } from "../../src/schema/schema.js";

const doc = readFileSync(join(import.meta.dirname, "..", "..", "docs", "language.md"), "utf8");
const section = doc.slice(doc.indexOf("\n## Time zones\n"), doc.indexOf("\n## ", doc.indexOf("\n## Time zones\n") + 5));

interface Row {
  rule: string;
  value: string;
  zone: string;
  now: string;
  resolves: string;
}

/** The example table's rows: `| rule | \`value\` | zone | now | local meaning | resolves to |`. */
const rows: Row[] = section
  .split("\n")
  .map((line) => line.split("|").map((cell) => cell.trim()))
  .filter((cells) => cells.length === 8 && /^`[^`]+`$/.test(cells[2]!) && /^\d{4}-.*Z$/.test(cells[6]!))
  .map((cells) => ({ rule: cells[1]!, value: cells[2]!.slice(1, -1), zone: cells[3]!, now: cells[4]!, resolves: cells[6]! }));

const schema = parseSchema(
  JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, t: { type: "timestamp" }, seen_at: { type: "timestamp" }, trial_ends_at: { type: "timestamp" }, birthday: { type: "date" } } }),
);

/** Whether `text` holds for `contact` in `timeZone` at `now` (the predicate, codegen back end). */
const holds = (text: string, contact: Record<string, unknown>, now: string, timeZone: string) =>
  compilePredicate(checkExpression(text, schema), { now, timeZone })({ id: "c", ...contact });

describe("docs/language.md, Time zones", () => {
  it("has the table of examples, naming the DST cases and odd offsets", () => {
    expect(rows.length).toBeGreaterThanOrEqual(15);
    const rules = rows.map((r) => r.rule).join("; ");
    for (const named of ["spring forward", "fall back", "30-minute zone", "45-minute zone", "Lord Howe"]) expect(rules).toContain(named);
  });

  it.each(rows)("$rule: $value in $zone at $now is $resolves", ({ value, zone, now, resolves }) => {
    const at = Date.parse(resolves);
    const text = `t = ${value}`;
    expect(holds(text, { t: new Date(at).toISOString() }, now, zone)).toBe(true);
    expect(holds(text, { t: new Date(at - 1).toISOString() }, now, zone)).toBe(false);
    expect(holds(text, { t: new Date(at + 1).toISOString() }, now, zone)).toBe(false);
  });

  it("within last 1 day reaches back 25 hours at Berlin's fall back, within last 24 hours 24", () => {
    const now = "2024-10-27T11:00:00Z";
    expect(holds("seen_at within last 1 day", { seen_at: "2024-10-26T10:00:00Z" }, now, "Europe/Berlin")).toBe(true);
    expect(holds("seen_at within last 1 day", { seen_at: "2024-10-26T09:59:59.999Z" }, now, "Europe/Berlin")).toBe(false);
    expect(holds("seen_at within last 24 hours", { seen_at: "2024-10-26T10:00:00Z" }, now, "Europe/Berlin")).toBe(false);
    expect(holds("seen_at within last 24 hours", { seen_at: "2024-10-26T11:00:00Z" }, now, "Europe/Berlin")).toBe(true);
  });

  it("within next 1 day ends 23 hours later at Berlin's spring forward", () => {
    const now = "2024-03-30T11:00:00Z";
    expect(holds("trial_ends_at within next 1 day", { trial_ends_at: "2024-03-31T10:00:00Z" }, now, "Europe/Berlin")).toBe(true);
    expect(holds("trial_ends_at within next 1 day", { trial_ends_at: "2024-03-31T10:00:00.001Z" }, now, "Europe/Berlin")).toBe(false);
    expect(holds("trial_ends_at within next 1 day", { trial_ends_at: "2024-03-30T10:59:59.999Z" }, now, "Europe/Berlin")).toBe(false);
  });

  it("date fields: today in the zone, within last 7 days, within next 30 days, a day against an instant", () => {
    const days = (from: string, n: number) => Array.from({ length: n }, (_, i) => new Date(Date.parse(from) + i * 86_400_000).toISOString().slice(0, 10));
    const select = (text: string, now: string, zone: string) => days("2024-03-01", 75).filter((birthday) => holds(text, { birthday }, now, zone));
    expect(select("birthday = today", "2024-03-31T23:30:00Z", "Europe/Berlin")).toEqual(["2024-04-01"]);
    expect(select("birthday = today", "2024-03-31T23:30:00Z", "UTC")).toEqual(["2024-03-31"]);
    expect(select("birthday within last 7 days", "2024-03-31T12:00:00Z", "Europe/Berlin")).toEqual(days("2024-03-25", 7));
    expect(select("birthday within next 30 days", "2024-03-30T12:00:00Z", "Europe/Berlin")).toEqual(days("2024-03-31", 30));
    expect(select("birthday within next 30 days", "2024-03-29T23:00:00Z", "Europe/Berlin")).toEqual(days("2024-03-30", 31)); // now is Berlin's midnight: today counts
    expect(holds("birthday < 2024-03-31T00:30", { birthday: "2024-03-31" }, "2024-04-01T00:00:00Z", "Europe/Berlin")).toBe(true);
    expect(holds("birthday < 2024-03-31", { birthday: "2024-03-31" }, "2024-04-01T00:00:00Z", "Europe/Berlin")).toBe(false);
  });
});
