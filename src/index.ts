/**
 * segql's public API.
 *
 *   text ──tokenize/parse──▶ AST ──check(schema)──▶ typed AST ──┬─▶ compileSql(dialect)   → SQL
 *        (src/parser)            (src/checker)                  ├─▶ compilePredicate(now) → (contact) => boolean
 *                                                               └─▶ analysis: warnings, relate, diff (src/analysis)
 *
 * Data flows one way: no stage imports a later one. `analyze` runs the front end and returns everything
 * an editor needs; `checkExpression` / `checkDocument` are for pipelines and throw `SegqlError` on errors.
 */
import { check, type CheckOptions } from "./checker/index.js";
import type { TypedQuery, TypedSegment } from "./checker/typed-ast.js";
import { closest, error, SegqlError, type Diagnostic, type Span } from "./diagnostics.js";
import { parse, type ParseResult } from "./parser/index.js";
import { shownDiagnostics } from "./parser/recovered.js";
import { analysisWarnings, type AnalysisOptions } from "./analysis/index.js";
import type { Schema } from "./schema/schema.js";

export { format, formatExpr, DEFAULT_WIDTH, type FormatOptions } from "./parser/format.js";

export * from "./diagnostics.js";
export * from "./parser/index.js";
export * from "./checker/index.js";
export * from "./schema/schema.js";
export { readSchemaFile } from "./schema/read-schema-file.js";
export { supportedZones, timeZone, TimeZoneError, type TimeZone } from "./checker/zone.js";
export {
  compilePredicate,
  compilePredicateClosure,
  compilePredicateCodegen,
  groupEvents,
  predicateSource,
  type Contact,
  type EventRow,
  type Predicate,
  type PredicateOptions,
} from "./compiler/predicate/index.js";
export {
  conditionLabel,
  explain,
  subConditions,
  type ExplainNode,
  type ExplainOptions,
  type Explanation,
  type SubCondition,
} from "./compiler/predicate/explain.js";
export {
  compileSql,
  compileViews,
  DIALECT_NAMES,
  DIALECTS,
  SqlCompileError,
  viewName,
  type CompiledSql,
  type CompiledView,
  type CompileSqlOptions,
  type CompileViewsOptions,
  type Dialect,
  type DialectName,
  type SqlForm,
} from "./compiler/sql/index.js";

export {
  analysisWarnings,
  diffSegments,
  relate,
  type AnalysisOptions,
  type DiffOptions,
  type DiffSide,
  type RelateOptions,
  type RelateResult,
  type RelateWitness,
  type Relation,
  type SegmentDiff,
  type Witness,
} from "./analysis/index.js";

/** Options of `analyze`: the checker's, plus the static analysis (on by default). */
export interface AnalyzeOptions extends CheckOptions {
  /**
   * The static analysis's warnings (`never-matches`, `always-true`, `redundant`) after the checker's
   * diagnostics: `true` (default), `false` to skip it, or its options.
   */
  analysis?: boolean | Omit<AnalysisOptions, "text">;
}

/** Everything the front end knows about a text. */
export interface Analysis extends ParseResult {
  /** The segments free of errors, typed (empty without a schema). */
  segments: TypedSegment[];
  /** Parser and checker diagnostics and the static analysis's warnings, in source order. */
  diagnostics: Diagnostic[];
}

/**
 * Parses and checks a text (a bare expression or a segment file). Never throws on any text; `options.limits`
 * overrides the default limits (`LIMITS`: input size, nesting, lists, segments, reference chains).
 */
export function analyze(text: string, schema: Schema | null, options: AnalyzeOptions = {}): Analysis {
  const parsed = parse(text, options);
  const checked = check(parsed.document, schema, options);
  const extra = options.analysis === false ? [] : analysisWarnings(checked.segments, { ...(options.analysis === true ? {} : options.analysis), text });
  // A checker diagnostic that only echoes a syntax error is left out, as every command leaves it out.
  const diagnostics = [...shownDiagnostics(parsed, checked.diagnostics), ...extra].sort((a, b) => a.span.start - b.span.start);
  return { ...parsed, segments: checked.segments, diagnostics };
}

/** Parses and checks every segment of a text; throws `SegqlError` when anything is wrong. */
export function checkDocument(text: string, schema: Schema, options: CheckOptions = {}): TypedSegment[] {
  const analysis = analyze(text, schema, { ...options, analysis: false });
  if (analysis.diagnostics.some((d) => d.severity === "error")) throw new SegqlError(analysis.diagnostics, text);
  return analysis.segments;
}

/**
 * Parses and checks one condition (a bare expression, or a file with one segment, or `segment` picks one
 * by name); throws `SegqlError` when anything is wrong.
 */
export function checkExpression(text: string, schema: Schema, options: CheckOptions & { segment?: string } = {}): TypedSegment {
  const segments = checkDocument(text, schema, options);
  // The whole text is where the problem is: the segment asked for is not in it, or it holds several.
  const whole: Span = { start: 0, end: text.length, line: 1, column: 1 };
  if (options.segment !== undefined) {
    const found = segments.find((s) => s.name === options.segment);
    if (found) return found;
    const names = segments.flatMap((s) => (s.name === null ? [] : [s.name]));
    const near = closest(options.segment, names);
    const hint = near.length > 0 ? `; did you mean "${near[0]}"?` : names.length > 0 ? ` (defined: ${names.map((n) => `"${n}"`).join(", ")})` : "";
    throw new SegqlError([error("unknown-segment", whole, `no segment named "${options.segment}"${hint}`)], text);
  }
  if (segments.length !== 1) {
    throw new SegqlError([error("several-segments", whole, `expected one condition, found ${segments.length} segments; pick one by name`)], text);
  }
  return segments[0]!;
}

export type { TypedQuery };
