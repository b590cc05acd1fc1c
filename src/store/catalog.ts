/**
 * The saved segments as the checker and compilers see them: each dynamic segment's expression parsed
 * once, the reference graph (`in segment "X"`), cycle detection, dependency order, and checking of new
 * text against the schema and the other segments.
 *
 * Static segments have no expression. The checker still needs something to type `in segment "S"` with,
 * so S is declared to it with a placeholder condition; after checking, every reference to a static
 * segment gets, as its condition, a test of a hidden list field (`STATIC_FIELD`) holding the ids of the
 * static segments a contact is in. The predicate path fills that field from `segql_static_members`; the
 * SQL path never reads it, because `compileSql`'s `segmentSource` option turns references to static
 * segments into reads of the member table.
 */
import { createHash } from "node:crypto";
import { error, type Diagnostic, type Span } from "../diagnostics.js";
import { check } from "../checker/checker.js";
import { messages } from "../checker/messages.js";
import { MEMBER_LISTS_FIELD, resolveMemberLists, type TypedExpr } from "../checker/typed-ast.js";
import type * as A from "../parser/ast.js";
import { formatExpr } from "../parser/format.js";
import { parse } from "../parser/index.js";
import type { FieldDef, Schema } from "../schema/schema.js";
import type { SegmentKind, SegmentSummary } from "./types.js";

/** The hidden contact field the predicate reads for static membership (not writable in the language). */
export const STATIC_FIELD = MEMBER_LISTS_FIELD;

/**
 * The catalog's signature: each segment's id, version, kind and the MD5 of its expression, sorted as text
 * (so the database can aggregate them in any order; see `SIGNATURE_SQL` and `canonicalSignature`). The
 * expression's hash keeps a version number reused after a rolled-back edit from hitting a stale cache.
 */
export function catalogSignature(rows: readonly SegmentRow[]): string {
  return canonicalSignature(rows.map((r) => `${r.id}.${r.version}.${r.kind[0]}.${createHash("md5").update(r.expression ?? "", "utf8").digest("hex")}`).join(","));
}

/** `catalogSignature`'s parts aggregated in SQL (DuckDB and PostgreSQL) over `segql_segments`, in no particular order. */
export const SIGNATURE_SQL = "COALESCE(string_agg(CAST(id AS TEXT) || '.' || CAST(version AS TEXT) || '.' || substr(kind, 1, 1) || '.' || md5(COALESCE(expression, '')), ','), '')";

/** A signature's parts in one order (aggregating them in SQL without ORDER BY saves a sort per write). */
export function canonicalSignature(parts: string): string {
  return parts === "" ? "" : parts.split(",").sort().join(",");
}

/** A `segql_segments` row, decoded. */
export interface SegmentRow {
  id: number;
  name: string;
  description: string;
  kind: SegmentKind;
  expression: string | null;
  version: number;
  createdAt: number;
  createdBy: string | null;
  updatedAt: number;
  updatedBy: string | null;
  refreshedAt: number | null;
  memberCount: number;
  /** The last failed refresh (refresh-status.ts): when, and why (its stored JSON); null when none is recorded. */
  refreshFailedAt: number | null;
  refreshError: string | null;
}

/** A saved segment in the catalog. */
export interface Entry {
  row: SegmentRow;
  /** Dynamic: the parsed expression (null when it does not parse). */
  expr: A.Expr | null;
  /** Names its expression reads directly, as written (exact). */
  refs: string[];
  /** Whether its own text uses relative times. */
  ownRelative: boolean;
}

/** The result of checking a text. */
export interface Checked {
  /** The typed condition, static references resolved (see the file comment); null on errors. */
  typed: TypedExpr | null;
  diagnostics: Diagnostic[];
  /** The parsed expression (null when the text is not one condition). */
  expr: A.Expr | null;
  /** Segments it reads directly. */
  references: Entry[];
  /** Whether it (or a dynamic segment it reads, transitively) uses relative times. */
  relativeTime: boolean;
}

/** The saved segments, indexed. Built per operation from the rows (parsing is cached by id and version). */
export class Catalog {
  readonly byId = new Map<number, Entry>();
  readonly byName = new Map<string, Entry>();
  readonly byKey = new Map<string, Entry>();
  /** Changes whenever any segment is created, edited, converted or deleted (cache key of checks and predicates; see `catalogSignature`). */
  readonly signature: string;
  private readonly declarations: A.SegmentDeclaration[] = [];

