/**
 * A misspelt keyword gets one diagnostic, the syntax error with its fix, in the language service (what the
 * LSP and the playground show): the checker used to add "unknown field 'nto'" for the misspelt word, or
 * "plan_type is an enum field, not a condition" for the field before it, and a second syntax error that the
 * same fix clears (`segment "A" sa is_verified`) was reported too.
 */
import { describe, expect, it } from "vitest";
import { check } from "../../src/checker/index.js";
import { parse } from "../../src/parser/index.js";
import { schema, serviceWith, URI } from "./helpers.js";

function shown(text: string): string[] {
  const svc = serviceWith({ [URI]: text });
  return svc.diagnostics(URI).map((d) => `${text.slice(d.from, d.to)}: ${d.message}${d.fix ? ` [${d.fix.title}]` : ""}`);
}

describe("one diagnostic for a misspelt keyword", () => {
  it.each([
    ["nto is_verified", "is_verified: expected an operator or 'and'/'or' after 'nto', found 'is_verified'; did you mean 'not' for 'nto'? [replace with 'not']"],
    ["tenure > 1 and nto is_verified", "is_verified: expected an operator or 'and'/'or' after 'nto', found 'is_verified'; did you mean 'not' for 'nto'? [replace with 'not']"],
    ['performd "Purchase"', `"Purchase": expected an operator or 'and'/'or' after 'performd', found '"Purchase"'; did you mean 'performed' for 'performd'? [replace with 'performed']`],
    ['plan_type si "Pro"', "si: expected an operator or 'and'/'or' after 'plan_type', found 'si'; did you mean 'is'? [replace with 'is']"],
    ['plan_type ni ("Pro")', "ni: expected an operator or 'and'/'or' after 'plan_type', found 'ni'; did you mean 'in'? [replace with 'in']"],
    ["tenure betwen 1 and 5", "betwen: expected an operator or 'and'/'or' after 'tenure', found 'betwen'; did you mean 'between'? [replace with 'between']"],
    ['segment "A" sa is_verified', `sa: expected 'as' before the segment's condition after '"A"', found 'sa'; did you mean 'as'? [replace with 'as']`],
  ])("%s", (text, message) => {
    expect(shown(text)).toEqual([message]);
  });

  it("a field that does not exist before a misspelt operator is still reported", () => {
    expect(shown('plan_typ ni ("Pro")')).toEqual([
      `plan_typ: unknown field 'plan_typ'; did you mean "plan_type" or "custom.plan_type"? [use plan_type]`,
      "ni: expected an operator or 'and'/'or' after 'plan_typ', found 'ni'; did you mean 'in'? [replace with 'in']",
    ]);
  });

  it("the parser marks what recovery made of the misspelt words, and the checker leaves them to the syntax error", () => {
    const typo = parse("nto is_verified");
    const rule = typo.document.segments[0]!.expr!;
    expect(rule).toMatchObject({ kind: "rule", field: { name: "nto" }, recovered: "misspelt-keyword" });
    expect(check(typo.document, schema).diagnostics).toEqual([]);
    const noOperator = parse('plan_type si "Pro"');
    expect(noOperator.document.segments[0]!.expr).toMatchObject({ kind: "rule", recovered: "operator-expected" });
    expect(check(noOperator.document, schema).diagnostics).toEqual([]);
    // A text without syntax errors has no such marks.
    expect(JSON.stringify(parse("not is_verified and plan_type").document)).not.toContain("recovered");
  });
});
