/**
 * How two conditions relate: A = B, A ⊆ B, A ⊇ B, disjoint or overlapping, over every possible contact
 * (not one data set), with witness contacts where they differ.
 *
 *   A ∧ ¬B never holds  ⇔  A ⊆ B        B ∧ ¬A never holds  ⇔  B ⊆ A        A ∧ B never holds  ⇔  disjoint
 *
 * An inclusion is claimed only when proved (a search that every case refuses); a difference only with a
 * witness: a contact (with events and a `now`) that the predicate (`compilePredicate`, closure mode) puts in
 * one condition and not the other. When neither is reached within the budget the relation is "unknown",
 * with what was established.
 */
import type { TypedQuery } from "../checker/typed-ast.js";
import { compilePredicateClosure, type Predicate } from "../compiler/predicate/index.js";
import { resolveNow } from "../compiler/predicate/lower.js";
import { zoneOf } from "../checker/zone.js";
import { Formulas, type Node } from "./formula.js";
import { Reasoner, type Answer } from "./reasoner.js";
import { search, type Budget } from "./search.js";
import { leafCount, MAX_RELATED_RULES, tooLargeNote } from "./size.js";
import { witnessesOf, type BuiltWitness, type Witness } from "./witness.js";

/** What `relate` found. */
export type Relation = "equal" | "subset" | "superset" | "disjoint" | "overlapping" | "unknown";

/** Options of `relate`. */
export interface RelateOptions {
  /** Resolve relative times against this instant; by default claims hold for every `now` (years 1-9999). */
  now?: Date | string | number;
  /** Reasoning steps allowed (default 200,000). */
  steps?: number;
  /** The evaluation time zone, as `compilePredicate`'s (default: the schema's `timeZone`, else UTC). */
  timeZone?: string;
}

/** A witness and the conditions it matches. */
export interface RelateWitness extends Witness {
  /** Which of the two conditions match it (`["A"]`: in A, not in B). */
  matches: ("A" | "B")[];
}

/** The relation between A and B, with witnesses where they differ (and one in both when they overlap). */
export interface RelateResult {
  relation: Relation;
  /** `=`, `⊆`, `⊇`, `disjoint`, `overlapping`, or `?` when undecided. */
  symbol: string;
  /** Every contact in A is in B: proved ("yes"), refuted with a witness ("no"), or undecided. */
  aInB: Answer;
  bInA: Answer;
  /** Some contact is in both. */
  overlap: Answer;
  witnesses: RelateWitness[];
  /** Facts worth saying (a condition that matches no contact, a budget that ran out). */
  notes: string[];
}

/** The default steps of `relate`. */
export const RELATE_STEPS = 200_000;

const SYMBOLS: Record<Relation, string> = { equal: "=", subset: "⊆", superset: "⊇", disjoint: "disjoint", overlapping: "overlapping", unknown: "?" };

/** Relates two checked conditions over the same schema. */
export function relate(a: TypedQuery, b: TypedQuery, options: RelateOptions = {}): RelateResult {
  if (leafCount(a.expr, MAX_RELATED_RULES) + leafCount(b.expr, MAX_RELATED_RULES) > MAX_RELATED_RULES) {
    return { relation: "unknown", symbol: "?", aInB: "unknown", bInA: "unknown", overlap: "unknown", witnesses: [], notes: [tooLargeNote] };
  }
  const zone = zoneOf(options.timeZone ?? a.schema.timeZone);
  const fixedNow = options.now === undefined ? null : resolveNow(options.now, zone);
  const f = new Formulas({ now: fixedNow, zone });
  const budget: Budget = { steps: 0, limit: options.steps ?? RELATE_STEPS, exceeded: false };
  const r = new Reasoner(f, budget);
  const A = f.fromTyped(a.expr);
  const B = f.fromTyped(b.expr);
  const predicates = new Map<number, [Predicate, Predicate]>();
  const matches = (w: BuiltWitness): [boolean, boolean] => {
    let p = predicates.get(w.nowMs);
    if (!p) {
      p = [compilePredicateClosure(a, { now: w.nowMs, timeZone: zone.name }), compilePredicateClosure(b, { now: w.nowMs, timeZone: zone.name })];
      predicates.set(w.nowMs, p);
    }
    return [p[0](w.contact, w.events), p[1](w.contact, w.events)];
  };

  /** Proves `goal` never holds, or finds a witness matching A and B as asked. */
  const find = (goal: Node, inA: boolean, inB: boolean): { answer: Answer; witness: RelateWitness | null } => {
    if (r.never(goal)) return { answer: "no", witness: null };
    let witness: RelateWitness | null = null;
    const result = search(r, goal, budget, (model) => {
      for (const w of witnessesOf(r, model, a.schema)) {
        const [ma, mb] = matches(w);
        if (ma === inA && mb === inB) {
          witness = { contact: w.contact, events: w.events, now: w.now, matches: [...(ma ? ["A" as const] : []), ...(mb ? ["B" as const] : [])] };
          return true;
        }
      }
      return false;
    });
    if (result.verdict === "sat" && witness) return { answer: "yes", witness };
    return { answer: result.verdict === "unsat" ? "no" : "unknown", witness: null };
  };

  const aNotB = find(f.and([A, f.not(B)]), true, false);
  const bNotA = find(f.and([B, f.not(A)]), false, true);
  const aInB = flip(aNotB.answer);
  const bInA = flip(bNotA.answer);
  let overlap: Answer = "unknown";
  let both: RelateWitness | null = null;
  if (aNotB.answer === "yes" && bNotA.answer === "yes") {
    const x = find(f.and([A, B]), true, true);
    overlap = x.answer;
    both = x.witness;
  }
  // A condition that matches no contact overlaps nothing (a "yes" of `sat` is no proof, a "no" is).
  if (overlap === "unknown" && (r.sat(A) === "no" || r.sat(B) === "no")) overlap = "no";
  let relation: Relation = "unknown";
  if (aInB === "yes" && bInA === "yes") relation = "equal";
  else if (aInB === "yes" && bInA === "no") relation = "subset";
  else if (aInB === "no" && bInA === "yes") relation = "superset";
  else if (aInB === "no" && bInA === "no") relation = overlap === "no" ? "disjoint" : overlap === "yes" ? "overlapping" : "unknown";

  const witnesses = [aNotB.witness, bNotA.witness, both].filter((w): w is RelateWitness => w !== null);
  const notes: string[] = [];
  if (r.sat(A) === "no") notes.push("A matches no contact");
  if (r.sat(B) === "no") notes.push("B matches no contact");
  if (budget.exceeded) notes.push(`the analysis stopped after ${budget.limit.toLocaleString("en-US")} steps; what is not proved is reported as unknown`);
  if (relation === "unknown") notes.push(`undecided: A ⊆ B ${said(aInB)}, B ⊆ A ${said(bInA)}${aInB === "no" && bInA === "no" ? `, A and B overlap ${said(overlap)}` : ""}`);
  return { relation, symbol: SYMBOLS[relation], aInB, bInA, overlap, witnesses, notes };
}

function flip(a: Answer): Answer {
  return a === "yes" ? "no" : a === "no" ? "yes" : "unknown";
}

function said(a: Answer): string {
  return a === "yes" ? "holds" : a === "no" ? "does not hold" : "is undecided";
}
