/**
 * Decides what can be decided about formulas: can this hold for some contact, does it hold for every
 * contact, does this imply that. Answers are "yes", "no" or "unknown", and a "no" to "can it hold" is a
 * proof (the basis of every warning).
 *
 * Two tiers:
 * 1. Exact sets, bottom-up (cheap, no search): a formula over one exactly-representable variable is a set
 *    of its values (ordered-set.ts, value-sets.ts); an `and` of such formulas is empty when one variable's
 *    intersection is; an `or` covers everything when one variable's union does. Operands over unrelated
 *    variables combine without search (each can hold; together they can).
 * 2. The search (search.ts) over the theory (theory.ts), within a shared budget, for what tier 1 leaves open.
 *
 * Tier 1 treats variables of different groups as independent, and times on different fields as unrelated
 * even when each refers to `now`; so it may answer "can hold" where the search would prove otherwise. That
 * only ever loses a warning: a proof of impossibility always comes from a sound rule.
 */
import type { EventKey, Formulas, Node, Var } from "./formula.js";
import { search, type Budget } from "./search.js";
import { Theory } from "./theory.js";
import { solveTimes } from "./time-graph.js";
import { BOOL, COUNTS, DAYS, INSTANTS, NUMBERS, TEXT, covers, dayBound, intersect, isNone, unite, without, type ValueSet } from "./value-sets.js";
import type { Atom } from "./formula.js";
import type { Lit } from "./theory.js";
import type { OrderedSet } from "./ordered-set.js";

/** A three-valued answer. */
export type Answer = "yes" | "no" | "unknown";

/** A formula over one variable, as the exact set of that variable's values where it holds. */
interface Single {
  v: Var;
  set: ValueSet;
}

/** The default budget of search decisions for one analysis. */
export const DEFAULT_BUDGET = 20_000;

/** Decisions about formulas of one universe, memoised per node. */
export class Reasoner {
  readonly theory: Theory;
  private readonly singles: (Single | null | undefined)[] = [];
  private readonly varLists: (readonly Var[] | undefined)[] = [];
  private readonly sats: (Answer | undefined)[] = [];
  private readonly valids: (Answer | undefined)[] = [];
  private readonly domains = new Map<Var, ValueSet | null>();
  private readonly emptyKeys = new Map<EventKey, boolean>();
  private readonly atomSets: (ValueSet | null | undefined)[] = [];
  private readonly literalLists: (Lit[] | null | undefined)[] = [];
  private readonly groupSets: (ReadonlySet<string> | undefined)[] = [];
  private readonly sizes: (number | undefined)[] = [];
  /**
   * The largest formula (in atom occurrences) worth a search: larger ones are left undecided. Warnings in an
   * editor keep it small (they are computed on every change); `relate` and `diff` search anything.
   */
  maxSearchAtoms = Infinity;
  /** How many searches `maxSearchAtoms` has skipped (their "unknown" is not kept: a larger cap may decide). */
  private capHits = 0;

  constructor(
    readonly f: Formulas,
    readonly budget: Budget = { steps: 0, limit: DEFAULT_BUDGET, exceeded: false },
  ) {
    this.theory = new Theory(this);
  }

  // ---- domains and atom sets ------------------------------------------------------------------------------

