/**
 * Store results as the API's JSON: diagnostics flattened (`{code, severity, message, line, column, start,
 * end, fix?}`, the same shape in every response and error), everything else as the store returns it.
 */
import type { ExpressionCheck, Segment } from "../store/index.js";
import { apiDiagnostic, type ApiDiagnostic } from "./problems.js";

/** A segment as the API returns it. */
export type SegmentJson = Omit<Segment, "problems"> & { problems: ApiDiagnostic[] };

/** A segment with its problems flattened. */
export function segmentJson(s: Segment): SegmentJson {
  return { ...s, problems: s.problems.map(apiDiagnostic) };
}

/** An expression check with its diagnostics flattened. */
export function checkJson(c: ExpressionCheck): Omit<ExpressionCheck, "diagnostics"> & { diagnostics: ApiDiagnostic[] } {
  return { ...c, diagnostics: c.diagnostics.map(apiDiagnostic) };
}
