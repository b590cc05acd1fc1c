/**
 * The checker: AST → typed AST. Small `check*` functions per node kind report through `report`; each
 * returns the typed node, or null when it found an error (so one run reports every error, and only
 * error-free segments reach the compilers).
 *
 * Segments that refer to each other are checked in dependency order, found by an iterative depth-first
 * walk (thousands of chained segments, or a long cycle, cost no stack), so checking a reference never
 * recurses into another segment. That walk also bounds what every later stage recurses on: a chain of
 * references is at most `limits.referenceDepth` long, and a condition nests at most `limits.nesting`
 * levels counting the segments it refers to (as if written in place, one level deeper).
 */
import { closest, error, warning, type Diagnostic, type Fix, type Span } from "../diagnostics.js";
import type * as A from "../parser/ast.js";
import { forEachExpr } from "../parser/ast.js";
import { formatField, measureNesting, quoteString, type Nesting, type RefAt } from "../parser/format.js";
import { resolveLimits, type LimitOptions, type Limits } from "../parser/limits.js";
import { oneEditApart } from "../parser/keyword-fixes.js";
import { findField, findProperty, type EventsDef, type FieldDef, type FieldType, type Schema } from "../schema/schema.js";
import { messages } from "./messages.js";
import { declarationInputs, type DeclarationReuse } from "./reuse.js";
import { MAX_INSTANT, MIN_INSTANT, parseDate, parseTimestamp, spanFits } from "./time.js";
import { formatInZone, formatOffset, wallClockKind, zoneOf, type TimeZone } from "./zone.js";
import type * as TA from "./typed-ast.js";

/** Options of `check`. */
export interface CheckOptions extends LimitOptions {
  /** Segments defined elsewhere (other files of the project) that `in segment` may refer to. */
  catalog?: readonly A.SegmentDeclaration[];
  /**
   * The time zone the text will be evaluated in (default: the schema's `timeZone`): timestamps written
   * without an offset that a DST change skips or repeats there get a warning. An unknown name is ignored
   * here (the compilers refuse it).
   */
  timeZone?: string;
  /**
   * Results of earlier checks, taken for the declarations whose inputs did not change (reuse.ts): a
   * language server checking a large file again after an edit. The output is what a check without it gives.
   */
  reuse?: DeclarationReuse;
}

/** Typed segments (only those free of errors) and every diagnostic. */
export interface CheckResult {
  segments: TA.TypedSegment[];
  diagnostics: Diagnostic[];
}

/**
 * Checks a parsed document against a schema. With no schema, only what needs none is checked (segment
 * names and references), and no typed segments are produced.
 */
export function check(document: A.SegqlDocument, schema: Schema | null, options: CheckOptions = {}): CheckResult {
  const checker = new Checker(document, schema, options.catalog ?? [], resolveLimits(options.limits), zoneForWarnings(options.timeZone ?? schema?.timeZone), options.reuse ?? null);
  return checker.run();
}

/**
 * Where field names are looked up: the contact, or one event's properties. `shadowWarnings`: the fields of
 * the filter that come after its first condition (past an `and`/`or` the filter runs on), where a name that
 * is also a contact field is probably meant as the contact's.
 */
type Scope = { kind: "contact" } | { kind: "event"; events: EventsDef; name: string; shadowWarnings?: ReadonlySet<A.FieldRef> };

/** The scope of a segment's condition. */
const CONTACT: Scope = Object.freeze({ kind: "contact" });

interface SegmentEntry {
  declaration: A.SegmentDeclaration;
  /** Declared in the document being checked (errors are reported), or in the catalog. */
  local: boolean;
  /** In the dependency walk: not reached, on the walk's path, or finished. */
  walk: "new" | "open" | "closed";
  done: boolean;
  typed: TA.TypedExpr | null;
  /** Its condition's typed nodes in post-order (`TypedSegment.parts`). */
  parts: TA.TypedExpr[];
  /** Its nesting with the segments it refers to counted in place (see `LIMITS.nesting`). */
  depth: number;
  /** The longest chain of references starting here (0: refers to no segment). */
  chain: number;
  /** A reference in it (or below it) passes a limit; it was reported once, where it happens. */
  overLimit: boolean;
}

/** Contact fields found by name in a schema's fields, resolved (see `Checker.contactField`). */
const foundFields = new WeakMap<Record<string, FieldDef>, Map<string, TA.ResolvedField>>();

class Checker {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly segments = new Map<string, SegmentEntry>();
  /** References that close a cycle, with the cycle's names (first = last). */
  private readonly cycles = new Map<A.SegmentRefExpr, string[]>();
  /** Nesting of each declaration's condition, measured once. */
  private readonly nestings = new Map<A.SegmentDeclaration, Nesting>();
  /** How deep each reference of the declaration being checked is written. */
  private readonly refDepths = new Map<A.SegmentRefExpr, number>();
  /** While checking a catalog segment, its diagnostics are not the document's. */
  private muted = 0;
  /** This schema's entry of `foundFields`, looked up once. */
  private foundFields: Map<string, TA.ResolvedField> | undefined = undefined;
  /** The declaration being checked: its nesting and chain so far, and whether a reference passed a limit. */
  private current = { depth: 0, chain: 0, overLimit: false };
  /** The name of the segment whose condition is being checked (not a name to suggest for its own references). */
  private declaring: string | null = null;
  /** The typed nodes of the declaration checked last, in the order made (post-order: `TypedSegment.parts`). */
  private parts: TA.TypedExpr[] = [];
  /** Every segment name, in order, as one string (for `reuse`'s inputs; made when first needed). */
  private names: string | undefined = undefined;

