/**
 * The builder mapping's laws (fast-check):
 * - AST → builder groups → AST: for every expression (texts with any layout, comments, spellings and
 *   grouping parentheses), `astOfQuery(fromText(text).query)` is the AST the parser makes of the text;
 * - every expression of field rules is shown without text rules (the builder can represent it); event
 *   conditions and segment references are event and segment rules (an event's filter as written), and the
 *   event forms the builder has no controls for are text rules holding their text as written;
 * - the builder's own text (`printGroup`) maps back to the same groups.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/parser/index.js";
import { astOfQuery, EVENT_FIELD, eventOf, fromText, isGroup, MAX_BUILDER_RULES, printGroup, SEGMENT_FIELD, sameExpr, TEXT_FIELD, type BuilderGroup, type BuilderNode } from "../../src/querybuilder/index.js";
import { richSchema } from "../helpers/generators.js";
import { nodes, textArb } from "./arbitraries.js";

const runs = Number(process.env["SEGQL_QB_RUNS"] ?? 300);

function exprOf(text: string) {
  const parsed = parse(text);
  expect(parsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return parsed.document.segments[0]?.expr ?? null;
}

function viewOf(text: string) {
  const r = fromText(text, richSchema);
  if (!r.ok) throw new Error(`no builder for ${JSON.stringify(text)}: ${r.reason}`);
  return r.view;
}

/** A query's content without ids. */
function shape(n: BuilderNode): unknown {
  return isGroup(n) ? { c: n.combinator, n: n.not, r: n.rules.map(shape) } : { f: n.field, o: n.operator, v: n.value };
}

