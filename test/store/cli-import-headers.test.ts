/**
 * `segql import` of files a spreadsheet or a pipe cut short leaves: a CSV header naming a column twice is
 * refused at line 1 (the last one's values won, unsaid); a header's blank or unknown columns are named (a
 * blank one by its position) and --skip-bad is offered, as it imports the rows without them; a gzip file
 * cut short is refused whole even with --skip-bad (it imported the part before the cut); a JSON array read as
 * JSON Lines and the other way round are said as that mix-up; an event property as a CSV column is told where
 * properties go; a header separated by ';' or tabs is said so, a column off only by case names the one meant.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "../cli/helpers.js";

const tmp = tempDir();
const schema = tmp.file(
  "schema.json",
  JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, name: { type: "string" }, ltv: { type: "number" } } }),
);

describe("segql import: headers and cut files", { timeout: 60_000 }, () => {
  const db = `${tmp.dir}/crm.duckdb`;
  const run = (...args: string[]) => segql([...args, "--db", db]);
  const contacts = async () => (await run("contacts", "export", "--format", "jsonl")).stdout;

  it("a column named twice: refused at line 1, naming both, nothing imported (was: the last one's value, unsaid)", async () => {
    expect((await run("import", "contacts", tmp.file("start.csv", "id,name\nz,Zoe\n"), "--schema", schema)).code).toBe(0);
    const twice = tmp.file("twice.csv", "id,name,ltv,name\na,Ann,1,Anna\n");
    const refusal = `error: ${twice}:1: the header names the column "name" more than once (columns 2 and 4): which one holds its values? rename or remove the others`;
    expect(await run("import", "contacts", twice)).toEqual({ code: 1, stdout: "", stderr: refusal });
    // No row of it can be read right: --skip-bad does not import it either.
    expect(await run("import", "contacts", twice, "--skip-bad")).toMatchObject({ code: 1 });
    expect(await contacts()).toBe('{"id":"z","name":"Zoe","ltv":null}');
  });

  it("a header separated by ';' or tabs (a European Excel's CSV) is said so (was only 'no column \"id\"; it has \"id;name\"')", async () => {
    const semi = tmp.file("semi.csv", "id;name\na;Ann\n");
    expect((await run("import", "contacts", semi)).stderr).toBe(
      `error: ${semi}:1: the header has no column "id" (the key); it has "id;name": the columns look separated by ';'; segql reads CSV separated by commas (save it as comma-separated)`,
    );
    const tabs = tmp.file("tabs.csv", "id\tname\na\tAnn\n");
    expect((await run("import", "contacts", tabs)).stderr).toMatch(/the columns look separated by tabs; segql reads CSV separated by commas/);
  });

  it("a column named as the schema's but for case names the one meant, the key column too", async () => {
    const cased = tmp.file("cased.csv", "id,Name,LTV\na,x,1\n");
    expect((await run("import", "contacts", cased)).stderr.split("\n")[0]).toBe(
      `error: ${cased}:1: unknown columns "Name" (did you mean "name"? names match exactly), "LTV" (did you mean "ltv"? names match exactly): not in the schema (skipping bad rows imports the rows without them)`,
    );
    const key = tmp.file("key.csv", "ID,name\na,x\n");
    expect((await run("import", "contacts", key)).stderr).toBe(`error: ${key}:1: the header has no column "id" (the key); it has "ID", "name": "ID" differs only in case (column names match exactly)`);
  });

  it("blank and unknown columns: named, a blank one by its position, with the --skip-bad way out that imports the rows without them", async () => {
    const extra = tmp.file("extra.csv", "id,name,,notes,\nb,Bo,x,y,\n");
    const said = `error: ${extra}:1: unknown columns "" (column 3, which has no name), "notes", "" (column 5, which has no name): not in the schema (skipping bad rows imports the rows without them)`;
    expect(await run("import", "contacts", extra)).toEqual({ code: 1, stdout: "", stderr: `${said}\nnothing was imported: fix it, or import the good rows and skip the bad ones with --skip-bad` });
    expect(await run("import", "contacts", extra, "--skip-bad")).toMatchObject({ code: 1, stdout: `${extra}: 1 row; 1 added, 0 updated, 1 bad (skipped)` });
    expect(await contacts()).toContain('{"id":"b","name":"Bo","ltv":null}');
    // One row is said so, in the history too (was "1 rows").
    expect((await run("import", "history", "--limit", "1")).stdout).toMatch(/done: 1 row, 1 added, 0 updated, 1 bad \(skipped\)/);
  });

  it("events: a property given as a column of its own is told where properties go", async () => {
    const db2 = `${tmp.dir}/shop.duckdb`;
    const shop = tmp.file("shop.json", JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" } }, events: { table: "events", contact_key: "id", name: "event", time: "at", properties: { amount: { type: "number" } } } }));
    expect((await segql(["import", "contacts", tmp.file("shop.csv", "id\nc1\n"), "--db", db2, "--schema", shop])).code).toBe(0);
    const events = tmp.file("events.csv", "id,event,at,amount\nc1,Purchase,2025-01-01T10:00:00Z,3\n");
    expect((await segql(["import", "events", events, "--db", db2])).stderr.split("\n")[0]).toBe(
      `error: ${events}:1: unknown column "amount": not a column of events (skipping bad rows imports the rows without it); "amount" is an event property: give properties as a JSON object in the "properties" column, such as {"amount": …}`,
    );
    const right = tmp.file("events-right.csv", 'id,event,at,properties\nc1,Purchase,2025-01-01T10:00:00Z,"{""amount"": 3}"\n');
    expect((await segql(["import", "events", right, "--db", db2])).code).toBe(0);
  });

  it("a JSON array named .jsonl, or JSON Lines named .json: the mix-up is said (was only the parser's words)", async () => {
    const pretty = tmp.file("pretty.jsonl", '[\n  {"id": "a"},\n  {"id": "b"}\n]\n');
    expect(await run("import", "contacts", pretty)).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: ${pretty}:1: not valid JSON (Unexpected end of JSON input): it starts like a JSON array, which is JSON, not JSON Lines (one object per line)`,
    });
    const oneLine = tmp.file("one-line.jsonl", '[{"id": "a"}, {"id": "b"}]\n');
    expect((await run("import", "contacts", oneLine)).stderr).toBe(`error: ${oneLine}:1: expected a JSON object, found an array of objects: a JSON array, which is JSON, not JSON Lines (one object per line)`);
    const lines = tmp.file("lines.json", '{"id": "a"}\n{"id": "b"}\n');
    expect((await run("import", "contacts", lines)).stderr).toBe(`error: ${lines}:1: expected a JSON array of objects ('[' … ']'), found '{': JSON Lines (one object per line)?`);
    // Read as what they are, they import.
    expect((await run("import", "contacts", pretty, "--format", "json")).code).toBe(0);
    expect((await run("import", "contacts", lines, "--format", "jsonl")).code).toBe(0);
  });

  it("a gzip file cut short: refused whole, also with --skip-bad (was: the rows before the cut imported)", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: `cut${String(i).padStart(4, "0")}`, name: `n${(i * 7919) % 10007}` })).join("\n");
    const whole = gzipSync(rows);
    const cut = join(tmp.dir, "cut.jsonl.gz");
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const before = await contacts();
    const result = await run("import", "contacts", cut, "--skip-bad");
    expect(result).toEqual({ code: 1, stdout: "", stderr: `error: ${cut}: not a readable gzip file (unexpected end of file)` });
    expect(await contacts()).toBe(before);
    expect((await run("import", "history", "--limit", "1")).stdout).toMatch(/cut\.jsonl\.gz {2}failed: 1 bad row of [\d,]+, nothing imported$/);
  });
});