  constructor(
    readonly schema: Schema,
    rows: readonly SegmentRow[],
    cache: ParseCache,
  ) {
    for (const row of rows) {
      const entry = cache.entry(row);
      this.byId.set(row.id, entry);
      this.byName.set(row.name, entry);
      this.byKey.set(row.name.toLowerCase(), entry);
    }
    this.signature = catalogSignature(rows);
    const placeholder = placeholderCondition(schema);
    for (const e of this.byId.values()) {
      const expr = e.row.kind === "static" ? placeholder : e.expr;
      if (expr) this.declarations.push(declaration(e.row.name, expr));
    }
  }

  /** A summary of a segment for lists and errors. */
  static summary(e: Entry): SegmentSummary {
    return { id: e.row.id, name: e.row.name };
  }

  /** Segments whose expressions read `id` directly. */
  referrers(id: number): Entry[] {
    const name = this.byId.get(id)?.row.name;
    if (name === undefined) return [];
    return [...this.byId.values()].filter((e) => e.row.kind === "dynamic" && e.refs.includes(name));
  }

  /** The entries a segment reads directly (unknown names left out). */
  references(e: Entry): Entry[] {
    return unique(e.refs.map((n) => this.byName.get(n)).filter((x): x is Entry => x !== undefined));
  }

