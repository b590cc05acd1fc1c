/**
 * `segql eval`, run in-process through `main(argv, io)`: real outputs for keys, counts, segment files,
 * events, CSV data, and the three exit codes with their messages.
 */
import { describe, expect, it } from "vitest";
import { datasetFile } from "../helpers/datasets.js";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const tmp = tempDir();
const contacts = tmp.file("contacts.jsonl", [
  '{"id":"c1","status":"Subscribed","plan_type":"Pro","lifetime_value":10}',
  '{"id":"c2","status":"Trial","lifetime_value":5000,"unknown_col":1}',
  '{"id":"c3","status":"Subscribed","plan_type":"Free","lifetime_value":null}',
  '{"id":"c1","status":"Subscribed","plan_type":"Pro","lifetime_value":10}',
  '{"id":"c4","email":"X@Example.com","tags":["vip"]}',
].join("\n"));
const events = tmp.file("events.jsonl", [
  '{"contact_id":"c3","event":"Purchase","occurred_at":"2024-03-30T10:00:00Z","properties":{"amount":60}}',
  '{"contact_id":"c3","event":"Purchase","occurred_at":"2024-03-01T10:00:00Z","properties":{"amount":70}}',
  '{"contact_id":"c4","event":"Purchase","occurred_at":"2024-03-30T10:00:00Z","properties":{"amount":5}}',
  '{"contact_id":"zz","event":"Purchase","occurred_at":"2024-03-30T10:00:00Z"}',
].join("\n"));
const E1 = '(status = "Subscribed" and plan_type = "Pro") or lifetime_value > 1000';

