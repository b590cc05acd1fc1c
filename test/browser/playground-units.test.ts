/**
 * The playground's pure modules, in Node (no browser needed; kept beside the browser tests of the same
 * app): the URL state round-trips; the readers give the same contacts as the CLI's loaders and name the
 * line and field of a bad value; gzip is told by its bytes; the DuckDB check's own-column schema means the
 * same as the original (a law over random expressions and events); the deciding conditions of an
 * explanation; the generated contacts.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { explain } from "../../src/compiler/predicate/explain.js";
import { compilePredicate, groupEvents } from "../../src/compiler/predicate/index.js";
import { loadContacts, loadEventsByKey } from "../../src/data/index.js";
import { checkExpression } from "../../src/index.js";
import { readSchemaFile } from "../../src/schema/read-schema-file.js";
import { ownColumnSchema } from "../../playground/src/duck-schema.js";
import { decidingLeaves } from "../../playground/src/playground/blame.js";
import { sortFiles } from "../../playground/src/playground/sort-files.js";
import { readState, writeState, type PlaygroundState } from "../../playground/src/playground/url-state.js";
import { formatHash, parseHash } from "../../playground/src/router.js";
import { duckTables } from "../../playground/src/worker/duck-tables.js";
import { prepare, type Dataset } from "../../playground/src/worker/evaluate.js";
import { generateContacts } from "../../playground/src/worker/generate.js";
import { readContacts, readEvents } from "../../playground/src/worker/load.js";
import { DataFileError, readCsv, readJsonArray, textChunks } from "../../playground/src/worker/read-records.js";
import { datasetFile } from "../helpers/datasets.js";
import { caseArb, richSchema } from "../helpers/generators.js";

/** A byte stream of `bytes` in chunks of `size`. */
function streamOf(bytes: Uint8Array, size = 7): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function* chunksOf(text: string, size = 5): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("URL state", () => {
  const stateArb: fc.Arbitrary<PlaygroundState> = fc.record({
    text: fc.string({ unit: "grapheme", maxLength: 40 }),
    dataset: fc.constantFrom("telco", "retail", "generated" as const),
    now: fc.constantFrom("2026-01-01T00:00:00Z", "2011-12-10T00:00:00Z", "2024-02-29T12:00:00.000Z"),
    dialect: fc.constantFrom("duckdb", "postgres", "sqlite", "mysql", "bigquery", "snowflake" as const),
    params: fc.boolean(),
    contact: fc.option(fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.length > 0), { nil: null }),
    sort: fc.option(fc.record({ field: fc.string({ minLength: 1, maxLength: 10 }), descending: fc.boolean() }), { nil: null }),
    page: fc.nat(1000),
  });

  it("a link holds the whole view: write → hash → read gives the same state", () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        const hash = formatHash({ path: "/playground", params: writeState(s) });
        const back = parseHash(hash);
        expect(back.path).toBe("/playground");
        expect(readState(back.params)).toEqual(s);
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it("bad values in a link fall back to defaults", () => {
    const s = readState(new URLSearchParams("dataset=nope&dialect=oracle&now=yesterday&page=-3&sort=x"));
    expect(s).toMatchObject({ dataset: "telco", dialect: "duckdb", now: "2026-01-01T00:00:00Z", page: 0, sort: null, contact: null });
  });
});

