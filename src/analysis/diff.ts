/**
 * The logical difference of two versions of a segment: who enters (matched by the new version and not the
 * old) and who leaves (the reverse), each as a simplified condition.
 *
 *   enters = NEW and not OLD        leaves = OLD and not NEW
 *
 * Simplification: the condition in disjunctive normal form (an `or` of `and`s of rules), within a budget of
 * cubes (past it, the plain `(NEW) and not (OLD)` is given, with a note); cubes that can never hold are
 * dropped, rules that the rest of their cube implies are dropped, cubes whose contacts other cubes already
 * cover are dropped; then each field's rules in a cube are written as one (its exact set of values, as
 * `between`, `in`, `!=`, …) where the field allows. Every step is a proof by the reasoner, so the text means
 * exactly the difference. Relative times stay symbolic: the condition holds at every `now`.
 */
import type { TypedExpr, TypedQuery } from "../checker/typed-ast.js";
import { zoneOf } from "../checker/zone.js";
import type * as A from "../parser/ast.js";
import type { Span } from "../diagnostics.js";
import { Formulas, type Atom, type Node, type Var } from "./formula.js";
import { nextDown, nextUp, type OrderedSet } from "./ordered-set.js";
import { Reasoner } from "./reasoner.js";
import { atomAst, eventOf, instantText, numberText, renderAst, ruleAst, typedToAst } from "./render.js";
import type { Budget } from "./search.js";
import { leafCount, MAX_RELATED_RULES, tooLargeNote } from "./size.js";
import { mustHaveValue, type Lit } from "./theory.js";
import { DAY, isNone, unite, type ValueSet } from "./value-sets.js";

/** One side of a diff. */
export interface DiffSide {
  /** Nobody moves this way (proved). */
  nobody: boolean;
  /** Everybody does (proved). */
  everybody: boolean;
  /** The condition, simplified (null when nobody). */
  condition: string | null;
  /** False when the condition is the plain difference because simplification ran out of budget. */
  simplified: boolean;
}

/** Who enters and who leaves between two versions of a segment. */
export interface SegmentDiff {
  enters: DiffSide;
  leaves: DiffSide;
  /** Proved: the two versions match the same contacts. */
  same: boolean;
  notes: string[];
}

/** Options of `diffSegments`. */
export interface DiffOptions {
  /** Most cubes of a normal form (default 256). */
  maxCubes?: number;
  /** Reasoning steps allowed (default 200,000). */
  steps?: number;
  /** The evaluation time zone (default: the schema's `timeZone`, else UTC). */
  timeZone?: string;
}

const NO_SPAN: Span = { start: 0, end: 0, line: 1, column: 1 };

class TooLarge extends Error {}

/** `a and not b`, as written out when a side is not simplified. */
function and(a: A.Expr, b: A.Expr): A.Expr {
  return { kind: "and", operands: [a, { kind: "not", operand: b, span: NO_SPAN }], span: NO_SPAN };
}

/** What `Simplifier.run` returns when a cube has no literal left: the condition always holds. */
const EVERYONE = "\u0000everyone";