  constructor(
    private readonly document: A.SegqlDocument,
    private readonly schema: Schema | null,
    catalog: readonly A.SegmentDeclaration[],
    private readonly limits: Limits,
    private readonly zone: TimeZone | null,
    private readonly reuse: DeclarationReuse | null = null,
  ) {
    for (const d of document.segments) {
      if (d.name === null) continue;
      const existing = this.segments.get(d.name);
      if (existing?.local) {
        this.report(error("duplicate-segment", d.nameSpan ?? d.span, messages.duplicateSegment(d.name, existing.declaration.span.line)));
        continue;
      }
      this.segments.set(d.name, entry(d, true));
    }
    for (const d of catalog) {
      if (d.name !== null && !this.segments.has(d.name)) this.segments.set(d.name, entry(d, false));
    }
  }

  run(): CheckResult {
    for (const e of this.dependencyOrder()) this.checkSegment(e);
    const typed: TA.TypedSegment[] = [];
    for (const d of this.document.segments) {
      const entry = d.name !== null ? this.segments.get(d.name) : undefined;
      const duplicate = entry !== undefined && entry.declaration !== d;
      const expr = entry && !duplicate ? this.checkSegment(entry) : this.checkDeclaration(d, true);
      const parts = entry && !duplicate ? entry.parts : this.parts;
      if (expr && this.schema && !duplicate) {
        typed.push({
          name: d.name,
          title: d.title?.value ?? null,
          description: d.description?.value ?? null,
          // The references measured with the nesting: those in event filters are errors, so a typed
          // segment has none there.
          references: this.segments.size === 0 ? [] : referenceNames(this.nesting(d).refs),
          schema: this.schema,
          expr,
          span: d.span,
          parts,
        });
      }
    }
    // Segments were checked in dependency order; report in text order.
    this.diagnostics.sort((a, b) => a.span.start - b.span.start);
    return { segments: typed, diagnostics: this.diagnostics };
  }

  private report(d: Diagnostic): void {
    if (this.muted === 0) this.diagnostics.push(d);
  }

  // ---- segments ----------------------------------------------------------------------------------

  /**
   * Every segment the document's declarations need, each after the segments it refers to: an iterative
   * depth-first walk over references (in text order, from the declarations in text order). A reference to
   * a segment still on the walk's path closes a cycle; it is recorded, with the cycle's names, in `cycles`.
   */
  private dependencyOrder(): SegmentEntry[] {
    // No named segment anywhere: no reference can resolve, so there is nothing to order.
    if (this.segments.size === 0) return [];
    const order: SegmentEntry[] = [];
    const path: { entry: SegmentEntry; refs: RefAt[]; next: number }[] = [];
    const open = (e: SegmentEntry) => {
      e.walk = "open";
      path.push({ entry: e, refs: this.nesting(e.declaration).refs, next: 0 });
    };
    const walkFrom = (root: SegmentEntry) => {
      if (root.walk !== "new") return;
      open(root);
      while (path.length > 0) {
        const top = path[path.length - 1]!;
        if (top.next === top.refs.length) {
          path.pop();
          top.entry.walk = "closed";
          order.push(top.entry);
          continue;
        }
        const ref = top.refs[top.next++]!.ref;
        const target = this.segments.get(ref.name);
        if (!target || target.walk === "closed") continue;
        if (target.walk === "open") {
          const from = path.findIndex((f) => f.entry === target);
          this.cycles.set(ref, [...path.slice(from).map((f) => f.entry.declaration.name!), ref.name]);
          continue;
        }
        open(target);
      }
    };
    for (const d of this.document.segments) {
      const own = d.name !== null ? this.segments.get(d.name) : undefined;
      if (own && own.declaration === d) walkFrom(own);
      else for (const r of this.nesting(d).refs) {
        const target = this.segments.get(r.ref.name);
        if (target) walkFrom(target);
      }
    }
    return order;
  }

  /** The nesting of a declaration's condition and its references, measured once (per condition, across checks). */
  private nesting(d: A.SegmentDeclaration): Nesting {
    let n = this.nestings.get(d);
    if (!n) {
      n = d.expr ? (measuredNestings.get(d.expr) ?? measureNesting(d.expr)) : { depth: 0, refs: [] };
      if (d.expr) measuredNestings.set(d.expr, n);
      this.nestings.set(d, n);
    }
    return n;
  }

  /** Checks a segment whose references are checked already (see `dependencyOrder`). */
  private checkSegment(entry: SegmentEntry): TA.TypedExpr | null {
    if (entry.done) return entry.typed;
    if (!entry.local) this.muted++;
    entry.typed = this.checkDeclaration(entry.declaration, entry.local);
    entry.parts = this.parts;
    if (!entry.local) this.muted--;
    entry.depth = this.current.depth;
    entry.chain = this.current.chain;
    entry.overLimit = this.current.overLimit;
    entry.done = true;
    return entry.typed;
  }

