/**
 * Spans and diagnostics shared by every stage.
 *
 * In the core a span is a half-open range of UTF-16 offsets `[start, end)`, plus the 1-based line and
 * column of `start` (cheap to carry from the lexer, and what the CLI prints). Editors convert offsets at
 * their edge: the LSP through `positionAt`, CodeMirror uses `{from: start, to: end}` as is.
 */

/** A half-open source range with the 1-based line and column of its start. */
export interface Span {
  /** Offset of the first character (UTF-16 code units, 0-based). */
  start: number;
  /** Offset just past the last character. */
  end: number;
  /** 1-based line of `start`. */
  line: number;
  /** 1-based column of `start`. */
  column: number;
}

/** How bad a diagnostic is. */
export type Severity = "error" | "warning" | "info";

/** One text replacement of a fix. */
export interface TextEdit {
  span: Span;
  text: string;
}

/** A likely fix a tool can apply (did-you-mean, add quotes, close a parenthesis). */
export interface Fix {
  title: string;
  edits: TextEdit[];
}

/** Stable identifiers of every diagnostic segql reports; messages are built from them in one place. */
export type DiagnosticCode =
  // lexer
  | "unexpected-character"
  | "unterminated-string"
  | "bad-escape"
  | "empty-quoted-name"
  // parser
  | "expected-value"
  | "expected-operator"
  | "expected-token"
  | "expected-condition"
  | "missing-close-paren"
  | "unexpected-close-paren"
  | "unexpected-token"
  | "too-large"
  | "too-deep"
  | "too-many-values"
  | "too-many-segments"
  | "no-condition"
  | "too-many-errors"
  | "duplicate-clause"
  // checker
  | "unknown-field"
  | "unknown-value"
  | "unquoted-value"
  | "operator-type"
  | "value-type"
  | "not-boolean"
  | "bad-date"
  | "bad-timestamp"
  | "bad-number"
  | "empty-list"
  | "bad-amount"
  | "unknown-event"
  | "unknown-property"
  | "no-events"
  | "nested-event"
  | "unknown-segment"
  | "segment-cycle"
  | "duplicate-segment"
  | "segment-in-filter"
  | "negative-aggregate"
  | "broken-segment"
  | "references-too-deep"
  | "future-event"
  // the throwing API: the text does not hold the one segment asked for
  | "several-segments"
  // segql compile: a condition that checks but that the dialect cannot express (SqlCompileError's span)
  | "sql-unsupported"
  // checker warnings (`always-true` also from the static analysis)
  | "always-true"
  | "filter-shadows-field"
  | "inexact-number"
  // checker warnings in a time zone: a wall-clock time a DST change skips or repeats
  | "skipped-local-time"
  | "repeated-local-time"
  // static analysis (src/analysis): warnings, and a note when it stops early
  | "never-matches"
  | "redundant"
  | "analysis-incomplete";

/** A problem found in the text, with where and why, and a fix when one is likely. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  span: Span;
  message: string;
  fix?: Fix;
}

/** Thrown by the throwing API (`checkExpression`, `checkDocument`) when a text has errors. */
export class SegqlError extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly text: string,
    readonly file?: string,
  ) {
    super(renderDiagnostics(text, diagnostics.filter((d) => d.severity === "error"), file));
    this.name = "SegqlError";
  }
}

/** Offsets where lines start: after `\n`, `\r\n` or a lone `\r`. */
export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/**
 * Line/column lookups over one text. Built once per text; `locate` is a binary search, so converting
 * thousands of offsets stays cheap.
 */
export class LineIndex {
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    this.lineStarts = lineStartsOf(text);
  }

  /** 1-based line and column of an offset. */
  locate(offset: number): { line: number; column: number } {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  /** Offset of a 1-based line and column. */
  offsetOf(line: number, column: number): number {
    const start = this.lineStarts[Math.min(Math.max(line - 1, 0), this.lineStarts.length - 1)]!;
    return Math.min(start + column - 1, this.text.length);
  }

  /** The text of a 1-based line without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line] ?? this.text.length;
    return this.text.slice(start, next).replace(/\r?\n$|\r$/, "");
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** A span over `[start, end)` of this text. */
  span(start: number, end: number): Span {
    const { line, column } = this.locate(start);
    return { start, end, line, column };
  }
}

/** The smallest span covering both. */
export function joinSpans(a: Span, b: Span): Span {
  const first = a.start <= b.start ? a : b;
  return { start: first.start, end: Math.max(a.end, b.end), line: first.line, column: first.column };
}

/** An error diagnostic. */
export function error(code: DiagnosticCode, span: Span, message: string, fix?: Fix): Diagnostic {
  return fix ? { code, severity: "error", span, message, fix } : { code, severity: "error", span, message };
}

/** A warning: the text is valid, but probably not what was meant. */
export function warning(code: DiagnosticCode, span: Span, message: string, fix?: Fix): Diagnostic {
  return fix ? { code, severity: "warning", span, message, fix } : { code, severity: "warning", span, message };
}