  /** Whether a segment (or one it reads, transitively) uses relative times. */
  isRelative(start: Entry): boolean {
    const seen = new Set<Entry>();
    const stack = [start];
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (seen.has(e)) continue;
      seen.add(e);
      if (e.ownRelative) return true;
      stack.push(...this.references(e));
    }
    return false;
  }

  /**
   * The dynamic segments to refresh when `ids` changed: those segments (dynamic ones) and every dynamic
   * segment reading them, transitively, each after the segments it reads.
   */
  affected(ids: Iterable<number>): Entry[] {
    const set = new Set<Entry>();
    const stack = [...ids].map((id) => this.byId.get(id)).filter((e): e is Entry => e !== undefined);
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (set.has(e)) continue;
      set.add(e);
      stack.push(...this.referrers(e.row.id));
    }
    return this.dependencyOrder([...set].filter((e) => e.row.kind === "dynamic"));
  }

  /** Entries ordered so each comes after the entries (among them) it reads; by id otherwise. Cycles cannot be saved. */
  dependencyOrder(entries: readonly Entry[]): Entry[] {
    const wanted = new Set(entries);
    const done = new Set<Entry>();
    const out: Entry[] = [];
    for (const start of [...entries].sort((a, b) => a.row.id - b.row.id)) {
      // Iterative post-order walk (no recursion on the depth of reference chains).
      const stack: { e: Entry; i: number }[] = [{ e: start, i: 0 }];
      const onPath = new Set<Entry>([start]);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        if (done.has(top.e)) {
          stack.pop();
          onPath.delete(top.e);
          continue;
        }
        const refs = this.references(top.e);
        if (top.i < refs.length) {
          const next = refs[top.i++]!;
          if (!done.has(next) && !onPath.has(next)) {
            stack.push({ e: next, i: 0 });
            onPath.add(next);
          }
          continue;
        }
        done.add(top.e);
        if (wanted.has(top.e)) out.push(top.e);
        stack.pop();
        onPath.delete(top.e);
      }
    }
    return out;
  }

  /**
   * Checks `text` (one bare condition) against the schema and the saved segments. `as` makes it the
   * expression of that segment (an edit, or a new segment's name): a reference to itself, or a chain of
   * references back to it, is a `segment-cycle` error at the reference.
   */
  check(text: string, as?: { name: string; id?: number }): Checked {
    const parsed = parse(text);
    const diagnostics: Diagnostic[] = [...parsed.diagnostics];
    const doc = parsed.document;
    const fail = (): Checked => ({ typed: null, diagnostics: sortDiagnostics(diagnostics), expr: null, references: [], relativeTime: false });
    if (!doc.bare) {
      const at = doc.segments[0]?.span ?? doc.span;
      diagnostics.push(error("unexpected-token", at, "expected one condition, not `segment` declarations: a saved segment's expression is the part after `as`"));
      return fail();
    }
    const decl = doc.segments[0];
    const expr = decl?.expr ?? null;
    if (!decl || !expr) {
      if (!diagnostics.some((d) => d.severity === "error")) diagnostics.push(error("expected-condition", doc.span, "expected a condition, e.g. plan_type = \"Pro\""));
      return fail();
    }
    if (diagnostics.some((d) => d.severity === "error")) return { ...fail(), expr };
    const refs = directRefs(expr);
    // Cycles through saved segments: the checker reports those only at the local segment, so find them here.
    if (as) diagnostics.push(...this.cycles(as, expr));
    const self = as ? { ...decl, name: as.name } : decl;
    // Other segments as the catalog; the edited one is local (its old text must not be checked).
    const catalog = this.declarations.filter((d) => !as || d.name !== as.name);
    const result = check({ ...doc, segments: [self] }, this.schema, { catalog });
    for (const d of result.diagnostics) {
      // At a reference already reported as a cycle, "segment X has errors" only repeats it.
      const same = diagnostics.some((x) => x.span.start === d.span.start && (x.code === d.code || (x.code === "segment-cycle" && d.code === "broken-segment")));
      if (!same) diagnostics.push(d);
    }
    const references = unique(refs.map((n) => this.byName.get(n)).filter((e): e is Entry => e !== undefined));
    const relativeTime = usesRelativeTime(expr) || references.some((r) => this.isRelative(r));
    const ok = !diagnostics.some((d) => d.severity === "error") && result.segments.length === 1;
    const typed = ok ? result.segments[0]!.expr : null;
    if (typed) this.resolveStatic(typed);
    return { typed, diagnostics: sortDiagnostics(diagnostics), expr, references, relativeTime };
  }

  /** The typed condition of a saved dynamic segment (null when it no longer checks), with its diagnostics. */
  checkSaved(e: Entry): Checked {
    return this.check(e.row.expression ?? "", { name: e.row.name, id: e.row.id });
  }

  /** `segment-cycle` diagnostics for references that lead back to `as`, at each such reference. */
  private cycles(as: { name: string }, expr: A.Expr): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const ref of refNodes(expr)) {
      const path = this.pathBack(ref.name, as.name);
      if (path) out.push(cycleDiagnostic(ref, [as.name, ...path]));
    }
    return out;
  }

  /** A chain of references from `start` back to `target` (names), or null. */
  pathBack(start: string, target: string): string[] | null {
    if (start === target) return [target];
    const prev = new Map<string, string | null>([[start, null]]);
    const queue = [start];
    while (queue.length > 0) {
      const name = queue.shift()!;
      const e = this.byName.get(name);
      if (!e || e.row.name === target) continue;
      for (const r of e.refs) {
        if (prev.has(r)) continue;
        prev.set(r, name);
        if (r === target) {
          const path = [r];
          let at: string | null = name;
          while (at !== null) {
            path.unshift(at);
            at = prev.get(at) ?? null;
          }
          return path;
        }
        queue.push(r);
      }
    }
    return null;
  }

  /** Gives every reference to a static segment (anywhere, also inside referenced conditions) its membership test. */
  private resolveStatic(root: TypedExpr): void {
    resolveMemberLists([root], (name) => {
      const target = this.byName.get(name);
      return target?.row.kind === "static" ? String(target.row.id) : null;
    });
  }

}

/** Parsed expressions by segment id and version: a catalog is rebuilt per operation, parsing is not. */
export class ParseCache {
  private readonly entries = new Map<number, Entry>();

  entry(row: SegmentRow): Entry {
    const cached = this.entries.get(row.id);
    if (cached && cached.row.version === row.version && cached.row.name === row.name && cached.row.kind === row.kind && cached.row.expression === row.expression) {
      cached.row = row;
      return cached;
    }
    let expr: A.Expr | null = null;
    if (row.kind === "dynamic" && row.expression !== null) {
      const parsed = parse(row.expression);
      if (parsed.document.bare && !parsed.diagnostics.some((d) => d.severity === "error")) expr = parsed.document.segments[0]?.expr ?? null;
    }
    const entry: Entry = { row, expr, refs: expr ? directRefs(expr) : [], ownRelative: expr ? usesRelativeTime(expr) : false };
    this.entries.set(row.id, entry);
    return entry;
  }
}

/** Names read through `in segment` in an expression (including inside event filters, where they are errors). */
export function directRefs(expr: A.Expr): string[] {
  const out: string[] = [];
  forEachNode(expr, (e) => {
    if (e.kind === "segmentRef" && !out.includes(e.name)) out.push(e.name);
  });
  return out;
}

