/**
 * `--tz ZONE` on `segql check`, `segql eval` and `segql compile` (issue 15), run in-process: the zone
 * decides today, dates, offset-less times and calendar units; the schema's "timeZone" is the default; a bad
 * name is a usage error (exit 2); check warns about times a DST change skips or repeats.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const tmp = tempDir();
// Three contacts signed up around midnight in Berlin, the night clocks went forward (31 March 2024).
const contacts = tmp.file("contacts.jsonl", [
  '{"id":"before-berlin-midnight","signed_up_at":"2024-03-30T22:30:00Z","birthday":"2024-03-30"}',
  '{"id":"after-berlin-midnight","signed_up_at":"2024-03-30T23:30:00Z","birthday":"2024-03-31"}',
  '{"id":"after-utc-midnight","signed_up_at":"2024-03-31T00:30:00Z","birthday":"2024-03-31"}',
].join("\n"));
const zonedSchema = tmp.file("zoned-schema.json", JSON.stringify({ ...JSON.parse(readFileSync(SCHEMA, "utf8")), timeZone: "Europe/Berlin" }));
const NOW = "2024-03-31T10:00:00Z"; // 12:00 CEST on the first day of summer time

describe("segql eval --tz", () => {
  it("counts today from midnight in the zone", async () => {
    const utc = await segql(["eval", "-s", SCHEMA, "-d", contacts, "--no-events", "--now", NOW, "signed_up_at >= today"]);
    expect(utc).toMatchObject({ code: 0, stdout: "after-utc-midnight" });
    const berlin = await segql(["eval", "-s", SCHEMA, "-d", contacts, "--no-events", "--now", NOW, "--tz", "Europe/Berlin", "signed_up_at >= today"]);
    expect(berlin).toMatchObject({ code: 0, stdout: "after-berlin-midnight\nafter-utc-midnight" });
  });

  it("takes the schema's timeZone as the default, and --tz over it", async () => {
    expect(await segql(["eval", "-s", zonedSchema, "-d", contacts, "--no-events", "--now", NOW, "signed_up_at >= today"])).toMatchObject({ code: 0, stdout: "after-berlin-midnight\nafter-utc-midnight" });
    expect(await segql(["eval", "-s", zonedSchema, "-d", contacts, "--no-events", "--now", NOW, "--tz", "UTC", "signed_up_at >= today"])).toMatchObject({ code: 0, stdout: "after-utc-midnight" });
  });

  it("reads a date literal and an offset-less --now in the zone", async () => {
    // 2024-03-31 in New York starts at 04:00 UTC: nobody signed up after it.
    expect(await segql(["eval", "-s", SCHEMA, "-d", contacts, "--no-events", "--tz", "America/New_York", "--count", "signed_up_at >= 2024-03-31"])).toMatchObject({ code: 0, stdout: "0" });
    expect(await segql(["eval", "-s", SCHEMA, "-d", contacts, "--no-events", "--tz", "Europe/Berlin", "--now", "2024-03-31T12:00", "birthday = today"])).toMatchObject({ code: 0, stdout: "after-berlin-midnight\nafter-utc-midnight" });
  });

  it("refuses a zone Intl does not know (exit 2, saying what to write)", async () => {
    const r = await segql(["eval", "-s", SCHEMA, "-d", contacts, "--no-events", "--tz", "Europe/Berln", "signed_up_at >= today"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--tz: unknown time zone 'Europe/Berln': expected an IANA time zone name such as Europe/Berlin");
  });
});

describe("segql compile --tz", () => {
  it("writes the zone's times as literals with --now, on every dialect", async () => {
    for (const dialect of ["duckdb", "postgres", "sqlite", "mysql", "bigquery", "snowflake"]) {
      const r = await segql(["compile", "-s", SCHEMA, "-d", dialect, "--form", "where", "--now", NOW, "--tz", "Europe/Berlin", "signed_up_at >= today"]);
      expect(r.code, `${dialect}: ${r.stderr}`).toBe(0);
      expect(r.stdout, dialect).toMatch(/2024-03-30[ T]23:00:00\.000/);
    }
  });

  it("without --now uses the engine's zone functions, and sqlite says it needs --now (exit 1)", async () => {
    const duck = await segql(["compile", "-s", SCHEMA, "-d", "duckdb", "--form", "where", "--tz", "Europe/Berlin", "signed_up_at >= today"]);
    expect(duck.code).toBe(0);
    expect(duck.stdout).toContain("timezone(");
    expect(duck.stdout).toContain("'Europe/Berlin'");
    const sqlite = await segql(["compile", "-s", SCHEMA, "-d", "sqlite", "--tz", "Europe/Berlin", "signed_up_at >= today"]);
    expect(sqlite.code).toBe(1);
    expect(sqlite.stderr).toContain("today in Europe/Berlin needs the time zone's offsets, and SQLite has no time zone support: give 'now' (--now)");
  });
});

describe("segql check --tz", () => {
  it("warns about a time the clocks skip or repeat there, with a fix for the repeated one", async () => {
    const skipped = await segql(["check", "-s", SCHEMA, "--tz", "Europe/Berlin", "--json", "signed_up_at > 2024-03-31T02:30"]);
    expect(skipped.code).toBe(0);
    const [s] = JSON.parse(skipped.stdout).inputs[0].diagnostics;
    expect(s).toMatchObject({ code: "skipped-local-time", severity: "warning" });
    expect(s.message).toBe("2024-03-31T02:30 does not occur in Europe/Berlin: the clocks jump forward 1 hour there, so it is read as 03:30 (2024-03-31T01:30:00.000Z); write the time after the change, or a UTC offset");
    const repeated = await segql(["check", "-s", SCHEMA, "--tz", "America/New_York", "--json", "signed_up_at > 2024-11-03T01:30"]);
    const [r] = JSON.parse(repeated.stdout).inputs[0].diagnostics;
    expect(r).toMatchObject({ code: "repeated-local-time", fix: { edits: [{ text: "2024-11-03T01:30-05:00" }] } });
    expect(r.message).toContain("it is read as the later one, 2024-11-03T01:30-05:00; for the earlier one write 2024-11-03T01:30-04:00");
    // Without a zone (UTC), nothing to warn about.
    expect(JSON.parse((await segql(["check", "-s", SCHEMA, "--json", "signed_up_at > 2024-03-31T02:30"])).stdout).inputs[0].diagnostics).toEqual([]);
  });

  it("a 30-minute DST change (Lord Howe) and a bad --tz", async () => {
    const r = await segql(["check", "-s", SCHEMA, "--tz", "Australia/Lord_Howe", "signed_up_at > 2024-10-06T02:10"]);
    expect(`${r.stdout}\n${r.stderr}`).toContain("the clocks jump forward 30 minutes there, so it is read as 02:40");
    expect((await segql(["check", "-s", SCHEMA, "--tz", "+02:00", "signed_up_at > today"])).code).toBe(2);
  });
});
