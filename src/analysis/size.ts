/**
 * How large a condition the analysis takes on. Past these sizes it says so instead of answering: deciding
 * a warning asks a question per part, and a question reads every part, so the time grows with the square
 * of the size (a condition of 5,000 rules took seconds).
 */
import type { TypedExpr } from "../checker/typed-ast.js";

/**
 * Most rules (and event conditions, and segment references) a condition may hold, with the segments it
 * reads, for its warnings (unless `thorough`); a larger one gets an `analysis-incomplete` note.
 */
export const MAX_ANALYSED_RULES = 256;

/** Most rules two conditions may hold together for `relate` and `diffSegments` to reason about them. */
export const MAX_RELATED_RULES = 2_000;

/** The note of `relate` and `diffSegments` past MAX_RELATED_RULES. */
export const tooLargeNote = `not reasoned about: the two conditions hold more than ${MAX_RELATED_RULES.toLocaleString("en-US")} rules together (counting the segments they read)`;

/**
 * The rules, event conditions and segment references of `root` and of the segments it reads (each
 * segment's once), counted up to just past `max` (the count stops there).
 */
export function leafCount(root: TypedExpr, max: number): number {
  // Made at the first reference: this runs for every condition analysed, and most read no segment.
  let seen: Set<TypedExpr> | null = null;
  const stack: TypedExpr[] = [root];
  let n = 0;
  while (stack.length > 0 && n <= max) {
    const e = stack.pop()!;
    switch (e.kind) {
      case "and":
      case "or":
        for (const o of e.operands) stack.push(o);
        break;
      case "not":
        stack.push(e.operand);
        break;
      case "segment":
        n++;
        seen ??= new Set();
        if (!seen.has(e.expr)) {
          seen.add(e.expr);
          stack.push(e.expr);
        }
        break;
      default:
        n++;
    }
  }
  return n;
}