/** The difference between two checked versions of a segment (over the same schema). */
export function diffSegments(old: TypedQuery, next: TypedQuery, options: DiffOptions = {}): SegmentDiff {
  if (leafCount(old.expr, MAX_RELATED_RULES) + leafCount(next.expr, MAX_RELATED_RULES) > MAX_RELATED_RULES) {
    // Not reasoned about: each side as the plain difference, written out (linear in the size).
    const plain = (a: TypedExpr, b: TypedExpr): DiffSide => ({ nobody: false, everybody: false, condition: renderAst(and(typedToAst(a), typedToAst(b))), simplified: false });
    return { enters: plain(next.expr, old.expr), leaves: plain(old.expr, next.expr), same: false, notes: [tooLargeNote] };
  }
  const f = new Formulas({ zone: zoneOf(options.timeZone ?? old.schema.timeZone) });
  const budget: Budget = { steps: 0, limit: options.steps ?? 200_000, exceeded: false };
  const r = new Reasoner(f, budget);
  const O = f.fromTyped(old.expr);
  const N = f.fromTyped(next.expr);
  const notes: string[] = [];
  const side = (goal: Node, plain: () => A.Expr): DiffSide => {
    if (r.never(goal)) return { nobody: true, everybody: false, condition: null, simplified: true };
    if (r.always(goal)) return { nobody: false, everybody: true, condition: "every contact", simplified: true };
    try {
      const text = new Simplifier(r, options.maxCubes ?? 256).run(goal);
      if (text === EVERYONE) return { nobody: false, everybody: true, condition: "every contact", simplified: true };
      if (text !== null) return { nobody: false, everybody: false, condition: text, simplified: true };
    } catch (e) {
      if (!(e instanceof TooLarge)) throw e;
    }
    notes.push("a condition was too large to simplify within the budget; it is shown as the plain difference");
    return { nobody: false, everybody: false, condition: renderAst(plain()), simplified: false };
  };
  const enters = side(f.and([N, f.not(O)]), () => and(typedToAst(next.expr), typedToAst(old.expr)));
  const leaves = side(f.and([O, f.not(N)]), () => and(typedToAst(old.expr), typedToAst(next.expr)));
  if (budget.exceeded) notes.push("the analysis ran out of steps: the conditions may be less simple than they could be");
  return { enters, leaves, same: enters.nobody && leaves.nobody, notes };
}

type Cube = Lit[];

/** A field's rules in a cube: its literals, or (after cubes merged) its exact set of values. */
interface Part {
  lits: Lit[] | null;
  set: ValueSet | null;
}

/** The same literals (or the same set object). */
function samePart(a: Part, b: Part): boolean {
  if (a.set || b.set) return a.set === b.set;
  return a.lits!.length === b.lits!.length && a.lits!.every((l, i) => l.atom === b.lits![i]!.atom && l.value === b.lits![i]!.value);
}

/** Normal form, pruning and writing (see the module comment). */
class Simplifier {
  private readonly memo = new Map<string, Cube[]>();
  private readonly nodeOf = new Map<number, Node>();

  constructor(
    private readonly r: Reasoner,
    private readonly maxCubes: number,
  ) {}

  /** The simplified text, or null when nothing is left (cannot happen after the `never` check). */
  run(goal: Node): string | null {
    let cubes = this.dnf(goal, true).filter((c) => !this.r.never(this.cubeNode(c)));
    if (cubes.some((c) => c.length === 0)) return EVERYONE;
    cubes = cubes.map((c) => this.minimise(c));
    // Drop cubes covered by the others (right to left, so the first of two equal ones stays).
    for (let i = cubes.length - 1; i >= 0 && cubes.length > 1; i--) {
      const others = cubes.filter((_, j) => j !== i).map((c) => this.cubeNode(c));
      if (this.r.implies([this.cubeNode(cubes[i]!)], this.r.f.or(others))) cubes.splice(i, 1);
    }
    if (cubes.length === 0) return null;
    return renderAst(this.write(cubes.map((c) => this.parts(c))));
  }

  // ---- writing ------------------------------------------------------------------------------------------

  /** A cube as its literals per variable (an exact variable's may become one set when cubes merge). */
  private parts(cube: Cube): Map<Var, Part> {
    const byVar = new Map<Var, Part>();
    for (const l of cube) {
      const part = byVar.get(l.atom.v);
      if (part?.lits) part.lits.push(l);
      else byVar.set(l.atom.v, { lits: [l], set: null });
    }
    return byVar;
  }