  /** Every value a variable may hold (null for lists, which have no exact sets). */
  domain(v: Var): ValueSet | null {
    let d = this.domains.get(v);
    if (d !== undefined) return d;
    const p = v.place;
    const emptyKey = (p.kind === "count" || p.kind === "aggregate" || p.kind === "first" || p.kind === "last") && this.keyMatchesNothing(p.key);
    switch (v.kind) {
      case "number":
        d = { k: "ordered", ops: NUMBERS, s: emptyKey ? NUMBERS.onlyEmpty : p.kind === "aggregate" ? this.aggregateRange(p) : NUMBERS.full };
        break;
      case "count":
        d = { k: "ordered", ops: COUNTS, s: emptyKey ? COUNTS.range(0, 0) : COUNTS.present };
        break;
      case "instant": {
        // A first or last time is an event's, inside the window.
        const w = p.kind === "first" || p.kind === "last" ? p.key.window : null;
        const inWindow = w && w.low.kind === "instant" && w.high.kind === "instant" ? INSTANTS.union(INSTANTS.range(w.low.ms, w.high.ms), INSTANTS.onlyEmpty) : INSTANTS.full;
        d = { k: "ordered", ops: INSTANTS, s: emptyKey ? INSTANTS.onlyEmpty : inWindow };
        break;
      }
      case "day":
        d = { k: "ordered", ops: DAYS, s: DAYS.full };
        break;
      case "text":
        d = { k: "text", s: TEXT.full };
        break;
      case "boolean":
        d = { k: "bool", s: BOOL.full };
        break;
      case "list":
        d = null;
        break;
    }
    this.domains.set(v, d);
    return d;
  }

  /**
   * The values an aggregate can take, from what the key's filter allows of the property (each value
   * aggregated passes the filter): min and max are such values, an average lies between the least and the
   * greatest (up to rounding), a sum of values that are all >= a >= 0 is >= a (and of values all <= b <= 0, <= b:
   * adding a value of one sign never moves a rounded sum the other way).
   */
  private aggregateRange(p: { key: EventKey; fn: string; property: { name: string } } & Var["place"]): OrderedSet {
    if (p.kind !== "aggregate" || !p.key.filter) return NUMBERS.full;
    const allowed = this.projection(p.key.filter, this.f.fieldVar(p.property));
    if (!allowed || allowed.k !== "ordered") return NUMBERS.full;
    const values = allowed.s.intervals;
    if (values.length === 0) return NUMBERS.onlyEmpty;
    const lo = values[0]!.lo;
    const hi = values[values.length - 1]!.hi;
    let range: OrderedSet;
    switch (p.fn) {
      case "min":
      case "max":
        range = { empty: false, intervals: values };
        break;
      case "avg": {
        // The average is computed in doubles: a sum of n values rounds by at most about n·2⁻⁵³ relatively, so
        // the bounds are widened by 1e-9 of their size (exact for fewer than a million events per contact).
        range = NUMBERS.range(lo - Math.abs(lo) * 1e-9, hi + Math.abs(hi) * 1e-9);
        break;
      }
      default:
        range = NUMBERS.range(lo >= 0 ? lo : -Infinity, hi <= 0 ? hi : Infinity);
    }
    return NUMBERS.union(range, NUMBERS.onlyEmpty);
  }

  /**
   * A set holding every value of `v` for which `x` can hold (more values, never fewer): exact for a formula
   * over `v` alone; an \`and\` allows what all its parts allow, an \`or\` what any part allows; parts that do
   * not involve `v` allow everything.
   */
  projection(x: Node, v: Var): ValueSet | null {
    const domain = this.domain(v);
    if (!domain) return null;
    const s = this.single(x);
    if (s) return s.v === v ? s.set : domain;
    if (x.t === "and" || x.t === "or") {
      let acc: ValueSet | null = null;
      for (const k of x.kids) {
        const part = this.varsOf(k).includes(v) ? this.projection(k, v) : domain;
        if (!part) return domain;
        acc = acc ? (x.t === "and" ? intersect(acc, part) : unite(acc, part)) : part;
      }
      return acc ?? domain;
    }
    return domain;
  }

