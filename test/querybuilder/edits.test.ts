/**
 * Builder edits rewrite only the part they change (fast-check): for texts with comments, line breaks and
 * any spelling, and one random builder step (a value, an operator, a field, a removed or added rule or
 * group, NOT, the combinator):
 * - the new text says what the builder now shows (it parses to `astOfQuery` of the new query);
 * - the edit is the minimal one (no rewrite of the group around it);
 * - every character outside the changed node (or, for add / remove / combinator, its group) is byte-identical;
 * - a value change replaces exactly that value's characters;
 * - the builder mapped from the new text shows the groups the builder had.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatValue } from "../../src/parser/format.js";
import type * as A from "../../src/parser/ast.js";
import { builderOperator, coerceValue, editText, fromText, isGroup, pruneEmpty, TEXT_FIELD, valueOf, EVENT_FIELD, eventOf, type BuilderGroup, type BuilderNode, type BuilderRule, type BuilderView, type Range } from "../../src/querybuilder/index.js";
import { richSchema } from "../helpers/generators.js";
import { changeArb, nodes, textArb, type Change } from "./arbitraries.js";

const runs = Number(process.env["SEGQL_QB_RUNS"] ?? 300);

function viewOf(text: string): BuilderView {
  const r = fromText(text, richSchema);
  if (!r.ok) throw new Error(`no builder for ${JSON.stringify(text)}: ${r.reason}`);
  return r.view;
}

/** Content without ids (a group of one has no combinator of its own: the text has no keyword for it). */
function shape(n: BuilderNode): unknown {
  // A group holding only a group is one level: the text has one pair of parentheses (or one `not`) for both.
  while (isGroup(n) && n.rules.length === 1 && isGroup(n.rules[0]!) && !(n.not && n.rules[0].not)) {
    const inner: BuilderGroup = n.rules[0];
    n = { ...inner, not: n.not || inner.not };
  }
  // An event's `where` filter needs parentheses of its own; a group of one around it is those parentheses.
  const only = isGroup(n) && !n.not && n.rules.length === 1 ? n.rules[0]! : null;
  if (only && !isGroup(only) && ((only.field === TEXT_FIELD && /\bwhere\b/i.test(String(only.value))) || (only.field === EVENT_FIELD && only.operator === "performed" && eventOf(only.value).where !== null))) n = only;
  if (isGroup(n)) return { c: n.rules.length > 1 ? n.combinator : "-", n: n.not && n.rules.length > 0, r: n.rules.map(shape) };
  // A value is written in its operator's shape (the builder keeps `30 days` when `within last` becomes `=`).
  const def = richSchema.fields[n.field];
  return { f: n.field, o: n.operator, v: def ? coerceValue(def, n.operator, n.value) : n.value };
}

/**
 * The text the change may touch: the node's range (rules) or its group's (the rest). Removing the last
 * condition of a group removes the group (the text cannot hold an empty one), and so on up: the region is
 * then the nearest group left.
 */
function region(view: BuilderView, change: Change): Range {
  let target = change.target;
  if (change.kind === "remove") {
    const left = new Set(nodes(pruneEmpty(change.next)).map((e) => e.node.id));
    while (!left.has(target)) target = target.slice(0, target.lastIndexOf("."));
  }
  const src = view.sources.get(target);
  return src?.range ?? [view.text.length, view.text.length];
}

const cases = textArb({ events: true, segments: ["Paying"] }).chain((text) => {
  const view = viewOf(text);
  return changeArb(view).map((change) => ({ text, view, change }));
});

describe("builder edits", () => {
  it("rewrite only the changed part, and the text then says what the builder shows", () => {
    fc.assert(
      fc.property(cases, ({ text, view, change }) => {
        const r = editText(view, change.next, richSchema);
        expect(r.exact).toBe(true);
        expect(r.minimal).toBe(true);
        const [s, e] = region(view, change);
        expect(r.text.slice(0, s)).toBe(text.slice(0, s));
        expect(r.text.slice(r.text.length - (text.length - e))).toBe(text.slice(e));
      }),
      { numRuns: runs },
    );
  });

  it("a value change replaces exactly the value's characters", () => {
    const valueCases = cases.filter(({ change }) => change.kind === "value");
    fc.assert(
      fc.property(valueCases, ({ text, view, change }) => {
        const before = nodes(view.query).find((e) => e.node.id === change.target)!.node as BuilderRule;
        const after = nodes(change.next).find((e) => e.node.id === change.target)!.node as BuilderRule;
        fc.pre(builderOperator(after.operator)?.operand === "value");
        const src = view.sources.get(change.target)!;
        const expr = (src as { expr: A.Expr }).expr as A.RuleExpr;
        const t = expr.test;
        const at = "value" in t ? t.value : t.op === "has" ? t.values[0]! : null;
        if (!at) throw new Error(`no value in ${JSON.stringify(before)}`);
        const r = editText(view, change.next, richSchema);
        if (JSON.stringify(after.value) === JSON.stringify(before.value)) {
          expect(r.text).toBe(text);
          return;
        }
        const written = formatValue(valueOf(after.value as Parameters<typeof valueOf>[0]));
        expect(r.text).toBe(text.slice(0, at.span.start) + written + text.slice(at.span.end));
      }),
      { numRuns: runs },
    );
  });

  it("the builder mapped from the new text shows the groups the builder had", () => {
    fc.assert(
      fc.property(cases, ({ view, change }) => {
        const r = editText(view, change.next, richSchema);
        const again = viewOf(r.text).query;
        expect(shape(again)).toEqual(shape(pruneEmpty(change.next)));
      }),
      { numRuns: runs },
    );
  });

  it("examples: comments and layout elsewhere stay", () => {
    const text = "-- Big spenders on paid plans\nplan_type IN (\"Pro\", \"Enterprise\")\n  -- and not the staff\n  AND NOT (email ends with \"@example.com\")\n  AND lifetime_value is greater than 1000";
    const view = viewOf(text);
    const next = structuredClone(view.query);
    (next.rules[2] as BuilderRule).value = { kind: "number", raw: "5000" };
    expect(editText(view, next, richSchema).text).toBe(text.replace("1000", "5000"));
    const added = structuredClone(view.query);
    added.rules.push({ id: "x", field: "tags", operator: "has", value: { kind: "string", value: "vip" } });
    expect(editText(view, added, richSchema).text).toBe(`${text} AND tags has "vip"`);
    const removed = structuredClone(view.query);
    removed.rules.splice(1, 1);
    expect(editText(view, removed, richSchema).text).toBe("-- Big spenders on paid plans\nplan_type IN (\"Pro\", \"Enterprise\")\n  AND lifetime_value is greater than 1000");
  });
});
