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
 * How the combinations are shown possible, cheapest first: a lone rule whose test names a value that
 * exists (`nonConstantAlone`: a finite number, a non-empty text, a needle, a list value) both holds and
 * fails; rules on numbers, times, booleans and text under `=`/`in`/emptiness are exact sets of values at
 * FIXED_NOW (as formula.ts and the reasoner define them), split into the 2^k regions (`splits`); a lone
 * event condition is decided by a reasoner at FIXED_NOW (every time an absolute instant, so its "yes" is a
 * proof), kept per schema and zone with its answers by the condition's text.
 *
 * What falls back to the walk (this test answers only "certainly no warning" or "don't know"): a
 * reference `in segment` (its fields are shared with the referenced segment's own), an event condition
 * with a `where` filter (the walk looks inside the filter), two event conditions of one name, more than
 * MAX_GROUP rules on one field, two or more rules on a field of which one is a text pattern or a list test
 * (showing their combinations takes a search that costs more than the walk saves), and any combination
 * that has no value. The walk may also add an `analysis-incomplete` note when its steps run out; a
 * condition this proves warning-free gets no such note (there is nothing left to decide).
 */
import { resolveTime } from "../checker/time.js";
import type { Literal, PositiveTest, TypedEvent, TypedExpr, TypedRule } from "../checker/typed-ast.js";
import type { TimeZone } from "../checker/zone.js";
import type { Schema } from "../schema/schema.js";
import { Formulas, type Node } from "./formula.js";
import { PerSchemaAndZone } from "./per-schema.js";
import { Reasoner } from "./reasoner.js";
import { BOOL, DAYS, INSTANTS, NUMBERS, TEXT, dayBound, intersect, isNone, unite, without, type ValueSet } from "./value-sets.js";

/** The `now` at which the combinations are shown possible (any instant in years 1-9999 would be sound). */
export const FIXED_NOW = Date.UTC(2024, 6, 1, 12, 0, 0, 0);

/** Most leaves on one field this test takes on (2^k combinations); more fall back to the walk. */
export const MAX_GROUP = 6;

/** Reasoning steps allowed for a lone event condition (exact sets need none). */
const STEPS = 2_000;

/** Nodes a kept universe may hold before it is replaced (bounds memory). */
const MAX_NODES = 50_000;

/** A leaf as first seen: its formula at FIXED_NOW, and whether it alone can both hold and fail. */
interface Leaf {
  node: Node;
  alone: boolean | undefined;
}

interface Kept {
  r: Reasoner;
  /** Leaves by their text as written (the same text is the same rule of this schema, at FIXED_NOW). */
  leaves: Map<string, Leaf>;
}

const kept = new PerSchemaAndZone<Kept>(
  (zone) => {
    const r = new Reasoner(new Formulas({ zone, now: FIXED_NOW }));
    r.maxSearchAtoms = 0;
    return { r, leaves: new Map() };
  },
  (k) => k.r.f.size > MAX_NODES || k.leaves.size > MAX_NODES,
);

/**
 * Proved: the walk (warnings.ts) can find no `never-matches`, `always-true` or `redundant` warning in this
 * condition, whatever its steps. False means "not shown" (the walk decides), never "there is a warning".
 * `text` (the source the spans point into) lets a rule seen before be found by its text, without
 * translating it again.
 */
export function provablyWarningFree(expr: TypedExpr, schema: Schema, zone: TimeZone, text?: string): boolean {
  // The leaves by group (few per condition: arrays), without recursion (nesting is the user's). The
  // `and`/`or`/`not` nodes are numbered as met, with their parent and depth, so that the node joining two
  // leaves can be found (see `joinedByOr`); `leafParent` holds each leaf's parent's number.
  const groupNames: string[] = [];
  const groupLeaves: (TypedRule | TypedEvent)[][] = [];
  const groupParents: number[][] = [];
  const tree: Tree = { kinds: [], parents: [], depths: [] };
  const stack: TypedExpr[] = [expr];
  const stackParent: number[] = [-1];
  while (stack.length > 0) {
    const e = stack.pop()!;
    const parent = stackParent.pop()!;
    let group: string;
    switch (e.kind) {
      case "and":
      case "or":
      case "not": {
        const at = tree.kinds.length;
        tree.kinds.push(e.kind);
        tree.parents.push(parent);
        tree.depths.push(parent < 0 ? 0 : tree.depths[parent]! + 1);
        if (e.kind === "not") {
          stack.push(e.operand);
          stackParent.push(at);
        } else
          for (const o of e.operands) {
            stack.push(o);
            stackParent.push(at);
          }
        continue;
      }
      case "segment":
        return false;
      case "event":
        if (e.filter) return false;
        group = EVENT_GROUP + e.name;
        break;
      case "rule":
        group = e.field.name;
        break;
    }
    const at = groupNames.indexOf(group);
    if (at < 0) {
      groupNames.push(group);
      groupLeaves.push([e]);
      groupParents.push([parent]);
    } else if (groupLeaves[at]!.length === MAX_GROUP || e.kind === "event") return false;
    else {
      groupLeaves[at]!.push(e);
      groupParents[at]!.push(parent);
    }
  }
  // Groups whose rules are exact sets of values are decided here; the rest by the kept reasoner.
  let rest: (TypedRule | TypedEvent)[][] | null = null;
  for (let g = 0; g < groupLeaves.length; g++) {
    const leaves = groupLeaves[g]!;
    if (leaves.length === 1 && nonConstantAlone(leaves[0]!)) continue;
    const sets = directSets(leaves, zone);
    if (!sets) (rest ??= []).push(leaves);
    else if (!splits(sets.domain, sets.sets, groupParents[g]!, tree)) return false;
  }
  if (!rest) return true;
  // Left: a lone event condition (no filter), decided by the kept reasoner; or two or more rules on one
  // field of which one is a text pattern or a list test. Showing every combination of those takes a search
  // that costs more than the walk it would save on bench/parse's corpus, so they go to the walk.
  const k = kept.get(schema, zone);
  const { r } = k;
  r.f.forgetTyped();
  for (const leaves of rest) {
    if (leaves.length > 1) return false;
    const leaf = leafOf(leaves[0]!, k, text);
    if (leaf.alone === undefined) {
      const alone = resetBudget(r) && r.sat(leaf.node) === "yes" && r.valid(leaf.node) === "no";
      // A "no" cut short by the budget is not kept (with fresh steps it may be shown).
      if (alone || !r.budget.exceeded) leaf.alone = alone;
      if (!alone) return false;
    } else if (!leaf.alone) return false;
  }
  return true;
}


/**
 * A rule that alone, as written, both holds for some value and fails for another, for a reason read off
 * its test (the common case, without building sets). A positive test is false on the empty value, so it
 * is never always true, and it holds for some value when it names one that exists: a finite number (a
 * `between` whose low end is at most its high end), a non-empty text, a boolean; `contains`/`starts
 * with`/`ends with` (the needle itself; an empty needle: any text); `has any` of at least one value, `has
 * all` (a list of the values); `is not empty`. A negated test is the exact complement, so it too can hold
 * and fail. False means "not read off here" (times and events go to the sets or the reasoner).
 */
export function nonConstantAlone(e: TypedRule | TypedEvent): boolean {
  if (e.kind !== "rule") return false;
  const t = e.test;
  if (t.op === "present") return true;
  const type = e.field.type;
  switch (t.op) {
    case "eq":
      return exists(type, t.value);
    case "lt":
    case "le":
    case "gt":
    case "ge":
      return type === "number" && exists(type, t.value);
    case "between":
      return type === "number" && exists(type, t.low) && exists(type, t.high) && (t.low as { value: number }).value <= (t.high as { value: number }).value;
    case "in":
      for (const v of t.values) if (exists(type, v)) return true;
      return false;
    case "contains":
    case "startsWith":
    case "endsWith":
      return type === "string" || type === "enum";
    case "hasAny":
      return type === "list" && t.values.length > 0;
    case "hasAll":
      return type === "list";
  }
}

/** Whether a literal names a value a field of this type can hold (a plain function: called per rule). */
function exists(type: TypedRule["field"]["type"], v: Literal): boolean {
  if (type === "number") return v.kind === "number" && Number.isFinite(v.value);
  if (type === "string" || type === "enum") return v.kind === "string" && v.value !== "";
  return type === "boolean" && v.kind === "boolean";
}

/** Group names of event conditions (a character no field name starts with). */
const EVENT_GROUP = "\u0000";

/** A leaf's formula at FIXED_NOW, from the kept ones by its text when there is one. */
function leafOf(e: TypedRule | TypedEvent, k: Kept, text: string | undefined): Leaf {
  const src = text === undefined ? undefined : text.slice(e.span.start, e.span.end);
  let leaf = src === undefined ? undefined : k.leaves.get(src);
  if (!leaf) {
    leaf = { node: k.r.f.fromTyped(e), alone: undefined };
    if (src !== undefined) k.leaves.set(src, leaf);
  }
  return leaf;
}

/**
 * The exact sets of values where each rule of one field holds at FIXED_NOW, as formula.ts and the
 * reasoner's `atomSet` define them (numbers, times, booleans, text under `=`/`in`/emptiness); null when a
 * rule is of another kind (text patterns, lists, event conditions), left to the reasoner.
 */
function directSets(leaves: readonly (TypedRule | TypedEvent)[], zone: TimeZone): { domain: ValueSet; sets: ValueSet[] } | null {
  const first = leaves[0]!;
  if (first.kind !== "rule") return null;
  const type = first.field.type;
  const domain = typeDomain(type);
  if (!domain) return null;
  const sets: ValueSet[] = [];
  for (const e of leaves) {
    if (e.kind !== "rule") return null;
    const positive = positiveSet(e.test, domain, type === "date", zone);
    if (!positive) return null;
    sets.push(e.test.negated ? without(domain, positive) : positive);
  }
  return { domain, sets };
}

/** Every value of a field of this type, with the empty value; null for lists (no exact sets). */
export function typeDomain(type: TypedRule["field"]["type"]): ValueSet | null {
  switch (type) {
    case "number":
      return { k: "ordered", ops: NUMBERS, s: NUMBERS.full };
    case "timestamp":
      return { k: "ordered", ops: INSTANTS, s: INSTANTS.full };
    case "date":
      return { k: "ordered", ops: DAYS, s: DAYS.full };
    case "string":
    case "enum":
      return { k: "text", s: TEXT.full };
    case "boolean":
      return { k: "bool", s: BOOL.full };
    default:
      return null;
  }
}

/**
 * Where a positive test holds at `now` (default FIXED_NOW), within `domain` (a field's whole domain of its type); null for
 * a test this does not read (text patterns, lists).
 */
export function positiveSet(t: PositiveTest, domain: ValueSet, date: boolean, zone: TimeZone, now = FIXED_NOW): ValueSet | null {
  switch (t.op) {
    case "present":
      if (domain.k === "ordered") return { k: "ordered", ops: domain.ops, s: domain.ops.present };
      return domain.k === "text" ? { k: "text", s: TEXT.present } : { k: "bool", s: { bits: 6 } };
    case "lt":
    case "le":
    case "gt":
    case "ge":
      return compareSet(domain, t.op, t.value, date, zone, now);
    case "eq":
      return equalSet(domain, t.value, date, zone, now);
    case "between": {
      const lo = compareSet(domain, "ge", t.low, date, zone, now);
      const hi = compareSet(domain, "le", t.high, date, zone, now);
      return lo && hi ? intersect(lo, hi) : null;
    }
    case "in": {
      let acc: ValueSet | null = null;
      for (const v of t.values) {
        const one = equalSet(domain, v, date, zone, now);
        if (!one) return null;
        acc = acc ? unite(acc, one) : one;
      }
      return acc;
    }
    default:
      return null;
  }
}

function equalSet(domain: ValueSet, value: Literal, date: boolean, zone: TimeZone, now: number): ValueSet | null {
  if (domain.k === "ordered") {
    const lo = compareSet(domain, "ge", value, date, zone, now);
    const hi = compareSet(domain, "le", value, date, zone, now);
    return lo && hi ? intersect(lo, hi) : null;
  }
  // An empty text is no value (formula.ts: `= ""` never holds).
  if (domain.k === "text") return value.kind === "string" ? (value.value === "" ? { k: "text", s: TEXT.none } : { k: "text", s: TEXT.one(value.value) }) : null;
  return value.kind === "boolean" ? { k: "bool", s: { bits: value.value ? 2 : 4 } } : null;
}

function compareSet(domain: ValueSet, op: "ge" | "gt" | "le" | "lt", value: Literal, date: boolean, zone: TimeZone, now: number): ValueSet | null {
  if (domain.k !== "ordered") return null;
  if (value.kind === "number") return domain.ops === NUMBERS ? intersect(domain, { k: "ordered", ops: NUMBERS, s: NUMBERS.compare(op, value.value === 0 ? 0 : value.value) }) : null;
  if (value.kind === "string" || value.kind === "boolean" || domain.ops === NUMBERS) return null;
  // As formula.ts's `term` with `now` fixed, and the reasoner's `atomSet`.
  const ms = value.kind === "instant" ? resolveTime(value, 0, zone) : resolveTime(value, now, zone);
  const s = date ? dayBound(op, ms, zone) : domain.ops.compare(op, ms);
  return intersect(domain, { k: "ordered", ops: domain.ops, s });
}

/** The `and`/`or`/`not` nodes of a condition, numbered as met: kind, parent's number (-1: none), depth. */
interface Tree {
  kinds: string[];
  parents: number[];
  depths: number[];
}

/**
 * Whether two leaves (by their parents' numbers) meet at an `or` with no `not` between it and either leaf:
 * then two rules that never hold together can stand there (see `splits`).
 */
function joinedByOr(a: number, b: number, tree: Tree): boolean {
  const { kinds, parents, depths } = tree;
  if (a < 0 || b < 0) return false;
  while (a !== b) {
    if (depths[a]! >= depths[b]!) {
      if (kinds[a] === "not") return false;
      a = parents[a]!;
    } else {
      if (kinds[b] === "not") return false;
      b = parents[b]!;
    }
    if (a < 0 || b < 0) return false;
  }
  return kinds[a] === "or";
}

/**
 * Whether the rules of one field (their sets of values, within `domain`) combine freely enough: every
 * combination of holding and failing has a value, except that two rules that never hold together (an
 * *exclusive* pair: `tenure < 8`, `tenure >= 45`) may not both hold, provided the two meet at an `or` with no
 * `not` between (`parents`: each rule's parent in `tree`).
 *
 * Why exclusive pairs so placed are harmless (extending the argument at the top of this file). Every
 * question the walk asks is answered by a contact built from these assignments of the leaves: T(N) makes
 * part N true, F(N) makes it false, and F(N) sets to false every leaf reached from N through `and`/`or`
 * only. T(leaf) = true, F(leaf) = false; T(and) = T of each operand; F(and), F(or) = F of each operand;
 * T(or) = T of one branch and F of the others; T(not M) = F(M), F(not M) = T(M). Two leaves of an exclusive
 * pair are never both true in them: leaves of different operands of an `and` are never exclusive (the pair
 * meets at an `or`); leaves of different branches of an `or` are each reached from it through `and`/`or`
 * only, so each is false in F of its branch, and at most one branch gets T. So each T(N) and F(N) is a
 * combination that has a value (checked here), and the walk's questions are answered as in a read-once
 * formula: a part is not constant (T, F), an operand of an `and` is not implied by the surrounding
 * operands (T of those, F of it: they meet at `and`s, so no exclusive pair spans them), a branch does not
 * contradict its surroundings (T of all), nor is it contained in its sibling branches under them (T of it
 * and of the surroundings, F of the siblings).
 *
 * The combinations are enumerated rule by rule (each region split into where the next rule holds and
 * where it does not); a combination holding an exclusive pair is not needed; an empty one ends it.
 */
function splits(domain: ValueSet, sets: readonly ValueSet[], parents: readonly number[], tree: Tree): boolean {
  const k = sets.length;
  // exclusive[i] has bit j when rules i and j never hold together (and may stand so), for j < i.
  const exclusive: number[] = [];
  for (let i = 0; i < k; i++) {
    let bits = 0;
    for (let j = 0; j < i; j++) {
      if (!isNone(intersect(sets[i]!, sets[j]!))) continue;
      if (!joinedByOr(parents[i]!, parents[j]!, tree)) return false;
      bits |= 1 << j;
    }
    exclusive.push(bits);
  }
  // Regions with the rules held so far (a bit per rule).
  let regions: ValueSet[] = [domain];
  let held: number[] = [0];
  for (let i = 0; i < k; i++) {
    const s = sets[i]!;
    const nextRegions: ValueSet[] = [];
    const nextHeld: number[] = [];
    for (let r = 0; r < regions.length; r++) {
      const region = regions[r]!;
      if ((held[r]! & exclusive[i]!) === 0) {
        const inside = intersect(region, s);
        if (isNone(inside)) return false;
        nextRegions.push(inside);
        nextHeld.push(held[r]! | (1 << i));
      }
      const outside = without(region, s);
      if (isNone(outside)) return false;
      nextRegions.push(outside);
      nextHeld.push(held[r]!);
    }
    regions = nextRegions;
    held = nextHeld;
  }
  return true;
}

function resetBudget(r: Reasoner): true {
  r.budget.steps = 0;
  r.budget.limit = STEPS;
  r.budget.exceeded = false;
  return true;
}
