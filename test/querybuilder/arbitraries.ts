/**
 * fast-check arbitraries for the builder tests: segql texts over the rich schema with the layouts people
 * write (line breaks, indentation, `--` comments between conditions, upper-case keywords, redundant and
 * grouping parentheses, every operator spelling), and builder changes of one step (what one click or
 * keystroke in the builder does).
 */
import fc from "fast-check";
import {
  coerceValue,
  EVENT_COUNTS,
  EVENT_FIELD,
  EVENT_OPERATORS,
  EVENT_TIME,
  EVENT_TOTALS,
  eventOf,
  isGroup,
  operatorsFor,
  SEGMENT_FIELD,
  SEGMENT_OPERATORS,
  TOTAL_COMPARISONS,
  type BuilderEvent,
  type BuilderGroup,
  type BuilderLiteral,
  type BuilderNode,
  type BuilderRule,
  type BuilderView,
} from "../../src/querybuilder/index.js";
import type { FieldDef } from "../../src/schema/schema.js";
import { exprArb, richSchema } from "../helpers/generators.js";

export const NOW = "2026-01-15T12:00:00Z";

/** Separators between a condition and a keyword: spaces, line breaks, indentation, comments. */
const sep = fc.constantFrom(" ", " ", " ", "\n", "\n  ", "  ", "\t", " -- why this one\n  ", "\n-- a comment line\n");

type Tree = { kind: "leaf"; text: string } | { kind: "and" | "or"; operands: Tree[] } | { kind: "not"; operand: Tree };

/** True for a leaf text that is an event condition (its `where` filter must not swallow what follows). */
function isEvent(text: string): boolean {
  return /^\s*(not\s+)?performed\b/i.test(text);
}

/**
 * Field tests in the future forms (issue 15: `within next N unit`, `in N unit`, `N unit from now`), which
 * the shared expression generator does not write: the builder must show them as the future, never as
 * `within last` or `ago`.
 */
const futureLeaf: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("birthday", "signed_up_at", "last_seen_at", "Signed_Up_At"),
    fc.constantFrom("1", "3", "12", "0"),
    fc.constantFrom("day", "days", "week", "months", "year", "hours"),
    fc.constantFrom("amount", "in", "fromNow", "ago"),
    fc.constantFrom("within next", "not within next", "WITHIN NEXT", "before", "after", "not before", ">=", "=", "between"),
  )
  .map(([field, n, unit, form, op]) => {
    const time = form === "in" ? `in ${n} ${unit}` : form === "fromNow" ? `${n} ${unit} from now` : `${n} ${unit} ago`;
    if (/within/i.test(op)) return `${field} ${op} ${n} ${unit}`;
    if (op === "between") return `${field} between ${time} and in 40 days`;
    return `${field} ${op} ${time}`;
  });

function treeArb(events: boolean, segments: readonly string[]): fc.Arbitrary<Tree> {
  const leaf = fc.oneof({ weight: 6, arbitrary: exprArb(richSchema, NOW, { depth: 0, events, segments }) }, { weight: 1, arbitrary: futureLeaf }).map((text): Tree => ({ kind: "leaf", text }));
  return fc.letrec<{ node: Tree }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { weight: 5, arbitrary: leaf },
      { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom("and" as const, "or" as const), operands: fc.array(tie("node"), { minLength: 2, maxLength: 4 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("not" as const), operand: tie("node") }) },
    ),
  })).node;
}

/** Prints a tree with random layout; parentheses where the language needs them, and now and then more. */
function printArb(tree: Tree): fc.Arbitrary<string> {
  switch (tree.kind) {
    case "leaf":
      return fc.nat(4).map((n) => (isEvent(tree.text) || n === 0 ? `(${tree.text})` : tree.text));
    case "not":
      return fc.tuple(printArb(tree.operand), fc.constantFrom("not", "NOT", "Not"), sep, fc.boolean()).map(([inner, kw, s, paren]) => {
        const needs = tree.operand.kind === "and" || tree.operand.kind === "or";
        return `${kw}${paren || needs ? " " : s.includes("--") ? s : " "}${paren || needs ? `(${inner})` : inner}`;
      });
    default: {
      const kind = tree.kind;
      return fc
        .tuple(
          fc.tuple(...tree.operands.map((o) => fc.tuple(printArb(o), fc.boolean()))),
          fc.array(fc.tuple(sep, fc.constantFrom(kind, kind.toUpperCase())), { minLength: tree.operands.length - 1, maxLength: tree.operands.length - 1 }),
        )
        .map(([parts, seps]) =>
          parts
            .map(([text, extra], i) => {
              const o = tree.operands[i]!;
              const needs = (kind === "and" && o.kind === "or") || o.kind === kind;
              const wrapped = needs || (extra && o.kind !== "leaf") ? `(${text})` : text;
              return i === 0 ? wrapped : `${seps[i - 1]![0]}${seps[i - 1]![1]} ${wrapped}`;
            })
            .join(""),
        );
    }
  }
}

