/**
 * Static analysis of checked conditions: a stage after the checker that reads the typed AST and reasons
 * about the rules themselves, whatever the data.
 *
 *   typed AST ──Formulas──▶ formulas over atoms ──Reasoner (exact sets; search within a budget)──┬─▶ warnings
 *                                                                                             ├─▶ relate(A, B)
 *                                                                                             └─▶ diffSegments(old, new)
 *
 * - `analysisWarnings`: parts that never match, always hold, or add nothing (warnings.ts).
 * - `relate`: A ⊆ B, B ⊆ A, A = B, disjoint or overlapping, with witness contacts (relate.ts).
 * - `diffSegments`: who enters and who leaves between two versions of a segment, simplified (diff.ts).
 *
 * Sound by construction: a warning or an inclusion is claimed only when proved, and a witness only after
 * the predicate (`compilePredicate`) confirms it; what cannot be decided within the budget is not claimed.
 * Claims hold for every `now` in years 1-9999 unless a fixed `now` is given. docs/analysis.md has the details.
 */
import type { Diagnostic } from "../diagnostics.js";
import type { TypedExpr, TypedSegment } from "../checker/typed-ast.js";
import { zoneOf } from "../checker/zone.js";
import { Formulas } from "./formula.js";
import { analysisMessages } from "./messages.js";
import { Reasoner } from "./reasoner.js";
import { conditionWarnings } from "./warnings.js";

export { relate, RELATE_STEPS, type RelateOptions, type RelateResult, type RelateWitness, type Relation } from "./relate.js";
export type { Witness } from "./witness.js";
export { diffSegments, type DiffOptions, type SegmentDiff, type DiffSide } from "./diff.js";

/** Reasoning steps (search decisions) allowed per segment by default. */
export const DEFAULT_STEPS = 5_000;

/** Options of `analysisWarnings`. */
export interface AnalysisOptions {
  /** The source text the segments' spans point into; needed for fixes that remove a part. */
  text?: string;
  /** Reasoning steps allowed per segment (default `DEFAULT_STEPS`); past them, an `analysis-incomplete` note. */
  steps?: number;
  /** The evaluation time zone (default: the schema's `timeZone`, else UTC). */
  timeZone?: string;
}

/**
 * The analysis warnings of checked segments (`never-matches`, `always-true`, `redundant`), in source order,
 * plus an `analysis-incomplete` note on a segment whose analysis ran out of steps. Never throws on a
 * checked segment; spans are the segments' own.
 */
export function analysisWarnings(segments: readonly TypedSegment[], options: AnalysisOptions = {}): Diagnostic[] {
  const schema = segments[0]?.schema;
  const f = new Formulas({ zone: zoneOf(options.timeZone ?? schema?.timeZone) });
  const r = new Reasoner(f);
  const out: Diagnostic[] = [];
  for (const s of segments) out.push(...expressionWarnings(s.expr, r, options));
  return out.sort((a, b) => a.span.start - b.span.start);
}

/** The warnings of one typed condition, with a reasoner that may be shared across conditions. */
function expressionWarnings(expr: TypedExpr, r: Reasoner, options: AnalysisOptions): Diagnostic[] {
  const limit = options.steps ?? DEFAULT_STEPS;
  r.budget.steps = 0;
  r.budget.limit = limit;
  r.budget.exceeded = false;
  const out = conditionWarnings(expr, r, options.text !== undefined ? { text: options.text } : {});
  if (r.budget.exceeded) out.push({ code: "analysis-incomplete", severity: "info", span: expr.span, message: analysisMessages.incomplete(limit) });
  return out;
}