  /** `checkDeclarationExpr`, or what it gave before for the same inputs (`CheckOptions.reuse`). */
  private checkDeclaration(d: A.SegmentDeclaration, local: boolean): TA.TypedExpr | null {
    if (!this.reuse || !d.expr) return this.checkDeclarationExpr(d);
    const empty = this.segments.size === 0;
    const inputs = declarationInputs(
      d, local, [this.schema, this.zone?.name ?? null, this.limits.referenceDepth, this.limits.nesting, empty],
      empty ? [] : this.nesting(d).refs, (name) => this.segments.get(name), (ref) => this.cycles.get(ref),
      () => (this.names ??= [...this.segments.keys()].join("\u0000")),
    );
    const kept = this.reuse.get(d, inputs);
    if (kept) {
      this.parts = kept.parts;
      this.current = { depth: kept.depth, chain: kept.chain, overLimit: kept.overLimit };
      for (const x of kept.diagnostics) this.report(x);
      return kept.typed;
    }
    const from = this.diagnostics.length;
    const typed = this.checkDeclarationExpr(d);
    this.reuse.set(d, inputs, { typed, parts: this.parts, ...this.current, diagnostics: this.diagnostics.slice(from) });
    return typed;
  }

  private checkDeclarationExpr(d: A.SegmentDeclaration): TA.TypedExpr | null {
    this.parts = [];
    this.declaring = d.name;
    // Nesting counts only through references, and with no named segment none resolves (each is an
    // error): then the condition is not measured (the parser bounds its own nesting).
    if (this.segments.size === 0) {
      this.current = { depth: 0, chain: 0, overLimit: false };
      return d.expr ? this.checkExpr(d.expr, CONTACT) : null;
    }
    const nesting = this.nesting(d);
    this.current = { depth: nesting.depth, chain: 0, overLimit: false };
    if (!d.expr) return null;
    this.refDepths.clear();
    for (const r of nesting.refs) this.refDepths.set(r.ref, r.depth);
    return this.checkExpr(d.expr, CONTACT);
  }

  private checkSegmentRef(ref: A.SegmentRefExpr, scope: Scope): TA.TypedExpr | null {
    if (scope.kind === "event") {
      this.report(error("segment-in-filter", ref.span, messages.segmentInFilter()));
      return null;
    }
    const entry = this.segments.get(ref.name);
    if (!entry) {
      // Never the segment itself: reading itself is a cycle, not a fix.
      const suggestions = closest(ref.name, [...this.segments.keys()].filter((name) => name !== this.declaring));
      this.report(error("unknown-segment", ref.nameSpan, messages.unknownSegment(ref.name, suggestions),
        suggestions[0] !== undefined ? replaceWith(ref.nameSpan, quoteString(suggestions[0]), `use "${suggestions[0]}"`) : undefined));
      return null;
    }
    const cycle = this.cycles.get(ref);
    if (cycle || !entry.done) {
      this.report(error("segment-cycle", ref.nameSpan, messages.segmentCycle(cycle ?? [ref.name, ref.name])));
      return null;
    }
    if (!this.withinLimits(ref, entry)) return null;
    const typed = entry.typed;
    if (!typed) {
      // A local segment's own errors are reported at that segment; a catalog segment's are not, so say so here.
      if (!entry.local && this.schema) this.report(error("broken-segment", ref.nameSpan, messages.brokenSegment(ref.name)));
      return null;
    }
    return { kind: "segment", name: ref.name, expr: typed, span: ref.span };
  }

  /**
   * Counts a reference into the current declaration's chain and nesting; false (after reporting once, at
   * the reference that passes it) when a limit is passed. A segment below which a limit was passed is
   * broken for its referrers, silently: the one error says where.
   */
  private withinLimits(ref: A.SegmentRefExpr, target: SegmentEntry): boolean {
    const cur = this.current;
    if (target.overLimit) {
      cur.overLimit = true;
      if (!target.local) this.report(error("broken-segment", ref.nameSpan, messages.brokenSegment(ref.name)));
      return false;
    }
    const chain = target.chain + 1;
    if (chain > this.limits.referenceDepth) {
      cur.overLimit = true;
      this.report(error("references-too-deep", ref.nameSpan, messages.referencesTooDeep(ref.name, target.chain, this.limits.referenceDepth)));
      return false;
    }
    const at = this.refDepths.get(ref) ?? 0;
    const depth = at + 1 + target.depth;
    if (depth > this.limits.nesting) {
      cur.overLimit = true;
      this.report(error("too-deep", ref.nameSpan, messages.tooDeepThroughReference(ref.name, at + 1, target.depth, this.limits.nesting)));
      return false;
    }
    cur.chain = Math.max(cur.chain, chain);
    cur.depth = Math.max(cur.depth, depth);
    return true;
  }

  // ---- expressions -------------------------------------------------------------------------------

  /** Checks a condition; each typed node is added to `parts` as it is made (after its operands). */
  private checkExpr(e: A.Expr, scope: Scope): TA.TypedExpr | null {
    const typed = this.checkNode(e, scope);
    if (typed) this.parts.push(typed);
    return typed;
  }

  private checkNode(e: A.Expr, scope: Scope): TA.TypedExpr | null {
    switch (e.kind) {
      case "and":
      case "or": {
        // Every operand is checked (so every error is reported), in a loop rather than map/every.
        const operands: TA.TypedExpr[] = [];
        let ok = true;
        for (const o of e.operands) {
          const typed = this.checkExpr(o, scope);
          if (typed) operands.push(typed);
          else ok = false;
        }
        return ok ? { kind: e.kind, operands, span: e.span } : null;
      }
      case "not": {
        const operand = this.checkExpr(e.operand, scope);
        return operand ? { kind: "not", operand, span: e.span } : null;
      }
      case "rule":
        return this.checkRule(e, scope);
      case "event":
        return this.checkEvent(e, scope);
      case "segmentRef":
        return this.checkSegmentRef(e, scope);
    }
  }