describe("segql eval", () => {
  it("prints matching keys in data order, each once, and warns about unknown fields", async () => {
    const r = await segql(["eval", "--schema", SCHEMA, "--data", contacts, E1]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("c1\nc2");
    expect(r.stderr).toBe(`segql eval: warning: ${contacts}: ignoring a field not in the schema: unknown_col`);
  });

  it("exits 0 with no output when nothing matches; --count prints the count", async () => {
    expect(await segql(["eval", "-s", SCHEMA, "-d", contacts, "lifetime_value > 1e9"])).toMatchObject({ code: 0, stdout: "" });
    expect(await segql(["eval", "-s", SCHEMA, "-d", contacts, "--count", E1])).toMatchObject({ code: 0, stdout: "2" });
    expect(await segql(["eval", "-s", SCHEMA, "-d", contacts, "--count", "lifetime_value is empty"])).toMatchObject({ code: 0, stdout: "2" });
    expect(await segql(["eval", "-s", SCHEMA, "-d", contacts, "--mode", "closure", 'email contains "example" and tags has "vip"'])).toMatchObject({ code: 0, stdout: "c4" });
  });

  it("reads the condition from a segment file (--segment) or standard input", async () => {
    const file = tmp.file("segs.segql", `segment "Pro" as plan_type = "Pro";\nsegment "Big" as lifetime_value > 1000 or in segment "Pro"\n`);
    expect(await segql(["eval", "-s", SCHEMA, "-d", contacts, "-f", file, "--segment", "Big"])).toMatchObject({ code: 0, stdout: "c1\nc2" });
    const several = await segql(["eval", "-s", SCHEMA, "-d", contacts, "-f", file]);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain('segql eval: the file defines 2 segments: pick one with --segment NAME (defined: "Pro", "Big")');
    const unknown = await segql(["eval", "-s", SCHEMA, "-d", contacts, "-f", file, "--segment", "Nope"]);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('no segment named "Nope" (defined: "Pro", "Big")') });
    // A bare condition has no names: say so rather than list none.
    const bare = await segql(["eval", "-s", SCHEMA, "-d", contacts, "--segment", "Pro", 'plan_type = "Pro"']);
    expect(bare).toMatchObject({ code: 2, stderr: 'segql eval: no segment named "Pro" (the input is one condition, with no segment declarations: leave out --segment)' });
    expect(await segql(["eval", "-s", SCHEMA, "-d", contacts, "-"], 'plan_type = "Free"')).toMatchObject({ code: 0, stdout: "c3" });
  });

  it("joins events by key (--events) at --now", async () => {
    const args = ["eval", "-s", SCHEMA, "-d", contacts, "-e", events, "--now", "2024-03-31T00:00:00Z"];
    expect(await segql([...args, 'performed "Purchase"'])).toMatchObject({ code: 0, stdout: "c3\nc4" });
    expect(await segql([...args, 'performed "Purchase" at least 2 times within last 30 days where amount > 50'])).toMatchObject({ stdout: "c3" });
    expect(await segql([...args, 'performed "Purchase" at least 2 times within last 29 days'])).toMatchObject({ stdout: "" });
    expect(await segql([...args, 'not performed "Purchase"'])).toMatchObject({ stdout: "c1\nc2" });
    expect(await segql([...args, 'performed "Purchase" with sum of amount = 130'])).toMatchObject({ stdout: "c3" });
    // Without events a `not performed` would match everyone: a usage error unless --no-events says so.
    const forgotten = await segql(["eval", "-s", SCHEMA, "-d", contacts, 'tenure > 0 or not performed "Purchase"']);
    expect(forgotten).toMatchObject({ code: 2, stdout: "" });
    expect(forgotten.stderr).toBe(
      'segql eval: the condition uses events (performed "Purchase" at 1:19) but no events were given: ' +
        "pass them with --events FILE, or --no-events to evaluate as if no contact had any events",
    );
    const none = await segql(["eval", "-s", SCHEMA, "-d", contacts, "--no-events", 'not performed "Purchase"']);
    expect(none).toMatchObject({ code: 0, stdout: "c1\nc2\nc3\nc4" });
    expect((await segql([...args, "--no-events", 'performed "Purchase"'])).code).toBe(2);
  });

  it("reads CSV data", async () => {
    const csv = tmp.file("contacts.csv", 'id,status,lifetime_value,tags\r\nc1,Subscribed,"1,5",\r\nc2,Trial,2000,"a;vip"\r\n');
    const bad = await segql(["eval", "-s", SCHEMA, "-d", csv, "lifetime_value > 1"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`segql eval: ${csv}:2: row 1, field "lifetime_value": expected a number, found "1,5" (a comma in a number: write it with no thousands separator and a decimal point, such as 1234.5)`);
    const good = tmp.file("good.csv", 'id,status,lifetime_value,tags\r\nc1,Subscribed,1.5,\r\nc2,Trial,2000,"a;vip"\r\n');
    expect(await segql(["eval", "-s", SCHEMA, "-d", good, 'tags has "vip" or lifetime_value < 2'])).toMatchObject({ code: 0, stdout: "c1\nc2" });
  });

  it("exits 1 on an invalid condition, with diagnostics rendered like segql check", async () => {
    const r = await segql(["eval", "-s", SCHEMA, "-d", contacts, 'tenure > 12 and stauts = "Trial"']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe([
      "1:17: error: unknown field 'stauts'; did you mean \"status\"?",
      '   1 | tenure > 12 and stauts = "Trial"',
      "     |                 ^^^^^^",
      "     = help: use status",
      "1 error: nothing evaluated",
    ].join("\n"));
  });

  it("exits 2 on bad data naming file, line, row and field", async () => {
    const bad = tmp.file("bad.jsonl", '{"id":"a","lifetime_value":1}\n\n{"id":"b","lifetime_value":"abc"}\n');
    const r = await segql(["eval", "-s", SCHEMA, "-d", bad, "lifetime_value > 0"]);
    expect(r).toEqual({ code: 2, stdout: "", stderr: `segql eval: ${bad}:3: row 2, field "lifetime_value": expected a number, found "abc"` });
    const badEvents = tmp.file("bad-events.jsonl", '{"contact_id":"c1","event":"Purchase","occurred_at":"noon"}\n');
    const r2 = await segql(["eval", "-s", SCHEMA, "-d", contacts, "-e", badEvents, 'performed "Purchase"']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/bad-events\.jsonl:1: row 1, field "occurred_at": expected a timestamp/);
  });

  it.each([
    [["--data", "x.jsonl", "a = 1"], "--schema FILE is required"],
    [["--schema", SCHEMA, "a = 1"], "--data FILE is required"],
    [["--schema", SCHEMA, "--data", "nope.jsonl", "status is empty"], "data file not found: nope.jsonl"],
    [["--schema", SCHEMA, "--data", contacts], "no condition"],
    [["--schema", SCHEMA, "--data", contacts, "a", "b"], "give one condition"],
    [["--schema", SCHEMA, "--data", contacts, "--now", "tomorrow", "status is empty"], "--now: 'tomorrow' is not an instant"],
    [["--schema", SCHEMA, "--data", contacts, "--mode", "fast", "status is empty"], "--mode must be codegen or closure"],
    [["--schema", SCHEMA, "--data", contacts, "--frobnicate", "status is empty"], "unknown option '--frobnicate'"],
  ])("exits 2 on usage errors: %j", async (args, message) => {
    const r = await segql(["eval", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`segql eval: ${message}`);
  });

  it("evaluates the real telco data (README facts)", async () => {
    const args = ["eval", "-s", datasetFile("telco/schema.json"), "-d", datasetFile("telco/contacts.jsonl"), "--now", "2026-01-01T00:00:00Z", "--count"];
    expect((await segql([...args, "total_charges is empty"])).stdout).toBe("11");
    expect((await segql([...args, "churn"])).stdout).toBe("1869");
    expect((await segql([...args, 'contract = "Month-to-month"'])).stdout).toBe("3875");
    expect((await segql([...args, "signed_up_at = now"])).stdout).toBe("11");
    const keys = await segql(["eval", "-s", datasetFile("telco/schema.json"), "-d", datasetFile("telco/contacts.jsonl"), "total_charges is empty"]);
    expect(keys.stdout.split("\n")).toHaveLength(11);
    expect(keys.stdout.split("\n")[0]).toBe("4472-LVYGI");
  });
});
