/**
 * Static analysis of checked conditions: a stage after the checker that reads the typed AST and reasons
 * about the rules themselves, whatever the data.
 *
 *   typed AST ──buildRegions──▶ bit masks over each field's regions ──RegionOracle──────────────┬─▶ warnings
 *   typed AST ──Formulas──▶ formulas over atoms ──Reasoner (exact sets; search within a budget)──┤  (what the
 *                                                                                             │  regions do
 *                                                                                             │  not model)
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
import { forEachTyped, type TypedExpr, type TypedSegment } from "../checker/typed-ast.js";
import { zoneOf, type TimeZone } from "../checker/zone.js";
import type { Schema } from "../schema/schema.js";
import { Formulas, type Node } from "./formula.js";
import { analysisMessages } from "./messages.js";
import { ReasonerOracle } from "./oracle.js";
import { PerSchemaAndZone } from "./per-schema.js";
import { buildRegions, RegionsGaveUp, type RegionOracle } from "./regions.js";
import { Reasoner } from "./reasoner.js";
import { conditionWarnings, sortBySpan, type WarningOptions } from "./warnings.js";
import { leafCount, MAX_ANALYSED_RULES } from "./size.js";
import { provablyWarningFree } from "./warning-free.js";

export { MAX_ANALYSED_RULES, MAX_RELATED_RULES } from "./size.js";
export { relate, RELATE_STEPS, type RelateOptions, type RelateResult, type RelateWitness, type Relation } from "./relate.js";
export type { Witness } from "./witness.js";
export { diffSegments, type DiffOptions, type SegmentDiff, type DiffSide } from "./diff.js";
/** A node's span grown to its parentheses as written (spans run from a node's first token to its last). */
export { extent as writtenExtent } from "./edits.js";

/** Reasoning steps (search decisions) allowed per segment by default. */
export const DEFAULT_STEPS = 1_000;

/** Options of `analysisWarnings`. */
export interface AnalysisOptions {
  /** The source text the segments' spans point into; needed for fixes that remove a part. */
  text?: string;
  /**
   * The document line of the text's first line (default 1): a message that cites a line (`this repeats …
   * (line 3)`) counts from it, for a host that analyses one piece of a larger document.
   */
  firstLine?: number;
  /** Reasoning steps allowed per segment (default `DEFAULT_STEPS`); past them, an `analysis-incomplete` note. */
  steps?: number;
  /** The evaluation time zone (default: the schema's `timeZone`, else UTC). */
  timeZone?: string;
  /**
   * Keep what is decided about a schema's rules, and each condition's warnings, for later calls (default
   * false: start afresh and keep nothing). For a host that re-analyses much the same text again and again (a
   * language server as one types: unchanged declarations then cost a lookup by their text, from a text's
   * second analysis on; a text seen once is only noted). The reasoner's formulas are kept too, for the
   * conditions it walks: on texts that share little they outlive the young generation and the collector pays.
   */
  share?: boolean;
  /**
   * Search questions about parts of any size (default false: inside a condition, questions over more than
   * `MAX_SEARCH_ATOMS` rule occurrences are left undecided, so checking stays fast; whether the whole
   * condition can hold, or always holds, is searched whatever its size), and no condition is too large
   * (`MAX_ANALYSED_RULES`). Implies `share: false`.
   */
  thorough?: boolean;
  /**
   * Skip the walk for a condition proved to get no warning by a cheaper test (warning-free.ts; default
   * true). The warnings are the same either way; false always walks (the tests compare the two).
   */
  fastPath?: boolean;
  /**
   * Decide a condition's warnings by its regions (regions.ts: bit masks over finitely many value regions
   * per field) where they model it (default true); false: always by the reasoner's formulas (the tests
   * compare the two). `thorough` implies false.
   */
  regions?: boolean;
}

/**
 * The analysis warnings of checked segments (`never-matches`, `always-true`, `redundant`), in source order,
 * plus an `analysis-incomplete` note on a segment whose analysis ran out of steps. Never throws on a
 * checked segment; spans are the segments' own.
 */