  /**
   * Cubes as one condition: cubes equal but for one exact field join (`country = "FR"` or `country = "DE"`
   * becomes `country in ("FR", "DE")`), and fields every cube constrains alike are written once in front.
   */
  private write(cubes: Map<Var, Part>[]): A.Expr {
    for (let merged = true; merged && cubes.length > 1; ) {
      merged = false;
      outer: for (let i = 0; i < cubes.length; i++) {
        for (let j = i + 1; j < cubes.length; j++) {
          const joined = this.join(cubes[i]!, cubes[j]!);
          if (joined) {
            cubes.splice(j, 1);
            cubes[i] = joined;
            merged = true;
            break outer;
          }
        }
      }
    }
    if (cubes.length === 1) return this.cubeExpr(cubes[0]!);
    const shared = [...cubes[0]!.keys()].filter((v) => cubes.every((c) => c.has(v) && samePart(c.get(v)!, cubes[0]!.get(v)!)));
    const rests = cubes.map((c) => new Map([...c].filter(([v]) => !shared.includes(v))));
    if (shared.length === 0 || rests.some((c) => c.size === 0)) return { kind: "or", operands: cubes.map((c) => this.cubeExpr(c)), span: NO_SPAN };
    const head = this.cubeExpr(new Map(shared.map((v) => [v, cubes[0]!.get(v)!])));
    const alternatives: A.Expr = { kind: "or", operands: rests.map((c) => this.cubeExpr(c)), span: NO_SPAN };
    return { kind: "and", operands: [...(head.kind === "and" ? head.operands : [head]), alternatives], span: NO_SPAN };
  }

  /** Two cubes that differ only on one exact contact field, as one cube with that field's union; else null. */
  private join(a: Map<Var, Part>, b: Map<Var, Part>): Map<Var, Part> | null {
    if (a.size !== b.size) return null;
    let differ: Var | null = null;
    for (const [v, part] of a) {
      const other = b.get(v);
      if (!other) return null;
      if (samePart(part, other)) continue;
      if (differ) return null;
      differ = v;
    }
    if (!differ || (differ.place.kind !== "contact" && differ.place.kind !== "property")) return null;
    const x = this.setOf(differ, a.get(differ)!);
    const y = this.setOf(differ, b.get(differ)!);
    if (!x || !y) return null;
    return new Map([...a].map(([v, part]) => [v, v === differ ? { lits: null, set: unite(x, y) } : part]));
  }

  /** A part's exact set of values, when every literal in it is exact. */
  private setOf(v: Var, part: Part): ValueSet | null {
    if (part.set) return part.set;
    return part.lits!.every((l) => l.atom.exact) ? this.r.theory.exactSet(v, part.lits!) : null;
  }

  private litNode(l: Lit): Node {
    const n = this.nodeOf.get(l.atom.index)!;
    return l.value ? n : this.r.f.not(n);
  }

  private cubeNode(c: Cube): Node {
    return this.r.f.and(c.map((l) => this.litNode(l)));
  }

  /** Drops literals the rest of the cube implies (right to left). */
  private minimise(cube: Cube): Cube {
    const out = [...cube];
    for (let i = out.length - 1; i >= 0 && out.length > 1; i--) {
      const rest = out.filter((_, j) => j !== i).map((l) => this.litNode(l));
      if (this.r.implies(rest, this.litNode(out[i]!))) out.splice(i, 1);
    }
    return out;
  }

  /** Disjunctive normal form of `x` (or of `not x` when `positive` is false), at most `maxCubes` cubes. */
  private dnf(x: Node, positive: boolean): Cube[] {
    const key = `${x.id}${positive ? "+" : "-"}`;
    const memo = this.memo.get(key);
    if (memo) return memo;
    let out: Cube[];
    switch (x.t) {
      case "const":
        out = x.value === positive ? [[]] : [];
        break;
      case "atom":
        this.nodeOf.set(x.atom!.index, x);
        out = [[{ atom: x.atom!, value: positive }]];
        break;
      case "not":
        out = this.dnf(x.kids[0]!, !positive);
        break;
      default: {
        const product = (x.t === "and") === positive;
        if (product) {
          out = [[]];
          for (const k of x.kids) {
            const next: Cube[] = [];
            for (const a of out) for (const b of this.dnf(k, positive)) {
              const merged = mergeCubes(a, b);
              if (merged) next.push(merged);
              if (next.length > this.maxCubes) throw new TooLarge();
            }
            out = next;
          }
        } else {
          out = x.kids.flatMap((k) => this.dnf(k, positive));
          if (out.length > this.maxCubes) throw new TooLarge();
        }
      }
    }
    this.memo.set(key, out);
    return out;
  }

