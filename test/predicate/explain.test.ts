/**
 * `explain` and `subConditions` (src/compiler/predicate/explain.ts):
 * - laws on random expressions and data (test/helpers/generators.ts): the root's value is the predicate's
 *   answer; every contact-level node's value is the predicate of that node alone; the event counts are
 *   nested (matching ≤ in window ≤ named) and a count measure's value follows from the count it shows;
 *   sub-conditions come parents first and each compiles alone;
 * - tables on the Telco and Online Retail data: labels, the values read, the windows resolved;
 * - no stack overflow on long and deep expressions.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { TypedExpr } from "../../src/checker/typed-ast.js";
import { explain, subConditions, type ExplainNode } from "../../src/compiler/predicate/explain.js";
import { compilePredicate, groupEvents } from "../../src/compiler/predicate/index.js";
import { loadContacts, loadEventsByKey, type LoadedContact, type LoadedEvent } from "../../src/data/index.js";
import { checkExpression, LIMITS } from "../../src/index.js";
import { readSchemaFile } from "../../src/schema/read-schema-file.js";
import type { Schema } from "../../src/schema/schema.js";
import { datasetFile } from "../helpers/datasets.js";
import { caseArb, richSchema, type Case } from "../helpers/generators.js";

/** Every node of an explanation, parents first. */
function nodes(root: ExplainNode): ExplainNode[] {
  const out: ExplainNode[] = [];
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

/** The typed nodes in the same order as `nodes` walks an explanation (segments entered once, as explain does). */
function typedNodes(root: TypedExpr): TypedExpr[] {
  const out: TypedExpr[] = [];
  const seen = new Set<TypedExpr>();
  const stack = [root];
  while (stack.length) {
    const e = stack.pop()!;
    out.push(e);
    const kids =
      e.kind === "and" || e.kind === "or" ? e.operands
      : e.kind === "not" ? [e.operand]
      : e.kind === "event" ? (e.filter ? [e.filter] : [])
      : e.kind === "segment" ? (seen.has(e.expr) ? [] : (seen.add(e.expr), [e.expr]))
      : [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

describe("explain: laws on random expressions and data", () => {
  it("the root is the predicate's answer and each contact-level node is its own predicate", () => {
    let contacts = 0;
    let trues = 0;
    let eventNodes = 0;
    fc.assert(
      fc.property(caseArb(richSchema), (c: Case) => {
        const query = checkExpression(c.text, c.schema, c.segment ? { segment: c.segment } : {});
        const predicate = compilePredicate(query, { now: c.now });
        const byKey = groupEvents(c.events, "contact_id");
        const typed = typedNodes(query.expr);
        for (const contact of c.contacts) {
          const events = byKey.get(String(contact["id"])) ?? [];
          const x = explain(query, contact, events, { now: c.now });
          const expected = predicate(contact, events);
          expect(x.value).toBe(expected);
          expect(x.root.value).toBe(expected);
          contacts++;
          if (expected) trues++;
          const flat = nodes(x.root);
          expect(flat.length).toBe(typed.length);
          flat.forEach((n, i) => {
            const t = typed[i]!;
            expect(n.kind).toBe(t.kind);
            expect(n.span).toEqual(t.span);
            if (n.scope === "contact") {
              // Each node alone, through the predicate compiler's code generator (explain uses closures).
              expect(n.value).toBe(compilePredicate({ schema: c.schema, expr: t }, { now: c.now, mode: "codegen" })(contact, events));
            }
            if (n.read?.kind === "events") {
              eventNodes++;
              const r = n.read;
              expect(r.matching).toBeLessThanOrEqual(r.inWindow);
              expect(r.inWindow).toBeLessThanOrEqual(r.named);
              expect(r.named).toBeLessThanOrEqual(events.length);
              const m = t.kind === "event" ? t.measure : null;
              if (m?.kind === "count" && r.measure.kind === "count") {
                expect(r.measure.count).toBe(r.matching);
                const k = r.matching;
                expect(n.value).toBe(m.cmp === ">=" ? k >= m.count : m.cmp === "<=" ? k <= m.count : k === m.count);
              }
              if (r.measure.kind === "aggregate" && r.measure.value === null) expect(n.value).toBe(false);
              if ((r.measure.kind === "first" || r.measure.kind === "last") && r.measure.time === null) expect(n.value).toBe(false);
              if (r.matching === 0 && m?.kind !== "count") expect(n.value).toBe(false);
            }
            if (n.read?.kind === "filter") {
              expect(n.scope).toBe("event");
              expect(n.read.matching).toBeLessThanOrEqual(n.read.of);
              expect(n.value).toBe(n.read.matching > 0);
            }
            if (n.read?.kind === "field") expect(n.kind).toBe("rule");
          });
        }
      }),
      { numRuns: 150, seed: 12 },
    );
    // The law says little unless both answers and event conditions come up often.
    expect(trues).toBeGreaterThan(contacts * 0.1);
    expect(trues).toBeLessThan(contacts * 0.9);
    expect(eventNodes).toBeGreaterThan(100);
  });

  it("a filter's nodes count the events in the window that pass them", () => {
    fc.assert(
      fc.property(caseArb(richSchema), (c: Case) => {
        const query = checkExpression(c.text, c.schema, c.segment ? { segment: c.segment } : {});
        const byKey = groupEvents(c.events, "contact_id");
        for (const contact of c.contacts) {
          const events = byKey.get(String(contact["id"])) ?? [];
          for (const n of nodes(explain(query, contact, events, { now: c.now }).root)) {
            if (n.read?.kind !== "events" || n.children.length === 0) continue;
            const filter = n.children[0]!;
            // The filter's root passes exactly the events the condition counts.
            expect(filter.read).toEqual({ kind: "filter", matching: n.read.matching, of: n.read.inWindow });
          }
        }
      }),
      { numRuns: 80, seed: 13 },
    );
  });

  it("sub-conditions: parents first, every contact-level node once, each compiles alone", () => {
    fc.assert(
      fc.property(caseArb(richSchema, { library: null }), (c: Case) => {
        const query = checkExpression(c.text, c.schema);
        const subs = subConditions(query.expr);
        expect(subs[0]!.node).toBe(query.expr);
        expect(subs[0]!.parent).toBeNull();
        subs.forEach((s, i) => {
          expect(s.index).toBe(i);
          if (s.parent !== null) {
            expect(s.parent).toBeLessThan(i);
            expect(s.depth).toBe(subs[s.parent]!.depth + 1);
            const p = subs[s.parent]!.node;
            const kids = p.kind === "and" || p.kind === "or" ? p.operands : p.kind === "not" ? [p.operand] : [];
            expect(kids).toContain(s.node);
          }
          expect(c.text.slice(s.span.start, s.span.end).length).toBeGreaterThan(0);
          expect(s.label.length).toBeGreaterThan(0);
          // Counting it alone works (the per-condition counts of the playground and the service).
          const pred = compilePredicate({ schema: c.schema, expr: s.node }, { now: c.now });
          for (const contact of c.contacts) expect(typeof pred(contact, [])).toBe("boolean");
        });
        // Every node of the tree outside event filters appears once.
        let expected = 0;
        const stack: TypedExpr[] = [query.expr];
        while (stack.length) {
          const e = stack.pop()!;
          expected++;
          if (e.kind === "and" || e.kind === "or") stack.push(...e.operands);
          else if (e.kind === "not") stack.push(e.operand);
        }
        expect(subs.length).toBe(expected);
      }),
      { numRuns: 100, seed: 14 },
    );
  });
});

describe("explain on the Telco data (now 2026-01-01)", () => {
  const now = "2026-01-01T00:00:00Z";
  let schema: Schema;
  let contacts: Map<string, LoadedContact>;
  beforeAll(async () => {
    schema = readSchemaFile(datasetFile("telco/schema.json"));
    contacts = new Map((await loadContacts(datasetFile("telco/contacts.jsonl"), schema)).map((c) => [c["customer_id"] as string, c]));
  });
  const why = (text: string, key: string) => explain(checkExpression(text, schema), contacts.get(key)!, undefined, { now });

  it("names the failing condition and the value it read", () => {
    // 7590-VHVEG: tenure 1, Month-to-month, DSL, no churn.
    const x = why('contract = "Month-to-month" and tenure > 12 and not churn', "7590-VHVEG");
    expect(x.value).toBe(false);
    expect(x.root.label).toBe("and");
    const rows = x.root.children.map((n) => [n.label, n.value, n.read?.kind === "field" ? n.read.value : null]);
    expect(rows).toEqual([
      ['contract = "Month-to-month"', true, "Month-to-month"],
      ["tenure > 12", false, 1],
      ["not", true, null],
    ]);
    expect(x.root.children[2]!.children[0]).toMatchObject({ label: "churn = true", value: false, read: { kind: "field", field: "churn", value: false } });
    expect(x.now).toBe("2026-01-01T00:00:00.000Z");
  });

  it("labels are canonical whatever the spelling, and values are JSON", () => {
    const x = why(
      "Signed_Up_At WITHIN LAST 3 months or services has none ('phone') or total_charges is empty or payment_method in ('Mailed check', \"Electronic check\", 'Bank transfer (automatic)', 'Credit card (automatic)')",
      "7590-VHVEG",
    );
    expect(x.root.children.map((n) => n.label)).toEqual([
      "signed_up_at within last 3 months",
      'services has none ("phone")',
      "total_charges is empty",
      'payment_method in ("Mailed check", "Electronic check", "Bank transfer (automatic)", … 4 values)',
    ]);
    // A timestamp read as a Date is shown as ISO text; a list as a list.
    expect(x.root.children[0]!.read).toEqual({ kind: "field", field: "signed_up_at", value: "2025-12-01T00:00:00.000Z" });
    expect(x.root.children[1]!.read).toEqual({ kind: "field", field: "services", value: ["internet", "online_backup"] });
    expect(JSON.parse(JSON.stringify(x))).toEqual(x);
  });

  it("agrees with the predicate on every Telco contact for a mixed expression", () => {
    const q = checkExpression('(contract = "Month-to-month" or tenure between 6 and 12) and not (services has any ("streaming_tv", "streaming_movies")) and signed_up_at after 2024-06-01', schema);
    const p = compilePredicate(q, { now });
    let n = 0;
    for (const c of contacts.values()) {
      const v = p(c);
      expect(explain(q, c, undefined, { now }).value).toBe(v);
      if (v) n++;
    }
    expect(n).toBeGreaterThan(100);
  });
});

describe("explain on the Online Retail events (now 2011-12-10)", () => {
  const now = "2011-12-10T00:00:00Z";
  let schema: Schema;
  let contacts: LoadedContact[];
  let events: Map<string, LoadedEvent[]>;
  beforeAll(async () => {
    schema = readSchemaFile(datasetFile("online-retail/schema.json"));
    contacts = await loadContacts(datasetFile("online-retail/contacts.jsonl"), schema);
    events = await loadEventsByKey(datasetFile("online-retail/events.jsonl"), schema);
  });

  it("shows the events seen, the window and the aggregate, checked against plain JavaScript", () => {
    const text = 'performed "Purchase" with sum of amount > 500 within last 90 days where quantity >= 10';
    const q = checkExpression(text, schema);
    const from = Date.parse("2011-09-11T00:00:00Z");
    const to = Date.parse(now);
    let checked = 0;
    for (const c of contacts.slice(0, 200)) {
      const key = c["customer_id"] as string;
      const evs = events.get(key) ?? [];
      const x = explain(q, c, evs, { now });
      const purchases = evs.filter((e) => e["event"] === "Purchase");
      const inWindow = purchases.filter((e) => {
        const t = (e["occurred_at"] as Date).getTime();
        return t >= from && t <= to;
      });
      const props = (e: LoadedEvent) => e["properties"] as Record<string, unknown>;
      const matching = inWindow.filter((e) => typeof props(e)["quantity"] === "number" && (props(e)["quantity"] as number) >= 10);
      const amounts = matching.map((e) => props(e)["amount"]).filter((v): v is number => typeof v === "number");
      const sum = amounts.length ? amounts.reduce((a, b) => a + b, 0) : null;
      expect(x.root.read).toEqual({
        kind: "events",
        name: "Purchase",
        window: { from: "2011-09-11T00:00:00.000Z", to: "2011-12-10T00:00:00.000Z" },
        named: purchases.length,
        inWindow: inWindow.length,
        matching: matching.length,
        measure: { kind: "aggregate", fn: "sum", property: "amount", value: sum },
      });
      expect(x.value).toBe(sum !== null && sum > 500);
      expect(x.root.children[0]).toMatchObject({ label: "quantity >= 10", scope: "event", read: { kind: "filter", matching: matching.length, of: inWindow.length } });
      if (x.value) checked++;
    }
    expect(checked).toBeGreaterThan(5);
    expect(x0Label(q.expr)).toBe('performed "Purchase" with sum of amount > 500 within last 90 days where quantity >= 10');
  });

  it("first/last time and counts", () => {
    const q = checkExpression('performed "Refund" at least 2 times or performed "Purchase" with last time before 2011-06-01', schema);
    const c = contacts.find((x) => x["customer_id"] === "12346")!;
    const x = explain(q, c, events.get("12346") ?? [], { now });
    const [refunds, last] = x.root.children;
    expect(refunds!.label).toBe('performed "Refund" at least 2 times');
    expect(refunds!.read).toMatchObject({ kind: "events", window: null });
    expect(last!.label).toBe('performed "Purchase" with last time before 2011-06-01');
    const read = last!.read!;
    expect(read.kind).toBe("events");
    if (read.kind === "events" && read.measure.kind === "last") {
      const times = (events.get("12346") ?? []).filter((e) => e["event"] === "Purchase").map((e) => (e["occurred_at"] as Date).getTime());
      expect(read.measure.time).toBe(times.length ? new Date(Math.max(...times)).toISOString() : null);
    }
  });
});

function x0Label(e: TypedExpr): string {
  return subConditions(e)[0]!.label;
}

describe("explain: segments and size", () => {
  const schema = richSchema;

  it("explains a segment once, marks later references as repeated", () => {
    const text = 'segment "A" as is_vip or lifetime_value > 10\nsegment "Main" as in segment "A" and (not in segment "A" or in segment "A")';
    const q = checkExpression(text, schema, { segment: "Main" });
    const x = explain(q, { id: "c1", is_vip: true }, [], { now: "2024-01-01" });
    const refs = nodes(x.root).filter((n) => n.kind === "segment");
    expect(refs.map((n) => [n.label, n.value, n.repeated ?? false, n.children.length])).toEqual([
      ['in segment "A"', true, false, 1],
      ['in segment "A"', true, true, 0],
      ['in segment "A"', true, true, 0],
    ]);
    expect(x.value).toBe(true);
  });

  it("walks long and deep expressions without recursion limits", () => {
    const wide = Array.from({ length: 3000 }, (_, i) => `lifetime_value = ${i}`).join(" or ");
    // As deep as the parser accepts (LIMITS.nesting levels).
    const deep = `${"(".repeat(LIMITS.nesting)}is_vip${")".repeat(LIMITS.nesting)}`;
    const nots = `${"not ".repeat(LIMITS.nesting)}is_vip`;
    for (const text of [wide, deep, nots]) {
      const q = checkExpression(text, schema);
      const contact = { id: "c", lifetime_value: 2999, is_vip: true };
      expect(explain(q, contact, [], { now: "2024-01-01" }).value).toBe(compilePredicate(q, { now: "2024-01-01" })(contact));
      expect(subConditions(q.expr).length).toBeGreaterThan(0);
    }
  });
});