export function analysisWarnings(segments: readonly TypedSegment[], options: AnalysisOptions = {}): Diagnostic[] {
  const schema = segments[0]?.schema;
  if (!schema) return [];
  const zone = zoneOf(options.timeZone ?? schema.timeZone);
  const keep = !options.thorough && options.share === true;
  // Made on first need: a text whose conditions all take the fast path builds no formula.
  let r: Reasoner | null = null;
  const reasoner = (): Reasoner => {
    if (r) return r;
    r = options.thorough ? freshReasoner(zone, Infinity) : keep ? reasoners.get(schema, zone) : freshReasoner(zone);
    r.f.forgetTyped();
    return r;
  };
  const out: Diagnostic[] = [];
  const fast = options.fastPath !== false;
  const regions = options.regions !== false && !options.thorough;
  const walkOptions: WarningOptions = options.text !== undefined ? { text: options.text, firstLine: options.firstLine ?? 1 } : { firstLine: options.firstLine ?? 1 };
  const byText = keep && options.text !== undefined ? textCaches.get(schema, zone) : null;
  for (const s of segments) {
    // Kept: the same condition at the same place of the same text (and referring to the same segments)
    // has the same warnings; found without building its formula (what costs most in a language server
    // that re-analyses every declaration after each edit).
    // A text seen for the first time is not kept (a corpus of texts that never come back would pay for
    // keeping them); from its second analysis on, as in a language server after each edit, it is.
    const place = byText && byText.seenBefore(options.text!) ? placeKey(byText, s.expr, options, fast, regions) : null;
    const known = place !== null ? byText!.lookup(options.text!, place) : undefined;
    if (known) {
      byText!.meanings.set(s.expr, known.id);
      out.push(...known.warnings);
      continue;
    }
    // The regions decide most conditions faster than the fast path would clear them (it only clears
    // conditions without warnings, and costs time on all): it serves where the regions do not. They
    // count the rules as they number them and model none past MAX_ANALYSED_RULES, so the count below is
    // made only for the conditions they leave.
    const oracle = regions ? buildRegions(s.expr, schema, zone, options.text, s.parts) : null;
    const quick = oracle ? regionWarnings(s.expr, oracle, options, walkOptions) : null;
    // (a fresh list, the condition's own)
    const found: Diagnostic[] = quick ?? [];
    if (!quick) {
      if (!options.thorough && leafCount(s.expr, MAX_ANALYSED_RULES) > MAX_ANALYSED_RULES) {
        // Past it, a warning costs a question per part: the time would grow with the square of the size.
        out.push({ code: "analysis-incomplete", severity: "info", span: s.expr.span, message: analysisMessages.tooLarge(MAX_ANALYSED_RULES) });
        continue;
      }
      if (!(fast && provablyWarningFree(s.expr, schema, zone, options.text))) found.push(...expressionWarnings(s.expr, reasoner(), options, keep));
    }
    if (place !== null && !found.some((d) => d.code === "analysis-incomplete")) {
      byText!.meanings.set(s.expr, byText!.store(options.text!, place, found));
    }
    for (const d of found) out.push(d);
  }
  return sortBySpan(out);
}

/**
 * Warnings kept by text (with `share`): per source text, per place in it (the condition's start, the
 * options that change the answer, and the meanings of the segments it refers to), the warnings and an id
 * that stands for the condition's meaning, so that a condition referring to it can be keyed in turn.
 *
 * Why the text decides: the same text parses and checks to the same typed condition against the same
 * schema (the cache is per schema and zone), except for what its segment references mean, which is in the
 * key; the warnings' spans and fixes are offsets into the same text. So a hit gives what a fresh analysis
 * would (the formula-keyed cache in `expressionWarnings` compares the text too).
 */
class TextCache {
  /** Per text, its conditions' entries by place (null: the text was seen once, nothing kept yet). */
  private readonly texts = new Map<string, Map<string, { id: number; warnings: readonly Diagnostic[] }> | null>();
  /** The meaning id of conditions analysed (or found) here, by their typed node. */
  readonly meanings = new WeakMap<TypedExpr, number>();
  private nextId = 1;

  /** Whether `text` was analysed here before; if not, it is noted (and will be kept next time). */
  seenBefore(text: string): boolean {
    if (this.texts.has(text)) return true;
    // Bounded: texts of past versions are dropped all at once (each edit makes one more).
    if (this.texts.size >= MAX_KEPT_TEXTS) this.texts.clear();
    this.texts.set(text, null);
    return false;
  }

  lookup(text: string, place: string): { id: number; warnings: readonly Diagnostic[] } | undefined {
    return this.texts.get(text)?.get(place);
  }

  store(text: string, place: string, warnings: readonly Diagnostic[]): number {
    let byPlace = this.texts.get(text);
    if (!byPlace) {
      if (byPlace === undefined && this.texts.size >= MAX_KEPT_TEXTS) this.texts.clear();
      byPlace = new Map();
      this.texts.set(text, byPlace);
    }
    const id = this.nextId++;
    byPlace.set(place, { id, warnings: [...warnings] });
    return id;
  }
}

/** Source texts whose warnings a `TextCache` keeps. */
const MAX_KEPT_TEXTS = 500;

