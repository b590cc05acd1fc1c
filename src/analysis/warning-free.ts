/**
 * A fast path for the warnings: proves that a condition can get no `never-matches`, `always-true` or
 * `redundant` warning, without building its formula or walking it. Most conditions people write get no
 * warning, and proving that through the walk costs several times the check itself.
 *
 * The argument (why it is sound). Take the condition's *leaves*: its rules and its event conditions (the
 * nodes the walk does not go into, once `and`, `or` and `not` are taken apart). Group them by the field
 * they test (an event condition by its event name). Suppose that, at one `now` (FIXED_NOW), for every
 * group of leaves L1…Lk every one of the 2^k combinations of their truth values is met by some value of
 * the field (some set of events): `L1 and not L2`, `not L1 and not L2`, … are all possible. Fields are
 * independent of each other (any combination of their values is some contact; events of different names
 * are different rows), so every vector of truth values of *all* the leaves is met by some contact. Then
 * the condition behaves exactly like its tree over free Boolean variables, one per leaf, each used once
 * (a read-once formula), and in such a formula:
 * - no part is constant: a part's leaves are its own, so setting them decides it either way (a leaf is
 *   itself both possible and not always true: its group's combinations include it true and it false);
 *   so no `never-matches` / `always-true` on any part;
 * - no operand of an `and` is implied by the other operands and the enclosing `and`s' operands (all over
 *   other leaves: make them true and the operand false); so no `redundant` operand;
 * - no branch of an `or` contradicts what the enclosing `and`s require (make both true), and none is
 *   contained in the other branches under what encloses it (make it and the surroundings true, the other
 *   branches false); so no branch `never-matches` or is `redundant`.
 * Every warning the walk gives is a proof that holds for every `now` and every contact (docs/analysis.md),
 * and each of those claims fails at FIXED_NOW for some contact, so the walk can give none of them.
 *
 * What falls back to the walk (this test answers only "certainly no warning" or "don't know"): a
 * reference `in segment` (its fields are shared with the referenced segment's own), an event condition
 * with a `where` filter (the walk looks inside the filter), two event conditions of one name, more than
 * MAX_GROUP leaves on one field, a combination that cannot be shown possible within a small budget. The
 * combinations are decided by the reasoner at FIXED_NOW, where every time is an absolute instant: a "yes"
 * there is a proof that a value exists (exact sets, or a text or list value built and checked).
 *
 * What is decided is kept per schema and zone (one formula universe at FIXED_NOW): a rule seen before
 * costs a lookup.
 */
import type { TypedExpr } from "../checker/typed-ast.js";
import type { TimeZone } from "../checker/zone.js";
import type { Schema } from "../schema/schema.js";
import { Formulas, type Node } from "./formula.js";
import { Reasoner } from "./reasoner.js";
import { intersect, isNone, without, type ValueSet } from "./value-sets.js";

/** The `now` at which the combinations are shown possible (any instant in years 1-9999 would be sound). */
export const FIXED_NOW = Date.UTC(2024, 6, 1, 12, 0, 0, 0);

/** Most leaves on one field this test takes on (2^k combinations); more fall back to the walk. */
export const MAX_GROUP = 6;

/** Search steps allowed per call for the combinations that are not exact sets. */
const STEPS = 2_000;

/** Nodes a kept universe may hold before it is replaced (bounds memory). */
const MAX_NODES = 50_000;

interface Kept {
  r: Reasoner;
  /** Whether every combination of a group of leaves is possible, by the leaves' node ids. */
  groups: Map<string, boolean>;
}

const kept = new WeakMap<Schema, Map<string, Kept>>();

function keptFor(schema: Schema, zone: TimeZone): Kept {
  let byZone = kept.get(schema);
  if (!byZone) {
    byZone = new Map();
    kept.set(schema, byZone);
  }
  let k = byZone.get(zone.name);
  if (!k || k.r.f.size > MAX_NODES) {
    const r = new Reasoner(new Formulas({ zone, now: FIXED_NOW }));
    r.maxSearchAtoms = 4 * MAX_GROUP;
    k = { r, groups: new Map() };
    byZone.set(zone.name, k);
  }
  return k;
}

