/**
 * Diagnostics → builder rows (`placeDiagnostics`, `nodeOfSpan`):
 * - the checker's errors and the analysis's warnings, from the language service the web app runs, land on
 *   the row a person would point at: the rule holding a wrong value or field, the rule that adds nothing,
 *   the group that never matches, the "Condition as text" rule holding an event filter's contradiction;
 * - laws (fast-check, texts with any layout, comments and grouping): a span lands on the deepest node whose
 *   text holds it (no child of that node holds it), or on the root when none does; the text of a rule
 *   lands on that rule; every diagnostic of a generated text lands somewhere that holds it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyEdits, fromText, isGroup, nodeOfSpan, placeDiagnostics, ROOT_ID, type BuilderGroup, type BuilderView } from "../../src/querybuilder/index.js";
import { LanguageService, type ServiceDiagnostic } from "../../src/service/index.js";
import { richSchema } from "../helpers/generators.js";
import { nodes, textArb } from "./arbitraries.js";

const runs = Number(process.env["SEGQL_QB_RUNS"] ?? 200);

function viewOf(text: string): BuilderView {
  const r = fromText(text, richSchema);
  if (!r.ok) throw new Error(`no builder for ${JSON.stringify(text)}: ${r.reason}`);
  return r.view;
}

const service = new LanguageService({ project: () => ({ key: "marks", schema: richSchema }) });

/** What the web app's editor shows for a text: the checker's and the analysis's diagnostics. */
function diagnosticsOf(text: string): ServiceDiagnostic[] {
  service.setDocument("segment://marks", text);
  return service.diagnostics("segment://marks");
}

/** Node id → "severity code: message" of the diagnostics placed on it. */
function marksOf(text: string): Record<string, string[]> {
  const placed = placeDiagnostics(viewOf(text), diagnosticsOf(text));
  return Object.fromEntries([...placed].map(([id, ds]) => [id, ds.map((d) => `${d.severity} ${d.code}: ${d.message}`)]));
}

/** The group with this id in the query. */
function groupOf(query: BuilderGroup, id: string): BuilderGroup | null {
  const found = nodes(query).find((e) => e.node.id === id)?.node;
  return found && isGroup(found) ? found : null;
}

