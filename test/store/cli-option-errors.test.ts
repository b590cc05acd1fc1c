/**
 * A bad option value is a usage error, whoever finds it: the CLI's own checks (`--limit abc`) or the
 * store's (`--limit 100000`, `--sort nope`, `--at yesterday`). Either way it is exit 2, said as
 * `segql <command>: --flag: why`, never by the API's name for the value (`orderBy`, `at`, `limit`).
 * And what the commands print reads well: preview's counts in one column, numbers grouped, the export's
 * one line, the command list's columns.
 */
import { describe, expect, it } from "vitest";
import { segql, tempDir } from "../cli/helpers.js";

const tmp = tempDir();
const schema = tmp.file(
  "schema.json",
  JSON.stringify({ table: "contacts", key: "id", fields: { id: { type: "string" }, plan: { type: "enum", values: ["Free", "Pro"] }, ltv: { type: "number" } } }),
);
// 1,200 contacts: a1 … a1200, every third on Pro, ltv = its number.
const rows = Array.from({ length: 1200 }, (_, i) => `a${i + 1},${i % 3 === 0 ? "Pro" : "Free"},${i + 1}`);
const contacts = tmp.file("contacts.csv", `id,plan,ltv\n${rows.join("\n")}\n`);

describe("segql segments / contacts / import / schema: option values", { timeout: 60_000 }, () => {
  const db = `${tmp.dir}/crm.duckdb`;
  const run = (...args: string[]) => segql([...args, "--db", db]);

  it("a value the store refuses is a usage error named by its flag (exit 2), as one the CLI refuses", async () => {
    expect((await run("import", "contacts", contacts, "--schema", schema)).code).toBe(0);
    expect((await run("segments", "create", "Pros", 'plan = "Pro"')).code).toBe(0);
    expect((await run("segments", "create", "Reader", 'in segment "Pros"')).code).toBe(0);
    const cases: [string[], string][] = [
      [["segments", "members", "Pros", "--limit", "abc"], "segql segments: --limit: expected a whole number, found 'abc'"],
      [["segments", "members", "Pros", "--limit", "100000"], "segql segments: --limit: expected an integer from 1 to 1000, found '100000'"],
      [["segments", "members", "Pros", "--sort", "nope"], 'segql segments: --sort: unknown field "nope"'],
      [["segments", "members", "Pros", "--at", "yesterday"], 'segql segments: --at: expected an instant (ISO-8601 text, a Date or epoch ms), found "yesterday"'],
      [["segments", "preview", "ltv > 1", "--sort", "nope"], 'segql segments: --sort: unknown field "nope"'],
      [["segments", "preview", "ltv > 1", "--limit", "5000"], "segql segments: --limit: expected an integer from 0 to 1000, found '5000'"],
      [["segments", "changes", "--limit", "0"], "segql segments: --limit: expected an integer from 1 to 10000, found '0'"],
      [["segments", "diff", "Pros", "--from", "0"], "segql segments: --from: expected a version number (1 or more), found '0'"],
      [["segments", "edit", "Pros", "--name", ""], "segql segments: --name: a name cannot be empty"],
      [["segments", "create", "", "ltv > 1"], "segql segments: NAME: a name cannot be empty"],
      [["segments", "create", "Long", "ltv > 1", "--by", "x".repeat(300)], `segql segments: --by: expected a user name (at most 200 characters), found '${"x".repeat(40)}…'`],
      [["segments", "why", "Pros", ""], "segql segments: KEY: expected a contact key"],
      [["contacts", "show", ""], "segql contacts: KEY: expected a contact key"],
      [["import", "contacts", contacts, "--by", "x".repeat(300)], `segql import: --by: expected a user name (at most 200 characters), found '${"x".repeat(40)}…'`],
    ];
    for (const [args, stderr] of cases) {
      expect({ args, ...(await run(...args)) }).toMatchObject({ args, code: 2, stdout: "", stderr });
    }
    // With --json too: a usage error is not the store's JSON refusal.
    expect(await run("segments", "members", "Pros", "--sort", "nope", "--json")).toMatchObject({ code: 2, stdout: "", stderr: 'segql segments: --sort: unknown field "nope"' });
    // Options that do not go together.
    const keys = tmp.file("keys.csv", "id\na1\n");
    expect(await run("segments", "create", "L", "--static", "--members", keys, "--freeze", "ltv > 1")).toMatchObject({ code: 2, stderr: "segql segments: give --members FILE or --freeze EXPRESSION, not both" });
    expect(await run("segments", "create", "L", "ltv > 1", "--members", keys)).toMatchObject({ code: 2, stderr: "segql segments: --members is for a static segment: add --static" });
    // Input problems stay exit 1: an unknown segment, a contact that is not there, a list edit of a
    // dynamic segment (said without the API's name for the segment, "id:").
    expect(await run("segments", "members", "Pros", "--add", "a1")).toMatchObject({
      code: 1,
      stderr: 'error: segment #1 "Pros" is dynamic: its members follow its expression (convert it to static to edit the list)',
    });
    expect((await run("segments", "members", "Nope", "--limit", "5")).code).toBe(1);
    expect((await run("contacts", "show", "zz")).code).toBe(1);
  });

  it("a refused delete names the flag that forces it", async () => {
    const refused = await run("segments", "delete", "Pros");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("change those first, or delete with --force (they will then report an unknown segment");
  });

  it("schema infer: a --key that is no column of the file, an empty --table, a bad number are usage errors", async () => {
    expect(await segql(["schema", "infer", contacts, "--key", "nope"])).toMatchObject({ code: 2, stdout: "", stderr: `segql schema: --key: ${contacts} has no column "nope" (it has "id", "plan", "ltv")` });
    expect(await segql(["schema", "infer", contacts, "--table", ""])).toMatchObject({ code: 2, stderr: "segql schema: --table: a table name cannot be empty" });
    expect(await segql(["schema", "infer", contacts, "--sample", "-3"])).toMatchObject({ code: 2, stderr: "segql schema: --sample: expected a whole number, found '-3'" });
  });

  it("preview: counts right-aligned in one column, the tree's indent on the conditions; impact numbers grouped", async () => {
    const preview = await run("segments", "preview", 'ltv > 1 and (plan = "Pro" or ltv < 10) and not (ltv > 1100 or plan = "Free")', "--for", "Pros", "--limit", "0");
    expect(preview.code).toBe(0);
    const conditions = preview.stdout.split("\n\n")[1]!.split("\n");
    expect(conditions).toEqual([
      "conditions:",
      "    366  all of",
      "  1,199    ltv > 1",
      "    406    any of",
      "    400      plan = \"Pro\"",
      "      9      ltv < 10",
      "    367    not",
      "    833      any of",
      "    100        ltv > 1100",
      "    800        plan = \"Free\"",
    ]);
    expect(preview.stdout).toMatch(/^if saved as "Pros": 400 → 366 members; \+0 entering, -34 leaving \(/m);
    const everyone = await run("segments", "preview", "ltv > 0", "--for", "Pros", "--limit", "0");
    expect(everyone.stdout).toMatch(/^if saved as "Pros": 400 → 1,200 members; \+800 entering \(/m);
  });

  it("export --out says one plain line: how many, which segment, where, in what", async () => {
    const file = `${tmp.dir}/everyone.csv`;
    expect((await run("segments", "create", "Everyone", "ltv > 0")).code).toBe(0);
    const out = await run("segments", "export", "Everyone", "--out", file);
    expect(out).toMatchObject({ code: 0, stdout: "", stderr: `exported 1,200 members of #${/#(\d+)/.exec(out.stderr)?.[1]} Everyone to ${file} (CSV)` });
    // No members then: said, not printed as an empty line.
    expect(await run("segments", "members", "Everyone", "--at", "2000-01-01T00:00:00Z")).toMatchObject({ code: 0, stdout: "", stderr: `#${/#(\d+)/.exec(out.stderr)?.[1]} Everyone had no members at 2000-01-01T00:00:00Z` });
    // Counts are grouped wherever they are said.
    expect((await run("segments", "members", "Everyone", "--limit", "1")).stdout.split("\n")[0]).toBe("1,200 members (first 1)");
    expect((await run("segments", "refresh", "Everyone")).stdout).toMatch(/^#\d+ Everyone: \+0 -0, 1,200 members \(/);
  });

  it("segql --help: every summary in one column, with a gap after the longest name; contacts lists export", async () => {
    const help = await segql(["--help"]);
    const rowsOfCommands = help.stdout.split("commands:\n")[1]!.split("\n\n")[0]!.split("\n");
    const column = rowsOfCommands.map((row) => /^ {2}\S+ {2,}/.exec(row)?.[0].length);
    expect(column.every((c) => c !== undefined && c === column[0])).toBe(true);
    expect(rowsOfCommands.find((row) => row.trimStart().startsWith("contacts "))).toContain("export");
  });
});