/** Expression text with layout: comments before and after, line breaks and comments inside. */
export function textArb(options: { events?: boolean; segments?: readonly string[] } = {}): fc.Arbitrary<string> {
  return treeArb(options.events ?? true, options.segments ?? [])
    .chain(printArb)
    .chain((body) => fc.tuple(fc.constantFrom("", "", "-- who: the analysts\n", "\n"), fc.constantFrom("", "", "\n", " -- end\n")).map(([a, b]) => `${a}${body}${b}`));
}

// ---- builder changes ---------------------------------------------------------------------------------

const STRINGS = ["", "Pro", "vip", 'say "hi"', "back\\slash", "café", "Won't say", "😀", "%_"];
const NUMBERS = ["0", "-1", "12.5", "1e3", "-0", ".5", "250"];

/** A literal that fits a field of the rich schema. */
export function literalArb(def: FieldDef): fc.Arbitrary<BuilderLiteral> {
  switch (def.type) {
    case "enum":
      return fc.constantFrom(...(def.values ?? [])).map((value): BuilderLiteral => ({ kind: "string", value }));
    case "string":
    case "list":
      return fc.constantFrom(...STRINGS).map((value): BuilderLiteral => ({ kind: "string", value }));
    case "number":
      return fc.constantFrom(...NUMBERS).map((raw): BuilderLiteral => ({ kind: "number", raw }));
    case "boolean":
      return fc.boolean().map((value): BuilderLiteral => ({ kind: "boolean", value }));
    default:
      return fc.oneof(
        fc.constantFrom("2024-02-29", "2026-01-01").map((text): BuilderLiteral => ({ kind: "date", text })),
        fc.constantFrom("2024-01-01T10:00:00Z", "2025-06-30T23:59:59.5+02:00").map((text): BuilderLiteral => ({ kind: "timestamp", text })),
        fc.tuple(fc.constantFrom("1", "30", "12"), fc.constantFrom("day" as const, "month" as const, "hour" as const)).map(([amount, unit]): BuilderLiteral => ({ kind: "relative", amount, unit })),
        fc
          .tuple(fc.constantFrom("1", "30", "12"), fc.constantFrom("day" as const, "week" as const), fc.constantFrom("in" as const, "fromNow" as const))
          .map(([amount, unit, future]): BuilderLiteral => ({ kind: "relative", amount, unit, future })),
        fc.constantFrom<BuilderLiteral>({ kind: "now" }, { kind: "today" }),
      );
  }
}

/** A value of a rule's operator for a field. */
export function valueArb(def: FieldDef, operator: string): fc.Arbitrary<unknown> {
  const shape = coerceValue(def, operator, null);
  if (shape === null) return fc.constant(null);
  if (Array.isArray(shape) && operator.toLowerCase().includes("between")) return fc.tuple(literalArb(def), literalArb(def));
  if (Array.isArray(shape)) return fc.array(literalArb(def), { minLength: 1, maxLength: 3 });
  if ("amount" in (shape as object)) return fc.tuple(fc.constantFrom("1", "7", "90"), fc.constantFrom("day" as const, "week" as const, "year" as const)).map(([amount, unit]) => ({ amount, unit }));
  return literalArb(def);
}

/** The segment names the builder changes pick from (the texts' references may name others). */
export const SEGMENT_NAMES = ["Paying", 'Won\'t say "no"', "Über"];

