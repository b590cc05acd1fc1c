/**
 * `segql import` of Parquet BIGINT columns past 2^53 (customer ids of 17 digits and more, common in
 * warehouse exports): a key or text field gets the exact digits (they were rounded to a double, so another
 * contact's key came in, unsaid); a number field reads them as the number they are.
 */
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "../cli/helpers.js";

const tmp = tempDir();
const schema = tmp.file("schema.json", JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, ref: { type: "string" }, ltv: { type: "number" } } }));

describe("segql import: Parquet BIGINTs", { timeout: 60_000 }, () => {
  it("past 2^53: the exact digits in a key and a text field, the number in a number field", async () => {
    const file = join(tmp.dir, "ids.parquet");
    const instance = await DuckDBInstance.create(":memory:");
    const con = await instance.connect();
    await con.run(`COPY (SELECT * FROM (VALUES (12345678901234567::BIGINT, -9223372036854775807::BIGINT, 9007199254740993::BIGINT), (42::BIGINT, 7::BIGINT, 5::BIGINT)) AS t(id, ref, ltv)) TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`);
    con.closeSync();
    instance.closeSync();
    const db = join(tmp.dir, "crm.duckdb");
    expect((await segql(["import", "contacts", file, "--db", db, "--schema", schema])).code).toBe(0);
    const out = (await segql(["contacts", "export", "--format", "jsonl", "--db", db])).stdout.split("\n").map((l) => JSON.parse(l) as unknown);
    expect(out).toEqual([
      { id: "12345678901234567", ref: "-9223372036854775807", ltv: 9007199254740992 },
      { id: "42", ref: "7", ltv: 5 },
    ]);
  });
});
