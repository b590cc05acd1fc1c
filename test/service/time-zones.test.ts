/**
 * The language service and issue 15: completion of the future forms (`within next`, `in N days`,
 * `N days from now`), hover on time values showing the instant they stand for in the evaluation zone and
 * in UTC (the project's zone, else the schema's, else UTC), and the checker's DST warnings in the editor.
 */
import { describe, expect, it } from "vitest";
import { parseSchema } from "../../src/schema/schema.js";
import { LanguageService, type ProjectInfo } from "../../src/service/index.js";
import { complete, completeItems, cursor, schema, URI } from "./helpers.js";

/** Fixed clock: 31 March 2024, 10:00 UTC (12:00 in Berlin, the first day of summer time). */
const NOW = Date.parse("2024-03-31T10:00:00Z");

function service(text: string, project: Partial<ProjectInfo> = {}): LanguageService {
  const info: ProjectInfo = { key: "p", schema, ...project };
  const svc = new LanguageService({ project: () => info, now: () => NOW });
  svc.setDocument(URI, text);
  return svc;
}

/** The hover's markdown at the marked cursor. */
function hoverAt(marked: string, project: Partial<ProjectInfo> = {}): string | null {
  const { text, offset } = cursor(marked);
  return service(text, project).hover(URI, offset)?.markdown ?? null;
}

describe("completion of the future forms", () => {
  it("offers within next and not within next after a date or timestamp field, with a snippet", () => {
    expect(complete("signed_up_at within n|")).toBe("within next");
    expect(complete("birthday not within |")).toBe("not within last not within next");
    const item = completeItems("birthday |").find((i) => i.label === "within next")!;
    expect(item.snippet).toMatch(/^within next \$\{1:30\} \$\{2\|days,/);
    expect(item.documentation).toContain("Within the next N units from now");
    expect(complete("tenure within |")).toBe("");
  });

  it("offers in … days where a time goes, and from now after N units", () => {
    const item = completeItems("signed_up_at < |").find((i) => i.label === "in … days")!;
    expect(item).toMatchObject({ insertText: "in 7 days", detail: "a time after now" });
    expect(item.snippet).toMatch(/^in \$\{1:7\} /);
    expect(complete("signed_up_at < 3 days |")).toBe("ago from now");
    expect(complete("signed_up_at < in 3 |")).toBe("minutes hours days weeks months years");
  });

  it("does not offer looking ahead in an event window (events are in the past)", () => {
    expect(complete('performed "Purchase" within |')).toBe("last");
    expect(complete('performed "Purchase" between |')).toBe("today now");
    expect(complete('performed "Purchase" with last time |')).not.toContain("within next");
  });

  it("today's detail names the zone", () => {
    const { text, offset } = cursor("birthday = |");
    const zoned = service(text, { timeZone: "Asia/Kolkata" }).complete(URI, offset).items.find((i) => i.label === "today")!;
    expect(zoned.detail).toBe("the start of today in Asia/Kolkata");
    expect(completeItems("birthday = |").find((i) => i.label === "today")!.detail).toBe("the start of today in UTC");
  });
});

describe("hover on time values", () => {
  it("today: the start of the day in the project's zone and in UTC (spring forward, Berlin)", () => {
    const md = hoverAt("signed_up_at >= tod|ay", { timeZone: "Europe/Berlin" })!;
    expect(md).toContain("**today** in Europe/Berlin");
    expect(md).toContain("- Europe/Berlin: `2024-03-31T00:00:00.000+01:00`");
    expect(md).toContain("- UTC: `2024-03-30T23:00:00.000Z`");
    expect(md).toContain("Now being `2024-03-31T12:00:00.000+02:00`");
  });

  it("a relative time in the past and in the future, in the schema's zone by default", () => {
    const zoned = parseSchema(JSON.stringify({ table: "c", key: "id", fields: { id: { type: "string" }, t: { type: "timestamp" } }, timeZone: "Europe/Berlin" }));
    const ago = hoverAt("t > 1 da|y ago", { schema: zoned })!;
    expect(ago).toContain("**1 day ago** in Europe/Berlin");
    expect(ago).toContain("- UTC: `2024-03-30T11:00:00.000Z`"); // 12:00 CET the day before: 23 hours earlier
    const ahead = hoverAt("t < in 1 mon|th", { schema: zoned })!;
    expect(ahead).toContain("**in 1 month** in Europe/Berlin");
    expect(ahead).toContain("- Europe/Berlin: `2024-04-30T12:00:00.000+02:00`");
    const fromNow = hoverAt("t < 2 weeks fr|om now", { schema: zoned })!;
    expect(fromNow).toContain("**2 weeks from now**");
  });

  it("a 45-minute zone (Chatham) and UTC without a zone", () => {
    expect(hoverAt("birthday = tod|ay", { timeZone: "Pacific/Chatham" })).toContain("- UTC: `2024-03-30T10:15:00.000Z`");
    const utc = hoverAt("birthday = tod|ay")!;
    expect(utc).toContain("**today** (UTC)");
    expect(utc).toContain("- UTC: `2024-03-31T00:00:00.000Z`");
    expect(utc).not.toContain("- Europe");
  });

  it("a date and an offset-less timestamp are read in the zone; a repeated time says which it is", () => {
    const date = hoverAt("birthday = 2024-03-3|1", { timeZone: "America/New_York" })!;
    expect(date).toContain("- UTC: `2024-03-31T04:00:00.000Z`");
    expect(date).toContain("Written without a UTC offset: read as wall-clock time in America/New_York.");
    const repeated = hoverAt("signed_up_at > 2024-11-03T01:3|0", { timeZone: "America/New_York" })!;
    expect(repeated).toContain("- UTC: `2024-11-03T06:30:00.000Z`");
    expect(repeated).toContain("occurs twice there (the clocks go back): it is the later one");
    const offset = hoverAt("signed_up_at > 2024-11-03T01:30-04:0|0", { timeZone: "America/New_York" })!;
    expect(offset).toContain("- UTC: `2024-11-03T05:30:00.000Z`");
    expect(offset).not.toContain("Written without");
  });

  it("the bounds of an event window", () => {
    const md = hoverAt('performed "Purchase" between 7 days ago and tod|ay', { timeZone: "Europe/Berlin" })!;
    expect(md).toContain("**today** in Europe/Berlin");
  });

  it("the within next operator says what it means", () => {
    expect(hoverAt("signed_up_at within ne|xt 7 days")).toContain("`within next`: Within the next N units from now");
  });
});

describe("diagnostics in the editor", () => {
  it("warn about a time the project's zone skips, and not in UTC", () => {
    const text = "signed_up_at > 2024-03-31T02:30";
    const zoned = service(text, { timeZone: "Europe/Berlin" }).diagnostics(URI);
    expect(zoned.map((d) => d.code)).toEqual(["skipped-local-time"]);
    expect(service(text).diagnostics(URI)).toEqual([]);
  });

  it("an event window ahead of now is an error", () => {
    const d = service('performed "Purchase" within next 7 days').diagnostics(URI);
    expect(d.map((x) => [x.code, x.severity])).toEqual([["future-event", "error"]]);
  });
});