/**
 * Proved: the walk (warnings.ts) can find no `never-matches`, `always-true` or `redundant` warning in this
 * condition, whatever its steps. False means "not shown" (the walk decides), never "there is a warning".
 */
export function provablyWarningFree(expr: TypedExpr, schema: Schema, zone: TimeZone): boolean {
  // The leaves by group, without recursion (nesting is the user's).
  const groups = new Map<string, TypedExpr[]>();
  const stack: TypedExpr[] = [expr];
  while (stack.length > 0) {
    const e = stack.pop()!;
    let group: string;
    switch (e.kind) {
      case "and":
      case "or":
        for (const o of e.operands) stack.push(o);
        continue;
      case "not":
        stack.push(e.operand);
        continue;
      case "segment":
        return false;
      case "event":
        if (e.filter) return false;
        group = `e:${e.name}`;
        break;
      case "rule":
        group = `${e.field.source}:${e.field.name}`;
        break;
    }
    const list = groups.get(group);
    if (!list) groups.set(group, [e]);
    else if (list.length === MAX_GROUP || group.startsWith("e:")) return false;
    else list.push(e);
  }
  const k = keptFor(schema, zone);
  const { r } = k;
  r.f.forgetTyped();
  r.budget.steps = 0;
  r.budget.limit = STEPS;
  r.budget.exceeded = false;
  for (const leaves of groups.values()) {
    const nodes = leaves.map((e) => r.f.fromTyped(e));
    if (!everyCombination(nodes, k)) return false;
  }
  return true;
}

/** Whether every combination of truth values of these leaves (over one field) is met by some value. */
function everyCombination(nodes: readonly Node[], k: Kept): boolean {
  const { r } = k;
  if (nodes.length === 1) return r.sat(nodes[0]!) === "yes" && r.valid(nodes[0]!) === "no";
  const key = nodes.map((n) => n.id).sort((a, b) => a - b).join(",");
  const known = k.groups.get(key);
  if (known !== undefined) return known;
  const answer = bySets(nodes, r) ?? byFormulas(nodes, r);
  // An answer cut short by the budget is not kept (with fresh steps it may be shown).
  if (answer || !r.budget.exceeded) k.groups.set(key, answer);
  return answer;
}

/**
 * The combinations as exact sets of one variable's values, split leaf by leaf (each region into where the
 * next leaf holds and where it does not; an empty one ends it). Null when a leaf is not an exact set.
 */
function bySets(nodes: readonly Node[], r: Reasoner): boolean | null {
  const sets: ValueSet[] = [];
  let v = null;
  for (const n of nodes) {
    const s = r.single(n);
    if (!s || (v && s.v !== v)) return null;
    v = s.v;
    sets.push(s.set);
  }
  const domain = r.domain(v!);
  if (!domain) return null;
  let regions: ValueSet[] = [domain];
  for (const s of sets) {
    const next: ValueSet[] = [];
    for (const region of regions) {
      const inside = intersect(region, s);
      const outside = without(region, s);
      if (isNone(inside) || isNone(outside)) return false;
      next.push(inside, outside);
    }
    regions = next;
  }
  return true;
}

/** The combinations as formulas, each shown possible by the reasoner (a "yes" at a fixed `now` is a proof). */
function byFormulas(nodes: readonly Node[], r: Reasoner): boolean {
  let regions: Node[][] = [[]];
  for (const n of nodes) {
    const next: Node[][] = [];
    for (const region of regions) {
      for (const lit of [n, r.f.not(n)]) {
        const parts = [...region, lit];
        if (r.sat(r.f.and(parts)) !== "yes") return false;
        next.push(parts);
      }
    }
    regions = next;
  }
  return true;
}
