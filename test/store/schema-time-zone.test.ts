/**
 * The schema's `timeZone` is kept with the store: a time written without an offset in a segment is the
 * zone's wall clock in every later session, not only in the one that created the store (the stored schema
 * lost the zone, so a reopened store compiled in UTC). A store made before keeps working: given the schema
 * file again, the zone is put back.
 */
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "../cli/helpers.js";

const tmp = tempDir();
const fields = { id: { type: "string" }, seen_at: { type: "timestamp" } };
const inParis = tmp.file("paris.json", JSON.stringify({ table: "contacts", key: "id", timeZone: "Europe/Paris", fields }));
const utc = tmp.file("utc.json", JSON.stringify({ table: "contacts", key: "id", fields }));
// 03:04:05 on the wall clock in Paris (UTC+1 in January).
const rows = tmp.file("rows.jsonl", '{"id":"a","seen_at":"2025-01-02T02:04:05Z"}\n{"id":"b","seen_at":"2025-01-02T03:04:05Z"}\n');
const wallClock = "seen_at = 2025-01-02T03:04:05";

describe("the schema's time zone in a store", { timeout: 60_000 }, () => {
  it("is kept: a reopened store reads a time without an offset on the zone's wall clock", async () => {
    const db = `${tmp.dir}/paris.duckdb`;
    expect((await segql(["import", "contacts", rows, "--db", db, "--schema", inParis])).code).toBe(0);
    const preview = await segql(["segments", "preview", wallClock, "--db", db]);
    expect(preview.stdout).toMatch(/^1 contact matches /);
    expect(JSON.parse((await segql(["contacts", "export", "--filter", wallClock, "--format", "jsonl", "--db", db])).stdout)).toEqual({ id: "a", seen_at: "2025-01-02T02:04:05.000Z" });
  });

  it("a store whose stored schema has no zone takes it from the schema file given again, and keeps it", async () => {
    const db = `${tmp.dir}/older.duckdb`;
    expect((await segql(["import", "contacts", rows, "--db", db, "--schema", utc])).code).toBe(0);
    expect((await segql(["segments", "preview", wallClock, "--db", db])).stdout).toMatch(/^1 contact matches /);
    expect((await segql(["contacts", "export", "--filter", wallClock, "--format", "jsonl", "--db", db, "--schema", inParis])).stdout).toBe('{"id":"a","seen_at":"2025-01-02T02:04:05.000Z"}');
    expect((await segql(["contacts", "export", "--filter", wallClock, "--format", "jsonl", "--db", db])).stdout).toBe('{"id":"a","seen_at":"2025-01-02T02:04:05.000Z"}');
  });
});