describe("diagnostics on builder rows", () => {
  it("puts a warning that spans the whole condition on the root group: rules that never match together", () => {
    expect(marksOf("lifetime_value > 12 and lifetime_value < 6")).toEqual({
      g: ["warning never-matches: this condition never matches: 'lifetime_value > 12' and 'lifetime_value < 6' cannot both hold for one contact"],
    });
  });

  it("puts a redundant rule's warning and its fix on that rule; the fix's edits remove the rule from the text", () => {
    const text = "lifetime_value > 12 and lifetime_value > 6";
    const placed = placeDiagnostics(viewOf(text), diagnosticsOf(text));
    expect([...placed.keys()]).toEqual(["g.1"]);
    const d = placed.get("g.1")![0]!;
    expect(d.code).toBe("redundant");
    expect(d.fix?.title).toBe("remove it");
    const fixed = applyEdits(text, d.fix!.edits.map((e) => ({ from: e.from, to: e.to, insert: e.text })));
    expect(fixed).toBe("lifetime_value > 12");
    expect(viewOf(fixed!).query.rules).toHaveLength(1);
    expect(diagnosticsOf(fixed!)).toEqual([]);
  });

  it("puts a warning about a parenthesised branch on its group, not on one of its rules", () => {
    const text = "lifetime_value > 3 and (lifetime_value > 2 or is_vip)";
    expect(groupOf(viewOf(text).query, "g.1")?.combinator).toBe("or");
    expect(Object.keys(marksOf(text))).toEqual(["g.1"]);
    expect(marksOf(text)["g.1"]![0]).toMatch(/^warning redundant: this adds nothing/);
  });

  it("puts an unknown value on its rule, and a fixed value clears it", () => {
    expect(marksOf('is_vip and status = "Nope"')).toEqual({ "g.1": [expect.stringMatching(/^error unknown-value: "Nope" is not a value of status/)] });
    expect(marksOf('is_vip and status = "Pending"')).toEqual({});
  });

  it("puts an unknown field on its text rule (the builder shows it as written), with the checker's fix", () => {
    const text = "lifetim_value > 3 and is_vip";
    const view = viewOf(text);
    expect(view.query.rules[0]).toMatchObject({ id: "g.0", field: "~text" });
    const placed = placeDiagnostics(view, diagnosticsOf(text));
    expect([...placed.keys()]).toEqual(["g.0"]);
    expect(placed.get("g.0")![0]!.fix?.title).toMatch(/lifetime_value/);
  });

  it("puts a contradiction inside an event's filter on that event's text rule", () => {
    const text = 'is_vip and performed "Purchase" where amount > 3 and amount < 2';
    expect(Object.keys(marksOf(text))).toEqual(["g.1"]);
    expect(marksOf(text)["g.1"]![0]).toMatch(/^warning never-matches: /);
  });

  it("puts a NOT group's warning on the group, and one across groups on the group around them", () => {
    const text = "(is_vip or opted_in) and not (lifetime_value > 2) and lifetime_value > 5";
    const view = viewOf(text);
    expect(groupOf(view.query, "g.1")?.not).toBe(true);
    // `not (lifetime_value > 2)`: the NOT group; `lifetime_value > 2` inside it: its rule; across: the root.
    const not = view.sources.get("g.1")!.range!;
    expect(nodeOfSpan(view, not[0], not[1])).toBe("g.1");
    expect(nodeOfSpan(view, text.indexOf("lifetime_value > 2"), text.indexOf("lifetime_value > 2") + 18)).toBe("g.1.0");
    expect(nodeOfSpan(view, text.indexOf("opted_in"), text.indexOf("not"))).toBe(ROOT_ID);
    expect(nodeOfSpan(view, 1, text.indexOf(")"))).toBe("g.0");
  });

  it("puts what lies outside the expression (a comment) and spans past the text on the root", () => {
    const text = "-- the note\nis_vip and opted_in";
    const view = viewOf(text);
    expect(nodeOfSpan(view, 3, 7)).toBe(ROOT_ID);
    const placed = placeDiagnostics(view, [
      { from: 0, to: 999, id: "past" },
      { from: -1, to: 2, id: "before" },
      { from: text.indexOf("opted_in"), to: text.length, id: "rule" },
    ]);
    expect(Object.fromEntries([...placed].map(([k, v]) => [k, v.map((d) => d.id)]))).toEqual({ g: ["past", "before"], "g.1": ["rule"] });
  });

  it("law: a span lands on the deepest node whose text holds it, or on the root", () => {
    fc.assert(
      fc.property(textArb({ events: true }).chain((text) => fc.tuple(fc.constant(text), fc.nat(text.length), fc.nat(text.length))), ([text, a, b]) => {
        const view = viewOf(text);
        const [from, to] = a <= b ? [a, b] : [b, a];
        const id = nodeOfSpan(view, from, to);
        const entry = nodes(view.query).find((e) => e.node.id === id);
        expect(entry).toBeDefined();
        const holds = (nodeId: string) => {
          const r = view.sources.get(nodeId)?.range;
          return r !== undefined && r !== null && (from < to ? r[0] <= from && to <= r[1] : r[0] <= from && from <= r[1]);
        };
        if (id !== ROOT_ID) expect(holds(id)).toBe(true);
        if (isGroup(entry!.node)) expect(entry!.node.rules.filter((c) => holds(c.id)).map((c) => c.id)).toEqual([]);
        // Every group on the way down holds it too (the node is inside each of them).
        for (let p = entry!.parent; p && p.id !== ROOT_ID; p = nodes(view.query).find((e) => e.node.id === p!.id)!.parent) expect(holds(p.id)).toBe(true);
      }),
      { numRuns: runs },
    );
  });

  it("law: the text of a rule, and any part of it, lands on that rule", () => {
    fc.assert(
      fc.property(textArb({ events: true }), fc.nat(), fc.nat(), (text, x, y) => {
        const view = viewOf(text);
        for (const [id, src] of view.sources) {
          if (src.kind !== "rule") continue;
          const { start, end } = src.expr.span;
          expect(nodeOfSpan(view, start, end)).toBe(id);
          // Any part of it: a value, a field, a point in it.
          const p = start + (x % (end - start + 1));
          const q = p + (y % (end - p + 1));
          expect(nodeOfSpan(view, p, q)).toBe(id);
        }
      }),
      { numRuns: runs },
    );
  });

  it("law: every diagnostic of a text lands on a node whose text holds it (or the root), none lost", () => {
    fc.assert(
      fc.property(textArb({ events: true }), (text) => {
        const view = viewOf(text);
        const ds = diagnosticsOf(text);
        const placed = placeDiagnostics(view, ds);
        expect([...placed.values()].flat()).toHaveLength(ds.length);
        for (const [id, list] of placed) {
          const r = view.sources.get(id)?.range;
          for (const d of list) if (id !== ROOT_ID) expect(r![0] <= d.from && d.to <= r![1]).toBe(true);
        }
      }),
      { numRuns: Math.min(runs, 100) },
    );
  });
});