  private checkRule(rule: A.RuleExpr, scope: Scope): TA.TypedRule | null {
    if (!this.schema) return null;
    // A misspelt keyword read as a field (`nto is_verified`): the syntax error and its fix say what it is.
    if (rule.recovered === "misspelt-keyword") return null;
    // A test recovery made up (`xyz ni ("Pro")` reads as the bare field) says nothing of the field's type.
    const field = this.resolveField(rule.field, scope, rule.recovered ? undefined : rule.test);
    if (!field) {
      // Still look at the values, so every error is reported at once.
      return null;
    }
    // A field with no operator after it (`plan_type si "Pro"`): the syntax error says an operator is expected.
    if (rule.recovered === "operator-expected") return null;
    const test = this.checkTest(field, rule.field.name, rule.test);
    return test ? { kind: "rule", field, test, span: rule.span } : null;
  }

  /**
   * A contact field by name (as `findField` finds it), resolved: from a cache of the names found in this
   * schema before, whose entries are frozen and shared by every typed rule on that field.
   */
  private contactField(name: string): TA.ResolvedField | undefined {
    const schema = this.schema!;
    let found = this.foundFields;
    if (!found) {
      found = foundFields.get(schema.fields);
      if (!found) foundFields.set(schema.fields, (found = new Map()));
      this.foundFields = found;
    }
    const hit = found.get(name);
    if (hit) return hit;
    const def = findField(schema, name);
    if (!def) return undefined;
    const field: TA.ResolvedField = Object.freeze({ name: def.name, type: def.type, column: def.column, source: "contact", def });
    // Only names that exist are kept, and a bounded number of spellings of them: the cache cannot grow
    // with what users type.
    if (found.size < 64 + 4 * Object.keys(schema.fields).length) found.set(name, field);
    return field;
  }

  /** `test`, when known, lets an unknown field's message name the fields that suit it. */
  private resolveField(ref: A.FieldRef, scope: Scope, test?: A.Test): TA.ResolvedField | null {
    const schema = this.schema!;
    if (scope.kind === "contact") {
      const field = this.contactField(ref.name);
      if (field) return field;
      const suggestions = closest(ref.name, Object.keys(schema.fields));
      this.report(error("unknown-field", ref.span, messages.unknownField(ref.name, suggestions, { fields: schema.fields, ...(test ? { test } : {}) }), fieldFix(ref.span, suggestions[0])));
      return null;
    }
    const def = findProperty(scope.events, ref.name);
    if (def) {
      if (scope.shadowWarnings && scope.shadowWarnings.has(ref) && findField(schema, ref.name)) {
        this.report(warning("filter-shadows-field", ref.span, messages.filterShadowsField(ref.name, scope.name)));
      }
      return { name: def.name, type: def.type, column: def.column, source: "event", def };
    }
    const suggestions = closest(ref.name, Object.keys(scope.events.properties));
    const isContactField = findField(schema, ref.name) !== undefined;
    this.report(error("unknown-property", ref.span, messages.unknownProperty(ref.name, scope.name, suggestions, isContactField),
      fieldFix(ref.span, suggestions[0])));
    return null;
  }

  // ---- tests -------------------------------------------------------------------------------------

