/**
 * One input through the whole pipeline, with every check the fuzzer makes:
 *
 *   parse → check(schema) → format → parse again → compilePredicate (codegen, closure) → evaluate both on
 *   random contacts → compileSql for every dialect (inlined, and with parameters and a fixed `now`)
 *   [→ pretty SQL for one dialect] [→ compileViews]
 *
 * Findings: a stage throwing anything but the documented `SegqlError`/`SqlCompileError` (`crash`); a
 * diagnostic whose span lies outside the text (`bad-span`); for texts without syntax errors, formatted text
 * that does not parse back to the same document modulo spans (`round-trip`) or formats differently a
 * second time (`not-idempotent`); codegen and closure predicates disagreeing on a contact
 * (`predicate-mismatch`); one call of a stage taking longer than the input's budget (`slow`). Hangs and
 * memory exhaustion are caught one level up (runner.ts), from the stage this module announces.
 */
import { check, type TypedSegment } from "../src/checker/index.js";
import { compileSql, compileViews, DIALECT_NAMES, SqlCompileError, type DialectName, type SqlForm } from "../src/compiler/sql/index.js";
import { compilePredicate, type EventRow, type Predicate } from "../src/compiler/predicate/index.js";
import { SegqlError, type Diagnostic } from "../src/diagnostics.js";
import { format } from "../src/parser/format.js";
import { parse, type ParseOptions } from "../src/parser/index.js";
import { MAX_NESTING_LIMIT, type Limits } from "../src/parser/limits.js";
import type { SegqlDocument } from "../src/parser/ast.js";
import { needsBackticks } from "../test/helpers/ast-arbitrary.js";
import { dataPool, schemaNamed, type SchemaName } from "./schemas.js";

/** The stages, in pipeline order. */
export const STAGES = [
  "generate", "parse", "check", "format", "reparse", "predicate-codegen", "predicate-closure", "predicate-eval", "sql", "sql-pretty", "views",
  "execute",
] as const;
/** A stage of the pipeline. */
export type Stage = (typeof STAGES)[number];

/** What went wrong. */
export const FINDING_KINDS = [
  "crash", "bad-span", "round-trip", "not-idempotent", "predicate-mismatch", "sql-error", "sql-mismatch", "slow", "timeout", "out-of-memory",
  "worker-error",
] as const;
/** A kind of finding. */
export type FindingKind = (typeof FINDING_KINDS)[number];

/** One failed check. */
export interface Failure {
  kind: FindingKind;
  stage: Stage;
  /** One line: the error or the broken law. */
  message: string;
  /** More: the top stack frames, the first difference, the contact. */
  detail: string;
  /**
   * What makes two failures the same bug: kind, stage, error class and message with numbers masked. The
   * shrinker keeps a reduction only while this stays the same.
   */
  signature: string;
}

/** What the pipeline needs of an input. */
export interface PipelineInput {
  index: number;
  text: string;
  schema: SchemaName;
  now: string;
  pretty: DialectName | null;
  /** The limits parse and check run with (default: the library's defaults). */
  limits?: LimitProfile;
}

/**
 * Limits are part of the API (`parse(text, { limits })`, `check(…, { limits })`), so some inputs run with
 * all of them raised as far as allowed (nesting at its maximum, the others far up: what a caller raising
 * them gets) and some with all at 1 (every refusal path).
 */
export const LIMIT_PROFILES = {
  default: undefined,
  raised: { nesting: MAX_NESTING_LIMIT, listValues: 100_000, segments: 100_000, referenceDepth: 100_000, maxInputBytes: 16_000_000 },
  tiny: { nesting: 1, listValues: 1, segments: 1, referenceDepth: 1, maxInputBytes: 64 },
} as const satisfies Record<string, Partial<Limits> | undefined>;
/** The name of a set of limits. */
export type LimitProfile = keyof typeof LIMIT_PROFILES;

/** Options of one pipeline run. */
export interface PipelineOptions {
  /** A call of a stage taking longer than this is a `slow` finding. */
  budgetMs: number;
  /** Called as each stage starts (the worker publishes it, so a hang is attributed to its stage). */
  onStage?: (stage: Stage) => void;
  /** Stop after this stage (the shrinker runs only as far as the failure it keeps). */
  until?: Stage;
}

/** The failures found and the time spent per stage. */
export interface PipelineResult {
  failures: Failure[];
  stageMs: Partial<Record<Stage, number>>;
  /** False when the text has syntax errors (undefined when parsing crashed). */
  syntaxOk?: boolean;
  /** The segments compiled (kept inside the worker for `--execute`; never sent between threads). */
  segments?: TypedSegment[];
}