  /** The values where an exact atom holds (within its variable's domain); null for atoms that are not exact. */
  atomSet(a: Atom): ValueSet | null {
    const memo = this.atomSets[a.index];
    if (memo !== undefined) return memo;
    const domain = this.domain(a.v);
    let raw: ValueSet | null = null;
    if (a.exact && domain) {
      switch (a.k) {
        case "present":
          if (domain.k === "ordered") raw = { k: "ordered", ops: domain.ops, s: domain.ops.present };
          else if (domain.k === "text") raw = { k: "text", s: TEXT.present };
          else raw = { k: "bool", s: { bits: 6 } };
          break;
        case "cmp":
          if (domain.k === "ordered") raw = { k: "ordered", ops: domain.ops, s: domain.ops.compare(a.op, a.value) };
          break;
        case "time":
          if (a.term.kind === "instant" && domain.k === "ordered") {
            raw = { k: "ordered", ops: domain.ops, s: a.v.kind === "day" ? dayBound(a.op, a.term.ms, this.f.zone) : domain.ops.compare(a.op, a.term.ms) };
          }
          break;
        case "eq":
          raw = typeof a.value === "string" ? { k: "text", s: TEXT.one(a.value) } : { k: "bool", s: { bits: a.value ? 2 : 4 } };
          break;
        default:
          break;
      }
    }
    const set = raw && domain ? intersect(domain, raw) : null;
    this.atomSets[a.index] = set;
    return set;
  }

  /**
   * True when no event can match the key: its `where` filter never holds, or its window is empty (ends
   * before it starts, for every `now`). Its count is then 0 and its aggregates and times empty.
   */
  keyMatchesNothing(key: EventKey): boolean {
    let empty = this.emptyKeys.get(key);
    if (empty !== undefined) return empty;
    this.emptyKeys.set(key, false); // while deciding (a filter never holds an event condition, so no cycle)
    empty = false;
    if (key.window) {
      const t: Var = { index: -1, id: "window", kind: "instant", group: "window", place: key.count.place, enumValues: null };
      empty = solveTimes([{ v: t, op: "ge", term: key.window.low }, { v: t, op: "le", term: key.window.high }], this.f.zone) === null;
    }
    if (!empty && key.filter) empty = this.sat(key.filter) === "no";
    this.emptyKeys.set(key, empty);
    return empty;
  }

  // ---- tier 1 -------------------------------------------------------------------------------------------

  /** The node as one variable's exact set, when it is one. */
  single(x: Node): Single | null {
    const memo = this.singles[x.id];
    if (memo !== undefined) return memo;
    let out: Single | null = null;
    switch (x.t) {
      case "atom": {
        const set = this.atomSet(x.atom!);
        out = set ? { v: x.atom!.v, set } : null;
        break;
      }
      case "not": {
        const kid = this.single(x.kids[0]!);
        out = kid ? { v: kid.v, set: without(this.domain(kid.v)!, kid.set) } : null;
        break;
      }
      case "and":
      case "or": {
        let acc: Single | null = null;
        for (const k of x.kids) {
          const s = this.single(k);
          if (!s || (acc && acc.v !== s.v)) {
            acc = null;
            break;
          }
          acc = acc ? { v: s.v, set: x.t === "and" ? intersect(acc.set, s.set) : unite(acc.set, s.set) } : s;
        }
        out = acc;
        break;
      }
      default:
        break;
    }
    this.singles[x.id] = out;
    return out;
  }

  /** How many atom occurrences a node has (an atom shared by two branches counts twice): its size for the search. */
  size(x: Node): number {
    let n = this.sizes[x.id];
    if (n === undefined) {
      n = x.t === "atom" ? 1 : 0;
      for (const k of x.kids) n += this.size(k);
      this.sizes[x.id] = n;
    }
    return n;
  }

  /** The variable groups a node depends on. */
  groupsOf(x: Node): ReadonlySet<string> {
    let g = this.groupSets[x.id];
    if (!g) {
      g = new Set(this.varsOf(x).map((v) => v.group));
      this.groupSets[x.id] = g;
    }
    return g;
  }

  /** The variables a node depends on (unique, by index). */
  varsOf(x: Node): readonly Var[] {
    const memo = this.varLists[x.id];
    if (memo) return memo;
    let out: readonly Var[];
    if (x.t === "atom") out = [x.atom!.v];
    else if (x.t === "const") out = [];
    else if (x.kids.length === 1) out = this.varsOf(x.kids[0]!);
    else {
      const seen = new Map<number, Var>();
      for (const k of x.kids) for (const v of this.varsOf(k)) seen.set(v.index, v);
      out = [...seen.values()].sort((a, b) => a.index - b.index);
    }
    this.varLists[x.id] = out;
    return out;
  }