  /** Checks a test against a field; `written` is the field as the user wrote it, for messages. */
  private checkTest(field: TA.ResolvedField, written: string, test: A.Test): TA.TypedTest | null {
    const type = field.type;
    switch (test.op) {
      case "truthy":
        if (type !== "boolean") {
          this.report(error("not-boolean", test.span, messages.notBoolean(written, type)));
          return null;
        }
        return { op: "eq", value: { kind: "boolean", value: true }, negated: false };
      case "compare": {
        const ordering = test.cmp !== "=" && test.cmp !== "!=";
        if (type === "list") return this.refuse(test, written, type, test.cmp, "single values; for lists use has, has any, has all or has none");
        if (ordering && !isOrdered(type)) return this.refuse(test, written, type, test.cmp, "number, date and timestamp fields");
        const v = this.checkValue(field, written, test.value);
        if (!v) return null;
        if (!ordering) return { op: "eq", value: v, negated: test.cmp === "!=" };
        const op = ({ "<": "lt", "<=": "le", ">": "gt", ">=": "ge" } as const)[test.cmp as "<" | "<=" | ">" | ">="];
        return { op, value: v, negated: false };
      }
      case "between": {
        if (!isOrdered(type)) return this.refuse(test, written, type, "between", "number, date and timestamp fields");
        const low = this.checkValue(field, written, test.low);
        const high = this.checkValue(field, written, test.high);
        return low && high ? { op: "between", low, high, negated: test.negated } : null;
      }
      case "in": {
        if (type !== "string" && type !== "enum" && type !== "number") return this.refuse(test, written, type, test.negated ? "not in" : "in", "string, enum and number fields");
        if (test.values.length === 0) {
          this.report(error("empty-list", test.span, messages.emptyList()));
          return null;
        }
        const values = this.checkValues(field, written, test.values);
        return values ? { op: "in", values, negated: test.negated } : null;
      }
      case "contains":
      case "startsWith":
      case "endsWith": {
        const spelled = { contains: "contains", startsWith: "starts with", endsWith: "ends with" }[test.op];
        if (type !== "string") return this.refuse(test, written, type, `${test.negated ? "not " : ""}${spelled}`, "string fields");
        const v = this.checkValue(field, written, test.value);
        return v && v.kind === "string" ? { op: test.op, value: v.value, negated: test.negated } : null;
      }
      case "empty":
        return { op: "present", negated: !test.negated };
      case "has": {
        if (type !== "list") return this.refuse(test, written, type, test.quantifier === "one" ? "has" : `has ${test.quantifier}`, "list fields");
        if (test.values.length === 0) {
          this.report(error("empty-list", test.span, messages.emptyList()));
          return null;
        }
        const values = this.checkValues(field, written, test.values);
        if (!values) return null;
        const strings = values.map((v) => (v as { value: string }).value);
        if (test.quantifier === "all") return { op: "hasAll", values: strings, negated: false };
        return { op: "hasAny", values: strings, negated: test.quantifier === "none" };
      }
      case "before":
      case "after": {
        if (!isTemporal(type)) return this.refuse(test, written, type, test.op, "date and timestamp fields");
        const v = this.checkValue(field, written, test.value);
        return v ? { op: test.op === "before" ? "lt" : "gt", value: v, negated: test.negated } : null;
      }
      case "within": {
        const direction = test.next ? "next" : "last";
        if (!isTemporal(type)) return this.refuse(test, written, type, `${test.negated ? "not " : ""}within ${direction}`, "date and timestamp fields");
        const amount = this.checkAmount(test.amount, test.unit);
        if (amount === null) return null;
        // within last: now − N ≤ t ≤ now; within next: now ≤ t ≤ now + N (a negative amount is the future).
        if (test.next) return { op: "between", low: { kind: "now" }, high: { kind: "relative", amount: future(amount), unit: test.unit }, negated: test.negated };
        return {
          op: "between",
          low: { kind: "relative", amount, unit: test.unit },
          high: { kind: "now" },
          negated: test.negated,
        };
      }
    }
  }

  private refuse(test: A.Test, written: string, type: FieldType, operator: string, takes: string): null {
    this.report(error("operator-type", test.span, messages.operatorType(operator, takes, written, type)));
    return null;
  }

  /** Every value of a list checked (each error reported); null when one is wrong. */
  private checkValues(field: TA.ResolvedField, written: string, values: readonly A.Value[]): TA.Literal[] | null {
    const out: TA.Literal[] = [];
    let ok = true;
    for (const v of values) {
      const typed = this.checkValue(field, written, v);
      if (typed) out.push(typed);
      else ok = false;
    }
    return ok ? out : null;
  }

  /** A whole number of `unit`s that fits in the span times hold (9,999 years), or null (reported). */
  private checkAmount(n: A.NumberValue, unit: A.TimeUnit): number | null {
    if (Number.isNaN(n.value)) return null; // missing; the parser reported it
    if (!Number.isInteger(n.value) || n.value < 0 || !Number.isSafeInteger(n.value)) {
      this.report(error("bad-amount", n.span, messages.badAmount(n.raw)));
      return null;
    }
    if (!spanFits(n.value, unit)) {
      this.report(error("bad-amount", n.span, messages.longerThanTimes(n.raw, unit)));
      return null;
    }
    return n.value;
  }

  // ---- values ------------------------------------------------------------------------------------

