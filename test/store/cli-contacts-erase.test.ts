/**
 * `segql contacts delete --erase`, in-process through `main` on a DuckDB file: the contact's history goes
 * with it (its change-feed rows lose the key, the import history's bad rows quoting it say [erased]), the
 * output says how much, and names a segment whose definition quotes it; without --erase both stay.
 */
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "../cli/helpers.js";

const tmp = tempDir();
const schema = tmp.file(
  "schema.json",
  JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, name: { type: "string" }, plan: { type: "enum", values: ["Free", "Pro"] }, ltv: { type: "number" } } }),
);
// Line 3 is bad and quotes the contact's name; line 4 is bad and quotes the other one's key.
const contacts = tmp.file("contacts.jsonl", ['{"id":"zed","name":"Zelda Quokka","plan":"Pro","ltv":1200}', '{"id":"bob","name":"Bob","plan":"Pro","ltv":10}', '"Zelda Quokka"', '"bob"'].join("\n"));

describe("segql contacts delete --erase", { timeout: 60_000 }, () => {
  const db = `${tmp.dir}/crm.duckdb`;
  const run = (...args: string[]) => segql([...args, "--db", db]);

  it("erases the contact's history with it and says so; without --erase the history stays", async () => {
    // Exit 1: bad rows were skipped.
    expect((await run("import", "contacts", contacts, "--schema", schema, "--skip-bad")).stdout).toContain("2 added, 0 updated, 2 bad (skipped)");
    expect((await run("segments", "create", "Pros", 'plan = "Pro"')).code).toBe(0);
    expect((await run("segments", "create", "Zelda", 'name = "Zelda Quokka"')).code).toBe(0);
    const erased = await run("contacts", "delete", "zed", "--erase", "--by", "dpo");
    expect(erased).toMatchObject({
      code: 0,
      stdout: "deleted 1 contact and 0 events\nsegments left: #1 -1, #2 -1\nerased: 4 change-feed rows (kept without the key), 1 import-history bad row\nsegments whose definition quotes a key or value (not changed; edit them): #2",
    });
    expect((await run("contacts", "history", "zed")).stdout).toBe("zed has not entered or left a segment");
    const feed = JSON.parse((await run("segments", "changes", "--json")).stdout) as { items: { key: string; change: string }[] };
    expect(feed.items.map((c) => `${c.change} ${c.key}`).sort()).toEqual(["entered ", "entered ", "entered bob", "exited ", "exited "]);
    // Printed, an erased contact's rows say so rather than leave the key column blank.
    const printed = (await run("segments", "changes")).stdout.split("\n").filter((l) => !l.startsWith("next:"));
    expect(printed.map((l) => l.split("\t").slice(3).join(" ")).sort()).toEqual(["entered (erased contact)", "entered (erased contact)", "entered bob", "exited (erased contact)", "exited (erased contact)"]);
    const history = JSON.parse((await run("import", "history", "--json")).stdout) as { bad: { line: number; message: string }[] }[];
    expect(history[0]!.bad.map((p) => [p.line, p.message])).toEqual([
      [3, "[erased]"],
      [4, 'expected a JSON object, found "bob"'],
    ]);

    const kept = JSON.parse((await run("contacts", "delete", "bob", "--json")).stdout);
    expect(kept.erased).toBeUndefined();
    expect((await run("contacts", "history", "bob")).stdout).toContain("entered  #1 Pros");
    expect((await run("contacts", "delete", "--erase")).code).toBe(2);
  });
});
