/**
 * Whether rules on one text field can all hold, and a value for which they do: `=`/`in` (exact), `contains`,
 * `starts with`, `ends with` (ASCII case-insensitive, README "Semantics"), emptiness, each positive or negated.
 *
 * An `=` fixes the value, which is then tested exactly. Without one, candidate values are built from the
 * needles (prefix + the contained parts + suffix, with and without a filler between them) and each is
 * tested; a candidate that passes is a proof. When none does, these sound rules may still prove there is
 * none: two `starts with` (or two `ends with`) that no string has at once; a test that implies a negated
 * one (`starts with "ab"` and `not contains "b"`). Otherwise: undecided, and the analysis says nothing.
 */
import { containsFold, endsFold, startsFold } from "../compiler/predicate/runtime.js";
import type { Atom } from "./formula.js";

/** A rule and whether it must hold (true) or must not (false). */
export interface TextLit {
  atom: Atom;
  value: boolean;
}

/** The outcome: a value that passes every rule (null: the empty value), none, or undecided. */
export type TextOutcome = { status: "sat"; value: string | null } | { status: "unsat" } | { status: "unknown" };

/** Whether `s` passes one rule (positive form). */
export function textHolds(atom: Atom, s: string | null): boolean {
  if (s === null || s === "") return false;
  switch (atom.k) {
    case "present":
      return true;
    case "eq":
      return s === atom.value;
    case "text":
      return atom.op === "contains" ? containsFold(s, atom.needle) : atom.op === "startsWith" ? startsFold(s, atom.needle) : endsFold(s, atom.needle);
    default:
      return false;
  }
}

function passes(lits: readonly TextLit[], s: string | null): boolean {
  for (const l of lits) if (textHolds(l.atom, s) !== l.value) return false;
  return true;
}

/** Characters tried as fillers between parts of a candidate. */
const FILLERS = ["x", "q", "z", "0", "_", "~", "#", "xy"];

/** Decides rules on one text field; `preferred` values (an enum's) are tried first. */
export function solveText(lits: readonly TextLit[], preferred: readonly string[] | null): TextOutcome {
  if (passes(lits, null)) return { status: "sat", value: null };
  const eqs = new Set<string>();
  for (const l of lits) if (l.value && l.atom.k === "eq") eqs.add(l.atom.value as string);
  if (eqs.size > 1) return { status: "unsat" };
  if (eqs.size === 1) {
    const v = [...eqs][0]!;
    return passes(lits, v) ? { status: "sat", value: v } : { status: "unsat" };
  }
  if (lits.some((l) => !l.value && l.atom.k === "present")) return { status: "unsat" }; // must be empty, but a positive rule needs a value
  const pos = lits.filter((l) => l.value && l.atom.k === "text").map((l) => l.atom as Atom & { k: "text" });
  const neg = lits.filter((l) => !l.value && l.atom.k === "text").map((l) => l.atom as Atom & { k: "text" });
  if (provablyNone(pos, neg)) return { status: "unsat" };
  for (const c of candidates(pos, neg, preferred)) if (passes(lits, c)) return { status: "sat", value: c };
  return { status: "unknown" };
}

/** The sound rules that prove no string passes (see the module comment). */
function provablyNone(pos: readonly (Atom & { k: "text" })[], neg: readonly (Atom & { k: "text" })[]): boolean {
  const starts = pos.filter((a) => a.op === "startsWith").map((a) => a.needle);
  const ends = pos.filter((a) => a.op === "endsWith").map((a) => a.needle);
  for (const a of starts) for (const b of starts) if (!a.startsWith(b) && !b.startsWith(a)) return true;
  for (const a of ends) for (const b of ends) if (!a.endsWith(b) && !b.endsWith(a)) return true;
  for (const p of pos) {
    for (const n of neg) {
      if (n.op === "contains" && p.needle.includes(n.needle)) return true;
      if (n.op === "startsWith" && p.op === "startsWith" && p.needle.startsWith(n.needle)) return true;
      if (n.op === "endsWith" && p.op === "endsWith" && p.needle.endsWith(n.needle)) return true;
    }
  }
  return false;
}

/** Candidate values: the preferred ones, then values built from the needles. */
function* candidates(pos: readonly (Atom & { k: "text" })[], neg: readonly (Atom & { k: "text" })[], preferred: readonly string[] | null): Generator<string> {
  if (preferred) yield* preferred;
  const longest = (xs: string[]) => xs.reduce((a, b) => (b.length > a.length ? b : a), "");
  const prefix = longest(pos.filter((a) => a.op === "startsWith").map((a) => a.needle));
  const suffix = longest(pos.filter((a) => a.op === "endsWith").map((a) => a.needle));
  const middle = pos.filter((a) => a.op === "contains").map((a) => a.needle);
  const forbidden = neg.map((a) => a.needle);
  const fillers = FILLERS.filter((f) => !forbidden.some((n) => n.includes(f) || f.includes(n)));
  const parts = [prefix, ...middle, suffix];
  yield parts.join("") || "x";
  for (const f of fillers.length ? fillers : FILLERS) {
    yield parts.filter((p) => p !== "").join(f) || f;
    yield [prefix, f, ...middle.flatMap((m) => [m, f]), suffix].join("");
  }
  // The prefix and suffix overlapping (starts with "ab" and ends with "bc": "abc").
  for (let k = Math.min(prefix.length, suffix.length); k > 0; k--) {
    if (prefix.endsWith(suffix.slice(0, k))) yield prefix + middle.join("") + suffix.slice(k);
  }
  if (middle.length > 1) yield prefix + [...middle].reverse().join("") + suffix;
  for (const f of FILLERS) for (let i = 1; i <= 3; i++) yield f.repeat(i);
}