  private checkValue(field: TA.ResolvedField, written: string, v: A.Value): TA.Literal | null {
    const type = field.type;
    switch (v.kind) {
      case "missing":
        return null;
      case "bareword": {
        // `email = null`: segql has no null; a missing value is tested with `is empty`.
        if (!v.quoted && /^(null|nil|undefined)$/i.test(v.text)) {
          this.report(error("value-type", v.span, messages.nullValue(v.text, written)));
          return null;
        }
        if (type === "string" || type === "enum" || type === "list") {
          this.reportBareword(v, type === "enum" ? field.def.values ?? [] : undefined, (suggestions, all) =>
            messages.unquotedUnknownValue(v.text, written, suggestions, all));
          return null;
        }
        // A keyword value misspelt (`ture`, `tody`): said, with the fix, when one is one edit away.
        const meant = misspeltValueKeyword(v.text, type);
        if (meant) {
          this.report(error("value-type", v.span, messages.valueType(written, type, `the word ${v.text}`, messages.didYouMeanKeyword(meant)),
            replaceWith(v.span, meant, `replace with '${meant}'`)));
          return null;
        }
        if (type === "boolean") return this.mismatch(v, written, type, `the word ${v.text}`, ": write true or false");
        return this.mismatch(v, written, type, `the word ${v.text}`);
      }
      case "string": {
        if (type === "string" || type === "list") return { kind: "string", value: v.value };
        if (type === "enum") {
          const values = field.def.values ?? [];
          if (values.includes(v.value)) return { kind: "string", value: v.value };
          const suggestions = closest(v.value, values);
          this.report(error("unknown-value", v.span, messages.unknownValue(v.value, written, suggestions, values),
            suggestions[0] !== undefined ? replaceWith(v.span, quoteString(suggestions[0]), `use "${suggestions[0]}"`) : undefined));
          return null;
        }
        if (type === "number" && /^-?\d+(\.\d+)?$/.test(v.value.trim())) return this.mismatch(v, written, type, `the text "${v.value}"`, `: write ${v.value.trim()} without quotes`);
        if (type === "boolean" && /^(true|false)$/i.test(v.value)) return this.mismatch(v, written, type, `the text "${v.value}"`, `: write ${v.value.toLowerCase()} without quotes`);
        if (isTemporal(type) && /^\d{4}-\d{2}-\d{2}/.test(v.value)) return this.mismatch(v, written, type, `the text "${v.value}"`, `: write ${v.value} without quotes`);
        return this.mismatch(v, written, type, `the text "${v.value}"`);
      }
      case "number": {
        if (type !== "number") return this.mismatch(v, written, type, `the number ${v.raw}`);
        if (!Number.isFinite(v.value)) {
          this.report(error("bad-number", v.span, messages.badNumber(v.raw)));
          return null;
        }
        // Every engine compares doubles: a literal past their precision means another number than written.
        // A numeral of at most 15 characters and no exponent has at most 15 digits, which a double always
        // holds as written: the usual literal is not formatted and compared on this hot path.
        const plain = v.raw.length <= 15 && v.raw.indexOf("e") < 0 && v.raw.indexOf("E") < 0;
        const read = plain ? v.raw : String(v.value === 0 ? 0 : v.value);
        if (!plain && !sameDecimal(v.raw, read)) this.report(warning("inexact-number", v.span, messages.inexactNumber(v.raw, read), replaceWith(v.span, read, `write ${read}, the number it is read as`)));
        return { kind: "number", value: v.value === 0 ? 0 : v.value };
      }
      case "boolean":
        return type === "boolean" ? { kind: "boolean", value: v.value } : this.mismatch(v, written, type, String(v.value));
      case "date": {
        if (!isTemporal(type)) return this.mismatch(v, written, type, `the date ${v.text}`);
        const ms = parseDate(v.text);
        if (ms === null) {
          this.report(error("bad-date", v.span, messages.badDate(v.text)));
          return null;
        }
        if (ms < MIN_INSTANT || ms > MAX_INSTANT) {
          this.report(error("bad-date", v.span, messages.outsideYears(v.text)));
          return null;
        }
        return { kind: "instant", ms, date: v.text, local: true };
      }
      case "timestamp": {
        if (!isTemporal(type)) return this.mismatch(v, written, type, `the timestamp ${v.text}`);
        const parsed = parseTimestamp(v.text);
        if ("reason" in parsed) {
          this.report(error("bad-timestamp", v.span, messages.badTimestamp(v.text, parsed.reason)));
          return null;
        }
        if (parsed.ms < MIN_INSTANT || parsed.ms > MAX_INSTANT) {
          // An offset can move a time written in year 1 or 9999 out of them: said with the instant in UTC.
          const utc = new Date(parsed.ms).toISOString();
          this.report(error("bad-timestamp", v.span, messages.outsideYears(utc.slice(0, 4) === v.text.slice(0, 4) ? v.text : `${v.text} (${utc} in UTC)`)));
          return null;
        }
        if (parsed.local && this.zone) this.checkLocalTime(v.text, v.span, parsed.ms, this.zone);
        return parsed.local ? { kind: "instant", ms: parsed.ms, local: true } : { kind: "instant", ms: parsed.ms };
      }
      case "relative": {
        if (!isTemporal(type)) {
          const units = `${v.amount.raw} ${v.unit}s`;
          return this.mismatch(v, written, type, `the time ${v.future === "in" ? `in ${units}` : v.future === "fromNow" ? `${units} from now` : `${units} ago`}`);
        }
        const amount = this.checkAmount(v.amount, v.unit);
        if (amount === null) return null;
        return { kind: "relative", amount: v.future ? future(amount) : amount, unit: v.unit };
      }
      case "now":
      case "today":
        return isTemporal(type) ? { kind: v.kind } : this.mismatch(v, written, type, `'${v.kind}'`);
    }
  }

  private mismatch(v: A.Value, written: string, type: FieldType, found: string, hint = ""): null {
    this.report(error("value-type", v.span, messages.valueType(written, type, found, hint)));
    return null;
  }

  /**
   * A timestamp written without an offset is wall-clock time in the zone: warns when a DST change skips it
   * (it is read as the time after the change) or repeats it (it is read as the later one; the fix writes
   * the earlier one's offset, the message says which it is).
   */
  private checkLocalTime(text: string, span: Span, wall: number, zone: TimeZone): void {
    const kind = wallClockKind(wall, zone);
    if (kind.kind === "skipped") {
      const readAs = formatInZone(kind.instant, zone);
      const minutes = Math.round(kind.gap / 60_000);
      const gap = minutes % 60 === 0 ? `${minutes / 60} hour${minutes === 60 ? "" : "s"}` : `${minutes} minutes`;
      this.report(warning("skipped-local-time", span, messages.skippedLocalTime(text, zone.name, gap, readAs.slice(11, 16), new Date(kind.instant).toISOString())));
    } else if (kind.kind === "repeated") {
      const withOffset = (instant: number) => `${text}${formatOffset(zone.offsetAt(instant))}`;
      this.report(warning("repeated-local-time", span, messages.repeatedLocalTime(text, zone.name, withOffset(kind.instant), withOffset(kind.earlier)),
        replaceWith(span, withOffset(kind.instant), `write the offset of the later one (${withOffset(kind.instant)})`)));
    }
  }

  // ---- events ------------------------------------------------------------------------------------