  /** Can the formula hold for some contact (and `now`)? "no" is a proof. */
  sat(x: Node): Answer {
    const memo = this.sats[x.id];
    if (memo !== undefined) return memo;
    const capHits = this.capHits;
    let out: Answer;
    const s = this.single(x);
    const lits = s ? null : this.literals(x);
    if (x.t === "const") out = x.value ? "yes" : "no";
    else if (s) out = isNone(s.set) ? "no" : "yes";
    else if (lits) out = this.conjunction(lits);
    else if (x.t === "not") out = flip(this.valid(x.kids[0]!));
    else if (x.t === "or") {
      out = "no";
      for (const k of x.kids) {
        const a = this.sat(k);
        if (a === "yes") {
          out = "yes";
          break;
        }
        if (a === "unknown") out = "unknown";
      }
      if (out === "unknown") out = this.searched(x);
    } else if (x.t === "and") out = this.andSat(x);
    else out = this.searched(x);
    // An answer left open because the budget ran out, or a search was skipped as too large, is not kept:
    // with a fresh budget or a larger cap it may be decided.
    if (out !== "unknown" || (!this.budget.exceeded && this.capHits === capHits)) this.sats[x.id] = out;
    return out;
  }

  /** Does the formula hold for every contact (and `now`)? "yes" is a proof. */
  valid(x: Node): Answer {
    const memo = this.valids[x.id];
    if (memo !== undefined) return memo;
    const capHits = this.capHits;
    let out: Answer;
    const s = this.single(x);
    if (x.t === "const") out = x.value ? "yes" : "no";
    else if (s) out = covers(s.set, this.domain(s.v)!) ? "yes" : "no";
    else if (x.t === "atom") out = "no"; // a positive test is false on an empty value
    else if (x.t === "not") out = flip(this.sat(x.kids[0]!));
    else if (x.t === "and") {
      out = "yes";
      for (const k of x.kids) {
        const a = this.valid(k);
        if (a === "no") {
          out = "no";
          break;
        }
        if (a === "unknown") out = "unknown";
      }
    } else out = this.orValid(x);
    if (out !== "unknown" || (!this.budget.exceeded && this.capHits === capHits)) this.valids[x.id] = out;
    return out;
  }

  /**
   * The node as a conjunction of literals (an atom, a negated atom, or an `and` of them), or null. Such
   * conjunctions are decided by the theory directly, without a search.
   */
  private literals(x: Node): Lit[] | null {
    const memo = this.literalLists[x.id];
    if (memo !== undefined) return memo;
    let out: Lit[] | null = null;
    if (x.t === "atom") out = [{ atom: x.atom!, value: true }];
    else if (x.t === "not" && x.kids[0]!.t === "atom") out = [{ atom: x.kids[0]!.atom!, value: false }];
    else if (x.t === "not" && x.kids[0]!.t === "or") {
      // not (a or b or …) is (not a) and (not b) and …
      out = [];
      for (const k of x.kids[0]!.kids) {
        const l = k.t === "atom" ? { atom: k.atom!, value: false } : k.t === "not" && k.kids[0]!.t === "atom" ? { atom: k.kids[0]!.atom!, value: true } : null;
        if (!l) {
          out = null;
          break;
        }
        out.push(l);
      }
    } else if (x.t === "and") {
      out = [];
      for (const k of x.kids) {
        const l = k.t === "and" ? null : this.literals(k);
        if (!l) {
          out = null;
          break;
        }
        out.push(...l);
      }
    }
    this.literalLists[x.id] = out;
    return out;
  }

