/**
 * Project problems (segql.json, the schema) on segment files: one warning at the start that says where,
 * pointing at every located problem.
 */
import { describe, expect, it } from "vitest";
import type { ProjectProblem } from "../../src/service/index.js";
import { serviceWith, URI } from "./helpers.js";

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