  /** A cube as an `and` of conditions, one per field where the field's rules make one set. */
  private cubeExpr(cube: Map<Var, Part>): A.Expr {
    const parts: A.Expr[] = [];
    for (const [v, part] of [...cube].sort((a, b) => a[0].index - b[0].index)) parts.push(...this.varExprs(v, part));
    return parts.length === 1 ? parts[0]! : { kind: "and", operands: parts, span: NO_SPAN };
  }

  private varExprs(v: Var, part: Part): A.Expr[] {
    const p = v.place;
    if (part.set) {
      const e = setExpr(v, part.set);
      return e ? [e] : [];
    }
    const lits = part.lits!;
    const exact = lits.every((l) => l.atom.exact);
    if (exact && (p.kind === "contact" || p.kind === "property" || p.kind === "count")) {
      const set = this.r.theory.exactSet(v, lits);
      if (set && !isNone(set)) {
        const e = p.kind === "count" ? countExpr(v, set) : setExpr(v, set);
        if (e) return [e];
      }
    }
    const present = mustHaveValue(lits);
    if (v.kind === "instant" || v.kind === "day") {
      const merged = timeRange(v, lits, present);
      if (merged) return merged;
    }
    return lits.map((l) => atomAst(l.atom, l.value));
  }
}

/** Two cubes joined; null when one holds an atom the other negates. Literals stay sorted by atom. */
function mergeCubes(a: Cube, b: Cube): Cube | null {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: Cube = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.atom.index < y.atom.index)) {
      out.push(x!);
      i++;
    } else if (x === undefined || y.atom.index < x.atom.index) {
      out.push(y);
      j++;
    } else {
      if (x.value !== y.value) return null;
      out.push(x);
      i++;
      j++;
    }
  }
  return out;
}

// ---- sets as conditions --------------------------------------------------------------------------------------

function fieldOf(v: Var): { name: string; type: string } | null {
  const p = v.place;
  return p.kind === "contact" || p.kind === "property" ? { name: p.field.name, type: p.field.type } : null;
}

/** The set of a field's values as one condition (null: no constraint). */
function setExpr(v: Var, set: ValueSet): A.Expr | null {
  const field = fieldOf(v)!;
  const rule = (t: A.Test): A.Expr => ({ kind: "rule", field: { name: field.name, quoted: false, span: NO_SPAN }, test: t, span: NO_SPAN });
  const isEmpty = rule({ op: "empty", negated: false, span: NO_SPAN });
  const notEmpty = rule({ op: "empty", negated: true, span: NO_SPAN });
  const or = (xs: A.Expr[]): A.Expr => (xs.length === 1 ? xs[0]! : { kind: "or", operands: xs, span: NO_SPAN });
  const and = (xs: A.Expr[]): A.Expr => (xs.length === 1 ? xs[0]! : { kind: "and", operands: xs, span: NO_SPAN });
  switch (set.k) {
    case "bool": {
      const bits = set.s.bits;
      const bool = (b: boolean): A.Value => ({ kind: "boolean", value: b, span: NO_SPAN });
      switch (bits) {
        case 7:
          return null;
        case 1:
          return isEmpty;
        case 2:
          return rule({ op: "truthy", span: NO_SPAN });
        case 4:
          return rule({ op: "compare", cmp: "=", value: bool(false), span: NO_SPAN });
        case 6:
          return notEmpty;
        case 3:
          return rule({ op: "compare", cmp: "!=", value: bool(false), span: NO_SPAN });
        case 5:
          return rule({ op: "compare", cmp: "!=", value: bool(true), span: NO_SPAN });
        default:
          return null;
      }
    }
    case "text": {
      const s = set.s;
      const values = [...s.values].map((x): A.Value => ({ kind: "string", value: x, span: NO_SPAN }));
      if (s.finite) {
        if (values.length === 0) return s.empty ? isEmpty : null;
        const positive = rule(values.length === 1 ? { op: "compare", cmp: "=", value: values[0]!, span: NO_SPAN } : { op: "in", negated: false, values, span: NO_SPAN });
        return s.empty ? or([positive, isEmpty]) : positive;
      }
      if (values.length === 0) return s.empty ? null : notEmpty;
      const negative = rule(values.length === 1 ? { op: "compare", cmp: "!=", value: values[0]!, span: NO_SPAN } : { op: "in", negated: true, values, span: NO_SPAN });
      return s.empty ? negative : and([notEmpty, negative]);
    }
    case "ordered": {
      const s = set.s;
      if (s.intervals.length === 0) return s.empty ? isEmpty : null;
      const full = set.ops.present.intervals[0]!;
      if (s.empty && s.intervals.length === 1 && s.intervals[0]!.lo <= full.lo && s.intervals[0]!.hi >= full.hi) return null;
      if (s.empty) {
        // Written as the complement when it is one `!=`, `not in` or `not between`.
        const c = set.ops.complement(s);
        const points = c.intervals.every((iv) => iv.lo === iv.hi);
        if (points && c.intervals.length <= 8) {
          const vs = c.intervals.map((iv) => ordValue(v, iv.lo));
          return rule(vs.length === 1 ? { op: "compare", cmp: "!=", value: vs[0]!, span: NO_SPAN } : { op: "in", negated: true, values: vs, span: NO_SPAN });
        }
        if (c.intervals.length === 1 && c.intervals[0]!.lo > full.lo && c.intervals[0]!.hi < full.hi) {
          return rule({ op: "between", negated: true, low: ordValue(v, c.intervals[0]!.lo), high: ordValue(v, c.intervals[0]!.hi), span: NO_SPAN });
        }
        return or([...positiveOrdered(v, s, rule, full), isEmpty]);
      }
      return or(positiveOrdered(v, s, rule, full));
    }
  }
}

