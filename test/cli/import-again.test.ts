/**
 * `segql import` run again on the same files, as a data engineer re-running a load does: the summary says
 * the contacts are unchanged (was "N updated"), events that duplicate stored ones are counted, and left out
 * with --skip-duplicates (were appended again, unsaid); microsecond timestamps are imported, cut to the
 * millisecond with a note naming the first (were refused); "N bad" counts rows, not problems.
 */
import { describe, expect, it } from "vitest";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const tmp = tempDir();

describe("segql import, again", { timeout: 60_000 }, () => {
  const db = `${tmp.dir}/crm.duckdb`;
  const run = (...args: string[]) => segql([...args, "--db", db]);
  const contacts = tmp.file("contacts.csv", "id,plan_type,lifetime_value,signed_up_at\nc1,Pro,10,2024-01-01 10:00:00.123456+00\nc2,Free,,2024-01-01 10:00:00.000000+00\n");
  const events = tmp.file(
    "events.jsonl",
    [
      '{"contact_id": "c1", "event": "Purchase", "occurred_at": "2024-02-01 10:00:00.5+00", "properties": {"amount": 20, "sku": "X1"}}',
      '{"contact_id": "c1", "event": "Login", "occurred_at": "2024-02-01T11:00:00Z"}',
    ].join("\n"),
  );

  it("contacts: added, then unchanged; a microsecond timestamp is imported with a note naming it", async () => {
    expect(await run("import", "contacts", contacts, "--schema", SCHEMA)).toEqual({
      code: 0,
      stdout: `${contacts}: 2 rows; 2 added, 0 updated`,
      stderr: `note: 1 timestamp had digits past the millisecond and was stored cut to it; the first: ${contacts}:2: field "signed_up_at": "2024-01-01 10:00:00.123456+00" stored as 2024-01-01T10:00:00.123Z (segql keeps milliseconds)`,
    });
    expect(await run("import", "contacts", contacts)).toMatchObject({ code: 0, stdout: `${contacts}: 2 rows; 0 added, 0 updated, 2 unchanged` });
    const changed = tmp.file("changed.csv", "id,plan_type\nc1,Pro\nc2,Pro\n");
    expect(await run("import", "contacts", changed)).toMatchObject({ code: 0, stdout: `${changed}: 2 rows; 0 added, 1 updated, 1 unchanged` });
    const json = JSON.parse((await run("import", "contacts", changed, "--json")).stdout);
    expect(json).toMatchObject({ inserted: 0, updated: 0, unchanged: 2, duplicates: 0, truncatedTimes: 0, firstTruncatedTime: null });
  });

  it("events: a second import counts the duplicates of stored events; --skip-duplicates leaves them out; contacts refuse the option", async () => {
    expect(await run("import", "events", events)).toMatchObject({ code: 0, stdout: `${events}: 2 rows; 2 added, 0 updated` });
    expect(await run("import", "events", events)).toMatchObject({
      code: 0,
      stdout: `${events}: 2 rows; 2 added, 0 updated; 2 of them duplicate stored events (--skip-duplicates leaves such events out)`,
    });
    expect(await run("import", "events", events, "--skip-duplicates")).toMatchObject({ code: 0, stdout: `${events}: 2 rows; 0 added, 0 updated, 2 duplicates of stored events left out` });
    const show = JSON.parse((await run("contacts", "show", "c1", "--json")).stdout);
    expect(show.eventCount).toBe(4);
    expect(await run("import", "contacts", contacts, "--skip-duplicates")).toEqual({
      code: 2,
      stdout: "",
      stderr: "segql import: --skip-duplicates is for events: contacts are upserted by key (the summary says how many were unchanged)",
    });
  });

  it("bad rows are counted as rows: one row with three bad values is 1 bad", async () => {
    const bad = tmp.file("bad.csv", "id,plan_type,lifetime_value,is_verified\nc7,Gold,lots,perhaps\nc8,Pro,1,true\n");
    const r = await run("import", "contacts", bad, "--skip-bad");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${bad}: 2 rows; 1 added, 0 updated, 1 bad (skipped)`);
    expect(r.stderr.split("\n")).toHaveLength(3);
    expect((await run("import", "history", "--limit", "1")).stdout).toContain("done: 2 rows, 1 added, 0 updated, 1 bad (skipped)");
  });
});
