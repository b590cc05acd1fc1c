/**
 * An expression that checks but that a dialect cannot express (a zone's offsets on SQLite or MySQL without
 * --now, a relative time past the years SQL holds): in a file of many segments, the error says where,
 * FILE:LINE:COL with the source line, like every other problem in the input, and exits 1.
 */
import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const tmp = tempDir();
const file = tmp.file(
  "segments.segql",
  ['segment "Verified" as is_verified', "", 'segment "Recent" as', "  is_verified and signed_up_at within last 3 days", ""].join("\n"),
);

describe("SQL a dialect cannot express says where in the input", () => {
  for (const dialect of ["sqlite", "mysql"]) {
    it(`${dialect}: a zone's offsets without --now point at the time`, async () => {
      const r = await segql(["compile", "-s", SCHEMA, "-d", dialect, "--tz", "Europe/Berlin", "--form", "views", "-f", file]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^.*segments\.segql:4:19: error: field "signed_up_at": 3 days ago in Europe\/Berlin needs the time zone's offsets/);
      expect(r.stderr).toContain("   4 |   is_verified and signed_up_at within last 3 days");
      expect(r.stderr).toContain("1 error: nothing compiled");
      expect(r.stderr).not.toContain("segql compile: error:");
    });
  }

  it("an inline expression: LINE:COL, as for other errors", async () => {
    const r = await segql(["compile", "-s", SCHEMA, "-d", "sqlite", "--tz", "Europe/Berlin", "country = \"x\" or signed_up_at after 2 days ago"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^1:18: error: field "signed_up_at": 2 days ago in Europe\/Berlin needs/);
  });

  it("--now makes it compile (the advice in the message holds)", async () => {
    const r = await segql(["compile", "-s", SCHEMA, "-d", "sqlite", "--tz", "Europe/Berlin", "--now", "2026-01-01T00:00:00Z", "--segment", "Recent", "-f", file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });
});