const textCaches = new PerSchemaAndZone(() => new TextCache());

/**
 * A condition's key within its text: its start, the options that change its warnings, and the meaning
 * ids of the segments it refers to; null when one of those was not analysed here (its meaning has no id).
 */
function placeKey(cache: TextCache, expr: TypedExpr, options: AnalysisOptions, fast: boolean, regions: boolean): string | null {
  let key: string | null = `${expr.span.start}|${options.firstLine ?? 1}|${options.steps ?? ""}|${fast ? 1 : 0}${regions ? 1 : 0}`;
  forEachTyped(expr, (e) => {
    if (e.kind !== "segment" || key === null) return;
    const id = cache.meanings.get(e.expr);
    key = id === undefined ? null : `${key}|${id}`;
  });
  return key;
}

/**
 * The warnings of one condition by its regions (regions.ts), or null when they give up: the reasoner
 * decides then.
 */
function regionWarnings(expr: TypedExpr, oracle: RegionOracle, options: AnalysisOptions, walkOptions: WarningOptions): Diagnostic[] | null {
  if (oracle.readOnce) return [];
  if (options.steps !== undefined) oracle.limit = options.steps;
  try {
    return conditionWarnings(expr, oracle, walkOptions);
  } catch (e) {
    if (e instanceof RegionsGaveUp) return null;
    throw e;
  }
}

/**
 * Reasoners kept per schema and zone, so the atoms of a schema and what is known about them are shared by
 * the analyses of many texts (a language server re-analysing as one types, a file of many segments): a
 * formula is a pure function of its atoms, so what is decided about it stays true. A reasoner is replaced
 * once it holds 50,000 nodes, which bounds the memory (and the garbage collector's work).
 */

/**
 * Warnings search only formulas of at most this many atom occurrences: the rest is left undecided, so
 * checking a file stays fast (0: no search at all; exact sets and conjunctions of rules decide what they
 * can). `thorough` and `relate`/`diff` have no such cap.
 */
export const MAX_SEARCH_ATOMS = 12;

/** Nodes a kept reasoner may hold before it is replaced. */
const MAX_KEPT_NODES = 50_000;

const reasoners = new PerSchemaAndZone((zone) => freshReasoner(zone), (r) => r.f.size > MAX_KEPT_NODES);

function freshReasoner(zone: TimeZone, maxSearchAtoms = MAX_SEARCH_ATOMS): Reasoner {
  const r = new Reasoner(new Formulas({ zone }));
  r.maxSearchAtoms = maxSearchAtoms;
  return r;
}

/** Warnings already computed by a kept reasoner, by the condition's formula (see `expressionWarnings`). */
interface KeptWarnings {
  text: string | undefined;
  start: number;
  firstLine: number;
  limit: number;
  warnings: readonly Diagnostic[];
}

const keptWarnings = new WeakMap<Reasoner, Map<Node, KeptWarnings[]>>();

/**
 * The warnings of one typed condition, with a reasoner that may be shared across conditions. With a kept
 * reasoner, the warnings of a condition are kept too: the same formula (its meaning, with the segments it
 * refers to) at the same place of the same text gives the same warnings, so a language server re-checking
 * a document after an edit in one declaration walks only that one.
 */
function expressionWarnings(expr: TypedExpr, r: Reasoner, options: AnalysisOptions, keep: boolean): Diagnostic[] {
  const limit = options.steps ?? DEFAULT_STEPS;
  const firstLine = options.firstLine ?? 1;
  const root = r.f.fromTyped(expr);
  let byNode = keep ? keptWarnings.get(r) : undefined;
  if (keep && !byNode) {
    byNode = new Map();
    keptWarnings.set(r, byNode);
  }
  const same = (k: KeptWarnings) => k.text === options.text && k.start === expr.span.start && k.firstLine === firstLine && k.limit === limit;
  const known = byNode?.get(root)?.find(same);
  if (known) return [...known.warnings];
  r.budget.steps = 0;
  r.budget.limit = limit;
  r.budget.exceeded = false;
  r.decideRoot(root);
  // The walk's proofs are bounded by `maxSearchAtoms` (and the steps).
  const out = conditionWarnings(expr, new ReasonerOracle(r), { ...(options.text !== undefined ? { text: options.text } : {}), firstLine });
  if (r.budget.exceeded) out.push({ code: "analysis-incomplete", severity: "info", span: expr.span, message: analysisMessages.incomplete(limit) });
  else if (byNode) {
    const entry = { text: options.text, start: expr.span.start, firstLine, limit, warnings: [...out] };
    const list = byNode.get(root);
    if (list) list.push(entry);
    else byNode.set(root, [entry]);
  }
  return out;
}
