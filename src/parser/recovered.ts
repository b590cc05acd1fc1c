/**
 * What error recovery made of a syntax error's words, marked so that no second diagnostic says the same
 * thing again, less well (the root of two diagnostics on one word):
 * - a misspelt keyword the error's fix replaces (`nto is_verified`: `nto`) was read as a field: its rule is
 *   marked `misspelt-keyword`, and the checker says nothing of it (was "unknown field 'nto'" beside "did
 *   you mean 'not'");
 * - a field followed by no operator where one was expected (`plan_type si "Pro"`) was read as a bare
 *   boolean field: its rule is marked `operator-expected`, and the checker does not add that the field is
 *   not a condition (the syntax error says an operator is expected there);
 * - the syntax errors that a keyword fix clears besides its own (the fix is kept only when the edited text
 *   reads without error up to the end of the token after it: `segment "A" sa is_verified` also failed at
 *   `is_verified`) are dropped: they go with the fix.
 */
import type { IToken } from "chevrotain";
import type { Diagnostic } from "../diagnostics.js";
import type * as A from "./ast.js";
import { forEachExpr } from "./ast.js";

/** Marks `document`'s recovered rules (see above) and returns `diagnostics` without the errors a fix clears. */
export function markRecovered(document: A.SegqlDocument, diagnostics: Diagnostic[], tokens: readonly IToken[]): Diagnostic[] {
  const replaced = new Set<string>();
  const operatorExpected = new Set<number>();
  for (const d of diagnostics) {
    const edit = d.fix?.edits.length === 1 ? d.fix.edits[0]! : null;
    if (edit && edit.span.start < edit.span.end) replaced.add(`${edit.span.start}:${edit.span.end}`);
    if (d.code === "expected-operator") operatorExpected.add(d.span.start);
  }
  if (replaced.size > 0 || operatorExpected.size > 0) {
    for (const s of document.segments) {
      if (!s.expr) continue;
      forEachExpr(s.expr, (e) => {
        if (e.kind !== "rule" || e.test.op !== "truthy") return;
        if (replaced.has(`${e.field.span.start}:${e.field.span.end}`)) e.recovered = "misspelt-keyword";
        else {
          const next = tokenAtOrAfter(tokens, e.span.end);
          if (next && operatorExpected.has(next.startOffset)) e.recovered = "operator-expected";
        }
      });
    }
  }
  return withoutClearedErrors(diagnostics, tokens);
}

/** `diagnostics` without the errors that a keyword fix clears besides its own (see above). */
function withoutClearedErrors(diagnostics: Diagnostic[], tokens: readonly IToken[]): Diagnostic[] {
  const cleared: { by: Diagnostic; from: number; to: number }[] = [];
  for (const d of diagnostics) {
    const edit = d.fix?.edits.length === 1 && d.severity === "error" ? d.fix.edits[0]! : null;
    if (!edit) continue;
    const after = tokenAtOrAfter(tokens, Math.max(edit.span.end, d.span.end));
    cleared.push({ by: d, from: Math.min(edit.span.start, d.span.start), to: after ? after.endOffset! + 1 : Math.max(edit.span.end, d.span.end) });
  }
  if (cleared.length === 0) return diagnostics;
  return diagnostics.filter((d) => d.severity !== "error" || d.fix !== undefined || !cleared.some((c) => c.by !== d && d.span.start >= c.from && d.span.start < c.to));
}

/** The first token starting at or after `offset`. */
function tokenAtOrAfter(tokens: readonly IToken[], offset: number): IToken | undefined {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return tokens[lo];
}