describe("segql ⇄ builder groups", () => {
  it("AST → builder → AST is the identity for every expression the builder can represent (no text rules)", () => {
    fc.assert(
      fc.property(textArb({ events: false }), (text) => {
        const view = viewOf(text);
        const texts = nodes(view.query).filter((e) => !isGroup(e.node) && e.node.field === TEXT_FIELD);
        expect(texts.map((e) => (e.node as { value: string }).value)).toEqual([]);
        expect(sameExpr(astOfQuery(view.query, richSchema), exprOf(text))).toBe(true);
      }),
      { numRuns: runs },
    );
  });

  it("events and segment references become event and segment rules (other event forms text rules as written), and the round trip still holds", () => {
    fc.assert(
      fc.property(textArb({ events: true, segments: ["Paying", "Won't say \"no\""] }), (text) => {
        const view = viewOf(text);
        for (const e of nodes(view.query)) {
          if (isGroup(e.node)) continue;
          const rule = e.node;
          // As written, comments left out.
          const written = view.text.slice(...view.sources.get(rule.id)!.range!).replace(/--[^\n]*\n?/g, " ");
          if (rule.field === TEXT_FIELD) {
            // Only event forms the builder has no controls for stay text: an aggregate tested with `not
            // between` or `in`, a first/last time tested with `in`.
            const value = rule.value as string;
            expect(text).toContain(value);
            expect(value).toMatch(/^performed\b/i);
            expect(value).toMatch(/\b(with|between)\b/i);
          } else if (rule.field === SEGMENT_FIELD) {
            expect(written).toMatch(rule.operator === "notInSegment" ? /^not\s+in\s+segment\b/i : /^in\s+segment\b/i);
            expect(parse(written).document.segments[0]?.expr).toMatchObject(rule.operator === "notInSegment" ? { operand: { name: rule.value } } : { name: rule.value });
          } else if (rule.field === EVENT_FIELD) {
            const event = eventOf(rule.value);
            expect(written).toMatch(rule.operator === "notPerformed" ? /^not\b/i : /^\(?performed\b/i);
            // The filter is kept exactly as written.
            if (event.where !== null) expect(view.text).toContain(event.where);
          }
        }
        expect(sameExpr(astOfQuery(view.query, richSchema), exprOf(text))).toBe(true);
      }),
      { numRuns: runs },
    );
  });

  it("event and segment rules: what they ask, and text rules for the forms they do not show", () => {
    const q = viewOf('performed "Purchase" at least 3 times within last 30 days where amount > 50 -- big').query;
    expect(shape(q)).toEqual({ c: "and", n: false, r: [{ f: EVENT_FIELD, o: "performed", v: { name: "Purchase", count: { cmp: ">=", raw: "3" }, total: null, time: null, window: { amount: "30", unit: "day" }, period: null, where: "amount > 50" } }] });
    const total = viewOf('performed "Purchase" with average of Amount >= 49.5 within last 1 year').query;
    expect(shape(total)).toEqual({ c: "and", n: false, r: [{ f: EVENT_FIELD, o: "performed", v: { name: "Purchase", count: null, total: { fn: "avg", property: "Amount", cmp: ">=", raw: "49.5" }, time: null, window: { amount: "1", unit: "year" }, period: null, where: null } }] });
    const not = viewOf('not performed "Login" within last 1 week and NOT in segment "Paying" and not (in segment "Paying")').query;
    expect(shape(not)).toEqual({
      c: "and",
      n: false,
      r: [
        { f: EVENT_FIELD, o: "notPerformed", v: { name: "Login", count: null, total: null, time: null, window: { amount: "1", unit: "week" }, period: null, where: null } },
        { f: SEGMENT_FIELD, o: "notInSegment", v: "Paying" },
        // `not (…)` as written: a NOT group around the rule.
        { c: "and", n: true, r: [{ f: SEGMENT_FIELD, o: "inSegment", v: "Paying" }] },
      ],
    });
    // A filter's own parentheses, and a filter of several conditions, as written.
    const filtered = viewOf('not (performed "Refund" where (amount > 5 or gift)) or score > 1').query;
    expect(shape(filtered)).toMatchObject({ c: "or", r: [{ f: EVENT_FIELD, o: "notPerformed", v: { where: "(amount > 5 or gift)" } }, { f: "score" }] });
    const last = viewOf('performed "Login" with last time before 90 days ago').query;
    expect(shape(last)).toEqual({ c: "and", n: false, r: [{ f: EVENT_FIELD, o: "performed", v: { name: "Login", count: null, total: null, time: { which: "last", operator: "before", value: { kind: "relative", amount: "90", unit: "day" } }, window: null, period: null, where: null } }] });
    const period = viewOf('performed "Login" between 2024-11-25 and 2024-12-01T23:59:59Z').query;
    expect(shape(period)).toMatchObject({ r: [{ f: EVENT_FIELD, v: { window: null, period: [{ kind: "date", text: "2024-11-25" }, { kind: "timestamp", text: "2024-12-01T23:59:59Z" }] } }] });
    const range = viewOf('performed "Purchase" with sum of amount between 100 and 500.5 within last 30 days').query;
    expect(shape(range)).toEqual({ c: "and", n: false, r: [{ f: EVENT_FIELD, o: "performed", v: { name: "Purchase", count: null, total: { fn: "sum", property: "amount", cmp: "between", raw: "100", high: "500.5" }, time: null, window: { amount: "30", unit: "day" }, period: null, where: null } }] });
    expect(printGroup(range, richSchema)).toBe('performed "Purchase" with sum of amount between 100 and 500.5 within last 30 days');
    // Events scheduled ahead: a window in the future.
    const ahead = viewOf('performed "Login" within next 7 days').query;
    expect(shape(ahead)).toMatchObject({ r: [{ f: EVENT_FIELD, v: { name: "Login", window: { amount: "7", unit: "day", next: true }, period: null } }] });
    expect(printGroup(ahead, richSchema)).toBe('performed "Login" within next 7 days');
    for (const text of [
      'performed "Purchase" with sum of amount not between 1 and 100',
      'performed "Purchase" with max of amount in (1, 2)',
      'performed "Login" with first time in (2024-01-01)',
      "performed Purchase",
    ]) {
      const r = viewOf(text).query.rules[0]!;
      expect(r).toMatchObject({ field: TEXT_FIELD, value: text });
    }
    // Without events in the schema, event conditions stay text.
    const noEvents = fromText('performed "Purchase"', { ...richSchema, events: undefined } as never);
    expect(noEvents.ok && noEvents.view.query.rules[0]).toMatchObject({ field: TEXT_FIELD });
  });

  it("the builder's own text maps back to the same groups", () => {
    fc.assert(
      fc.property(textArb({ events: true }), (text) => {
        const query = viewOf(text).query;
        const again = viewOf(printGroup(query, richSchema)).query;
        expect(shape(again)).toEqual(shape(query));
      }),
      { numRuns: runs },
    );
  });

  it("shows grouping as written: parenthesised runs and single conditions in parentheses are groups", () => {
    const q = viewOf('a_b = 1 or status = "Pending" and (score > 1 and (is_vip)) -- c\n').query as BuilderGroup;
    // `a_b` is not a field of the schema: a text rule, kept as written.
    expect(shape(q)).toEqual({
      c: "or",
      n: false,
      r: [
        { f: TEXT_FIELD, o: "text", v: "a_b = 1" },
        {
          c: "and",
          n: false,
          r: [
            { f: "status", o: "=", v: { kind: "string", value: "Pending" } },
            { c: "and", n: false, r: [{ f: "score", o: ">", v: { kind: "number", raw: "1" } }, { c: "and", n: false, r: [{ f: "is_vip", o: "isTrue", v: null }] }] },
          ],
        },
      ],
    });
  });

  it("keeps values exactly as written: number spellings, dates, timestamps with offsets, relative times", () => {
    const q = viewOf("score between 1e3 and -0 and signed_up_at after 2024-01-01T10:00:00+02:00 and birthday before 30 days ago and last_seen_at within last 1 week").query;
    expect(q.rules.map(shape)).toEqual([
      { f: "score", o: "between", v: [{ kind: "number", raw: "1e3" }, { kind: "number", raw: "-0" }] },
      { f: "signed_up_at", o: "after", v: { kind: "timestamp", text: "2024-01-01T10:00:00+02:00" } },
      { f: "birthday", o: "before", v: { kind: "relative", amount: "30", unit: "day" } },
      { f: "last_seen_at", o: "withinLast", v: { amount: "1", unit: "week" } },
    ]);
  });

  it("shows the future as the future: within next, in N units, N units from now (never within last or ago)", () => {
    const q = viewOf("last_seen_at within next 7 days and birthday not within next 1 month and signed_up_at before in 3 days and signed_up_at after 2 weeks from now").query;
    expect(q.rules.map(shape)).toEqual([
      { f: "last_seen_at", o: "withinNext", v: { amount: "7", unit: "day" } },
      { f: "birthday", o: "notWithinNext", v: { amount: "1", unit: "month" } },
      { f: "signed_up_at", o: "before", v: { kind: "relative", amount: "3", unit: "day", future: "in" } },
      { f: "signed_up_at", o: "after", v: { kind: "relative", amount: "2", unit: "week", future: "fromNow" } },
    ]);
    expect(printGroup(q, richSchema)).toBe("last_seen_at within next 7 days and birthday not within next 1 month and signed_up_at before in 3 days and signed_up_at after 2 weeks from now");
  });

  it("says why it cannot show a text: a syntax error (where), segment declarations", () => {
    const bad = fromText("score > ", richSchema);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.line).toBe(1);
    const decl = fromText('segment "A" as is_vip', richSchema);
    expect(decl.ok ? "" : decl.reason).toMatch(/declares segments/);
    const empty = fromText("-- nothing yet\n", richSchema);
    expect(empty.ok && empty.view.query.rules).toEqual([]);
  });

  it("bounds what it shows: up to MAX_BUILDER_RULES conditions, nesting only as deep as the parser reads (a clear reason, no throw)", () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `score > ${i}`).join(" and ");
    expect(fromText(many(MAX_BUILDER_RULES), richSchema).ok).toBe(true);
    const over = fromText(many(MAX_BUILDER_RULES + 1), richSchema);
    expect(over.ok ? "" : over.reason).toBe(`the expression has ${MAX_BUILDER_RULES + 1} conditions; the builder shows up to ${MAX_BUILDER_RULES} (edit it as text)`);
    for (const text of ["(".repeat(5000) + "score > 1" + ")".repeat(5000), "not ".repeat(5000) + "score > 1"]) {
      const deep = fromText(text, richSchema);
      expect(deep.ok ? "" : deep.reason).toMatch(/^fix the text first \(1:\d+: the condition is nested more than \d+ levels deep/);
    }
  });
});
