/**
 * An unknown field with no close name says which fields exist (it said only "unknown field 'signup_date'"):
 * the fields its test suits (`> 2024-01-01`: those that hold a time), else the ones named most alike, else
 * the schema's first fields; never more than five names, however large the schema. One message, from the
 * checker, in `segql check`, the language service (LSP, playground) and everything else.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { analyze, check, parse, parseSchema, type Schema } from "../../src/index.js";
import { segql, SCHEMA } from "../cli/helpers.js";
import { serviceWith, URI } from "../service/helpers.js";

const schema = parseSchema(readFileSync(new URL("../fixtures/crm-schema.json", import.meta.url), "utf8"));

function messages(text: string, s: Schema = schema): string[] {
  return analyze(text, s).diagnostics.map((d) => d.message);
}

describe("an unknown field with no close name names the fields that exist", () => {
  it.each([
    ["signup_date > 2024-01-01", "unknown field 'signup_date'; fields that hold a time: signed_up_at, birthday"],
    ["sign_date within last 3 days", "unknown field 'sign_date'; fields that hold a time: signed_up_at, birthday"],
    ["nope", "unknown field 'nope'; fields that hold true or false: is_verified, android"],
    ["revenue between 1 and 5", "unknown field 'revenue'; fields that hold a number: tenure, lifetime_value, count"],
    ['labels has "vip"', "unknown field 'labels'; fields that hold a list: tags"],
    ['contrct = "Month"', "unknown field 'contrct'; fields that hold text: country, id, status, plan_type, email, … (2 more)"],
    ['notes contains "x"', "unknown field 'notes'; fields that hold free text: id, email, country, custom.plan_type, `Plan Type`"],
    // `is empty` suits every type: the names most alike, else the first fields.
    ["signup is empty", "unknown field 'signup'; fields named alike: signed_up_at"],
    ["xyz is empty", "unknown field 'xyz'; fields: id, status, plan_type, lifetime_value, tenure, … (10 more)"],
  ])("%s", (text, message) => {
    expect(messages(text)).toEqual([message]);
  });

  it("a close name is still the one suggestion", () => {
    expect(messages("lifetime_valu > 3")).toEqual(["unknown field 'lifetime_valu'; did you mean \"lifetime_value\"?"]);
  });

  it("a test made up by error recovery says nothing of the type (`xyz ni (…)` is not a true-or-false test)", () => {
    // The checker's own message (what is shown leaves it out beside the syntax error, as an echo of it).
    const checked = check(parse('xyz ni ("Pro")').document, schema).diagnostics.map((d) => d.message);
    expect(checked[0]).toBe("unknown field 'xyz'; fields: id, status, plan_type, lifetime_value, tenure, … (10 more)");
  });

  it("a schema of 500 fields gives five names and how many more, the most alike first", () => {
    const fields: Record<string, unknown> = {};
    for (let i = 0; i < 497; i++) fields[`metric_${i}`] = { type: "number" };
    fields["signed_up_at"] = { type: "timestamp" };
    fields["trial_started_at"] = { type: "timestamp" };
    fields["signup_source"] = { type: "string" };
    const big = parseSchema(JSON.stringify({ table: "contacts", key: "id", fields }));
    expect(messages("signup_date > 2024-01-01", big)).toEqual(["unknown field 'signup_date'; fields that hold a time: signed_up_at, trial_started_at"]);
    const [message] = messages("qq = 3", big);
    expect(message).toMatch(/^unknown field 'qq'; fields that hold a number: (metric_\d+, ){4}metric_\d+, … \(492 more\)$/);
  });

  it("the schema has no fields: it says so", () => {
    const empty = parseSchema(JSON.stringify({ table: "contacts", key: "id", fields: {} }));
    expect(messages("signup_date > 2024-01-01", empty)).toEqual(["unknown field 'signup_date'; the schema has no fields"]);
  });

  it("segql check and the language service (the LSP, the playground) show the same message", async () => {
    const message = "unknown field 'signup_date'; fields that hold a time: signed_up_at, birthday";
    const r = await segql(["check", "--schema", SCHEMA, "signup_date > 2024-01-01"]);
    expect(r.stdout).toContain(`1:1: error: ${message}`);
    expect(serviceWith({ [URI]: "signup_date > 2024-01-01" }).diagnostics(URI).map((d) => d.message)).toEqual([message]);
  });
});
