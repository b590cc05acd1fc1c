/**
 * `analyze()` (the library call behind `segql compile`, `segql eval` and the API's checks) leaves out a
 * checker diagnostic that only echoes a syntax error, as `segql check`, the language server and the
 * playground do: `tags is nt empty` is one error (did you mean 'not'), not also "'=' takes single values".
 */
import { describe, expect, it } from "vitest";
import { analyze, readSchemaFile } from "../../src/index.js";
import { segql, SCHEMA } from "../cli/helpers.js";
import { serviceWith, URI } from "../service/helpers.js";

const schema = readSchemaFile(SCHEMA);

/** `text under the squiggle: message`, from the library and from the language service. */
const fromLibrary = (text: string) => analyze(text, schema).diagnostics.map((d) => `${text.slice(d.span.start, d.span.end)}: ${d.message}`);
const fromService = (text: string) => serviceWith({ [URI]: text }).diagnostics(URI).map((d) => `${text.slice(d.from, d.to)}: ${d.message}`);

describe("analyze() leaves out the checker's echoes of a syntax error, as the language service does", () => {
  it.each([
    "tags is nt empty",
    'tags has nay ("vip")',
    "signed_up_at after 2024-3-01",
    'plan_typ ni ("Pro")',
    "lifetime_valu > 3 and tags is nt empty",
    'segment "A" as tenure > 1\nsegment "B" as tags is nt empty\nsegment "C" as statu = "Trial"\n',
  ])("%s", (text) => {
    const library = fromLibrary(text);
    expect(library).toEqual(fromService(text));
    expect(library.some((d) => d.includes("takes single values"))).toBe(false);
  });

  it.each(["tags is nt empty", "tenure > 1 2", "tenure > 1 orr tenure < 0", "(tenure = 1))", "plan_type = \"Pro\" \"Team\""])(
    "%s followed by another declaration says what it says alone (was 'unexpected 'empty' after 'empty'')",
    (condition) => {
      const alone = analyze(condition, schema).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
      const prefix = 'segment "A" as ';
      const file = `${prefix}${condition}\nsegment "B" as tenure > 1\n`;
      const inFile = analyze(file, schema).diagnostics.filter((d) => d.severity === "error");
      expect(inFile.map((d) => d.message)).toEqual(alone);
      expect(inFile.every((d) => d.span.line === 1)).toBe(true);
    },
  );

  it.each([["compile"], ["eval", "--data", "/dev/null"], ["relate", "tenure > 1"], ["diff"]])("segql %s reports the one error", async (command, ...rest) => {
    const argv = command === "diff" ? ["diff", "--schema", SCHEMA, "tags is nt empty", "tenure > 1"] : [command, "--schema", SCHEMA, ...rest, "tags is nt empty"];
    const r = await segql(argv);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("did you mean 'not'");
    expect(r.stderr).not.toContain("takes single values");
  });
});
