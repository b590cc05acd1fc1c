/**
 * `segql segments`, `segql import` and `segql schema infer`, in-process through `main` on a DuckDB file:
 * output, JSON output, exit codes (0 ok, 1 input problems, 2 usage).
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "../cli/helpers.js";

const tmp = tempDir();
const schema = tmp.file(
  "schema.json",
  JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, plan: { type: "enum", values: ["Free", "Pro"] }, ltv: { type: "number" } } }),
);
const contacts = tmp.file("contacts.csv", "id,plan,ltv\na,Pro,1200\nb,Free,10\nc,Pro,\n");
const keys = tmp.file("keys.csv", "id\nb\nzz\n");

describe("segql segments / import / schema", { timeout: 60_000 }, () => {
  const db = `${tmp.dir}/crm.duckdb`;
  const run = (...args: string[]) => segql([...args, "--db", db]);

  it("imports, creates, previews, explains and lists", async () => {
    expect((await run("import", "contacts", contacts, "--schema", schema)).stdout).toContain("3 rows; 3 added, 0 updated");
    const created = await run("segments", "create", "Pros", 'plan = "Pro"', "--by", "ann");
    expect(created).toMatchObject({ code: 0, stdout: 'created #1  Pros  [dynamic, v1, 2 members]  plan = "Pro"' });
    const preview = await run("segments", "preview", "ltv > 100 or plan = \"Free\"", "--for", "pros", "--sort", "ltv", "--desc");
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain("2 contacts match");
    expect(preview.stdout).toMatch(/\s+1\s+ltv > 100\n\s+1\s+plan = "Free"/);
    expect(preview.stdout).toContain('if saved as "Pros": 2 → 2 members; +1 entering (b), -1 leaving (c)');
    expect((await run("segments", "preview", "ltv > 100 and plan = \"Pro\"")).stdout).toMatch(/^1 contact matches \(now = /);
    const why = await run("segments", "why", "#1", "c");
    expect(why.stdout).toBe(`c matches (now = ${/now = (\S+)\)/.exec(why.stdout)![1]})\n  ✓ plan = "Pro"   (plan = "Pro")`);
    const list = JSON.parse((await run("segments", "list", "--json")).stdout);
    expect(list.map((s: { name: string; createdBy: string }) => [s.name, s.createdBy])).toEqual([["Pros", "ann"]]);
  });

  it("static members from a file: unknown keys refused (exit 1), or skipped and reported", async () => {
    expect((await run("segments", "create", "List", "--static")).code).toBe(0);
    const refused = await run("segments", "members", "List", "--add-file", keys);
    expect(refused).toMatchObject({ code: 1, stderr: 'error: 1 key is not a contact: "zz"; nothing was changed' });
    const skipped = await run("segments", "members", "List", "--add-file", keys, "--skip-unknown");
    expect(skipped.stdout).toBe("added 1, already members 0, not contacts (skipped) 1: zz; 1 members");
    const members = await run("segments", "members", "List");
    expect(members.stdout).toBe("1 member\nb  plan=Free ltv=10");
    const changes = JSON.parse((await run("segments", "changes", "--segment", "List", "--json")).stdout);
    expect(changes.items.map((c: { key: string; change: string }) => `${c.change} ${c.key}`)).toEqual(["entered b"]);
  });

  it("errors: an expression with errors (1, diagnostics), a refused delete (1), a stale version (1), usage (2)", async () => {
    const bad = await run("segments", "create", "Bad", "ltvv > 3");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("<expression>:1:1: error: unknown field 'ltvv'");
    expect((await run("segments", "create", "Reader", 'in segment "Pros"')).code).toBe(0);
    const refused = await run("segments", "delete", "Pros");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is read by #3 "Reader"');
    const stale = await run("segments", "edit", "Pros", "ltv > 1", "--expected-version", "7");
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("is at version 1, not 7");
    const json = JSON.parse((await run("segments", "edit", "Pros", "ltv > 1", "--expected-version", "7", "--json")).stdout);
    expect(json).toMatchObject({ error: "conflict", current: { version: 1 } });
    expect((await run("segments", "frobnicate")).code).toBe(2);
    expect((await run("segments", "show")).code).toBe(2);
    expect((await run("segments", "show", "nope")).code).toBe(1);
    expect((await segql(["segments", "list", "--db", `${tmp.dir}/fresh.duckdb`])).stderr).toContain("give a schema");
  });

  it("create, edit and preview say the analysis's warnings on stderr, as segql check does; the segment is saved all the same", async () => {
    const odd = await run("segments", "create", "Odd", "ltv > 100 and ltv < 50");
    expect(odd.code).toBe(0);
    expect(odd.stdout).toContain("created #");
    expect(odd.stderr).toContain("<expression>:1:1: warning: this condition never matches: 'ltv > 100' and 'ltv < 50' cannot both hold for one contact");
    const edited = await run("segments", "edit", "Odd", "ltv > 100 and ltv > 50");
    expect(edited.code).toBe(0);
    expect(edited.stderr).toContain("<expression>:1:15: warning: this adds nothing: 'ltv > 100' already implies it");
    expect(edited.stderr).toContain("= help: remove it");
    const preview = await run("segments", "preview", 'plan = "Pro" or plan != "Pro" or plan is empty', "--json");
    expect(JSON.parse(preview.stdout).count).toBe(3);
    expect(preview.stderr).toContain("warning: this always holds");
    // Nothing to say about a plain condition.
    expect((await run("segments", "edit", "Odd", "ltv > 100")).stderr).toBe("");
  });

  it("export: members as CSV on stdout, or JSON Lines into a file written whole, which segql import reads back", async () => {
    expect((await run("segments", "create", "Everyone", "id is not empty")).code).toBe(0);
    const csv = await run("segments", "export", "Everyone");
    expect(csv).toMatchObject({ code: 0, stderr: "" });
    // (The helper drops the last \n of each write, which the real output keeps.)
    expect(`${csv.stdout}\n`).toBe("\uFEFFid,plan,ltv\r\na,Pro,1200\r\nb,Free,10\r\nc,Pro,\r\n");
    const file = `${tmp.dir}/everyone.jsonl`;
    const out = await run("segments", "export", "Everyone", "--out", file);
    expect(out).toMatchObject({ code: 0, stdout: "" });
    expect(out.stderr).toBe(`exported 3 members of #${/#(\d+)/.exec(out.stderr)![1]} Everyone to ${file} (JSON Lines)`);
    expect(readFileSync(file, "utf8")).toBe('{"id":"a","plan":"Pro","ltv":1200}\n{"id":"b","plan":"Free","ltv":10}\n{"id":"c","plan":"Pro","ltv":null}\n');
    const copy = `${tmp.dir}/copy.duckdb`;
    expect((await segql(["import", "contacts", file, "--schema", schema, "--db", copy])).code).toBe(0);
    expect((await segql(["segments", "create", "Everyone", "id is not empty", "--db", copy])).code).toBe(0);
    expect((await segql(["segments", "export", "Everyone", "--db", copy])).stdout).toBe(csv.stdout);
    // Problems: exit 2 for usage, 1 for an unknown segment; a file that cannot be written leaves nothing.
    expect((await run("segments", "export", "Everyone", "--format", "xml")).stderr).toContain("--format: csv or jsonl, found 'xml'");
    expect((await run("segments", "export", "Everyone", "--format", "jsonl", "--raw")).code).toBe(2);
    expect((await run("segments", "export", "Nobody")).code).toBe(1);
    const nowhere = await run("segments", "export", "Everyone", "--out", `${tmp.dir}/no/such/dir.csv`);
    expect(nowhere).toMatchObject({ code: 2, stderr: expect.stringContaining("cannot write") });
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("diff: who enters and who leaves between a saved segment's versions, or to an edit, by the rules", async () => {
    expect((await run("segments", "create", "Spenders", "ltv > 100")).code).toBe(0);
    const single = await run("segments", "diff", "Spenders");
    expect(single).toMatchObject({ code: 2, stderr: expect.stringContaining("has one version") });
    const edit = await run("segments", "diff", "Spenders", 'ltv > 100 and plan = "Pro"');
    expect(edit.stdout).toMatch(/^#\d+ Spenders: version 1 → ltv > 100 and plan = "Pro"\nwho enters: nobody\nwho leaves: ltv > 100 and plan != "Pro"$/);
    expect((await run("segments", "edit", "Spenders", "ltv > 50")).code).toBe(0);
    const last = await run("segments", "diff", "Spenders");
    expect(last.stdout.split("\n").slice(1)).toEqual(["who enters: ltv > 50 and ltv <= 100", "who leaves: nobody"]);
    const json = JSON.parse((await run("segments", "diff", "Spenders", "--from", "2", "--to", "1", "--json")).stdout);
    expect(json).toMatchObject({ old: "version 2", new: "version 1", enters: { nobody: true }, leaves: { condition: "ltv > 50 and ltv <= 100" }, same: false });
    expect((await run("segments", "diff", "Spenders", "--from", "7")).stderr).toContain("has no version 7 (its versions are 1-2)");
    expect((await run("segments", "diff", "Spenders", "ltv >> 1")).code).toBe(1);
    expect((await run("segments", "diff", "Spenders", "--to", "1", "ltv > 1")).code).toBe(2);
  });

  it("delete puts a segment in the trash; deleted lists it; restore brings it back (--name when taken); purge ends it", async () => {
    const made = JSON.parse((await run("segments", "create", "Trash me", "ltv > 100", "--json")).stdout);
    const deleted = await run("segments", "delete", "Trash me", "--by", "bo");
    expect(deleted).toMatchObject({ code: 0, stdout: `deleted #${made.id} Trash me (in the trash: segql segments restore ${made.id} brings it back)` });
    const trash = await run("segments", "deleted");
    expect(trash.stdout).toMatch(new RegExp(`^#${made.id}  Trash me  \\[dynamic, 1 member\\]  deleted \\S+Z by bo$`));
    expect((await run("segments", "create", "TRASH ME", "--static")).code).toBe(0);
    const taken = await run("segments", "restore", "trash me");
    expect(taken).toMatchObject({ code: 1, stderr: expect.stringContaining("restore it under another name with --name") });
    const restored = await run("segments", "restore", `#${made.id}`, "--name", "Trash me (back)");
    expect(restored).toMatchObject({ code: 0, stdout: `restored #${made.id}  Trash me (back)  [dynamic, v3, 1 member]  ltv > 100` });
    expect((await run("segments", "deleted")).stdout).toBe("the trash is empty");
    await run("segments", "delete", "TRASH ME");
    expect((await run("segments", "purge", "TRASH ME")).stdout).toMatch(/^purged #\d+ TRASH ME for good$/);
    expect(await run("segments", "purge", "TRASH ME")).toMatchObject({ code: 1, stderr: 'error: no deleted segment "TRASH ME"' });
    expect(await run("segments", "restore")).toMatchObject({ code: 2 });
    expect(JSON.parse((await run("segments", "deleted", "--json")).stdout)).toEqual([]);
  });

  it("purge --older-than AGE empties what was deleted longer ago, --all the whole trash; bad ages and mixes are usage errors", async () => {
    const ids: number[] = [];
    for (const name of ["Old one", "Old two"]) {
      ids.push(JSON.parse((await run("segments", "create", name, "--static", "--json")).stdout).id);
      await run("segments", "delete", name);
    }
    // Both were deleted a moment ago: nothing is older than a day.
    expect(await run("segments", "purge", "--older-than", "1d")).toMatchObject({ code: 0, stdout: "nothing to purge (nothing deleted more than 1d ago)" });
    expect((await run("segments", "deleted")).stdout.split("\n")).toHaveLength(2);
    for (const [args, message] of [
      [["--older-than", "soon"], "--older-than: expected an age such as 30d, 12h or 90m, got 'soon'"],
      [["Old one", "--all"], "give one of DELETED, --older-than AGE or --all (found DELETED and --all)"],
      [["--all", "--older-than", "1d"], "give one of DELETED, --older-than AGE or --all (found --older-than and --all)"],
    ] as const) {
      expect(await run("segments", "purge", ...args), args.join(" ")).toMatchObject({ code: 2, stderr: expect.stringContaining(message) });
    }
    const all = await run("segments", "purge", "--all", "--json");
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({ purged: [{ id: ids[1], name: "Old two" }, { id: ids[0], name: "Old one" }] });
    expect((await run("segments", "deleted")).stdout).toBe("the trash is empty");
    expect((await run("segments", "purge", "--all")).stdout).toBe("nothing to purge (the trash is empty)");
  });

  it("schema infer prints a schema and notes", async () => {
    const r = await segql(["schema", "infer", contacts]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ table: "contacts", key: "id", fields: { id: { type: "string", description: "The key." }, plan: { type: "string" }, ltv: { type: "number" } } });
    expect(r.stderr).toContain("note: inferred from 3 rows");
    expect((await segql(["schema", "infer"])).code).toBe(2);
  });
});

describe("segql import history", { timeout: 60_000 }, () => {
  const db = `${tmp.dir}/history.duckdb`;
  const run = (...args: string[]) => segql([...args, "--db", db]);
  const bad = tmp.file("bad.csv", "id,plan,ltv\nd,Gold,1\ne,Pro,lots\n");

  it("lists the imports the latest first, and one with its bad rows; refuses bad arguments (2)", async () => {
    expect((await run("import", "contacts", contacts, "--schema", schema, "--by", "ann")).code).toBe(0);
    expect((await run("import", "contacts", bad)).code).toBe(1);
    const list = await run("import", "history");
    expect(list.code).toBe(0);
    const lines = list.stdout.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^#2  \\S+Z  contacts  ${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}  failed: 2 bad rows of 2, nothing imported$`));
    expect(lines[1]).toMatch(/^#1 {2}\S+Z {2}contacts {2}\S+contacts\.csv {2}done: 3 rows, 3 added, 0 updated; segments \+0 -0 \(by ann\)$/);
    const one = await run("import", "history", "#2");
    expect(one.stdout.split("\n").slice(1)).toEqual([`  ${bad}:2: field "plan": expected one of "Free", "Pro", found "Gold"`, `  ${bad}:3: field "ltv": expected a number, found "lots"`]);
    const json = JSON.parse((await run("import", "history", "--json", "--limit", "1")).stdout);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ id: 2, state: "failed", badCount: 2 });
    expect(await run("import", "history", "7")).toMatchObject({ code: 1, stderr: "error: no import #7" });
    expect((await run("import", "history", "x")).code).toBe(2);
    expect((await run("import", "history", "--limit", "0")).code).toBe(2);
    expect((await run("import", "contacts", contacts, "--limit", "3")).code).toBe(2);
  });
});

describe("segql contacts", { timeout: 60_000 }, () => {
  const db = `${tmp.dir}/contacts.duckdb`;
  const run = (...args: string[]) => segql([...args, "--db", db]);
  const erase = tmp.file("erase.csv", "id\nb\nzz\n");

  it("shows a contact, its segment history, and deletes contacts (arguments or a file); refusals and usage", async () => {
    expect((await run("import", "contacts", contacts, "--schema", schema)).code).toBe(0);
    expect((await run("segments", "create", "Pros", 'plan = "Pro"')).code).toBe(0);
    expect((await run("segments", "create", "Rich", "ltv > 100")).code).toBe(0);
    const show = await run("contacts", "show", "a");
    expect(show).toMatchObject({ code: 0, stdout: "a\n  plan: Pro\n  ltv: 1200\nin 2 segments: #1 Pros, #2 Rich" });
    const history = await run("contacts", "history", "a");
    expect(history.code).toBe(0);
    expect(history.stdout.split("\n").map((l) => l.replace(/^\S+ {2}/, ""))).toEqual(["entered  #2 Rich", "entered  #1 Pros"]);
    expect(JSON.parse((await run("contacts", "history", "a", "--limit", "1", "--json")).stdout)).toHaveLength(1);

    // An unknown key stops the whole deletion.
    expect(await run("contacts", "delete", "a", "nobody")).toMatchObject({ code: 1, stderr: 'error: 1 key is not a contact: "nobody"; nothing was changed' });
    expect((await run("contacts", "show", "a")).code).toBe(0);
    const deleted = await run("contacts", "delete", "a", "--by", "dpo");
    expect(deleted).toMatchObject({ code: 0, stdout: "deleted 1 contact and 0 events\nsegments left: #1 -1, #2 -1" });
    expect(await run("contacts", "show", "a")).toMatchObject({ code: 1, stderr: 'error: no contact "a"' });
    // Its history stays: the exits on top.
    expect((await run("contacts", "history", "a")).stdout.split("\n").map((l) => /^\S+ {2}(entered|left) /.exec(l)?.[1])).toEqual(["left", "left", "entered", "entered"]);
    const fromFile = JSON.parse((await run("contacts", "delete", "--file", erase, "--skip-unknown", "--json")).stdout);
    expect(fromFile).toMatchObject({ deleted: 1, unknown: ["zz"] });
    expect((await run("contacts")).code).toBe(2);
    expect((await run("contacts", "erase", "a")).code).toBe(2);
    expect((await run("contacts", "delete")).code).toBe(2);
    expect((await run("contacts", "history", "c", "--limit", "0")).code).toBe(2);
  });
});

describe("segql segments members --add-file", { timeout: 60_000 }, () => {
  const db = `${tmp.dir}/key-files.duckdb`;
  const run = (...args: string[]) => segql([...args, "--db", db]);

  it("a CSV of keys: a header without the key column is a usage error naming the file, line and columns (was read as a key)", async () => {
    expect((await run("import", "contacts", contacts, "--schema", schema)).code).toBe(0);
    expect((await run("segments", "create", "Csv", "--static")).code).toBe(0);
    const header = tmp.file("header.csv", "email,name\nb@x.com,Bee\n");
    const refused = await run("segments", "members", "Csv", "--add-file", header);
    expect(refused).toEqual({
      code: 2,
      stdout: "",
      stderr: `segql segments: ${header}:1: this looks like a header, with columns "email", "name", but none is the key column: name the column of contact keys "id" (or "key"), or give one key per line without a header`,
    });
    expect((await run("segments", "create", "Csv2", "--static", "--members", header)).code).toBe(2);
    expect((await run("contacts", "delete", "--file", header)).code).toBe(2);
    // A header naming the key column is read by it; keys with notes beside them (no header) and one key per line still work.
    expect((await run("segments", "members", "Csv", "--add-file", tmp.file("named.csv", "plan,ID\nPro,a\n"))).stdout).toBe("added 1, already members 0; 1 members");
    expect((await run("segments", "members", "Csv", "--add-file", tmp.file("notes.csv", "b,from the fair\nc,called back\n"))).stdout).toBe("added 2, already members 0; 3 members");
    expect((await run("segments", "members", "Csv", "--remove-file", tmp.file("plain.csv", "a\nb\n"))).stdout).toBe("removed 2, not members 0; 1 members");
  });
});
