/**
 * Satisfiability of a formula whose atoms the theory (theory.ts) interprets: a depth-first search over the
 * atoms' truth values (DPLL without clause learning), checking the rules assigned so far on each decision
 * so a contradiction on one variable prunes at once.
 *
 * - Only atoms that can still change the formula's value are decided; once it is true, the atoms left are
 *   free, and the assignment is a *cube* (a conjunction of literals) that implies the formula.
 * - Each cube the theory accepts is offered to `accept` (which may build a witness contact and check it);
 *   the first accepted cube ends the search. Without `accept`, the theory's word is taken.
 * - A bounded budget of decisions: when it runs out the answer is "unknown". The search never recurses.
 *
 * "unsat" is a proof: every cube was refused by a sound rule. "sat" means a cube was accepted. Anything
 * the theory could not decide, or a cube `accept` refused, makes the answer "unknown" rather than "unsat".
 */
import type { Atom, Node, Var } from "./formula.js";
import type { Reasoner } from "./reasoner.js";
import type { Lit, Verdict } from "./theory.js";
import type { TimeSolution } from "./time-graph.js";

/** A bound on work, shared by every search of one analysis. */
export interface Budget {
  /** Decisions made so far. */
  steps: number;
  /** Most decisions allowed. */
  limit: number;
  /** Set when some search stopped because the budget ran out. */
  exceeded: boolean;
}

/** A satisfying cube: the literals of each variable, and a solution of the time rules relative to `now`. */
export interface Model {
  vars: readonly Var[];
  lits(v: Var): readonly Lit[];
  time: TimeSolution | null;
}

/** The search's answer. */
export type SearchResult = { verdict: "sat"; model: Model } | { verdict: "unsat" } | { verdict: "unknown" };

interface VarState {
  v: Var;
  lits: Lit[];
  status: Verdict;
}

interface KeyState {
  count: Var;
  members: VarState[];
  status: Verdict;
}

interface TrailEntry {
  atom: number;
  flipped: boolean;
  prevVar: Verdict;
  prevKey: Verdict | null;
  prevTime: Verdict | null;
}

/** What a search needs to know about a formula, computed once per formula (formulas are immutable). */
interface Structure {
  /** Nodes, children first; the root last. */
  nodes: Node[];
  /** Positions of each node's children. */
  kids: number[][];
  /** The atom (local index) of each atom node, else -1. */
  atomOf: Int32Array;
  atoms: Atom[];
  /** The variables of the atoms, and for event keys, their measures' variables. */
  vars: Var[];
  keys: { count: Var; members: Var[]; group: string }[];
  symbolicTime: boolean;
  timeVars: Var[];
}

function structureOf(root: Node): Structure {
  const known = root.searchMemo as Structure | undefined;
  if (known) return known;
  // Children before parents, each once, in the order of `postOrder` (the search picks atoms in this order),
  // with each node's position; built here without postOrder's per-node objects (this runs per question).
  const nodes: Node[] = [];
  const pos = new Map<number, number>();
  const path: Node[] = [root];
  const next: number[] = [0];
  while (path.length > 0) {
    const top = path.length - 1;
    const x = path[top]!;
    const i = next[top]!;
    if (i < x.kids.length) {
      next[top] = i + 1;
      const k = x.kids[i]!;
      if (!pos.has(k.id)) {
        path.push(k);
        next.push(0);
      }
    } else {
      path.pop();
      next.pop();
      if (!pos.has(x.id)) {
        pos.set(x.id, nodes.length);
        nodes.push(x);
      }
    }
  }
  const n = nodes.length;
  const kids = nodes.map((x) => x.kids.map((k) => pos.get(k.id)!));
  const atoms: Atom[] = [];
  const atomOf = new Int32Array(n).fill(-1);
  const atomLocal = new Map<number, number>();
  const vars: Var[] = [];
  const seenVars = new Set<Var>();
  nodes.forEach((x, i) => {
    if (!x.atom) return;
    let local = atomLocal.get(x.atom.index);
    if (local === undefined) {
      local = atoms.length;
      atoms.push(x.atom);
      atomLocal.set(x.atom.index, local);
      if (!seenVars.has(x.atom.v)) {
        seenVars.add(x.atom.v);
        vars.push(x.atom.v);
      }
    }
    atomOf[i] = local;
  });
  const keys = new Map<string, { count: Var; members: Var[]; group: string }>();
  for (const v of vars) {
    const p = v.place;
    if (p.kind !== "count" && p.kind !== "aggregate" && p.kind !== "first" && p.kind !== "last") continue;
    let k = keys.get(v.group);
    if (!k) {
      k = { count: p.key.count, members: [], group: v.group };
      keys.set(v.group, k);
    }
    k.members.push(v);
  }
  const structure: Structure = {
    nodes,
    kids,
    atomOf,
    atoms,
    vars,
    keys: [...keys.values()],
    symbolicTime: atoms.some((a) => a.k === "time" && a.term.kind !== "instant"),
    timeVars: vars.filter((v) => v.kind === "instant" || v.kind === "day"),
  };
  root.searchMemo = structure;
  return structure;
}

