/**
 * A JSON number past 2^53 where text is wanted (a contact key, an event's contact key, a text field, a list
 * item) is refused with the way out, on imports and upserts alike: JSON.parse has already rounded it, so
 * `12345678901234567` came in as the key `12345678901234568` (another customer's id), unsaid.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/store/index.js";
import { openTestStore, type TestStore } from "./helpers.js";
import { segql, tempDir } from "../cli/helpers.js";

const tmp = tempDir();
const past = "the whole number 12345678901234568 is past 2^53, where a JSON number loses its last digits (they may have been others): write it as a string, in quotes";

describe("JSON numbers past 2^53 as text", { timeout: 60_000 }, () => {
  let s: TestStore;
  beforeAll(async () => {
    s = await openTestStore("duckdb");
  });
  afterAll(async () => s?.dispose());

  it("upserts: a key, a text field or a list item is refused, saying why; safe numbers are their digits", async () => {
    const refused = async (row: Record<string, unknown>) => {
      const e = await s.store.upsertContacts([row]).then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(InvalidInputError);
      return (e as InvalidInputError).problems.map((p) => `${p.field}: ${p.message}`);
    };
    expect(await refused({ id: 12345678901234567 })).toEqual([`id: ${past}`]);
    expect(await refused({ id: "k1", name: 12345678901234567 })).toEqual([`name: ${past}`]);
    expect(await refused({ id: "k1", tags: ["a", 12345678901234567] })).toEqual([`tags: ${past}`]);
    await s.store.upsertContacts([{ id: 9007199254740991, name: 1.5, tags: [7] }]);
    expect(await s.store.getContact("9007199254740991")).toMatchObject({ values: { id: "9007199254740991", name: "1.5", tags: ["7"] } });
  });

  it("segql import: the row is named by line and field", async () => {
    const file = tmp.file("big.jsonl", '{"id":"ok","name":"a"}\n{"id":12345678901234567,"name":"b"}\n');
    const r = await segql(["import", "contacts", file, "--db", `${tmp.dir}/crm.duckdb`, "--schema", tmp.file("s.json", JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, name: { type: "string" } } }))]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(`error: ${file}:2: field "id": ${past}`);
  });
});