/** What an event rule asks (the name from the rich schema's events; the filter kept, dropped, or a new one). */
export function eventArb(where: string | null): fc.Arbitrary<BuilderEvent> {
  const count = fc.record({ cmp: fc.constantFrom(...EVENT_COUNTS.map((c) => c.cmp)), raw: fc.constantFrom("0", "1", "3", "12") });
  const total = fc.record({
    fn: fc.constantFrom(...EVENT_TOTALS.map((t) => t.fn)),
    property: fc.constantFrom("amount", "quantity", "Amount"),
    cmp: fc.constantFrom(...TOTAL_COMPARISONS),
    raw: fc.constantFrom("0", "100", "49.5", "-3", "1e3"),
  }).chain((t) => (t.cmp === "between" ? fc.constantFrom("0", "250", "1e4").map((high) => ({ ...t, high })) : fc.constant(t)));
  const time = fc.record({ which: fc.constantFrom("first" as const, "last" as const), operator: fc.constantFrom(...operatorsFor("timestamp").map((o) => o.name)) }).chain(({ which, operator }) =>
    valueArb(EVENT_TIME, operator).map((value) => ({ which, operator, value: value as BuilderRule["value"] })),
  );
  const measure = fc.oneof(
    fc.constant({ count: null, total: null, time: null }),
    count.map((c) => ({ count: c, total: null, time: null })),
    total.map((t) => ({ count: null, total: t, time: null })),
    time.map((t) => ({ count: null, total: null, time: t })),
  );
  return fc.record({
    name: fc.constantFrom(...richSchema.events!.names!),
    measure,
    when: fc.oneof(
      fc.constant({ window: null, period: null }),
      fc
        .record({ amount: fc.constantFrom("1", "7", "30"), unit: fc.constantFrom("day" as const, "week" as const, "month" as const), next: fc.boolean() })
        .map(({ next, ...window }) => ({ window: next ? { ...window, next: true as const } : window, period: null })),
      fc.tuple(literalArb(EVENT_TIME), literalArb(EVENT_TIME)).map((period) => ({ window: null, period })),
    ),
    where: fc.constantFrom(where, null, "amount > 50", 'channel = "web" or gift'),
  }).map(({ measure: m, when, ...rest }) => ({ ...rest, ...m, ...when }));
}

/** A new event or segment rule. */
function behaviourRuleArb(): fc.Arbitrary<BuilderRule> {
  return fc.oneof(
    fc.tuple(fc.constantFrom(...EVENT_OPERATORS.map((o) => o.name)), eventArb(null)).map(([operator, value]): BuilderRule => ({ id: newId(), field: EVENT_FIELD, operator, value })),
    fc.tuple(fc.constantFrom(...SEGMENT_OPERATORS.map((o) => o.name)), fc.constantFrom(...SEGMENT_NAMES)).map(([operator, value]): BuilderRule => ({ id: newId(), field: SEGMENT_FIELD, operator, value })),
  );
}

/** Every node of a query with its parent. */
export function nodes(query: BuilderGroup): { node: BuilderNode; parent: BuilderGroup | null }[] {
  const out: { node: BuilderNode; parent: BuilderGroup | null }[] = [];
  const stack: { node: BuilderNode; parent: BuilderGroup | null }[] = [{ node: query, parent: null }];
  while (stack.length > 0) {
    const e = stack.pop()!;
    out.push(e);
    if (isGroup(e.node)) for (const c of e.node.rules) stack.push({ node: c, parent: e.node });
  }
  return out;
}

/** A one-step builder change: what it is, the node it is about, and the query after it. */
export interface Change {
  kind: "value" | "operator" | "field" | "remove" | "addRule" | "addGroup" | "not" | "combinator";
  /** The node changed (the group for add, not and combinator; the removed node's parent for remove). */
  target: string;
  next: BuilderGroup;
}

let fresh = 0;
function newId(): string {
  return `new-${++fresh}`;
}

/** Finds the node with `id` in a (cloned) query. */
function find(query: BuilderGroup, id: string): { node: BuilderNode; parent: BuilderGroup | null } {
  const hit = nodes(query).find((e) => e.node.id === id);
  if (!hit) throw new Error(`no node ${id}`);
  return hit;
}

const fields = Object.values(richSchema.fields);