/** Searches for a cube of `root` that the theory (and `accept`, when given) accepts. */
export function search(r: Reasoner, root: Node, budget: Budget, accept?: (model: Model) => boolean): SearchResult {
  const { nodes, kids, atomOf, atoms, vars, symbolicTime, timeVars } = structureOf(root);
  const n = nodes.length;
  const varStates = new Map<Var, VarState>();
  for (const v of vars) varStates.set(v, { v, lits: [], status: "sat" });
  const keyStates = new Map<string, KeyState>();
  for (const k of structureOf(root).keys) keyStates.set(k.group, { count: k.count, members: k.members.map((m) => varStates.get(m)!), status: "sat" });
  const theory = r.theory;
  const noLits: readonly Lit[] = [];
  const litsOf = (v: Var): readonly Lit[] => varStates.get(v)?.lits ?? noLits;

  let unsatCount = 0;
  let unknownCount = 0;
  const count = (s: Verdict, d: number) => {
    if (s === "unsat") unsatCount += d;
    else if (s === "unknown") unknownCount += d;
  };
  let timeStatus: Verdict = "sat";
  let timeSolution: TimeSolution | null = null;
  const recheckTime = (): Verdict => {
    const bounds = theory.timeBounds(timeVars, litsOf);
    timeSolution = bounds ? theory.solveTimes(bounds) : null;
    return bounds && !timeSolution ? "unsat" : "sat";
  };

  const assign = new Int8Array(atoms.length);
  const val = new Int8Array(n);
  const need = new Uint8Array(n);
  const trail: TrailEntry[] = [];

  const evaluate = (): number => {
    for (let i = 0; i < n; i++) {
      const x = nodes[i]!;
      switch (x.t) {
        case "const":
          val[i] = x.value ? 1 : -1;
          break;
        case "atom":
          val[i] = assign[atomOf[i]!]!;
          break;
        case "not":
          val[i] = -val[kids[i]![0]!]!;
          break;
        case "and":
        case "or": {
          const stop = x.t === "and" ? -1 : 1;
          let out = -stop;
          for (const k of kids[i]!) {
            const kv = val[k]!;
            if (kv === stop) {
              out = stop;
              break;
            }
            if (kv === 0) out = 0;
          }
          val[i] = out;
          break;
        }
      }
    }
    return val[n - 1]!;
  };

  /** The unassigned atom (first in text order) that can still change the value of the formula. */
  const pick = (): number => {
    need.fill(0);
    need[n - 1] = 1;
    let best = -1;
    for (let i = n - 1; i >= 0; i--) {
      if (!need[i] || val[i] !== 0) continue;
      if (atomOf[i]! >= 0) {
        if (best < 0 || atomOf[i]! < best) best = atomOf[i]!;
        continue;
      }
      for (const k of kids[i]!) if (val[k] === 0) need[k] = 1;
    }
    return best;
  };

  const apply = (local: number, value: boolean): TrailEntry => {
    const atom = atoms[local]!;
    assign[local] = value ? 1 : -1;
    const s = varStates.get(atom.v)!;
    s.lits.push({ atom, value });
    const entry: TrailEntry = { atom: local, flipped: false, prevVar: s.status, prevKey: null, prevTime: null };
    count(s.status, -1);
    s.status = theory.checkVar(atom.v, s.lits);
    count(s.status, 1);
    const key = keyStates.get(atom.v.group);
    if (key) {
      entry.prevKey = key.status;
      count(key.status, -1);
      key.status = theory.checkKey(key.count, key.members.map((m) => m.v), litsOf);
      count(key.status, 1);
    }
    if (symbolicTime && (atom.v.kind === "instant" || atom.v.kind === "day")) {
      entry.prevTime = timeStatus;
      count(timeStatus, -1);
      timeStatus = recheckTime();
      count(timeStatus, 1);
    }
    return entry;
  };

  const undo = (entry: TrailEntry): void => {
    const atom = atoms[entry.atom]!;
    assign[entry.atom] = 0;
    const s = varStates.get(atom.v)!;
    s.lits.pop();
    count(s.status, -1);
    s.status = entry.prevVar;
    count(s.status, 1);
    const key = keyStates.get(atom.v.group);
    if (key && entry.prevKey !== null) {
      count(key.status, -1);
      key.status = entry.prevKey;
      count(key.status, 1);
    }
    if (entry.prevTime !== null) {
      count(timeStatus, -1);
      timeStatus = entry.prevTime;
      count(timeStatus, 1);
      timeSolution = null;
    }
  };

  /** Flips the latest decision not yet flipped; false when every branch is done. */
  const backtrack = (): boolean => {
    while (trail.length > 0) {
      const top = trail.pop()!;
      const value = assign[top.atom] === 1;
      undo(top);
      if (!top.flipped) {
        budget.steps++;
        const entry = apply(top.atom, !value);
        entry.flipped = true;
        trail.push(entry);
        return true;
      }
    }
    return false;
  };

  let undecided = false;
  for (;;) {
    if (budget.steps > budget.limit) {
      budget.exceeded = true;
      return { verdict: "unknown" };
    }
    const value = unsatCount > 0 ? -1 : evaluate();
    if (value === 1) {
      if (unknownCount > 0) undecided = true;
      else {
        if (symbolicTime && timeSolution === null) timeSolution = theory.solveTimes(theory.timeBounds(timeVars, litsOf) ?? []);
        const model: Model = { vars: [...varStates.keys()], lits: litsOf, time: timeSolution };
        if (!accept) return { verdict: "sat", model };
        if (accept(model)) return { verdict: "sat", model };
        undecided = true;
      }
    }
    if (value !== 0) {
      if (!backtrack()) return { verdict: undecided ? "unknown" : "unsat" };
      continue;
    }
    const local = pick();
    if (local < 0) {
      // Undetermined, yet no atom can change it: cannot happen for a well-formed formula.
      undecided = true;
      if (!backtrack()) return { verdict: "unknown" };
      continue;
    }
    budget.steps++;
    trail.push(apply(local, true));
  }
}
