import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { globToRegExp, pathToUri, uriToPath, Workspace } from "../../src/project/workspace.js";
import type { ProjectProblem } from "../../src/service/index.js";
import { ROOT } from "./client.js";

const dirs: string[] = [];
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "segql-ws-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const SCHEMA = readFileSync(join(ROOT, "test/fixtures/crm-schema.json"), "utf8");

describe("globs", () => {
  it.each([
    ["segments/**/*.segql", ["segments/a.segql", "segments/x/y/b.segql"], ["a.segql", "segments/a.segqlx", "other/segments/a.segql"]],
    ["*.segql", ["a.segql"], ["x/a.segql"]],
    ["**/*.segql", ["a.segql", "x/y/a.segql"], ["a.json"]],
    ["s?.{segql,seg}", ["s1.segql", "s2.seg"], ["s10.segql"]],
    ["a.b(c)+.segql", ["a.b(c)+.segql"], ["aXb(c)+.segql"]],
  ])("%s", (glob, yes, no) => {
    const re = globToRegExp(glob);
    for (const p of yes) expect(re.test(p), p).toBe(true);
    for (const p of no) expect(re.test(p), p).toBe(false);
  });
});

describe("projects from segql.json", () => {
  it("finds the nearest config upward, loads its schema and lists its segment files", () => {
    const dir = project({
      "segql.json": '{ "schema": "schema.json", "segments": ["segments/**/*.segql"] }',
      "schema.json": SCHEMA,
      "segments/a.segql": "",
      "segments/deep/b.segql": "",
      "segments/node_modules/c.segql": "",
      "other.segql": "",
      "nested/segql.json": "{}",
    });
    const ws = new Workspace();
    const p = ws.projectOf(pathToUri(join(dir, "segments", "deep", "x.segql")));
    expect(p.configPath).toBe(join(dir, "segql.json"));
    expect(p.info.schema?.fields["status"]?.type).toBe("enum");
    expect(p.info.problems).toEqual([]);
    expect(p.segmentFiles).toEqual([join(dir, "segments", "a.segql"), join(dir, "segments", "deep", "b.segql")]);
    expect(ws.projectOf(pathToUri(join(dir, "nested", "n.segql"))).configPath).toBe(join(dir, "nested", "segql.json"));
    expect(ws.projectOf("untitled:Untitled-1").info).toEqual({ key: "", schema: null });
  });

  it("takes the project's time zone from segql.json (hovers and DST warnings use it)", () => {
    const dir = project({ "segql.json": '{ "schema": "schema.json", "timeZone": "europe/berlin" }', "schema.json": SCHEMA });
    const p = new Workspace().projectOf(pathToUri(join(dir, "a.segql")));
    expect(p.info.timeZone).toBe("Europe/Berlin");
    expect(p.info.problems).toEqual([]);
  });

  /** A project's problems as `file:line:col message` (no place: just the message). */
  const shown = (problems: readonly ProjectProblem[]) =>
    problems.map((p) => (p.location ? `${basename(uriToPath(p.location.uri)!)}:${p.location.line}:${p.location.column} ${p.message}` : p.message));

  it.each([
    ["not JSON", "{ schema: ", ["segql.json:1:3 not valid JSON: expected a property name in double quotes, found 'schema'"]],
    ["not an object", "[1]", ['segql.json:1:1 expected an object such as { "schema": "schema.json", "segments": ["segments/**/*.segql"] }']],
    ["unknown keys", '{ "schemas": "x.json" }', ['segql.json:1:3 unknown key "schemas" (known: "schema", "segments", "timeZone")']],
    ["a time zone Intl does not know", '{ "timeZone": "Europe/Berln" }', ["segql.json:1:15 \"timeZone\": unknown time zone 'Europe/Berln': expected an IANA time zone name such as Europe/Berlin, America/New_York or UTC"]],
    ["a schema that is not a path", '{ "schema": 3 }', ['segql.json:1:13 "schema" must be a path relative to segql.json, such as "schema.json"']],
    ["globs that are not strings", '{ "segments": "*.segql" }', ['segql.json:1:15 "segments" must be a list of glob patterns relative to segql.json, such as ["segments/**/*.segql"]']],
    ["a glob that is not a string", '{ "segments": ["*.segql",\n 3] }', ['segql.json:2:2 "segments" must be a list of glob patterns relative to segql.json, such as ["segments/**/*.segql"]']],
    ["a missing schema", '{ "schema": "nope.json" }', [expect.stringMatching(/^segql\.json:1:13 schema file not found: .*nope\.json$/)]],
    ["a schema that is a folder", '{ "schema": "folder" }', [expect.stringMatching(/^segql\.json:1:13 the schema is a folder, not a file: .*folder$/)]],
    ["an invalid schema", '{ "schema": "bad.json" }', ['bad.json:1:39 fields: expected an object mapping field names to { "type": … }']],
    ["a schema that is not JSON", '{ "schema": "broken.json" }', ["broken.json:2:1 not valid JSON: expected a value (an object, array, string, number, true, false or null), found the end of the text"]],
    ["a duplicate key", '{ "segments": [],\n  "segments": [] }', ['segql.json:2:3 duplicate key "segments" (only the last one counts)']],
  ])("a config with %s is a problem where it is, not a crash", (_, config, expected) => {
    const dir = project({
      "segql.json": config,
      "bad.json": '{ "table": "t", "key": "k", "fields": 3 }',
      "broken.json": '{ "table":\n',
      "folder/x.json": "{}",
    });
    const p = new Workspace().projectOf(pathToUri(join(dir, "a.segql")));
    expect(p.info.schema).toBeNull();
    expect(shown(p.info.problems!)).toEqual(expected);
  });

  it("locates each problem of a schema at its value or key, in the schema's own file", () => {
    const schema = [
      "{",
      '  "table": "contacts",',
      '  "fields": {',
      '    "status": { "type": "enum", "values": ["a", 3, "a"] },',
      '    "plan": { "type": "strin", "colum": "p" },',
      '    "sp\\u0061ce.x": {}',
      "  }",
      "}",
    ].join("\n");
    const dir = project({ "segql.json": '{ "schema": "s.json" }', "s.json": schema });
    const p = new Workspace().projectOf(pathToUri(join(dir, "a.segql")));
    expect(shown(p.info.problems!)).toEqual([
      "s.json:1:1 key: is required",
      "s.json:4:49 fields.status.values[1]: expected a string, found 3",
      "s.json:4:52 fields.status.values[2]: duplicate value \"a\"",
      's.json:5:23 fields.plan.type: expected one of "string", "number", "boolean", "date", "timestamp", "enum", "list", found "strin"',
      "s.json:5:32 fields.plan.colum: unknown property; did you mean \"column\"?",
      's.json:6:5 fields.space.x.type: expected one of "string", "number", "boolean", "date", "timestamp", "enum", "list" (missing)',
    ]);
    const typo = p.info.problems!.find((x) => x.message.startsWith("fields.plan.type"))!.location!;
    expect(schema.slice(typo.from, typo.to)).toBe('"strin"');
    expect(p.files.get(typo.uri)).toBe(schema);
  });

  it("refresh notices a changed schema, a new file and a deleted config", () => {
    const dir = project({ "segql.json": '{ "schema": "schema.json", "segments": ["*.segql"] }', "schema.json": SCHEMA, "a.segql": "" });
    const ws = new Workspace();
    const uri = pathToUri(join(dir, "a.segql"));
    const first = ws.projectOf(uri);
    expect(ws.refresh()).toEqual([]);
    writeFileSync(join(dir, "schema.json"), SCHEMA.replace('"tenure": { "type": "number" }', '"tenure": { "type": "string" }'));
    expect(ws.refresh()).toHaveLength(1);
    const second = ws.projectOf(uri);
    expect(second).not.toBe(first);
    expect(second.info.schema?.fields["tenure"]?.type).toBe("string");
    writeFileSync(join(dir, "b.segql"), "");
    expect(ws.refresh()).toHaveLength(1);
    expect(ws.projectOf(uri).segmentFiles).toHaveLength(2);
    rmSync(join(dir, "segql.json"));
    expect(ws.refresh()).toHaveLength(1);
    expect(ws.projectOf(uri).configPath).toBe("");
  });

  it("converts file URIs and paths both ways, and refuses other schemes", () => {
    const path = join(tmpdir(), "a b", "c#d.segql");
    expect(uriToPath(pathToUri(path))).toBe(path);
    expect(uriToPath("untitled:x")).toBeNull();
    expect(uriToPath("file://remote-host/x")).toBeNull();
  });
});
