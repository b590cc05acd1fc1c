/**
 * `segql contacts export`, in-process through `main` on a DuckDB file: the contacts a search and/or filter
 * finds to stdout (CSV) or into a file written whole (JSON Lines), which `segql import` reads back; a
 * filter with errors says where (exit 1) and writes nothing; usage errors exit 2.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "../cli/helpers.js";

const tmp = tempDir();
const schema = tmp.file(
  "schema.json",
  JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, name: { type: "string" }, plan: { type: "enum", values: ["Free", "Pro"] }, ltv: { type: "number" } } }),
);
const contacts = tmp.file("contacts.csv", "id,name,plan,ltv\na,Ann,Pro,1200\nb,Bob,Free,10\nc,=cmd,Pro,\nd,Dan,Pro,5\n");

describe("segql contacts export", { timeout: 60_000 }, () => {
  const db = `${tmp.dir}/crm.duckdb`;
  const run = (...args: string[]) => segql([...args, "--db", db]);

  it("the contacts a filter finds as CSV on stdout, or JSON Lines in a file written whole that segql import reads back", async () => {
    expect((await run("import", "contacts", contacts, "--schema", schema)).code).toBe(0);
    const csv = await run("contacts", "export", "--filter", 'plan = "Pro"');
    expect(csv).toMatchObject({ code: 0, stderr: "" });
    // (The helper drops the last \n of each write, which the real output keeps.)
    expect(`${csv.stdout}\n`).toBe("\uFEFFid,name,plan,ltv\r\na,Ann,Pro,1200\r\nc,'=cmd,Pro,\r\nd,Dan,Pro,5\r\n");
    expect((await run("contacts", "export", "--filter", 'plan = "Pro"', "--raw")).stdout).toContain("\r\nc,=cmd,Pro,\r\n");
    expect(`${(await run("contacts", "export", "--search", "an", "--filter", "ltv > 100")).stdout}\n`).toBe("\uFEFFid,name,plan,ltv\r\na,Ann,Pro,1200\r\n");
    const file = `${tmp.dir}/pros.jsonl`;
    const out = await run("contacts", "export", "--filter", 'plan = "Pro"', "--out", file);
    expect(out).toMatchObject({ code: 0, stdout: "", stderr: expect.stringMatching(/^exported 3 contacts to .*pros\.jsonl \(JSON Lines\)$/) });
    expect(readFileSync(file, "utf8")).toBe('{"id":"a","name":"Ann","plan":"Pro","ltv":1200}\n{"id":"c","name":"=cmd","plan":"Pro","ltv":null}\n{"id":"d","name":"Dan","plan":"Pro","ltv":5}\n');
    const copy = `${tmp.dir}/copy.duckdb`;
    expect((await segql(["import", "contacts", file, "--schema", schema, "--db", copy])).code).toBe(0);
    expect((await segql(["contacts", "export", "--db", copy, "--raw"])).stdout).toBe((await run("contacts", "export", "--filter", 'plan = "Pro"', "--raw")).stdout);
    const json = JSON.parse((await run("contacts", "export", "--search", "Bob", "--out", `${tmp.dir}/bob.csv`, "--json")).stdout);
    expect(json).toMatchObject({ format: "csv", contacts: 1, search: "Bob" });
  });

  it("a filter with errors says where (exit 1), nothing written; usage errors exit 2", async () => {
    const target = `${tmp.dir}/bad.csv`;
    const bad = await run("contacts", "export", "--filter", "ltvv > 3", "--out", target);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("<expression>:1:1: error: unknown field 'ltvv'");
    expect(existsSync(target)).toBe(false);
    const toStdout = await run("contacts", "export", "--filter", "ltv >");
    expect(toStdout).toMatchObject({ code: 1, stdout: "" });
    expect((await run("contacts", "export", "--format", "xml")).stderr).toContain("--format: csv or jsonl, found 'xml'");
    expect((await run("contacts", "export", "--format", "jsonl", "--raw")).code).toBe(2);
    expect((await run("contacts", "export", "ann")).stderr).toContain("unexpected argument 'ann'");
    expect((await run("contacts", "export", "--out", `${tmp.dir}/no/such/dir.csv`))).toMatchObject({ code: 2, stderr: expect.stringContaining("cannot write") });
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