  /** Whether a conjunction of literals can hold: each variable's rules, each event key's links, the times. */
  private conjunction(lits: readonly Lit[]): Answer {
    const byVar = new Map<Var, Lit[]>();
    for (const l of lits) {
      const list = byVar.get(l.atom.v);
      if (list) list.push(l);
      else byVar.set(l.atom.v, [l]);
    }
    let out: Answer = "yes";
    const keys = new Map<string, Var[]>();
    let symbolic = false;
    for (const [v, vl] of byVar) {
      const verdict = this.theory.checkVar(v, vl);
      if (verdict === "unsat") return "no";
      if (verdict === "unknown") out = "unknown";
      const p = v.place;
      if (p.kind === "count" || p.kind === "aggregate" || p.kind === "first" || p.kind === "last") {
        const members = keys.get(v.group);
        if (members) members.push(v);
        else keys.set(v.group, [v]);
      }
      if (!symbolic && vl.some((l) => l.atom.k === "time" && l.atom.term.kind !== "instant")) symbolic = true;
    }
    const litsOf = (v: Var): readonly Lit[] => byVar.get(v) ?? [];
    for (const members of keys.values()) {
      const p = members[0]!.place as { key: EventKey };
      if (this.theory.checkKey(p.key.count, members, litsOf) === "unsat") return "no";
    }
    if (symbolic) {
      const bounds = this.theory.timeBounds([...byVar.keys()], litsOf);
      if (bounds && !this.theory.solveTimes(bounds)) return "no";
    }
    return out;
  }

  /** An `and`: split into groups of operands sharing variables; decide each group. */
  private andSat(x: Node): Answer {
    const parts = this.components(x.kids);
    let out: Answer = "yes";
    for (const part of parts) {
      let a: Answer;
      if (part.length === 1) a = this.sat(part[0]!);
      else {
        const merged = this.mergeSingles(part, "and");
        if (merged.empty) return "no";
        a = merged.rest.length === 0 && merged.oneVarPerGroup ? "yes" : "unknown";
        if (a === "unknown") {
          const lits: Lit[] = [];
          for (const k of part) {
            const l = this.literals(k);
            if (!l) {
              lits.length = 0;
              break;
            }
            lits.push(...l);
          }
          a = lits.length > 0 ? this.conjunction(lits) : this.searched(this.f.and(part));
        }
      }
      if (a === "no") return "no";
      if (a === "unknown") out = "unknown";
    }
    return out;
  }

  /** An `or`: valid when one group of operands sharing variables covers everything. */
  private orValid(x: Node): Answer {
    const parts = this.components(x.kids);
    let out: Answer = "no";
    for (const part of parts) {
      let a: Answer;
      if (part.length === 1) a = this.valid(part[0]!);
      else {
        const merged = this.mergeSingles(part, "or");
        if (merged.full) return "yes";
        a = merged.rest.length === 0 && merged.oneVarPerGroup ? "no" : "unknown";
        if (a === "unknown") a = flip(this.searched(this.f.not(this.f.or(part))));
      }
      if (a === "yes") return "yes";
      if (a === "unknown") out = "unknown";
    }
    return out;
  }

  /**
   * Operands grouped so that different groups share no variable group (and are independent). Each group
   * keeps its operands in order.
   */
  private components(xs: readonly Node[]): Node[][] {
    const parent = xs.map((_, i) => i);
    const find = (i: number): number => {
      while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
      return i;
    };
    const owner = new Map<string, number>();
    xs.forEach((x, i) => {
      for (const v of this.varsOf(x)) {
        const j = owner.get(v.group);
        if (j === undefined) owner.set(v.group, i);
        else parent[find(i)] = find(j);
      }
    });
    const groups = new Map<number, Node[]>();
    xs.forEach((x, i) => {
      const root = find(i);
      const g = groups.get(root);
      if (g) g.push(x);
      else groups.set(root, [x]);
    });
    return [...groups.values()];
  }

  /**
   * Combines the operands that are single-variable sets, per variable (`and`: intersection, `or`: union).
   * `empty`: some variable's intersection is empty; `full`: some variable's union covers its domain;
   * `rest`: the operands that are not single-variable sets.
   */
  private mergeSingles(xs: readonly Node[], t: "and" | "or"): { empty: boolean; full: boolean; rest: Node[]; oneVarPerGroup: boolean } {
    const byVar = new Map<Var, ValueSet>();
    const rest: Node[] = [];
    for (const x of xs) {
      const s = this.single(x);
      if (!s) {
        rest.push(x);
        continue;
      }
      const acc = byVar.get(s.v);
      byVar.set(s.v, acc ? (t === "and" ? intersect(acc, s.set) : unite(acc, s.set)) : s.set);
    }
    let empty = false;
    let full = false;
    const groups = new Set<string>();
    let oneVarPerGroup = true;
    for (const [v, set] of byVar) {
      if (isNone(set)) empty = true;
      if (covers(set, this.domain(v)!)) full = true;
      if (groups.has(v.group)) oneVarPerGroup = false;
      groups.add(v.group);
    }
    return { empty, full, rest, oneVarPerGroup };
  }

