/**
 * Project problems (segql.json, the schema) on segment files: one warning at the start that says where,
 * pointing at every located problem.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LanguageService, type ProjectInfo, type ProjectProblem } from "../../src/service/index.js";
import { cursor, schema, serviceWith, URI } from "./helpers.js";

const CONFIG = "file:///work/segql.json";
const SCHEMA = "file:///work/schema.json";
const at = (uri: string, from: number, line: number, column: number) => ({ uri, from, to: from + 3, line, column });

function diagnostics(problems: ProjectProblem[], withSchema = false) {
  const svc = serviceWith({ [URI]: "tenure > 1 and (" }, { problems, ...(withSchema ? {} : { schema: null }) });
  return svc.diagnostics(URI);
}

describe("project problems on segment files", () => {
  it("one located problem: the warning names the file, line and column", () => {
    const [first, ...rest] = diagnostics([{ message: 'unknown key "segmnts"', severity: "error", location: at(CONFIG, 30, 3, 15) }]);
    expect(first).toEqual({
      code: "config", severity: "warning", from: 0, to: 0,
      message: 'segql.json:3:15: unknown key "segmnts"; checking syntax only',
      related: [{ uri: CONFIG, from: 30, to: 33, message: 'unknown key "segmnts"' }],
    });
    // The document's own diagnostics follow, unchanged.
    expect(rest.map((d) => d.code)).toEqual(["expected-condition"]);
  });

  it("several problems: one warning counting them per file, every one as related information", () => {
    const [first] = diagnostics([
      { message: "a", severity: "error", location: at(SCHEMA, 10, 2, 3) },
      { message: "b", severity: "error", location: at(SCHEMA, 40, 4, 5) },
      { message: "c", severity: "warning", location: at(CONFIG, 1, 1, 2) },
    ]);
    expect(first!.message).toBe("schema.json has 2 problems, segql.json has 1 problem; checking syntax only");
    expect(first!.related!.map((r) => `${r.uri.slice(13)}@${r.from} ${r.message}`)).toEqual(["schema.json@10 a", "schema.json@40 b", "segql.json@1 c"]);
    expect(diagnostics([{ message: "a", severity: "error", location: at(SCHEMA, 10, 2, 3) }, { message: "b", severity: "error", location: at(SCHEMA, 40, 4, 5) }])[0]!.message)
      .toBe("schema.json has 2 problems; checking syntax only");
  });

  it("a problem without a place is said as it is; with a schema loaded, checking is not syntax only", () => {
    const [first] = diagnostics([{ message: "segql.json cannot be read (EACCES)", severity: "error" }]);
    expect(first!.message).toBe("segql.json cannot be read (EACCES); checking syntax only");
    expect(first!.related).toBeUndefined();
    const withSchema = diagnostics([{ message: '"segments" names too many files', severity: "warning", location: at(CONFIG, 5, 1, 6) }], true);
    expect(withSchema[0]!.message).toBe('segql.json:1:6: "segments" names too many files');
    expect(withSchema.filter((d) => d.code === "config")).toHaveLength(1);
  });

  it("no problems, no warning", () => {
    expect(diagnostics([]).map((d) => d.code)).toEqual(["expected-condition"]);
  });
});

describe("go to definition in the schema", () => {
  const schemaText = readFileSync(new URL("../fixtures/crm-schema.json", import.meta.url), "utf8");
  const SCHEMA_FILE = "file:///work/crm-schema.json";

  /** Definitions at the marked cursor, as `file text-at-the-range`. */
  function definitionAt(marked: string, options: { source?: boolean; schemaText?: string } = {}): string[] {
    const { text, offset } = cursor(marked);
    const info: ProjectInfo = { key: "p", schema, ...(options.source === false ? {} : { schemaSource: { uri: SCHEMA_FILE, text: options.schemaText ?? schemaText } }) };
    const svc = new LanguageService({ project: () => info });
    svc.setDocument(URI, text);
    svc.setDocument("file:///work/b.segql", 'segment "Paying" as plan_type = "Pro"');
    return svc.definition(URI, offset).map((l) => {
      const source = l.uri === SCHEMA_FILE ? options.schemaText ?? schemaText : l.uri === URI ? text : 'segment "Paying" as plan_type = "Pro"';
      return `${l.uri.slice(l.uri.lastIndexOf("/") + 1)} ${source.slice(l.from, l.to)}`;
    });
  }

  it.each([
    ['sta|tus = "Trial"', 'crm-schema.json "status"'],
    ['status| = "Trial"', 'crm-schema.json "status"'],
    ['|STATUS = "Trial"', 'crm-schema.json "status"'],
    ["`Plan Ty|pe` contains \"x\"", 'crm-schema.json "Plan Type"'],
    ["`custom.plan|_type` = \"x\"", 'crm-schema.json "custom.plan_type"'],
    ['performed "Purchase" where amo|unt > 10', 'crm-schema.json "amount"'],
    ['performed "Purchase" with sum of amo|unt > 10', 'crm-schema.json "amount"'],
    ['performed "Purch|ase"', 'crm-schema.json "Purchase"'],
    ['performed "Page V|iew" where sku = "x"', 'crm-schema.json "Page View"'],
    ['in segment "Pay|ing"', 'b.segql "Paying"'],
  ])("%s → %s", (marked, expected) => {
    expect(definitionAt(marked)).toEqual([expected]);
  });

  it.each([
    ['status = "Tri|al"'],
    ['status |in ("Trial")'],
    ['statuss| = "Trial"'],
    ['performed "Nope|" where amount > 1'],
    ['perf|ormed "Purchase"'],
    // A property is not a contact field, nor a field an event property.
    ['amou|nt > 1'],
    ['performed "Purchase" where stat|us = "x"'],
  ])("nothing at %s", (marked) => {
    expect(definitionAt(marked)).toEqual([]);
  });

  it("without the schema's source (or with a source that no longer parses), only segments have definitions", () => {
    expect(definitionAt('sta|tus = "Trial"', { source: false })).toEqual([]);
    expect(definitionAt('sta|tus = "Trial"', { schemaText: "{ oops" })).toEqual([]);
    expect(definitionAt('in segment "Pay|ing"', { source: false })).toEqual(['b.segql "Paying"']);
  });

  it("a key written twice goes to the last one, the one that counts", () => {
    const twice = '{ "fields": { "status": { "type": "string" }, "status": { "type": "enum", "values": ["Trial"] } } }';
    const { text, offset } = cursor('sta|tus = "Trial"');
    const svc = new LanguageService({ project: () => ({ key: "p", schema, schemaSource: { uri: SCHEMA_FILE, text: twice } }) });
    svc.setDocument(URI, text);
    expect(svc.definition(URI, offset)).toEqual([{ uri: SCHEMA_FILE, from: twice.lastIndexOf('"status"'), to: twice.lastIndexOf('"status"') + 8 }]);
  });
});
