/**
 * The loaders: JSONL, JSON array and CSV read alike, values converted by schema type, streaming across
 * chunk boundaries, and every bad value reported with file, line, row and field.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataError, loadContacts, loadEventsByKey, readEvents } from "../../src/data/index.js";
import { parseSchema } from "../../src/schema/schema.js";

const dir = mkdtempSync(join(tmpdir(), "segql-loaders-"));
let n = 0;
function file(ext: string, text: string): string {
  const path = join(dir, `f${n++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

const schema = parseSchema(JSON.stringify({
  table: "contacts",
  key: "id",
  fields: {
    id: { type: "string" },
    name: { type: "string" },
    status: { type: "enum", values: ["Subscribed", "Unsubscribed"] },
    lifetime_value: { type: "number" },
    vip: { type: "boolean" },
    birthday: { type: "date" },
    seen_at: { type: "timestamp" },
    tags: { type: "list" },
  },
  events: {
    table: "events", contact_key: "customer_id", name: "event", time: "occurred_at",
    properties: { amount: { type: "number" }, sku: { type: "string", column: "sku" }, at: { type: "timestamp" } },
  },
}));

const expected = [
  { id: "c1", name: 'Ann "A", Jr.', status: "Subscribed", lifetime_value: 1000.5, vip: true, birthday: new Date("2000-02-29T00:00:00Z"), seen_at: new Date("2024-01-01T09:00:00Z"), tags: ["vip", "beta"] },
  { id: "c2", name: "line\nbreak", status: null, lifetime_value: null, vip: false, birthday: null, seen_at: null, tags: [] },
  { id: "c3", name: "", status: "Unsubscribed", lifetime_value: -0.25, vip: null, birthday: null, seen_at: new Date("2024-01-01T00:00:00Z"), tags: ["a;b"] },
];

describe("contacts", () => {
  it("read alike from JSONL, a JSON array and CSV (CRLF, quotes, BOM, blank cells, lists)", async () => {
    const jsonl = file("jsonl", [
      '{"id":"c1","name":"Ann \\"A\\", Jr.","status":"Subscribed","lifetime_value":1000.5,"vip":true,"birthday":"2000-02-29","seen_at":"2024-01-01T10:00:00+01:00","tags":["vip","beta"],"extra":1}',
      "",
      '{"id":"c2","name":"line\\nbreak","status":null,"vip":false,"tags":[],"lifetime_value":null}',
      '{"id":"c3","name":"","status":"Unsubscribed","lifetime_value":-0.25,"seen_at":"2024-01-01","tags":["a;b"]}',
    ].join("\n"));
    const json = file("json", `[\n  ${[
      { id: "c1", name: 'Ann "A", Jr.', status: "Subscribed", lifetime_value: 1000.5, vip: true, birthday: "2000-02-29", seen_at: "2024-01-01T09:00:00Z", tags: ["vip", "beta"] },
      { id: "c2", name: "line\nbreak", status: null, vip: false, tags: [], lifetime_value: null },
      { id: "c3", name: "", status: "Unsubscribed", lifetime_value: -0.25, seen_at: "2024-01-01T00:00:00.000Z", tags: ["a;b"] },
    ].map((c) => JSON.stringify(c)).join(",\n  ")}\n]\n`);
    const csv = file("csv", "\ufeffid,name,status,lifetime_value,vip,birthday,seen_at,tags\r\n" +
      'c1,"Ann ""A"", Jr.",Subscribed,1000.5,yes,2000-02-29,2024-01-01 09:00:00,vip;beta\r\n' +
      'c2,"line\r\nbreak",,  ,FALSE,,,\r\n' +
      "\r\n" +
      'c3,,Unsubscribed,-.25,,, 2024-01-01 ,"[""a;b""]"\r\n');
    const fromJsonl = await loadContacts(jsonl, schema);
    const fromJson = await loadContacts(json, schema);
    const fromCsv = await loadContacts(csv, schema);
    // CSV cannot tell "" from missing: both are empty (null), as are blank numbers. A line break inside a
    // quoted field is data: read as written (CRLF here), not as the record separator.
    const csvExpected = expected.map((c) => ({ ...c, name: c.name === "" ? null : c.name === "line\nbreak" ? "line\r\nbreak" : c.name, tags: c.tags.length === 0 ? null : c.tags }));
    expect(fromJsonl).toEqual(expected.map((c) => Object.fromEntries(Object.entries(c).filter(([k]) => !(c.id === "c2" && ["birthday", "seen_at"].includes(k)) && !(c.id === "c3" && ["vip", "birthday"].includes(k))))));
    expect(fromJson).toEqual(fromJsonl);
    expect(fromCsv).toEqual(csvExpected);
  });

  it("report unknown fields once and ignore them", async () => {
    const seen: string[][] = [];
    await loadContacts(file("jsonl", '{"id":"a","zzz":1}\n{"id":"b","yyy":2,"zzz":3}\n'), schema, { onUnknownFields: (_f, names) => seen.push(names) });
    expect(seen).toEqual([["zzz", "yyy"]]);
  });

  it("stream a JSON array across chunk boundaries (strings with brackets, commas, escapes)", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ id: `c${i}`, name: `x],[{"}\\ "${"é".repeat(i % 50)}`, tags: [`{${i}}`, "]"], lifetime_value: i / 4 }));
    const path = file("json", JSON.stringify(rows, null, 3));
    const loaded = await loadContacts(path, schema);
    expect(loaded).toEqual(rows);
  });

  it.each([
    ["jsonl", '{"id":"a","lifetime_value":1}\n{"id":"b","lifetime_value":"abc"}\n', /f\d+\.jsonl:2: row 2, field "lifetime_value": expected a number, found "abc"/],
    ["csv", 'id,lifetime_value\r\na,1\r\nb,abc\r\n', /f\d+\.csv:3: row 2, field "lifetime_value": expected a number, found "abc"/],
    ["csv", 'id,status\na,Pending\n', /:2: row 1, field "status": expected one of "Subscribed", "Unsubscribed", found "Pending"/],
    ["csv", 'id,seen_at\na,2024-02-30T00:00:00Z\n', /:2: row 1, field "seen_at": expected a timestamp such as .* \(2024-02-30 is not a date on the calendar\)/],
    ["csv", 'id,vip\na,maybe\n', /field "vip": expected true or false, found "maybe"/],
    ["csv", 'id,birthday\na,31/01/2024\n', /field "birthday": expected a date such as 2024-01-31, found "31\/01\/2024"/],
    ["csv", 'id,tags\na,"[1, {}]"\n', /field "tags": expected a list of strings, found an object at position 2/],
    ["csv", 'id,name\na,b,c\n', /:2: row 1, expected 2 cells as in the header, found 3/],
    ["csv", 'id,name\na,"open\n', /:2: a quoted field is not closed before the end of the file/],
    ["csv", 'id,name\na,"x"y\n', /:2: unexpected "y" after a closing quote/],
    ["csv", 'name\nx\n', /:1: the header has no column for the key "id"/],
    ["csv", "", /the file is empty/],
    ["jsonl", '{"id":"a"}\n{"id":\n', /:2: not valid JSON/],
    ["jsonl", '{"name":"x"}\n', /:1: row 1, field "id": the key is missing or empty/],
    ["jsonl", "[1]\n", /:1: row 1, expected a JSON object for a contact, found an array/],
    ["json", '[{"id":"a"},\n{"id":"b"', /:2: the JSON array is not closed/],
    ["json", '{"id":"a"}', /:1: expected a JSON array of objects/],
    ["json", '[{"id":"a"}] x', /unexpected text after the JSON array/],
    ["txt", "", /cannot tell the format from the extension '.txt'/],
  ])("reject bad %s with file, line, row and field", async (ext, text, message) => {
    const path = file(ext, text);
    const error = await loadContacts(path, schema).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.startsWith(path)).toBe(true);
  });
});

describe("events", () => {
  it("are converted by the schema and grouped by contact key", async () => {
    const path = file("jsonl", [
      '{"customer_id":"c1","event":"Purchase","occurred_at":"2024-01-01T10:00:00Z","properties":{"amount":"15.5","at":"2024-01-02T00:00:00Z","other":1},"sku":"A1"}',
      '{"customer_id":2,"event":"Refund","occurred_at":"2024-01-03 10:00:00"}',
      '{"customer_id":"c1","event":"Purchase","occurred_at":1704067200000,"properties":{}}',
    ].join("\n"));
    const byKey = await loadEventsByKey(path, schema);
    expect([...byKey.keys()]).toEqual(["c1", "2"]);
    expect(byKey.get("c1")).toEqual([
      { customer_id: "c1", event: "Purchase", occurred_at: new Date("2024-01-01T10:00:00Z"), properties: { amount: 15.5, at: new Date("2024-01-02T00:00:00Z") }, sku: "A1" },
      { customer_id: "c1", event: "Purchase", occurred_at: new Date(1704067200000), properties: {} },
    ]);
    expect(byKey.get("2")![0]!["occurred_at"]).toEqual(new Date("2024-01-03T10:00:00Z"));
  });

  it.each([
    ['{"customer_id":"c1","event":"P","occurred_at":"2024-01-01T00:00:00Z","properties":{"amount":"lots"}}', /:1: row 1, field "properties.amount": expected a number, found "lots"/],
    ['{"customer_id":"c1","event":"P","occurred_at":"yesterday"}', /:1: row 1, field "occurred_at": expected a timestamp/],
    ['{"customer_id":"c1","event":"P"}', /field "occurred_at": expected the event's time, found nothing/],
    ['{"event":"P","occurred_at":"2024-01-01T00:00:00Z"}', /field "customer_id": expected the contact key/],
    ['{"customer_id":"c1","event":"","occurred_at":"2024-01-01T00:00:00Z"}', /field "event": expected the event name/],
    ['{"customer_id":"c1","event":"P","occurred_at":"2024-01-01T00:00:00Z","properties":[1]}', /field "properties": expected an object of properties/],
  ])("reject %s", async (line, message) => {
    const path = file("jsonl", `${line}\n`);
    const error = await (async () => {
      for await (const _ of readEvents(path, schema)) void _;
    })().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(message);
  });
});

describe("gzip-compressed files", () => {
  it("read like their plain form, for every format", async () => {
    const { gzipSync } = await import("node:zlib");
    const gz = (ext: string, text: string) => {
      const path = join(dir, `g${n++}.${ext}.gz`);
      writeFileSync(path, gzipSync(Buffer.from(text)));
      return path;
    };
    const rows = [{ id: "c1", lifetime_value: 3, tags: ["a"] }, { id: "c2", name: "Zoë" }];
    const jsonl = rows.map((r) => JSON.stringify(r)).join("\n");
    const fromJsonl = await loadContacts(gz("jsonl", jsonl), schema);
    expect(fromJsonl).toEqual(await loadContacts(file("jsonl", jsonl), schema));
    expect(await loadContacts(gz("json", JSON.stringify(rows)), schema)).toEqual(fromJsonl);
    expect(await loadContacts(gz("csv", "id,lifetime_value,tags,name\nc1,3,a,\nc2,,,Zoë\n"), schema)).toEqual(
      await loadContacts(file("csv", "id,lifetime_value,tags,name\nc1,3,a,\nc2,,,Zoë\n"), schema),
    );
  });

  it("a corrupt archive is an error naming the file (without a line: it is the whole file's)", async () => {
    const path = join(dir, `bad${n++}.jsonl.gz`);
    writeFileSync(path, "not gzip");
    await expect(loadContacts(path, schema)).rejects.toMatchObject({ message: `${path}: not a readable gzip file (incorrect header check)` });
    await expect(loadContacts(path, schema)).rejects.toBeInstanceOf(DataError);
  });
});