/** The intervals of an ordered set as conditions (points together as one `in`). */
function positiveOrdered(v: Var, s: OrderedSet, rule: (t: A.Test) => A.Expr, full: { lo: number; hi: number }): A.Expr[] {
  const points = s.intervals.filter((iv) => iv.lo === iv.hi);
  const out: A.Expr[] = [];
  if (points.length > 1) out.push(rule({ op: "in", negated: false, values: points.map((iv) => ordValue(v, iv.lo)), span: NO_SPAN }));
  for (const iv of s.intervals) {
    if (iv.lo === iv.hi) {
      if (points.length === 1) out.push(rule({ op: "compare", cmp: "=", value: ordValue(v, iv.lo), span: NO_SPAN }));
      continue;
    }
    const lower = iv.lo > full.lo ? lowerBound(v, iv.lo, rule) : null;
    const upper = iv.hi < full.hi ? upperBound(v, iv.hi, rule) : null;
    if (lower && upper && lower.closed && upper.closed) {
      out.push(rule({ op: "between", negated: false, low: ordValue(v, iv.lo), high: ordValue(v, iv.hi), span: NO_SPAN }));
    } else if (lower && upper) out.push({ kind: "and", operands: [lower.expr, upper.expr], span: NO_SPAN });
    else if (lower) out.push(lower.expr);
    else if (upper) out.push(upper.expr);
    else out.push(rule({ op: "empty", negated: true, span: NO_SPAN }));
  }
  return out;
}

/** `>= lo`, or `> (the value before lo)` when that reads better (`> 12` rather than `>= 12.000000000000002`). */
function lowerBound(v: Var, lo: number, rule: (t: A.Test) => A.Expr): { expr: A.Expr; closed: boolean } {
  const prev = v.kind === "number" ? nextDown(lo) : lo - 1;
  if (nicer(v, prev, lo)) {
    return { expr: rule(isTime(v) ? { op: "after", negated: false, value: ordValue(v, prev), span: NO_SPAN } : { op: "compare", cmp: ">", value: ordValue(v, prev), span: NO_SPAN }), closed: false };
  }
  return { expr: rule({ op: "compare", cmp: ">=", value: ordValue(v, lo), span: NO_SPAN }), closed: true };
}

