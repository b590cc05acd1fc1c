/**
 * After a syntax error, the checker reads the tree recovery built around it, and what it says of the token
 * just before the error only echoes the error (`tags is nt empty`: "'=' takes single values … tags is a
 * list field" beside "did you mean 'not'"). `segql check` left those out; the language service (the LSP,
 * the playground) showed them. Checking 32,000 broken texts with and without the filter showed it is still
 * needed (recovery marks cover only misspelt keywords and a missing operator): now one filter
 * (parser/recovered.ts `withoutEchoes`) serves both, and they say the same.
 */
import { describe, expect, it } from "vitest";
import { segql, SCHEMA } from "../cli/helpers.js";
import { serviceWith, URI } from "./helpers.js";

/** What the language service shows: `text under the squiggle: message`. */
function shown(text: string): string[] {
  return serviceWith({ [URI]: text }).diagnostics(URI).map((d) => `${text.slice(d.from, d.to)}: ${d.message}`);
}

/** What `segql check --json` says, in the same form. */
async function checked(text: string): Promise<string[]> {
  const r = await segql(["check", "--schema", SCHEMA, "--json", text]);
  const out = JSON.parse(r.stdout) as { inputs: { diagnostics: { message: string; start: number; end: number }[] }[] };
  return out.inputs[0]!.diagnostics.map((d) => `${text.slice(d.start, d.end)}: ${d.message}`);
}

describe("a checker diagnostic that echoes a syntax error is left out, by segql check and the language service alike", () => {
  it.each([
    ["tags is nt empty", "empty: expected an operator or 'and'/'or' after 'nt', found 'empty'; did you mean 'not' for 'nt'?"],
    ['tags has nay ("vip")', "(: expected an operator or 'and'/'or' after 'nay', found '('; did you mean 'any' for 'nay'?"],
    ["signed_up_at after 2024-3-01", "-3: unexpected '-3' after '2024': expected 'and', 'or' or the end of the condition"],
    ['segment "Big as tenure > 100', `"Big as tenure > 100: expected an operator or 'and'/'or' after 'segment', found '"Big as tenure > 100'`],
  ])("%s", async (text, only) => {
    expect(shown(text)).toEqual([only]);
    expect(await checked(text)).toEqual([only]);
  });

  it("a checker error away from the syntax error is still shown, in both", async () => {
    const text = "lifetime_valu > 3 and tags is nt empty";
    const expected = [
      "lifetime_valu: unknown field 'lifetime_valu'; did you mean \"lifetime_value\"?",
      "empty: expected an operator or 'and'/'or' after 'nt', found 'empty'; did you mean 'not' for 'nt'?",
    ];
    expect(shown(text)).toEqual(expected);
    expect(await checked(text)).toEqual(expected);
  });

  it("an unknown field with a close name before the error stays, in both (was left out by segql check)", async () => {
    const text = 'plan_typ ni ("Pro")';
    const expected = [
      `plan_typ: unknown field 'plan_typ'; did you mean "plan_type" or "custom.plan_type"?`,
      "ni: expected an operator or 'and'/'or' after 'plan_typ', found 'ni'; did you mean 'in'?",
    ];
    expect(shown(text)).toEqual(expected);
    expect(await checked(text)).toEqual(expected);
  });

  it("in a file of several segments, an echo in one segment is left out and the others are checked", () => {
    const text = 'segment "A" as tenure > 1\nsegment "B" as tags is nt empty\nsegment "C" as statu = "Trial"\n';
    expect(shown(text)).toEqual([
      "empty: expected an operator or 'and'/'or' after 'nt', found 'empty'; did you mean 'not' for 'nt'?",
      "statu: unknown field 'statu'; did you mean \"status\"?",
    ]);
  });
});

describe("a syntax error's message names the same place in the service as in segql check", () => {
  it("'missing ')' to close '(' at L:C' counts lines from the top of the file, not from the segment's first line", async () => {
    const text = 'segment "A" as tenure > 1\n\nsegment "B" as (tenure > 1 or is_verified\n';
    const message = "missing ')' to close '(' at 3:16";
    expect(shown(text).map((d) => d.slice(d.indexOf(": ") + 2))).toEqual([message]);
    expect((await checked(text)).map((d) => d.slice(d.indexOf(": ") + 2))).toEqual([message]);
  });
});
