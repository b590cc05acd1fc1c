/**
 * Law: whatever an event rule's controls are set to (how often, how much, when first or last, in which
 * period), the condition it writes checks without an error against the schema. A control that offered an
 * option the language refuses (a total `!=` a number: an aggregate over no events is empty, so it takes
 * only positive tests, and so does an event's first or last time; a window ahead, `within next`: events are
 * recorded when they happen) would make the
 * builder write an error the user never typed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/index.js";
import { behaviourText, EVENT_FIELD, operatorsFor, type BuilderRule } from "../../src/querybuilder/index.js";
import { ruleText } from "../../src/querybuilder/values.js";
import { richSchema } from "../helpers/generators.js";
import { eventArb, valueArb } from "./arbitraries.js";

describe("the builder's event controls", () => {
  it("law: every event rule they can make checks without an error", () => {
    // Not among the controls' choices, shown only when typed (rule-builder.tsx): a window ahead, and a first
    // or last time's test that is not positive (`operatorsFor(…, { positive: true })`).
    const positive = new Set(operatorsFor("timestamp", { positive: true }).map((o) => o.name));
    const offered = eventArb(null).filter((e) => e.window?.next !== true && (e.time === null || positive.has(e.time.operator)));
    fc.assert(
      fc.property(offered, fc.boolean(), (event, negated) => {
        const rule: BuilderRule = { field: EVENT_FIELD, operator: negated ? "notPerformed" : "performed", value: event } as BuilderRule;
        const text = behaviourText(rule);
        const errors = analyze(text, richSchema).diagnostics.filter((d) => d.severity === "error");
        expect(errors.map((d) => `${d.message} in ${text}`)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});

describe("the builder's field controls", () => {
  it("law: every field rule they can make (any field, any operator offered for its type, any value its inputs take) checks without an error", () => {
    const fields = Object.values(richSchema.fields);
    const rule = fc.constantFrom(...fields).chain((def) =>
      fc.constantFrom(...operatorsFor(def.type).map((o) => o.name)).chain((operator) => valueArb(def, operator).map((value) => ({ def, operator, value }))),
    );
    fc.assert(
      fc.property(rule, ({ def, operator, value }) => {
        const text = ruleText(def, { operator, value } as Parameters<typeof ruleText>[1]);
        const errors = analyze(text, richSchema).diagnostics.filter((d) => d.severity === "error");
        expect(errors.map((d) => `${d.message} in ${text}`)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});
