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
import type { Diagnostic, Span } from "../diagnostics.js";
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

/**
 * Where a checker diagnostic only echoes a syntax error: from the start of the token before the error to
 * the error's end (at least one character). The checker reads the tree recovery built around the error,
 * where the token just before it often looks wrong for the error's sake, and the recovery marks above do
 * not cover these cases (found by checking 32,000 broken texts, fuzz inputs and typos of the tests'
 * texts, with and without this filter: it changed what was said for a third of the texts with a syntax
 * error). Among them:
 * - `tags is nt empty` (the fix makes it `is not empty`): "'=' takes single values; … tags is a list field";
 * - `plan_type = Pro"`: "put "Pro" in quotes" beside the stray quote;
 * - `signed_up_at after 2024-3-01`: "cannot be compared with the number 2024";
 * - `segment "Big as tenure > 100` (the name's quote not closed): "unknown field 'segment'";
 * - `tags has nay ("vip")` (did you mean 'any'): "put "nay" in quotes".
 * `syntaxError` is the error's span; `tokens` those its offsets refer to, less `offset` (the start of the
 * piece of a document they were read from).
 */
export function echoZone(syntaxError: Span, tokens: readonly IToken[], offset = 0): { start: number; end: number } {
  const at = syntaxError.start - offset;
  // The last token that ends at or before the error: the one before the first that ends after it.
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.endOffset! + 1 <= at) lo = mid + 1;
    else hi = mid;
  }
  const start = lo > 0 ? tokens[lo - 1]!.startOffset + offset : syntaxError.start;
  return { start, end: Math.max(syntaxError.end, syntaxError.start + 1) };
}

/**
 * `checker` without the diagnostics that echo a syntax error: those touching one of `zones` (`echoZone`).
 * An unknown field with a did-you-mean fix stays: its name is misspelt whatever follows it (`plan_typ ni
 * ("Pro")` gets both "did you mean plan_type" and "did you mean 'in'"), where "unknown field 'segment'"
 * of `segment "Big as …` (a quote not closed) has no close name and goes. `segql check`, the LSP and the
 * playground all leave the same ones out.
 */
export function withoutEchoes<D extends Diagnostic>(checker: readonly D[], zones: readonly { start: number; end: number }[]): D[] {
  if (zones.length === 0) return [...checker];
  // Zones by start, with the furthest end among each prefix: a diagnostic touches a zone when one that
  // starts at or before its end reaches past its start (a large broken file has thousands of each).
  const sorted = [...zones].sort((a, b) => a.start - b.start);
  const furthest: number[] = [];
  for (const z of sorted) furthest.push(Math.max(z.end, furthest[furthest.length - 1] ?? -Infinity));
  return checker.filter((c) => {
    if (c.code === "unknown-field" && c.fix) return true;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.start <= c.span.end) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 || furthest[lo - 1]! <= c.span.start;
  });
}

/**
 * A parse's diagnostics and a check's of the same text, as every command shows them: the checker's echoes
 * of a syntax error left out (`withoutEchoes`), in the order of the text.
 */
export function shownDiagnostics<D extends Diagnostic>(parsed: { diagnostics: readonly D[]; tokens: readonly IToken[] }, checker: readonly D[]): D[] {
  const zones = parsed.diagnostics.map((d) => echoZone(d.span, parsed.tokens));
  return [...parsed.diagnostics, ...withoutEchoes(checker, zones)].sort((a, b) => a.span.start - b.span.start);
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
