/**
 * What the warnings' walk (warnings.ts) asks about a condition's parts, answered by one of two engines:
 * - `RegionOracle` (regions.ts): a condition over finitely many value regions per field, decided with
 *   bit masks; cheap, and used for most conditions;
 * - `ReasonerOracle` (here): formulas and the reasoner (reasoner.ts), for what the regions cannot model
 *   (event conditions, segment references, fields whose rule combinations it cannot settle).
 * Every `true` is a proof for every contact (and every `now`); `false` means "not proved".
 */
import type { TypedEvent, TypedExpr } from "../checker/typed-ast.js";
import type { Node } from "./formula.js";
import type { Reasoner } from "./reasoner.js";

/** The questions of the walk, over handles `H` of the condition's parts. */
export interface Oracle<H> {
  /** The handle of the condition being analysed, or of an event condition's filter in it. */
  of(e: TypedExpr): H;
  /** The handles of the operands of `e` (an `and`, an `or`: each operand; a `not`: its operand), `x` its handle. */
  parts(x: H, e: TypedExpr): H[];
  /** Proved: `x` never holds. */
  never(x: H): boolean;
  /** Proved: `x` always holds. */
  always(x: H): boolean;
  /** Proved: the parts never all hold at once. */
  neverAll(xs: readonly H[]): boolean;
  /** Proved: one of the parts always holds. */
  alwaysAny(xs: readonly H[]): boolean;
  /** Proved: whenever every premise holds, one of `xs` holds. */
  impliesAny(premises: readonly H[], xs: readonly H[]): boolean;
  /** Whether two parts mean the same (a repeat). */
  same(a: H, b: H): boolean;
  /** Whether `x` and `y` read a common field (variable group); otherwise they are independent. */
  shares(x: H, y: H): boolean;
  /**
   * Known without a question: `x` can hold and can fail (so the walk has nothing to say about a rule `x`
   * and need not visit it). Optional; an oracle without it has every rule visited.
   */
  settled?(x: H): boolean;
  /** Why an event condition that never matches does not: its window is empty, its filter never holds. */
  eventNever(e: TypedEvent): "window" | "filter" | null;
  /**
   * The condition as masks (regions.ts `partBits`), when every question the walk asks is one bitwise `and`
   * over them: the walk then runs on these numbers (warnings.ts `MaskWalker`). Optional; null or absent:
   * the walk asks the questions above.
   */
  masks?(): PartMasks | null;
}

/** `PartMasks.kinds`: a rule, `and`, `or`, `not`. */
export const LEAF = 0;
export const AND = 1;
export const OR = 2;
export const NOT = 3;

/**
 * A condition's parts numbered in post-order (part `i`'s operands come before it; the condition is part
 * `n - 1`), each with two masks over *combinations* (one bit each): where it can hold and where it can
 * fail. For parts apart from each other (none inside another), "these hold and those fail at once" is
 * possible exactly when the `and` of their masks is not 0 (regions.ts has the argument). A mask is
 * `words` numbers (32 combinations each), part `i`'s from `i * words`.
 */
export interface PartMasks {
  readonly n: number;
  readonly words: number;
  readonly kinds: readonly number[];
  /** Operands of part `i`: `kids[kidStart[i]]` up to (not including) `kids[kidStart[i + 1]]`. */
  readonly kidStart: readonly number[];
  readonly kids: readonly number[];
  readonly exprs: readonly TypedExpr[];
  readonly holds: readonly number[];
  readonly fails: readonly number[];
  /**
   * Per part, whether its masks have a combination: bit 4 in `holds` (it can hold), bit 8 in `fails` (it
   * can fail). Read by the walk instead of the masks' words: one number a part.
   */
  readonly known: readonly number[];
  /** The fields a part reads, a bit each: parts without a common field are independent. */
  readonly fields: readonly number[];
  /** Questions answered on the masks (for the benchmark's counts). */
  questions: number;
}

/** The reasoner's answers (formulas over atoms, exact sets, search within a budget). */
export class ReasonerOracle implements Oracle<Node> {
  constructor(readonly r: Reasoner) {}

  of(e: TypedExpr): Node {
    return this.r.f.fromTyped(e);
  }

  parts(_x: Node, e: TypedExpr): Node[] {
    if (e.kind === "and" || e.kind === "or") return e.operands.map((o) => this.r.f.fromTyped(o));
    return e.kind === "not" ? [this.r.f.fromTyped(e.operand)] : [];
  }

  never(x: Node): boolean {
    return this.r.never(x);
  }

  always(x: Node): boolean {
    return this.r.always(x);
  }

  neverAll(xs: readonly Node[]): boolean {
    return this.r.never(this.r.f.and(xs));
  }

  alwaysAny(xs: readonly Node[]): boolean {
    return this.r.always(this.r.f.or(xs));
  }

  impliesAny(premises: readonly Node[], xs: readonly Node[]): boolean {
    return this.r.implies(premises, xs.length === 1 ? xs[0]! : this.r.f.or(xs));
  }

  same(a: Node, b: Node): boolean {
    return a === b;
  }

  shares(x: Node, y: Node): boolean {
    const groups = this.r.groupsOf(x);
    for (const g of this.r.groupsOf(y)) if (groups.has(g)) return true;
    return false;
  }

  eventNever(e: TypedEvent): "window" | "filter" | null {
    const key = this.r.f.eventKey(e);
    if (key.window && this.r.keyMatchesNothing(key) && !(key.filter && this.r.never(key.filter))) return "window";
    if (e.filter && this.r.never(this.r.f.fromTyped(e.filter))) return "filter";
    return null;
  }
}