/** Thrown inside the pipeline to stop at a crash; carries the failure. */
class Stop extends Error {}

/** Masks numbers and long quoted parts, so the same bug at another size has the same signature. */
export function normaliseMessage(message: string): string {
  return message
    .split("\n")[0]!
    .replace(/"(?:[^"\\]|\\.){0,200}"|'(?:[^'\\]|\\.){0,200}'/g, "…")
    .replace(/\d+(\.\d+)?/g, "N")
    .slice(0, 120);
}

/** The frames of a stack inside the repository (what locates the bug), at most `n`. */
export function stackTop(error: unknown, n = 4): string {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  const frames = stack.split("\n").filter((l) => /^\s+at /.test(l) && !l.includes("node:"));
  const ours = frames.filter((l) => !l.includes("node_modules"));
  // Inside a dependency only (Chevrotain's recovery, sql-formatter): show where in it.
  const shown = ours.length > 0 ? ours : frames;
  return shown
    .map((l) => l.trim().replace(/\(?(?:file:\/\/)?\/\S*?\/((?:src|fuzz|test)\/[^:)]+:\d+|node_modules\/[^:)]+:\d+)(?::\d+)?\)?/, "($1)"))
    .slice(0, n)
    .join("; ");
}

function errorName(e: unknown): string {
  return e instanceof Error ? e.name || e.constructor.name : typeof e;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function failure(kind: FindingKind, stage: Stage, message: string, detail: string, key: string): Failure {
  return { kind, stage, message, detail, signature: `${kind} | ${stage} | ${key}` };
}

/** Runs one input through every stage. What the code under test throws is a failure in the result, not a throw. */
export function runPipeline(input: PipelineInput, options: PipelineOptions): PipelineResult {
  const failures: Failure[] = [];
  const stageMs: Partial<Record<Stage, number>> = {};
  const result: PipelineResult = { failures, stageMs };
  const untilIndex = options.until ? STAGES.indexOf(options.until) : STAGES.length - 1;
  const reached = (stage: Stage) => STAGES.indexOf(stage) <= untilIndex;

  /** Runs one call of a stage: times it, reports it slow, turns an undocumented throw into a crash. */
  function run<T>(stage: Stage, f: () => T): T | undefined {
    options.onStage?.(stage);
    const started = performance.now();
    let value: T | undefined;
    try {
      value = f();
    } catch (e) {
      if (e instanceof Stop) throw e;
      if (!(e instanceof SegqlError || e instanceof SqlCompileError)) {
        const name = errorName(e);
        const message = errorMessage(e);
        failures.push(failure("crash", stage, `${name}: ${message.split("\n")[0]!.slice(0, 300)}`, stackTop(e), `${name}: ${normaliseMessage(message)}`));
        throw new Stop();
      }
      if (errorMessage(e).trim() === "") {
        failures.push(failure("crash", stage, `${errorName(e)} without a message`, stackTop(e), `${errorName(e)} without a message`));
      }
    } finally {
      const ms = performance.now() - started;
      stageMs[stage] = (stageMs[stage] ?? 0) + ms;
      if (ms > options.budgetMs) {
        const rate = input.text.length / 1024 / (ms / 1000);
        failures.push(failure("slow", stage, `one call took ${Math.round(ms)} ms (budget ${Math.round(options.budgetMs)} ms; ${rate < 10 ? rate.toFixed(1) : Math.round(rate)} KB/s of text)`, "", "slow"));
      }
    }
    return value;
  }

  try {
    const limits = LIMIT_PROFILES[input.limits ?? "default"];
    const options = limits ? { limits } : {};
    const parsed = run("parse", () => parse(input.text, options))!;
    result.syntaxOk = !parsed.diagnostics.some((d) => d.severity === "error");
    checkSpans(input.text, parsed.diagnostics, "parse", failures);
    if (!reached("check")) return result;
    const schema = schemaNamed(input.schema);
    const checked = run("check", () => check(parsed.document, schema, options))!;
    checkSpans(input.text, checked.diagnostics, "check", failures);

    if (reached("format") && result.syntaxOk) {
      roundTrip(parsed.document, WIDTHS[input.index % WIDTHS.length]!, options, run, failures, reached("reparse"));
    }
    // The segment under test of a segment file is the last; compile it and one other (all of them would
    // compile the same library segments for every input).
    const all = checked.segments;
    const segments = all.length <= 1 ? all : [all[input.index % (all.length - 1)]!, all[all.length - 1]!];
    if (reached("predicate-codegen")) for (const s of segments) comparePredicates(input, s, run, failures, reached("predicate-eval"));
    if (reached("sql")) for (const s of segments) compileEverywhere(input, s, run, failures, reached("sql-pretty"));
    if (reached("execute")) result.segments = segments;
    if (reached("views") && checked.segments.some((s) => s.name !== null)) {
      const dialect = DIALECT_NAMES[input.index % DIALECT_NAMES.length]!;
      run("views", () => compileViews(checked.segments, { dialect, pretty: false }));
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  return result;
}

type Runner = <T>(stage: Stage, f: () => T) => T | undefined;

/** Every diagnostic must point inside the text, at a real line and column, and say something. */
function checkSpans(text: string, diagnostics: Diagnostic[], stage: Stage, failures: Failure[]): void {
  for (const d of diagnostics) {
    const spans = [d.span, ...(d.fix?.edits.map((e) => e.span) ?? [])];
    for (const s of spans) {
      const ok = Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.start <= s.end && s.end <= text.length && s.line >= 1 && s.column >= 1;
      if (!ok) {
        failures.push(failure("bad-span", stage, `${d.code}: span ${s.start}..${s.end} (${s.line}:${s.column}) outside the text of ${text.length} characters`, d.message, d.code));
        return;
      }
    }
    if (d.message.trim() === "") {
      failures.push(failure("bad-span", stage, `${d.code}: empty message`, "", `${d.code} empty message`));
      return;
    }
  }
}

/** Line widths the formatter is tried at: mostly the default, sometimes narrow (more line breaking) or wide. */
const WIDTHS: readonly number[] = [80, 80, 80, 20, 40, 200, 80, 1];

/** format → parse → same document modulo spans, and format of that prints the same text. */
function roundTrip(document: SegqlDocument, width: number, options: ParseOptions, run: Runner, failures: Failure[], reparse: boolean): void {
  const w = width === 80 ? "" : ` (width ${width})`;
  const formatted = run("format", () => format(document, { width }))!;
  if (!reparse) return;
  // Canonical text may be longer than what was written (quotes, escapes, line breaks), so only the size
  // limit is lifted for the reparse; nesting, lists and segments must still fit the same limits.
  const reparseOptions = { limits: { ...options.limits, maxInputBytes: Number.MAX_SAFE_INTEGER } };
  const again = run("reparse", () => parse(formatted, reparseOptions))!;
  const errors = again.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    const e = errors[0]!;
    failures.push(failure("round-trip", "reparse", `the formatted text${w} does not parse: ${e.code} at ${e.span.line}:${e.span.column}: ${e.message}`, `formatted: ${excerpt(formatted)}`, `does not parse: ${e.code}`));
    return;
  }
  const diff = firstDifference(comparable(document), comparable(again.document), "");
  if (diff !== null) {
    failures.push(failure("round-trip", "reparse", `parse(format(text))${w} differs at ${diff.path}: ${diff.a} became ${diff.b}`, `formatted: ${excerpt(formatted)}`, `differs at ${diff.path.replace(/\[\d+\]/g, "").split(".").pop()}`));
    return;
  }
  const twice = run("format", () => format(again.document, { width }))!;
  if (twice !== formatted) {
    const at = commonPrefix(formatted, twice);
    failures.push(failure("not-idempotent", "format", `format(parse(format(text)))${w} differs from format(text) at offset ${at}`, `${excerpt(formatted.slice(at))} became ${excerpt(twice.slice(at))}`, "format twice differs"));
  }
}

/** What the round trip compares: segments, `bare`, and the comments' texts (the formatter trims their ends). */
function comparable(d: SegqlDocument): unknown {
  return { bare: d.bare, segments: d.segments, comments: d.comments.map((c) => c.text.trimEnd()).sort() };
}

/**
 * The keys the round trip compares: all but spans and, on a field reference (the one node with `quoted` and
 * no `kind`), `quoted` when the name needs no backticks, which the formatter drops (src/parser/ast.ts: equal
 * "up to spans and the backticks of field names that need none"). Whether a name needs them is decided by
 * the tests' own rule (test/helpers/ast-arbitrary.ts), not the formatter's.
 */
function keys(o: object): string[] {
  const r = o as Record<string, unknown>;
  const needless = "quoted" in r && !("kind" in r) && typeof r["name"] === "string" && !needsBackticks(r["name"]);
  return Object.keys(o).filter((k) => k !== "span" && k !== "nameSpan" && !(needless && k === "quoted"));
}

/** The first place two values differ, ignoring spans and needless backticks; null when equal (NaN equals NaN). */
export function firstDifference(a: unknown, b: unknown, path: string): { path: string; a: string; b: string } | null {
  if (a === b || (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b))) return null;
  const show = (v: unknown) => {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 60 ? `${s.slice(0, 60)}…` : s;
  };
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return { path: path || "(root)", a: show(a), b: show(b) };
  }
  const stack: [unknown, unknown, string][] = [[a, b, path]];
  // Iterative, so a deep document does not overflow the fuzzer's own stack.
  while (stack.length > 0) {
    const [x, y, p] = stack.pop()!;
    if (x === y || (typeof x === "number" && typeof y === "number" && Number.isNaN(x) && Number.isNaN(y))) continue;
    if (typeof x !== "object" || typeof y !== "object" || x === null || y === null || Array.isArray(x) !== Array.isArray(y)) {
      return { path: p || "(root)", a: show(x), b: show(y) };
    }
    const kx = keys(x);
    const ky = keys(y);
    const all = [...new Set([...kx, ...ky])];
    for (let i = all.length - 1; i >= 0; i--) {
      const k = all[i]!;
      const child = Array.isArray(x) ? `${p}[${k}]` : p ? `${p}.${k}` : k;
      stack.push([(x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], child]);
    }
  }
  return null;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** A short, printable excerpt of a text. */
export function excerpt(text: string, max = 160): string {
  const s = JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
  return `${s}${text.length > max ? ` (${text.length} chars)` : ""}`;
}

/** Codegen and closure predicates must agree on every contact of the pool. */
function comparePredicates(input: PipelineInput, segment: TypedSegment, run: Runner, failures: Failure[], evaluate: boolean): void {
  const codegen = run("predicate-codegen", () => compilePredicate(segment, { mode: "codegen", now: input.now }));
  const closure = run("predicate-closure", () => compilePredicate(segment, { mode: "closure", now: input.now }));
  if (!codegen || !closure || !evaluate) return;
  const pool = dataPool(input.schema, input.now);
  run("predicate-eval", () => {
    for (let i = 0; i < pool.contacts.length; i++) {
      const contact = pool.contacts[i]!;
      const events = pool.events[i] as EventRow[];
      const a = evaluateOne(codegen, contact, events);
      const b = evaluateOne(closure, contact, events);
      if (a !== b) {
        failures.push(failure("predicate-mismatch", "predicate-eval", `contact ${i}: codegen gives ${a}, closure gives ${b}`,
          excerpt(describeData({ contact, events }), 600), "codegen and closure disagree"));
        return;
      }
    }
  });
}

/** Data as text, whatever it holds (BigInt, Symbol, invalid Date, NaN): JSON.stringify would throw or lie. */
function describeData(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (typeof v === "symbol") return v.toString();
    if (typeof v === "number" && !Number.isFinite(v)) return String(v);
    if (Object.is(v, -0)) return "-0";
    return v;
  });
}

/** A predicate's answer, or the error it threw (a throw in one mode only is a mismatch too). */
function evaluateOne(p: Predicate, contact: Record<string, unknown>, events: readonly EventRow[]): string {
  const r = p(contact, events);
  return typeof r === "boolean" ? String(r) : `a non-boolean ${JSON.stringify(r)}`;
}

const FORMS: readonly SqlForm[] = ["select", "where", "count"];

/** compileSql for every dialect, inlined and with parameters and `now`; pretty for one dialect sometimes. */
function compileEverywhere(input: PipelineInput, segment: TypedSegment, run: Runner, failures: Failure[], pretty: boolean): void {
  const form = FORMS[input.index % FORMS.length]!;
  for (const dialect of DIALECT_NAMES) {
    for (const params of [false, true]) {
      const out = run("sql", () => compileSql(segment, { dialect, form, pretty: false, params, ...(params ? { now: input.now } : {}) }));
      if (out !== undefined && (typeof out.sql !== "string" || out.sql.trim() === "")) {
        failures.push(failure("crash", "sql", `compileSql returned no SQL for ${dialect}`, "", "no SQL"));
      }
    }
  }
  if (pretty && input.pretty) run("sql-pretty", () => compileSql(segment, { dialect: input.pretty!, form }));
}