describe("readers", () => {
  it("read the Telco file into exactly the contacts the CLI's loader reads (gzip told by its bytes)", async () => {
    const schema = readSchemaFile(datasetFile("telco/schema.json"));
    const expected = await loadContacts(datasetFile("telco/contacts.jsonl"), schema);
    const gz = new Uint8Array(readFileSync("data/telco/contacts.jsonl.gz"));
    const plain = new Uint8Array(readFileSync(datasetFile("telco/contacts.jsonl")));
    for (const bytes of [gz, plain]) {
      const got = await readContacts("contacts.jsonl", "jsonl", textChunks(streamOf(bytes, 65536)), schema);
      expect(got.contacts).toEqual(expected);
      expect(got.ignored).toEqual([]);
    }
  });

  it("read Online Retail events as the CLI's loader does", async () => {
    const schema = readSchemaFile(datasetFile("online-retail/schema.json"));
    const expected = await loadEventsByKey(datasetFile("online-retail/events.jsonl"), schema);
    const got = await readEvents("events.jsonl", textChunks(streamOf(new Uint8Array(readFileSync("data/online-retail/events.jsonl.gz")), 1 << 16)), schema);
    expect(got.count).toBe(95_880);
    expect(got.byKey).toEqual(expected);
  });

  it("CSV: quotes, commas and line breaks in fields, CRLF, a byte-order mark; each record's first line", async () => {
    const text = '\ufeffid,name,note\r\n1,"Smith, J","said ""hi"""\r\n\r\n2,Ann,"two\nlines"\n3,,\n';
    expect(await all(readCsv("f.csv", chunksOf(text, 3)))).toEqual([
      { cells: ["id", "name", "note"], line: 1 },
      { cells: ["1", "Smith, J", 'said "hi"'], line: 2 },
      { cells: ["2", "Ann", "two\nlines"], line: 4 },
      { cells: ["3", "", ""], line: 6 },
    ]);
  });

  it("CSV: whatever the cells, writing then reading gives them back", async () => {
    const cell = fc.string({ unit: fc.constantFrom("a", "b", ",", '"', "\n", " ", "é", "😀"), maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 9 }), async (rows, size) => {
        const quote = (c: string) => (/[",\n]/.test(c) || c === "" ? `"${c.replace(/"/g, '""')}"` : c);
        const text = rows.map((r) => r.map(quote).join(",")).join("\n");
        const back = await all(readCsv("f.csv", chunksOf(text, size)));
        expect(back.map((r) => r.cells)).toEqual(rows);
      }),
      { numRuns: 200, seed: 9 },
    );
  });

  it("a JSON array's elements keep their lines, so an error names it", async () => {
    const text = '[\n  {"id": "a"},\n  {"id": "b",\n   "x": [1, {"y": "]"}]},\n  {"id": }\n]';
    const got: unknown[] = [];
    await expect(async () => {
      for await (const r of readJsonArray("f.json", chunksOf(text))) got.push(r);
    }).rejects.toThrow(/^f\.json:5: not valid JSON/);
    expect(got).toEqual([
      { value: { id: "a" }, line: 2 },
      { value: { id: "b", x: [1, { y: "]" }] }, line: 3 },
    ]);
  });

  it("bad values stop loading with the file, line and field", async () => {
    const schema = readSchemaFile(datasetFile("telco/schema.json"));
    const bad = async (format: "csv" | "jsonl", text: string) => {
      try {
        await readContacts(`f.${format}`, format, chunksOf(text), schema);
      } catch (e) {
        expect(e).toBeInstanceOf(DataFileError);
        return (e as Error).message;
      }
      throw new Error("expected an error");
    };
    expect(await bad("csv", "customer_id,tenure\nA,1\nB,x\n")).toBe('f.csv:3: field "tenure": expected a number, found "x"');
    expect(await bad("jsonl", '{"customer_id":"A","contract":"Weekly"}\n')).toBe('f.jsonl:1: field "contract": expected one of "Month-to-month", "One year", "Two year", found "Weekly"');
    expect(await bad("jsonl", '{"customer_id":"A"}\n\n{"customer_id":"A"}\n')).toBe('f.jsonl:3: field "customer_id": the key "A" appears twice');
    expect(await bad("csv", "tenure\n1\n")).toBe('f.csv:1: the header has no column for the key "customer_id"');
    expect(await bad("csv", "customer_id,tenure\nA,1,2\n")).toBe("f.csv:2: expected 2 cells as in the header, found 3");
  });

  it("gzip is recognised by its bytes, whatever the name", async () => {
    const text = '{"a":1}\n{"a":2}\n';
    for (const bytes of [new Uint8Array(gzipSync(text)), new TextEncoder().encode(text)]) {
      expect((await all(textChunks(streamOf(bytes)))).join("")).toBe(text);
    }
  });

  it("dropped files are told apart by name", () => {
    const f = (name: string) => new File(["x"], name);
    const sorted = sortFiles([f("people.csv"), f("crm-schema.json"), f("events.jsonl.gz")]);
    expect([sorted.contacts?.name, sorted.events?.name, sorted.schema?.name, sorted.problem]).toEqual(["people.csv", "events.jsonl.gz", "crm-schema.json", null]);
    expect(sortFiles([f("a.csv"), f("b.csv")]).problem).toMatch(/two contacts files/);
    expect(sortFiles([f("schema.json")]).problem).toMatch(/no contacts file/);
  });
});

describe("the DuckDB check's own-column schema", () => {
  it("every event property gets its own column, none clashing", () => {
    const s = ownColumnSchema(richSchema);
    const ev = s.events!;
    const columns = Object.values(ev.properties).map((p) => p.column);
    expect(Object.values(ev.properties).every((p) => p.ownColumn)).toBe(true);
    expect(new Set([...columns, ev.contactKey, ev.name, ev.time, ev.propertiesColumn]).size).toBe(columns.length + 4);
    expect(ownColumnSchema(readSchemaFile(datasetFile("telco/schema.json")))).toEqual(readSchemaFile(datasetFile("telco/schema.json")));
  });

  it("means the same: the predicate over events with properties moved to columns gives the same answers", () => {
    const moved = ownColumnSchema(richSchema);
    const ev = richSchema.events!;
    fc.assert(
      fc.property(caseArb(richSchema, { library: null, mistypedProperties: false }), (c) => {
        const a = compilePredicate(checkExpression(c.text, richSchema), { now: c.now });
        const b = compilePredicate(checkExpression(c.text, moved), { now: c.now });
        const rows = c.events.map((e) => {
          const r: Record<string, unknown> = { ...e };
          const bag = (e[ev.propertiesColumn] ?? {}) as Record<string, unknown>;
          for (const p of Object.values(moved.events!.properties)) {
            const original = ev.properties[p.name]!;
            if (!original.ownColumn) r[p.column] = Object.hasOwn(bag, p.name) ? bag[p.name] : null;
          }
          return r;
        });
        const before = groupEvents(c.events, ev.contactKey);
        const after = groupEvents(rows, ev.contactKey);
        for (const contact of c.contacts) {
          const key = String(contact["id"]);
          expect(b(contact, after.get(key) ?? [])).toBe(a(contact, before.get(key) ?? []));
        }
      }),
      { numRuns: 150, seed: 21 },
    );
  });

  it("tables carry typed columns: contacts, and events with their properties", async () => {
    const schema = readSchemaFile(datasetFile("online-retail/schema.json"));
    const contacts = await loadContacts(datasetFile("online-retail/contacts.jsonl"), schema);
    const events = await loadEventsByKey(datasetFile("online-retail/events.jsonl"), schema);
    const [c, e] = duckTables(schema, contacts, events);
    expect(c!.columns.map((x) => `${x.name} ${x.type}`)).toEqual(["customer_id VARCHAR", "country VARCHAR", "first_seen_at TIMESTAMP"]);
    expect(c!.columns[2]!.values[0]).toBe((contacts[0]!["first_seen_at"] as Date).getTime());
    expect(e!.columns.map((x) => `${x.name} ${x.type}`)).toEqual([
      "customer_id VARCHAR", "event VARCHAR", "occurred_at TIMESTAMP", "p_amount DOUBLE", "p_quantity DOUBLE", "p_unit_price DOUBLE",
      "p_stock_code VARCHAR", "p_description VARCHAR", "p_invoice_no VARCHAR", "p_country VARCHAR",
    ]);
    expect(e!.columns[0]!.values).toHaveLength(95_880);
  });
});

describe("deciding conditions of an explanation", () => {
  const schema = () => readSchemaFile(datasetFile("telco/schema.json"));
  const contact = { customer_id: "x", tenure: 1, contract: "Month-to-month", churn: false, senior_citizen: true };
  const leaves = (text: string) => {
    const x = explain(checkExpression(text, schema()), contact, [], { now: "2026-01-01" });
    return { value: x.value, labels: decidingLeaves(x.root).map((n) => `${n.label}=${n.value}`) };
  };

  it("names what failed for a non-member and what held for a member", () => {
    expect(leaves('contract = "Month-to-month" and tenure > 12 and churn')).toEqual({ value: false, labels: ["tenure > 12=false", "churn = true=false"] });
    expect(leaves("tenure > 12 or churn")).toEqual({ value: false, labels: ["tenure > 12=false", "churn = true=false"] });
    expect(leaves("tenure > 12 or senior_citizen")).toEqual({ value: true, labels: ["senior_citizen = true=true"] });
    // Through `not`, the roles swap: `not churn` holds because churn is false.
    expect(leaves("not churn and senior_citizen")).toEqual({ value: true, labels: ["churn = true=false", "senior_citizen = true=true"] });
  });

  it("on random explanations: never empty, leaves only", () => {
    fc.assert(
      fc.property(caseArb(richSchema, { library: null }), (c) => {
        const q = checkExpression(c.text, c.schema);
        const byKey = groupEvents(c.events, "contact_id");
        for (const contact of c.contacts) {
          const x = explain(q, contact, byKey.get(String(contact["id"])) ?? [], { now: c.now });
          const found = decidingLeaves(x.root);
          expect(found.length).toBeGreaterThan(0);
          for (const n of found) expect(n.kind === "rule" || n.kind === "event" || n.children.length === 0).toBe(true);
        }
      }),
      { numRuns: 100, seed: 8 },
    );
  });
});

describe("generated contacts", () => {
  it("are deterministic, keyed uniquely, and valid Telco contacts", async () => {
    const schema = readSchemaFile(datasetFile("telco/schema.json"));
    const telco = await loadContacts(datasetFile("telco/contacts.jsonl"), schema);
    const a = generateContacts(telco, 5000);
    expect(generateContacts(telco, 5000)).toEqual(a);
    expect(new Set(a.map((c) => c["customer_id"])).size).toBe(5000);
    // Every value fits its field: a predicate on each field evaluates without surprises.
    const p = compilePredicate(checkExpression("tenure between 0 and 72 and signed_up_at before now and contract is not empty", schema), { now: "2026-01-01T00:00:00.001Z" });
    expect(a.filter((c) => p(c)).length).toBe(5000);
  });
});

describe("the count pane's reason", () => {
  const schema = readSchemaFile(datasetFile("telco/schema.json"));
  const dataset: Dataset = { name: "t", schema, schemaText: "", inferred: false, notes: [], contacts: [], events: null } as unknown as Dataset;
  const reason = (text: string) => {
    const p = prepare(dataset, { text, segment: null, now: "2026-01-01T00:00:00Z" });
    return p.ok ? null : p.message;
  };

  it("a text the parser gave up on says why, not 'type a condition'", () => {
    // Nested past the limit, the parser keeps no segment: the reason is the nesting error, at its place.
    const deep = `${"(".repeat(100)}tenure > 1${")".repeat(100)}`;
    expect(reason(deep)).toMatch(/^1:65: the condition is nested more than 64 levels deep/);
    expect(reason("   ")).toMatch(/^type a condition/);
    expect(reason("tenure >")).toMatch(/^1:\d+: /);
    expect(reason("tenure > 1")).toBeNull();
  });
});