  private checkEvent(e: A.EventExpr, scope: Scope): TA.TypedEvent | null {
    if (scope.kind === "event") {
      this.report(error("nested-event", e.span, messages.nestedEvent()));
      return null;
    }
    if (!this.schema) return null;
    const events = this.schema.events;
    if (!events) {
      this.report(error("no-events", e.span, messages.noEvents()));
      return null;
    }
    const name = this.checkEventName(e.name, events);
    const eventScope: Scope = { kind: "event", events, name: name ?? "?" };
    const filterScope: Scope = e.filter ? { ...eventScope, shadowWarnings: fieldsAfterFirstCondition(e) } : eventScope;
    const measure = this.checkMeasure(e.measure, events, eventScope);
    const window = this.checkWindow(e.window);
    const filter = e.filter ? this.checkExpr(e.filter, filterScope) : null;
    if (name === null || measure === null || window === undefined || (e.filter && !filter)) return null;
    return { kind: "event", name, window, filter, measure, span: e.span };
  }

  /**
   * A bare word where a quoted value belongs. With known values: the known one it spells (any case) in
   * quotes, else the closest known one, since quoting alone would leave an unknown value.
   */
  private reportBareword(v: A.Value & { kind: "bareword" }, known: readonly string[] | undefined, unknown: (suggestions: string[], all: string[]) => string): void {
    const exact = known?.find((x) => x.toLowerCase() === v.text.toLowerCase());
    if (known && exact === undefined) {
      const suggestions = closest(v.text, known);
      this.report(error("unquoted-value", v.span, unknown(suggestions, [...known]),
        suggestions[0] !== undefined ? replaceWith(v.span, quoteString(suggestions[0]), `use "${suggestions[0]}"`) : undefined));
      return;
    }
    const quoted = quoteString(exact ?? v.text);
    this.report(error("unquoted-value", v.span, messages.unquotedValue(exact ?? v.text), replaceWith(v.span, quoted, `put ${quoted} in quotes`)));
  }

  private checkEventName(v: A.Value, events: EventsDef): string | null {
    if (v.kind === "missing") return null;
    if (v.kind === "bareword") {
      this.reportBareword(v, events.names, (suggestions, all) => messages.unquotedUnknownEvent(v.text, suggestions, all));
      return null;
    }
    if (v.kind !== "string") {
      this.report(error("value-type", v.span, messages.eventNameNotString(describeValue(v))));
      return null;
    }
    if (events.names && !events.names.includes(v.value)) {
      const suggestions = closest(v.value, events.names);
      this.report(error("unknown-event", v.span, messages.unknownEvent(v.value, suggestions, events.names),
        suggestions[0] !== undefined ? replaceWith(v.span, quoteString(suggestions[0]), `use "${suggestions[0]}"`) : undefined));
      return null;
    }
    return v.value;
  }

  private checkMeasure(m: A.Measure | null, events: EventsDef, scope: Scope): TA.TypedMeasure | null {
    if (!m) return { kind: "count", cmp: ">=", count: 1 };
    switch (m.kind) {
      case "count": {
        const n = m.count.value;
        if (!Number.isSafeInteger(n) || n < 0) {
          this.report(error("bad-amount", m.count.span, messages.badCount(m.count.raw)));
          return null;
        }
        if (n === 0 && m.cmp === ">=") {
          this.report(warning("always-true", m.span, messages.atLeastZero(scope.kind === "event" ? scope.name : "?"),
            replaceWith(m.span, "at least 1 time", "require at least one event (at least 1 time)")));
        }
        return { kind: "count", cmp: m.cmp, count: n };
      }
      case "aggregate": {
        const property = this.resolveField(m.property, scope);
        if (!property) return null;
        if (property.type !== "number") {
          const fn = { sum: "sum", avg: "average", min: "min", max: "max" }[m.fn];
          this.report(error("operator-type", m.property.span, messages.aggregateNotNumber(fn, m.property.name, property.type)));
          return null;
        }
        const test = this.checkPositive(property, `${m.fn} of ${m.property.name}`, m.test);
        return test ? { kind: "aggregate", fn: m.fn, property, test } : null;
      }
      case "first":
      case "last": {
        const time: FieldDef = { name: `${m.kind} time`, type: "timestamp", column: events.time };
        const field: TA.ResolvedField = { name: time.name, type: "timestamp", column: events.time, source: "event", def: time };
        const test = this.checkPositive(field, `${m.kind} time`, m.test);
        return test ? { kind: m.kind, test } : null;
      }
    }
  }

  /** A test on an aggregate: only positive forms, since an aggregate over no events is empty. */
  private checkPositive(field: TA.ResolvedField, written: string, test: A.Test): TA.PositiveTest | null {
    if (test.op === "empty" || ("negated" in test && test.negated) || (test.op === "compare" && test.cmp === "!=") ||
      (test.op === "has" && test.quantifier === "none")) {
      this.report(error("negative-aggregate", test.span, messages.negativeAggregate(written)));
      return null;
    }
    const typed = this.checkTest(field, written, test);
    if (!typed) return null;
    const { negated: _negated, ...positive } = typed;
    return positive as TA.PositiveTest;
  }