/**
 * Renders diagnostics the way compilers print them: `line:col: error: message`, the source line, and a
 * caret line under the span. `file` prefixes each location when given.
 */
export function renderDiagnostics(text: string, diagnostics: readonly Diagnostic[], file?: string): string {
  const index = new LineIndex(text);
  const out: string[] = [];
  for (const d of diagnostics) {
    const where = `${file ? `${file}:` : ""}${d.span.line}:${d.span.column}`;
    out.push(`${where}: ${d.severity}: ${d.message}`);
    const lineText = index.lineText(d.span.line);
    const lineEnd = index.offsetOf(d.span.line, lineText.length + 1);
    const width = Math.max(1, Math.min(d.span.end, lineEnd) - d.span.start);
    const gutter = String(d.span.line).padStart(4);
    const shown = excerpt(lineText, d.span.column - 1, width);
    out.push(`${gutter} | ${shown.text.replace(/\t/g, " ")}`);
    out.push(`${" ".repeat(gutter.length)} | ${" ".repeat(shown.column)}${"^".repeat(shown.width)}`);
    if (d.fix) out.push(`${" ".repeat(gutter.length)} = help: ${d.fix.title}${elsewhere(text, d.span, d.fix)}`);
  }
  return out.join("\n");
}

/**
 * Where a fix's one edit applies when that is not under the carets (`nto churn` fails at `churn`, and its
 * fix replaces `nto`): ` at 1:1 ('nto')`, so the help does not read as applying to the underlined text.
 */
function elsewhere(text: string, span: Span, fix: Fix): string {
  const edit = fix.edits.length === 1 ? fix.edits[0]! : null;
  if (!edit) return "";
  // Under the carets, or an insertion only blanks away from them (`segment "A" x`: insert 'as' before x).
  const gap = edit.span.end <= span.start ? text.slice(edit.span.end, span.start) : edit.span.start >= span.end ? text.slice(span.end, edit.span.start) : "";
  if ((edit.span.start < span.end && edit.span.end > span.start) || (edit.span.start === edit.span.end && !/\S/.test(gap))) return "";
  const replaced = text.slice(edit.span.start, edit.span.end);
  return ` at ${edit.span.line}:${edit.span.column}${replaced && replaced.length <= 40 && !/[\r\n]/.test(replaced) ? ` ('${replaced}')` : ""}`;
}

/** Longest part of a source line printed under a diagnostic (a minified or generated line can be megabytes). */
const MAX_LINE_SHOWN = 120;

/**
 * The part of a line shown under a diagnostic: the whole line when short, else a window around the problem
 * with `…` where it is cut; `column` (0-based) and `width` place the carets in it.
 */
function excerpt(line: string, column: number, width: number): { text: string; column: number; width: number } {
  if (line.length <= MAX_LINE_SHOWN) return { text: line, column, width };
  const start = Math.max(0, Math.min(column - 40, line.length - MAX_LINE_SHOWN));
  const end = Math.min(line.length, start + MAX_LINE_SHOWN);
  const lead = start > 0 ? "…" : "";
  return {
    text: `${lead}${line.slice(start, end)}${end < line.length ? "…" : ""}`,
    column: column - start + lead.length,
    width: Math.max(1, Math.min(width, end - column)),
  };
}

/** Levenshtein distance, for did-you-mean suggestions (case-insensitive). */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** Names longer than this get no edit-distance suggestions (only names that contain them or that they contain). */
const MAX_SUGGESTED_LENGTH = 100;

/**
 * The candidates closest to `word`, best first: those within a distance that grows with the word's length,
 * plus any candidate that contains the word or is contained in it (`plan` finds `plan_type`).
 */
export function closest(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = word.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  const budget = word.length <= 3 ? 1 : Math.max(2, Math.floor(word.length / 3));
  for (const name of candidates) {
    // The distance costs length × length: only for names of a plausible size whose lengths are close
    // enough to be within the budget (two 500 KB names would take minutes).
    const comparable = Math.abs(name.length - word.length) <= budget && word.length <= MAX_SUGGESTED_LENGTH && name.length <= MAX_SUGGESTED_LENGTH;
    const d = comparable ? editDistance(word, name) : Number.POSITIVE_INFINITY;
    const l = name.toLowerCase();
    const related = lower.length >= 3 && (l.includes(lower) || lower.includes(l));
    if (d <= budget || related) scored.push({ name, score: related ? Math.min(d, budget) - 0.5 : d });
  }
  scored.sort((x, y) => x.score - y.score || x.name.localeCompare(y.name));
  // A clear winner stands alone: keep only candidates about as close as the best one.
  const best = scored[0]?.score ?? 0;
  return scored.filter((s) => s.score <= best + 1).slice(0, limit).map((s) => s.name);
}

/**
 * `text` for a message, cut to at most `max` UTF-16 units with `mark` when longer (the mark counts). The
 * cut never falls inside a surrogate pair: half of an emoji is no character, cannot be written as UTF-8,
 * and strict JSON decoders refuse it.
 */
export function clip(text: string, max: number, mark = "…"): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - mark.length);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}${mark}`;
}
