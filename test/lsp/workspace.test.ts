import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { globToRegExp, pathToUri, uriToPath, Workspace } from "../../src/lsp/workspace.js";
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

  it.each([
    ["not JSON", "{ schema: ", /^segql\.json: .*JSON.*; checking syntax only until it is fixed$/],
    ["not an object", "[1]", /^segql\.json: expected an object/],
    ["unknown keys", '{ "schemas": "x.json" }', /^segql\.json: unknown key "schemas"/],
    ["a schema that is not a path", '{ "schema": 3 }', /^segql\.json: "schema" must be a path/],
    ["globs that are not strings", '{ "segments": "*.segql" }', /^segql\.json: "segments" must be a list/],
    ["a missing schema", '{ "schema": "nope.json" }', /^segql\.json: schema file not found: .*nope\.json; checking syntax only$/],
    ["an invalid schema", '{ "schema": "bad.json" }', /^invalid schema bad\.json: fields: expected an object .*; checking syntax only$/],
  ])("a config with %s is a problem, not a crash", (_, config, message) => {
    const dir = project({ "segql.json": config, "bad.json": '{ "table": "t", "key": "k", "fields": 3 }' });
    const p = new Workspace().projectOf(pathToUri(join(dir, "a.segql")));
    expect(p.info.schema).toBeNull();
    expect(p.info.problems!.map((x) => x.message)).toContainEqual(expect.stringMatching(message));
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