function upperBound(v: Var, hi: number, rule: (t: A.Test) => A.Expr): { expr: A.Expr; closed: boolean } {
  const after = v.kind === "number" ? nextUp(hi) : hi + 1;
  if (nicer(v, after, hi)) {
    return { expr: rule(isTime(v) ? { op: "before", negated: false, value: ordValue(v, after), span: NO_SPAN } : { op: "compare", cmp: "<", value: ordValue(v, after), span: NO_SPAN }), closed: false };
  }
  return { expr: rule({ op: "compare", cmp: "<=", value: ordValue(v, hi), span: NO_SPAN }), closed: true };
}

function isTime(v: Var): boolean {
  return v.kind === "instant" || v.kind === "day";
}

/** Whether `a` reads better than `b`: fewer digits, or a rounder instant. */
function nicer(v: Var, a: number, b: number): boolean {
  if (v.kind === "number") return numberText(a).length < numberText(b).length;
  if (v.kind === "instant") return roundness(a) > roundness(b);
  return false;
}

function roundness(ms: number): number {
  return ms % DAY === 0 ? 3 : ms % 60_000 === 0 ? 2 : ms % 1000 === 0 ? 1 : 0;
}

/** A value of an ordered field as a literal. */
function ordValue(v: Var, x: number): A.Value {
  if (v.kind === "day") return { kind: "date", text: instantText(x * DAY, true), span: NO_SPAN };
  if (v.kind === "instant") {
    const text = instantText(x, true);
    return text.length === 10 ? { kind: "date", text, span: NO_SPAN } : { kind: "timestamp", text, span: NO_SPAN };
  }
  return { kind: "number", value: x, raw: numberText(x), span: NO_SPAN };
}

/** A count's set as event conditions (`exactly 2 times`, `at least 3 times`, …). */
function countExpr(v: Var, set: ValueSet): A.Expr | null {
  if (set.k !== "ordered" || set.s.intervals.length !== 1 || v.place.kind !== "count") return null;
  const { lo, hi } = set.s.intervals[0]!;
  const key = v.place.key;
  const n = (x: number) => ({ kind: "number" as const, value: x });
  if (lo === 0 && hi === Infinity) return null;
  if (lo === 0 && hi === 0) return { kind: "not", operand: eventOf(key, v, { op: "ge", value: n(1) }), span: NO_SPAN };
  if (lo === hi) {
    const e = eventOf(key, v, { op: "ge", value: n(lo) });
    return { ...e, measure: { kind: "count", cmp: "=", count: { kind: "number", value: lo, raw: String(lo), span: NO_SPAN }, span: NO_SPAN } };
  }
  const parts: A.Expr[] = [];
  if (lo > 0) parts.push(eventOf(key, v, { op: "ge", value: n(lo) }));
  if (hi !== Infinity) parts.push(eventOf(key, v, { op: "le", value: n(hi) }));
  return parts.length === 1 ? parts[0]! : { kind: "and", operands: parts, span: NO_SPAN };
}

/**
 * The bounds of a time that must have a value, written as such: a negated bound is the opposite bound
 * (`not (x >= 30 days ago)` is `x before 30 days ago`), and a `>=`/`<=` pair is one `between` (or
 * `within last N unit`).
 */
function timeRange(v: Var, lits: readonly Lit[], present: boolean): A.Expr[] | null {
  const field = fieldOf(v);
  if (!field || !present || lits.some((l) => (l.atom.k !== "time" && l.atom.k !== "present") || (l.atom.k === "present" && !l.value))) return null;
  const flip = { lt: "ge", le: "gt", gt: "le", ge: "lt" } as const;
  const bounds = lits.filter((l) => l.atom.k === "time").map((l) => {
    const a = l.atom as Atom & { k: "time" };
    return { op: l.value ? a.op : flip[a.op], term: a.term };
  });
  if (bounds.length === 0) return null;
  const lower = bounds.filter((b) => b.op === "ge");
  const upper = bounds.filter((b) => b.op === "le");
  if (bounds.length === 2 && lower.length === 1 && upper.length === 1) {
    return [ruleAst(field.name, field.type, { op: "between", low: lower[0]!.term, high: upper[0]!.term, negated: false })];
  }
  return bounds.map((b) => ruleAst(field.name, field.type, { op: b.op, value: b.term, negated: false }));
}