  // ---- tier 2 --------------------------------------------------------------------------------------------

  /** Satisfiability by search: "no" only when every case was refused by a sound rule. */
  private searched(x: Node): Answer {
    const lits = this.literals(x);
    if (lits) return this.conjunction(lits);
    if (this.size(x) > this.maxSearchAtoms) {
      this.capHits++;
      return "unknown";
    }
    const result = search(this, x, this.budget);
    return result.verdict === "sat" ? "yes" : result.verdict === "unsat" ? "no" : "unknown";
  }

  // ---- conveniences --------------------------------------------------------------------------------------

  /**
   * Whether the whole condition can hold and whether it always holds, searched whatever its size (within
   * the step budget): the questions that matter most are not left to `maxSearchAtoms`. Their answers are
   * kept, so the walk that follows reads them.
   */
  decideRoot(x: Node): void {
    const cap = this.maxSearchAtoms;
    this.maxSearchAtoms = Infinity;
    try {
      this.sat(x);
      this.valid(x);
    } finally {
      this.maxSearchAtoms = cap;
    }
  }

  /** Proved: the formula never holds. */
  never(x: Node): boolean {
    return this.sat(x) === "no";
  }

  /** Proved: the formula always holds. */
  always(x: Node): boolean {
    return this.valid(x) === "yes";
  }

  /**
   * Proved: whenever every premise holds, the conclusion holds. A conclusion over one variable is first
   * compared with what the premises over that variable alone allow (fewer premises imply less, so an
   * inclusion there is a proof), before the general test.
   */
  implies(premises: readonly Node[], conclusion: Node): boolean {
    if (this.impliedBySingles(premises, conclusion)) return true;
    // An `or` is implied when one of its branches is (checked on single variables only: cheap).
    if (conclusion.t === "or" && conclusion.kids.some((k) => this.impliedBySingles(premises, k))) return true;
    // Premises that share no variable (through others) with the conclusion cannot help prove it, unless
    // they contradict each other, which is reported on its own: leave them out of the search.
    const relevant = this.connectedTo(conclusion, premises);
    if (relevant.length === 0) return this.always(conclusion);
    return this.never(this.f.and([...relevant, this.f.not(conclusion)]));
  }

  /** The nodes of `others` connected to `x` through shared variable groups (directly or via each other). */
  private connectedTo(x: Node, others: readonly Node[]): Node[] {
    const groups = new Set(this.groupsOf(x));
    const left = [...others];
    const out: Node[] = [];
    for (let grew = true; grew; ) {
      grew = false;
      for (let i = 0; i < left.length; i++) {
        const vars = this.varsOf(left[i]!);
        if (!vars.some((v) => groups.has(v.group))) continue;
        for (const v of vars) groups.add(v.group);
        out.push(left[i]!);
        left.splice(i--, 1);
        grew = true;
      }
    }
    return out;
  }

  /** The conclusion is over one variable, and the premises over that variable alone allow no other value. */
  private impliedBySingles(premises: readonly Node[], conclusion: Node): boolean {
    const c = this.single(conclusion);
    if (!c) return false;
    let allowed: ValueSet | null = null;
    for (const p of premises) {
      const s = this.single(p);
      if (s && s.v === c.v) allowed = allowed ? intersect(allowed, s.set) : s.set;
    }
    return allowed !== null && covers(c.set, allowed);
  }
}

function flip(a: Answer): Answer {
  return a === "yes" ? "no" : a === "no" ? "yes" : "unknown";
}