/** A random one-step change of the view's query. */
export function changeArb(view: BuilderView): fc.Arbitrary<Change> {
  const all = nodes(view.query);
  const fieldRules = all.filter((e) => !isGroup(e.node) && !e.node.field.startsWith("~")).map((e) => e.node as BuilderRule);
  const behaviourRules = all.filter((e) => !isGroup(e.node) && (e.node.field === EVENT_FIELD || e.node.field === SEGMENT_FIELD)).map((e) => e.node as BuilderRule);
  const anyRules = all.filter((e) => !isGroup(e.node)).map((e) => e.node as BuilderRule);
  const groups = all.filter((e) => isGroup(e.node)).map((e) => e.node as BuilderGroup);
  const removable = all.filter((e) => e.parent !== null);
  const options: fc.Arbitrary<Change>[] = [];
  const clone = () => structuredClone(view.query);
  if (fieldRules.length > 0) {
    const rule = fc.constantFrom(...fieldRules);
    options.push(
      rule.chain((r) => {
        const def = richSchema.fields[r.field]!;
        return valueArb(def, r.operator).map((value): Change => {
          const next = clone();
          (find(next, r.id).node as BuilderRule).value = value as BuilderRule["value"];
          return { kind: "value", target: r.id, next };
        });
      }),
      rule.chain((r) => {
        const def = richSchema.fields[r.field]!;
        return fc.constantFrom(...operatorsFor(def.type).map((o) => o.name)).map((operator): Change => {
          const next = clone();
          (find(next, r.id).node as BuilderRule).operator = operator;
          return { kind: "operator", target: r.id, next };
        });
      }),
      fc.tuple(rule, fc.constantFrom(...fields)).map(([r, def]): Change => {
        const next = clone();
        const n = find(next, r.id).node as BuilderRule;
        n.field = def.name;
        n.operator = operatorsFor(def.type)[0]!.name;
        n.value = coerceValue(def, n.operator, null);
        return { kind: "field", target: r.id, next };
      }),
    );
  }
  if (behaviourRules.length > 0) {
    const rule = fc.constantFrom(...behaviourRules);
    options.push(
      rule.chain((r) =>
        (r.field === EVENT_FIELD ? eventArb(eventOf(r.value).where) : fc.constantFrom(...SEGMENT_NAMES)).map((value): Change => {
          const next = clone();
          (find(next, r.id).node as BuilderRule).value = value;
          return { kind: "value", target: r.id, next };
        }),
      ),
      rule.map((r): Change => {
        const next = clone();
        const n = find(next, r.id).node as BuilderRule;
        n.operator = { performed: "notPerformed", notPerformed: "performed", inSegment: "notInSegment", notInSegment: "inSegment" }[n.operator]!;
        return { kind: "operator", target: r.id, next };
      }),
    );
  }
  if (anyRules.length > 0) {
    // Any rule (a field, text, event or segment rule) becomes an event or segment rule.
    options.push(
      fc.tuple(fc.constantFrom(...anyRules), behaviourRuleArb()).map(([r, b]): Change => {
        const next = clone();
        Object.assign(find(next, r.id).node, { field: b.field, operator: b.operator, value: b.value });
        return { kind: "field", target: r.id, next };
      }),
    );
  }
  if (removable.length > 0) {
    options.push(
      fc.constantFrom(...removable).map((e): Change => {
        const next = clone();
        const parent = find(next, e.parent!.id).node as BuilderGroup;
        parent.rules = parent.rules.filter((c) => c.id !== e.node.id);
        return { kind: "remove", target: e.parent!.id, next };
      }),
    );
  }
  const newFieldRule = fc.constantFrom(...fields).chain((def) => {
    const operator = operatorsFor(def.type)[0]!.name;
    return valueArb(def, operator).map((value): BuilderRule => ({ id: newId(), field: def.name, operator, value: value as BuilderRule["value"] }));
  });
  const newRule = fc.oneof({ weight: 3, arbitrary: newFieldRule }, { weight: 1, arbitrary: behaviourRuleArb() });
  options.push(
    fc.tuple(fc.constantFrom(...groups), newRule).map(([g, rule]): Change => {
      const next = clone();
      (find(next, g.id).node as BuilderGroup).rules.push(rule);
      return { kind: "addRule", target: g.id, next };
    }),
    fc.tuple(fc.constantFrom(...groups), newRule, fc.constantFrom("and" as const, "or" as const)).map(([g, rule, combinator]): Change => {
      const next = clone();
      (find(next, g.id).node as BuilderGroup).rules.push({ id: newId(), combinator, not: false, rules: [rule] });
      return { kind: "addGroup", target: g.id, next };
    }),
  );
  const nonEmpty = groups.filter((g) => g.rules.length > 0);
  if (nonEmpty.length > 0) {
    options.push(
      fc.constantFrom(...nonEmpty).map((g): Change => {
        const next = clone();
        const n = find(next, g.id).node as BuilderGroup;
        n.not = !n.not;
        return { kind: "not", target: g.id, next };
      }),
    );
  }
  const junctions = groups.filter((g) => g.rules.length >= 2);
  if (junctions.length > 0) {
    options.push(
      fc.constantFrom(...junctions).map((g): Change => {
        const next = clone();
        const n = find(next, g.id).node as BuilderGroup;
        n.combinator = n.combinator === "and" ? "or" : "and";
        return { kind: "combinator", target: g.id, next };
      }),
    );
  }
  return fc.oneof(...options);
}