/** Every `in segment` reference node of an expression, for rewriting names in place. */
export function refNodes(expr: A.Expr): A.SegmentRefExpr[] {
  const out: A.SegmentRefExpr[] = [];
  forEachNode(expr, (e) => {
    if (e.kind === "segmentRef") out.push(e);
  });
  return out;
}

function forEachNode(expr: A.Expr, visit: (e: A.Expr) => void): void {
  const stack: A.Expr[] = [expr];
  while (stack.length > 0) {
    const e = stack.pop()!;
    visit(e);
    if (e.kind === "and" || e.kind === "or") stack.push(...e.operands);
    else if (e.kind === "not") stack.push(e.operand);
    else if (e.kind === "event" && e.filter) stack.push(e.filter);
  }
}

/** Whether an expression's own text uses `now`, `today`, `N units ago` or `within last`. */
export function usesRelativeTime(expr: A.Expr): boolean {
  const stack: unknown[] = [expr];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      stack.push(...v);
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    const o = v as Record<string, unknown>;
    if (o["kind"] === "relative" || o["kind"] === "now" || o["kind"] === "today" || o["kind"] === "within" || o["op"] === "within") return true;
    for (const [k, x] of Object.entries(o)) if (k !== "span" && k !== "nameSpan") stack.push(x);
  }
  return false;
}

/** A condition that checks against any schema with a field: `f is empty or f is not empty`. */
function placeholderCondition(schema: Schema): A.Expr | null {
  const field = Object.values(schema.fields)[0];
  if (!field) return null;
  const span: Span = { start: 0, end: 0, line: 1, column: 1 };
  const rule = (negated: boolean): A.RuleExpr => ({ kind: "rule", field: { name: field.name, quoted: true, span }, test: { op: "empty", negated, span }, span });
  return { kind: "or", operands: [rule(false), rule(true)], span };
}

function declaration(name: string, expr: A.Expr): A.SegmentDeclaration {
  return { kind: "segment", name, nameSpan: null, title: null, description: null, expr, span: expr.span };
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** Errors first, then warnings, then notes; each by where it starts. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return [...ds].sort((a, b) => rank[a.severity] - rank[b.severity] || a.span.start - b.span.start);
}

/** The checker's cycle diagnostic for a reference (at its name) that leads back through `path`. */
export function cycleDiagnostic(ref: A.SegmentRefExpr, path: string[]): Diagnostic {
  return error("segment-cycle", ref.nameSpan, messages.segmentCycle(path));
}

/**
 * A condition as segql text (as `diffSegments` writes it) with its tests of the hidden static-segments
 * field (`STATIC_FIELD`) written back as `in segment` references by name: `has "3"` is `in segment "X"`,
 * `has any` an `or` of them, `has all` an `and`, `has none` an `and` of `not`s. Null when the field is
 * tested another way (emptiness), or an id has no name. Depth is bounded by the parser's nesting limit.
 */
export function namingStaticSegments(text: string, nameOf: (id: number) => string | undefined): string | null {
  if (!text.includes(STATIC_FIELD)) return text;
  const expr = parse(text).document.segments[0]?.expr;
  if (!expr) return null;
  let ok = true;
  const ref = (id: string): A.Expr => {
    const name = nameOf(Number(id));
    if (name === undefined) ok = false;
    return { kind: "segmentRef", name: name ?? "", nameSpan: expr.span, span: expr.span };
  };
  const join = (kind: "and" | "or", operands: A.Expr[]): A.Expr => (operands.length === 1 ? operands[0]! : { kind, operands, span: expr.span });
  const named = (e: A.Expr): A.Expr => {
    switch (e.kind) {
      case "and":
      case "or":
        return { ...e, operands: e.operands.map(named) };
      case "not":
        return { ...e, operand: named(e.operand) };
      case "rule": {
        if (e.field.name !== STATIC_FIELD) return e;
        const t = e.test;
        if (t.op !== "has" || !t.values.every((v) => v.kind === "string")) {
          ok = false;
          return e;
        }
        const refs = t.values.map((v) => ref((v as A.StringValue).value));
        if (t.quantifier === "none") return join("and", refs.map((r) => ({ kind: "not", operand: r, span: expr.span })));
        return join(t.quantifier === "any" ? "or" : "and", refs);
      }
      default:
        return e;
    }
  };
  const out = named(expr);
  return ok ? formatExpr(out, { width: Number.MAX_SAFE_INTEGER }) : null;
}