  /** The window as typed bounds; `null` for none, `undefined` on error. */
  private checkWindow(w: A.Window | null): { low: TA.TimeValue; high: TA.TimeValue } | null | undefined {
    if (!w) return null;
    if (w.kind === "within") {
      if (w.next) {
        // Events are recorded when they happen: a window ahead of now would hold none.
        const form = `within next ${w.amount.raw} ${w.unit}${w.amount.raw === "1" ? "" : "s"}`;
        this.report(error("future-event", w.span, messages.futureEvent(form)));
        return undefined;
      }
      const amount = this.checkAmount(w.amount, w.unit);
      return amount === null ? undefined : { low: { kind: "relative", amount, unit: w.unit }, high: { kind: "now" } };
    }
    const def: FieldDef = { name: "the event time", type: "timestamp", column: "" };
    const field: TA.ResolvedField = { name: def.name, type: "timestamp", column: "", source: "event", def };
    const low = this.checkValue(field, "the event time", w.low);
    const high = this.checkValue(field, "the event time", w.high);
    return low && high ? { low: low as TA.TimeValue, high: high as TA.TimeValue } : undefined;
  }
}

/** The zone for the DST warnings, or none (UTC has no DST; an unknown name is the compilers' to refuse). */
function zoneForWarnings(name: string | undefined): TimeZone | null {
  if (name === undefined) return null;
  try {
    const zone = zoneOf(name);
    return zone.utc ? null : zone;
  } catch {
    return null;
  }
}

/** Each condition's nesting, kept while its tree is (a language server checks the same trees again after each edit). */
const measuredNestings = new WeakMap<A.Expr, Nesting>();

/** A segment entry's parts before it is checked. */
const NO_PARTS: TA.TypedExpr[] = [];

function entry(declaration: A.SegmentDeclaration, local: boolean): SegmentEntry {
  return { declaration, local, walk: "new", done: false, typed: null, parts: NO_PARTS, depth: 0, chain: 0, overLimit: false };
}

/**
 * The fields of an event's `where` filter that come after its first condition, when the filter is not in
 * parentheses of its own: there a reader may take `… and country = "FR"` for a rule on the contact.
 */
function fieldsAfterFirstCondition(e: A.EventExpr): Set<A.FieldRef> {
  const out = new Set<A.FieldRef>();
  const filter = e.filter;
  // `where (…)`: the event's text ends after the filter's closing parenthesis, so the filter was bounded.
  if (!filter || (filter.kind !== "and" && filter.kind !== "or") || e.span.end > filter.span.end) return out;
  for (const operand of filter.operands.slice(1)) {
    forEachExpr(operand, (x) => {
      if (x.kind === "rule") out.add(x.field);
    });
  }
  return out;
}

/** A relative time `in N units` as `relative` takes it: now − (−N) units (never −0). */
function future(amount: number): number {
  return amount === 0 ? 0 : -amount;
}

function isOrdered(type: FieldType): boolean {
  return type === "number" || type === "date" || type === "timestamp";
}

function isTemporal(type: FieldType): boolean {
  return type === "date" || type === "timestamp";
}

function describeValue(v: A.Value): string {
  switch (v.kind) {
    case "number": return `the number ${v.raw}`;
    case "boolean": return String(v.value);
    case "date": return `the date ${v.text}`;
    case "timestamp": return `the timestamp ${v.text}`;
    default: return v.kind;
  }
}

/** The value keyword a word is one edit from, for a field of `type` (`ture` → true, `tody` → today), or null. */
function misspeltValueKeyword(word: string, type: FieldType): string | null {
  const keywords = type === "boolean" ? ["true", "false"] : type === "date" || type === "timestamp" ? ["today", "now"] : [];
  const near = keywords.filter((k) => oneEditApart(word.toLowerCase(), k));
  return near.length === 1 ? near[0]! : null;
}

function replaceWith(span: Span, text: string, title: string): Fix {
  return { title, edits: [{ span, text }] };
}

/** A did-you-mean fix that writes the suggested field name, in backticks when it needs them. */
function fieldFix(span: Span, suggestion: string | undefined): Fix | undefined {
  if (suggestion === undefined || /[\r\n]/.test(suggestion)) return undefined; // a name with a line break cannot be written
  const text = formatField({ name: suggestion });
  return replaceWith(span, text, `use ${text}`);
}

/** Names of the segments referred to, in order of first appearance. */
function referenceNames(refs: readonly RefAt[]): string[] {
  if (refs.length === 0) return [];
  const names = new Set<string>();
  for (const r of refs) names.add(r.ref.name);
  return [...names];
}

/**
 * Whether two decimal numerals (`-12.50`, `1e+26`) name the same number: sign, significant digits and
 * exponent compared once leading and trailing zeros are dropped. A literal that does not match the shortest
 * numeral of the double it is read as holds more precision than a double (0.1 matches: it reads back as
 * written; 9007199254740993 reads as 9007199254740992).
 */
export function sameDecimal(a: string, b: string): boolean {
  const x = decimalParts(a);
  const y = decimalParts(b);
  return x !== null && y !== null && x.negative === y.negative && x.digits === y.digits && x.exponent === y.exponent;
}

function decimalParts(numeral: string): { negative: boolean; digits: string; exponent: number } | null {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(numeral);
  if (!m) return null;
  const fraction = m[3] ?? "";
  let digits = `${m[2]}${fraction}`.replace(/^0+/, "");
  let exponent = Number(m[4] ?? 0) - fraction.length;
  if (digits === "") return { negative: false, digits: "", exponent: 0 };
  const trailing = digits.length - digits.replace(/0+$/, "").length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return { negative: m[1] === "-", digits, exponent };
}
