/**
 * `email = null` (SQL's and most languages' way to ask for a missing value) says how segql asks it: was
 * `put "null" in quotes` on a text field (a search for the text "null"), and "cannot be compared with the
 * word null" on others.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze, parseSchema } from "../../src/index.js";

const schema = parseSchema(readFileSync(new URL("../fixtures/crm-schema.json", import.meta.url), "utf8"));

function errors(text: string): string[] {
  return analyze(text, schema).diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`);
}

describe("null where a value belongs", () => {
  it.each([
    ["email = null", "1:9 segql has no null: a missing value is tested with 'email is empty' (or 'email is not empty')"],
    ["plan_type != NULL", "1:14 segql has no NULL: a missing value is tested with 'plan_type is empty' (or 'plan_type is not empty')"],
    ["tenure = nil", "1:10 segql has no nil: a missing value is tested with 'tenure is empty' (or 'tenure is not empty')"],
    ["is_verified = undefined", "1:15 segql has no undefined: a missing value is tested with 'is_verified is empty' (or 'is_verified is not empty')"],
  ])("%s", (text, message) => {
    expect(errors(text)).toEqual([message]);
  });

  it('the text "null" in quotes is a value like any other', () => {
    expect(errors('email = "null"')).toEqual([]);
  });
});
