/**
 * `fieldsInRules` (playground/src/segments/rule-fields.ts): the fields a segment's rules name, first
 * appearance first, for the members table to show them first. Names inside strings and comments are not
 * fields; backtick names and dotted names are; case is folded as the checker folds it.
 */
import { describe, expect, it } from "vitest";
import { fieldsInRules } from "../../playground/src/segments/rule-fields.js";

const fields = ["customer_id", "tenure", "contract", "churn", "internet_service", "Plan Type", "custom.plan", "signed_up_at", "amount"];

describe("fieldsInRules", () => {
  it("names the fields the rules test, in order, once each", () => {
    expect(fieldsInRules('internet_service = "Fiber optic" and churn', fields)).toEqual(["internet_service", "churn"]);
    expect(fieldsInRules('contract in ("One year", "Two year") and tenure >= 24 and contract != "x"', fields)).toEqual(["contract", "tenure"]);
    expect(fieldsInRules("signed_up_at within last 1 year", fields)).toEqual(["signed_up_at"]);
  });

  it("leaves out words in strings and comments, and keywords", () => {
    expect(fieldsInRules('contract = "tenure and churn" -- churn later\nand not tenure', fields)).toEqual(["contract", "tenure"]);
    expect(fieldsInRules("contract = 'it\\'s churn' or in segment \"tenure\"", fields)).toEqual(["contract"]);
    expect(fieldsInRules('performed "Purchase" at least 3 times', fields)).toEqual([]);
  });

  it("reads backtick and dotted names, ignoring ASCII case", () => {
    expect(fieldsInRules('`Plan Type` = "Pro" and Custom.Plan = "x" and TENURE > 1', fields)).toEqual(["Plan Type", "custom.plan", "tenure"]);
    expect(fieldsInRules("`Plan``s` is empty", ["Plan`s"])).toEqual(["Plan`s"]);
  });

  it("takes a long text in one pass", () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `tenure = ${i}`).join(" or ");
    expect(fieldsInRules(text, fields)).toEqual(["tenure"]);
  });
});
