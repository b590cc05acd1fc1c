/**
 * The shared SQL generator: a typed expression → one SQL condition, for any dialect.
 *
 * How NULLs are handled (the reason the output is two-valued where it matters, and plain elsewhere):
 * every condition this file produces is TRUE exactly when the expression holds for the row; when it does
 * not hold, the SQL may be FALSE or NULL. That is all a WHERE clause needs, and it lets positive tests stay
 * the plain comparisons an index or zone map can use (`plan = 'Pro'`, `ltv > 1000`): SQL's NULL already
 * makes them false on an empty field. Negation is never `NOT (…)` around such SQL (NOT NULL is NULL, which
 * would drop rows the complement should keep): `not` is pushed down to the leaves (De Morgan), and each
 * negated leaf is written as its exact complement, which adds the NULL case explicitly
 * (`(ltv IS NULL OR ltv <= 1000)`). EXISTS and COUNT are never NULL, so events negate as NOT EXISTS.
 *
 * Consequence for users of the `where` form: to get the complement of a segment, compile `not (…)`;
 * do not wrap the output in `NOT (…)`.
 */
import type {
  Literal,
  PositiveTest,
  ResolvedField,
  TimeUnit,
  TimeValue,
  TypedEvent,
  TypedExpr,
  TypedMeasure,
  TypedTest,
} from "../../checker/typed-ast.js";
import type { Span } from "../../diagnostics.js";
import { formatInstant, MAX_INSTANT, MIN_INSTANT, resolveTime, spanFits } from "../../checker/time.js";
import { ceilDay, floorDay, UTC, type TimeZone } from "../../checker/zone.js";
import type { EventsDef, FieldType, Schema } from "../../schema/schema.js";
import {
  foldAscii,
  LIKE_ESCAPE,
  likePattern,
  LOWER_ASCII,
  normaliseStorage,
  numberLiteral,
  SqlCompileError,
  UPPER_ASCII,
  type Dialect,
  type ListKind,
  type TimeKind,
  type Values,
  type ZoneOps,
} from "./dialect.js";

export { SqlCompileError };

/** What the generator needs besides the dialect. */
export interface GeneratorOptions {
  /** Bind user values as parameters instead of writing literals. */
  params: boolean;
  /** Resolve `now`, `today` and `N units ago` against this instant (epoch ms); null: the engine's clock. */
  now: number | null;
  /** The evaluation time zone (default UTC): see src/checker/zone.ts. */
  zone?: TimeZone;
  /** The name (unquoted) the contacts table has in the query, used where a subquery refers to the outer row. */
  outer: string;
  /**
   * Segment references: null compiles the referenced condition inline; else the relation (a quoted view,
   * or a parenthesised subquery) holding a name's members in a column named as the key, or null to
   * compile that one inline.
   */
  view: ((name: string) => string | null) | null;
}

/** A condition: a constant, or SQL with the operator at its top (for parenthesising). */
type Cond = boolean | { sql: string; top: "atom" | "and" | "or" };

const atom = (sql: string): Cond => ({ sql, top: "atom" });
/** The result of an exact-text hook: a comparison or a conjunction of comparisons (never an OR). */
const hookCond = (sql: string, negated = false): Cond => ({ sql, top: negated ? "atom" : "and" });


/** How a value of a field is read: its SQL plus what the tests need to know about it. */
interface Operand {
  sql: string;
  type: FieldType;
  /** For timestamps: how the value is held. */
  timeKind?: TimeKind;
  /** For lists. */
  listKind?: ListKind;
  /** For properties read from the events' JSON column: the document and key. */
  json?: { doc: string; key: string };
  /** Where the value came from, for error messages. */
  label: string;
}

/** Compiles typed expressions for one dialect; collects bound parameters. */
export class SqlGenerator implements Values {
  /**
   * Values bound so far, by id. The SQL holds a marker per value (`bind`); `finish` numbers the markers
   * in text order and drops values whose SQL was discarded (constant folding), so parameters always
   * match the placeholders, however hooks order their pieces.
   */
  private readonly bound: (string | number | boolean)[] = [];
  private readonly nonce = Math.random().toString(36).slice(2, 10);
  /** Every literal and quoted identifier written, so formatting can be checked not to have touched them. */
  readonly tokens = new Set<string>();
  /** The SQL of each referenced segment written in place, by polarity (false, true). */
  private readonly inlined = new Map<TypedExpr, [Cond | undefined, Cond | undefined]>();
  readonly params: boolean;

  constructor(
    readonly dialect: Dialect,
    readonly schema: Schema,
    readonly options: GeneratorOptions,
  ) {
    this.params = options.params;
  }

  // ---- values ----------------------------------------------------------------------------------------

  string(value: string): string {
    if (this.params) return this.bind(value);
    return this.lit(value);
  }

  number(value: number): string {
    if (!Number.isFinite(value)) throw new SqlCompileError(`not a finite number: ${value}`);
    if (this.params) return this.bind(value);
    return (this.dialect.numberLiteral ?? numberLiteral)(value);
  }

  boolean(value: boolean): string {
    if (this.params) return this.bind(value);
    return this.bool(value);
  }

  /** A compiler constant (not a user value): always a literal. */
  lit(value: string): string {
    const text = this.dialect.stringLiteral(value);
    this.tokens.add(text);
    return text;
  }

  /** A quoted identifier (one part; see `table` for dotted paths). */
  ident(name: string): string {
    const text = this.dialect.quoteIdent(name);
    this.tokens.add(text);
    return text;
  }

  /** A table name: each dot-separated part quoted (`analytics.contacts` → `"analytics"."contacts"`). */
  table(name: string): string {
    return name.split(".").map((p) => this.ident(p)).join(".");
  }

  private bool(value: boolean): string {
    return this.dialect.booleanLiteral ? this.dialect.booleanLiteral(value) : value ? "TRUE" : "FALSE";
  }

  private bind(value: string | number | boolean): string {
    this.bound.push(value);
    return `\u0001${this.nonce}:${this.bound.length - 1}\u0001`;
  }

  /**
   * Replaces the parameter markers in finished SQL with the dialect's placeholders, numbered in text
   * order, and returns the values in that order (a value used twice is bound twice).
   */
  finish(sql: string): { sql: string; params: unknown[] } {
    // Without bound values there are no markers (and literals are left untouched).
    if (this.bound.length === 0) return { sql, params: [] };
    const params: unknown[] = [];
    const convert = this.dialect.params.value;
    const marker = new RegExp(`\u0001${this.nonce}:(\\d+)\u0001`, "g");
    const out = sql.replace(marker, (_, id: string) => {
      const value = this.bound[Number(id)]!;
      params.push(convert ? convert(value) : value);
      return this.dialect.params.placeholder(params.length);
    });
    const max = this.dialect.params.max;
    if (params.length > max) {
      throw new SqlCompileError(
        `the query needs ${params.length} parameters, more than the ${max} ${this.dialect.name} accepts in one statement: compile without params, or use shorter value lists`,
      );
    }
    return { sql: out, params };
  }

  /**
   * The alias of a subquery's table (`e`, `g`, `s`). Subqueries are never nested inside each other, so
   * siblings can share it; it only has to differ from the outer table's name, which correlations use.
   */
  private alias(base: string): string {
    return this.ident(base.toLowerCase() === this.options.outer.toLowerCase() ? `${base}_1` : base);
  }

  // ---- conditions --------------------------------------------------------------------------------------

  /** The SQL condition for an expression (TRUE exactly when it holds; see the module comment). */
  condition(expr: TypedExpr): string {
    return this.render(this.expr(expr, false));
  }

  /** Renders a condition at the top of a WHERE clause. */
  render(c: Cond): string {
    if (c === true || c === false) return this.bool(c);
    return c.sql;
  }

  private expr(e: TypedExpr, negated: boolean): Cond {
    switch (e.kind) {
      case "and":
      case "or": {
        const parts = e.operands.map((o) => this.expr(o, negated));
        // De Morgan: not (a and b) = not a or not b.
        return (e.kind === "and") !== negated ? and(parts) : or(parts);
      }
      case "not":
        return this.expr(e.operand, !negated);
      case "rule":
        return this.at(e.span, () => this.rule(this.operand(e.field, false), e.test, negated));
      case "event":
        return this.at(e.span, () => this.event(e, negated));
      case "segment":
      {
        const view = this.options.view ? this.options.view(e.name) : null;
        if (view !== null) return this.viewMembership(view, negated);
        // Written out in place, once per polarity: a segment referred to twice by a segment referred to
        // twice… would otherwise be compiled 2^depth times (its text still repeats, within MAX_SQL_CHARS).
        const memo = this.inlined.get(e.expr) ?? [undefined, undefined];
        this.inlined.set(e.expr, memo);
        return (memo[negated ? 1 : 0] ??= this.expr(e.expr, negated));
      }
    }
  }

  /** Runs `compile`, giving a SqlCompileError without a place the span of the condition it came from. */
  private at(span: Span, compile: () => Cond): Cond {
    try {
      return compile();
    } catch (e) {
      if (e instanceof SqlCompileError && e.span === undefined) e.span = span;
      throw e;
    }
  }

  // ---- fields --------------------------------------------------------------------------------------------

  /** How a field is read: a contact column, an event's own column, or a property of the events' JSON. */
  private operand(field: ResolvedField, inEvent: boolean, eventAlias?: string): Operand {
    const d = this.dialect;
    const storage = normaliseStorage(field.def.storage?.[d.name]);
    const label = `${field.source === "event" ? "property" : "field"} "${field.name}"`;
    let sql: string;
    if (field.source === "event" && !field.def.ownColumn) {
      const events = this.requireEvents();
      const doc = `${eventAlias}.${this.ident(events.propertiesColumn)}`;
      const key = field.name;
      switch (field.type) {
        case "number":
          return { sql: d.json.number(doc, key), type: "number", label };
        case "string":
        case "enum":
          return { sql: d.json.string(doc, key), type: field.type, label, json: { doc, key } };
        case "boolean":
          return { sql: d.json.boolean(doc, key), type: "boolean", label };
        case "timestamp":
          return { sql: d.json.timestamp(doc, key), type: "timestamp", timeKind: d.time.jsonKind, label };
        case "date":
          return { sql: d.json.date(doc, key), type: "date", label };
        case "list": {
          const l = d.json.list(doc, key);
          return { sql: l.sql, type: "list", listKind: l.kind, label };
        }
      }
    }
    sql = field.source === "event" ? `${eventAlias}.${this.ident(field.column)}` : this.ident(field.column);
    if (field.source === "contact" && inEvent) sql = `${this.ident(this.options.outer)}.${this.ident(field.column)}`;
    const op: Operand = { sql, type: field.type, label };
    if (field.type === "timestamp") {
      op.timeKind = this.timeKind(storage, label);
      if (d.time.column) op.sql = d.time.column(sql, op.timeKind, storage);
    }
    if (field.type === "list") {
      const kind = d.listKind(storage);
      if (!kind) throw new SqlCompileError(`${label}: unsupported ${d.name} storage "${field.def.storage?.[d.name]}" for a list (supported: ${d.listStorageNames})`);
      op.listKind = kind;
    }
    return op;
  }

  private timeKind(storage: string | undefined, label: string): TimeKind {
    const kind = this.dialect.time.kind(storage);
    if (!kind) {
      throw new SqlCompileError(`${label}: unsupported ${this.dialect.name} storage "${storage}" for a timestamp (supported: ${this.dialect.time.storageNames})`);
    }
    return kind;
  }

  private requireEvents(): EventsDef {
    const events = this.schema.events;
    if (!events) throw new SqlCompileError(`the schema has no "events" section, so event conditions cannot be compiled`);
    return events;
  }

  // ---- rules -----------------------------------------------------------------------------------------------

  /** A test on an operand; `negated` flips the test's own negation (pushed-down `not`). */
  private rule(x: Operand, test: TypedTest, negated: boolean): Cond {
    const neg = test.negated !== negated;
    const stringIn = this.dialect.json.stringIn;
    if (x.json && stringIn && (test.op === "eq" || test.op === "in")) {
      const literals = test.op === "eq" ? [test.value] : test.values;
      const values = [...new Set(literals.map((l) => stringOf(l, x)))].filter((v) => v !== "" && this.storable(v));
      if (values.length === 0) return neg;
      return atom(stringIn(x.json.doc, x.json.key, values, neg, this));
    }
    const positive = this.positive(x, test);
    if (!neg) return positive;
    if (positive === true || positive === false) return !positive;
    // The exact complement: true on an empty field, else the complementary test.
    const complement = this.complement(x, test);
    if (complement === false) return this.isEmpty(x);
    if (complement === true) return true;
    return or([this.isNull(x), complement]);
  }

  private isNull(x: Operand): Cond {
    return atom(`${x.sql} IS NULL`);
  }

  /** `is empty` as SQL: NULL, or "" for strings, or [] for lists. */
  private isEmpty(x: Operand): Cond {
    if (x.type === "string" || x.type === "enum") return or([this.isNull(x), atom(this.textNonEmpty(x.sql, true))]);
    if (x.type === "list") return or([this.isNull(x), atom(`NOT (${this.dialect.list(x.listKind!).nonEmpty(x.sql)})`)]);
    return this.isNull(x);
  }

  private textNonEmpty(x: string, negated: boolean): string {
    if (this.dialect.textNonEmpty) return this.dialect.textNonEmpty(x, negated);
    return negated ? `${x} = ''` : `${x} <> ''`;
  }

  /** The positive form of a test: TRUE exactly when it holds (false on an empty field). */
  private positive(x: Operand, t: PositiveTest): Cond {
    return this.test(x, t, false);
  }

  /**
   * The complement of a test for a value that is present (not NULL): the negated form is
   * `x IS NULL OR complement`. Returns false when the complement is "x is empty" (for `present`).
   */
  private complement(x: Operand, t: PositiveTest): Cond {
    if (t.op === "present") return false;
    return this.test(x, t, true);
  }

  /**
   * A test (`negated`: its complement on a non-NULL value). Both forms are two-valued for a non-NULL
   * value, so `x IS NULL OR <complement>` is exact.
   */
  private test(x: Operand, t: PositiveTest, negated: boolean): Cond {
    if (t.op === "present") {
      if (x.type === "string" || x.type === "enum") return atom(this.textNonEmpty(x.sql, false));
      if (x.type === "list") return atom(this.dialect.list(x.listKind!).nonEmpty(x.sql));
      return atom(`${x.sql} IS NOT NULL`);
    }
    switch (x.type) {
      case "string":
      case "enum":
        return this.textTest(x, t, negated);
      case "number":
      case "boolean":
        return this.scalarTest(x, t, negated);
      case "timestamp":
        return this.timestampTest(x, t, negated);
      case "date":
        return this.dateTest(x, t, negated);
      case "list":
        return this.listTest(x, t, negated);
    }
  }

  private unsupported(x: Operand, t: PositiveTest): never {
    throw new SqlCompileError(`${x.label}: the test "${t.op}" does not apply to a ${x.type}`);
  }

  // ---- strings ---------------------------------------------------------------------------------------------

  /** Whether the engine can hold this text at all (PostgreSQL text cannot hold U+0000). */
  private storable(s: string): boolean {
    return this.dialect.textHoldsNul || !s.includes("\u0000");
  }

  private textTest(x: Operand, t: PositiveTest, negated: boolean): Cond {
    const d = this.dialect;
    switch (t.op) {
      case "eq": {
        const v = stringOf(t.value, x);
        // "" is empty, and a positive test is false on an empty field.
        if (v === "" || !this.storable(v)) return negated;
        if (d.textEquals) return hookCond(d.textEquals(x.sql, v, negated, this), negated);
        return atom(`${x.sql} ${negated ? "<>" : "="} ${this.string(v)}`);
      }
      case "in": {
        const values = [...new Set(t.values.map((v) => stringOf(v, x)))].filter((v) => v !== "" && this.storable(v));
        if (values.length === 0) return negated;
        if (values.length === 1) return this.textTest(x, { op: "eq", value: { kind: "string", value: values[0]! } }, negated);
        if (d.textIn) return hookCond(d.textIn(x.sql, values, negated, this), negated);
        return atom(`${x.sql} ${negated ? "NOT IN" : "IN"} (${values.map((v) => this.string(v)).join(", ")})`);
      }
      case "contains":
      case "startsWith":
      case "endsWith": {
        // "" matches every non-empty value (and the empty one is excluded by the empty-field rule).
        if (t.value === "") return atom(this.textNonEmpty(x.sql, negated));
        if (!this.storable(t.value)) return negated;
        const folded = foldAscii(t.value);
        if (d.textMatch) return atom(d.textMatch(x.sql, t.op, folded, negated, this));
        return atom(this.likeMatch(x.sql, t.op, folded, negated));
      }
      default:
        return this.unsupported(x, t);
    }
  }

  /** The generic case-insensitive match: `fold(x) LIKE '%needle%' [ESCAPE '!']`. */
  private likeMatch(x: string, op: "contains" | "startsWith" | "endsWith", folded: string, negated: boolean): string {
    const { pattern, escaped } = likePattern(op, folded);
    const p = this.string(pattern);
    const escape = escaped ? this.lit(LIKE_ESCAPE) : null;
    return `${this.asciiLower(x)} ${negated ? "NOT LIKE" : "LIKE"} ${p}${escape ? ` ESCAPE ${escape}` : ""}`;
  }

  /** ASCII-only lower case of a SQL expression. */
  asciiLower(x: string): string {
    if (this.dialect.asciiLower) return this.dialect.asciiLower(x);
    return `TRANSLATE(${x}, ${this.lit(UPPER_ASCII)}, ${this.lit(LOWER_ASCII)})`;
  }

  // ---- numbers and booleans ------------------------------------------------------------------------------------

  private scalarTest(x: Operand, t: PositiveTest, negated: boolean): Cond {
    const val = (l: Literal): string => {
      if (x.type === "number" && l.kind === "number") return this.number(l.value);
      if (x.type === "boolean" && l.kind === "boolean") return this.boolean(l.value);
      throw new SqlCompileError(`${x.label}: expected a ${x.type} value, found ${l.kind}`);
    };
    switch (t.op) {
      case "eq":
        // A present boolean that is not b is !b: `= FALSE` reads better than `<> TRUE`.
        if (negated && x.type === "boolean" && t.value.kind === "boolean") return atom(`${x.sql} = ${this.boolean(!t.value.value)}`);
        return atom(`${x.sql} ${negated ? "<>" : "="} ${val(t.value)}`);
      case "lt":
      case "le":
      case "gt":
      case "ge":
        if (x.type !== "number") return this.unsupported(x, t);
        return atom(`${x.sql} ${CMP[negated ? FLIP[t.op] : t.op]} ${val(t.value)}`);
      case "between":
        if (x.type !== "number") return this.unsupported(x, t);
        return atom(`${x.sql} ${negated ? "NOT BETWEEN" : "BETWEEN"} ${val(t.low)} AND ${val(t.high)}`);
      case "in": {
        if (x.type !== "number") return this.unsupported(x, t);
        const values = [...new Set(t.values.map((l) => (l.kind === "number" ? l.value : NaN)))];
        if (values.some((v) => Number.isNaN(v))) throw new SqlCompileError(`${x.label}: expected numbers in the list`);
        if (values.length === 1) return atom(`${x.sql} ${negated ? "<>" : "="} ${this.number(values[0]!)}`);
        return atom(`${x.sql} ${negated ? "NOT IN" : "IN"} (${values.map((v) => this.number(v)).join(", ")})`);
      }
      default:
        return this.unsupported(x, t);
    }
  }

  // ---- time ------------------------------------------------------------------------------------------------

  private get zone(): TimeZone {
    return this.options.zone ?? UTC;
  }

  /**
   * A literal instant, or null when the value depends on the engine's clock. With `now` every value is
   * resolved here, in the time zone (src/checker/zone.ts), so the SQL holds only literals.
   */
  private literalInstant(v: Literal, x: Operand): number | null {
    if (v.kind === "string" || v.kind === "number" || v.kind === "boolean") {
      throw new SqlCompileError(`${x.label}: expected a time value, found a ${v.kind}`);
    }
    if (v.kind === "instant") return checkRange(v.local ? resolveTime(v, 0, this.zone) : v.ms, v.date ?? formatInstant(v.ms));
    if (v.kind === "relative") checkSpan(v.amount, v.unit);
    if (this.options.now !== null) return checkRange(resolveTime(v, this.options.now, this.zone), describeTime(v));
    return null;
  }

  /** A time value as SQL of the given kind: a literal, or the engine's clock. */
  private timeValue(v: TimeValue, kind: TimeKind, x: Operand): string {
    const t = this.dialect.time;
    const ms = this.literalInstant(v, x);
    if (ms !== null) return t.instant(ms, kind, this);
    switch (v.kind) {
      case "now":
        return t.now(kind);
      case "today": {
        if (this.zone.utc) return t.today(kind);
        const z = this.zoneOps(v, x);
        const zone = this.lit(this.zone.name);
        return z.fromWall(z.midnight(z.toWall(t.now(kind), kind, zone)), kind, zone);
      }
      case "relative": {
        const amount = this.number(Math.abs(v.amount));
        const plus = t.plus;
        if (v.amount < 0 && !plus) throw new SqlCompileError(`${x.label}: the ${this.dialect.name} dialect cannot add to a time (it has no 'plus'): give 'now' to compile ${describeTime(v)}`);
        const shift = (expr: string, k: TimeKind) => (v.amount < 0 ? plus!(expr, amount, v.unit, k) : t.minus(expr, amount, v.unit, k));
        // Minutes and hours are durations, the same in every zone.
        if (this.zone.utc || v.unit === "minute" || v.unit === "hour") return shift(t.now(kind), kind);
        const z = this.zoneOps(v, x);
        const zone = this.lit(this.zone.name);
        return z.fromWall(shift(z.toWall(t.now(kind), kind, zone), "naive"), kind, zone);
      }
      case "instant":
        return t.instant(v.ms, kind, this);
    }
  }

  /** The dialect's zone functions, or a SqlCompileError saying why this SQL needs `now`. */
  private zoneOps(v: TimeValue, x: Operand): ZoneOps {
    const z = this.dialect.time.zone;
    if (z) return z;
    const why = this.dialect.name === "sqlite" ? "SQLite has no time zone support" : this.dialect.name === "mysql" ? "MySQL and MariaDB convert time zones only with their zone tables loaded" : `${this.dialect.name} has no time zone functions here`;
    throw new SqlCompileError(
      `${x.label}: ${describeTime(v)} in ${this.zone.name} needs the time zone's offsets, and ${why}: ` +
        `give 'now' (--now), and every time is computed at compile time and written into the SQL`,
    );
  }

  /**
   * The first and last DATE whose start (in the zone) is at or after / at or before the instant `t` (SQL of
   * kind `instant`, from the engine's clock), and the test "t is a day's start", as SQL: the engine's side
   * of `ceilDay` / `floorDay` (src/checker/zone.ts). `w` is t's local date, `s` the instant w starts.
   */
  private dayBoundsSql(v: TimeValue, x: Operand): { floor: string; ceil: string; w: string; isStart: string | null } {
    const z = this.zoneOps(v, x);
    const zone = this.lit(this.zone.name);
    if (v.kind === "today") {
      // Today starts its own day: both bounds are now's local date.
      const today = z.dateOf(z.toWall(this.dialect.time.now("instant"), "instant", zone));
      return { floor: today, ceil: today, w: today, isStart: null };
    }
    const t = this.timeValue(v, "instant", x);
    const w = z.dateOf(z.toWall(t, "instant", zone));
    const s = z.fromWall(z.dateMidnight(w), "instant", zone);
    return {
      floor: `CASE WHEN ${s} <= ${t} THEN ${w} ELSE ${z.addDays(w, -1)} END`,
      ceil: `CASE WHEN ${s} >= ${t} THEN ${w} ELSE ${z.addDays(w, 1)} END`,
      w,
      isStart: `${s} = ${t}`,
    };
  }

  private timestampTest(x: Operand, t: PositiveTest, negated: boolean): Cond {
    const kind = x.timeKind!;
    const col = x.sql; // already normalised (TimeOps.column)
    const val = (l: Literal) => this.timeValue(l as TimeValue, kind, x);
    switch (t.op) {
      case "eq":
        return atom(`${col} ${negated ? "<>" : "="} ${val(t.value)}`);
      case "lt":
      case "le":
      case "gt":
      case "ge":
        return atom(`${col} ${CMP[negated ? FLIP[t.op] : t.op]} ${val(t.value)}`);
      case "between":
        return atom(`${col} ${negated ? "NOT BETWEEN" : "BETWEEN"} ${val(t.low)} AND ${val(t.high)}`);
      case "in": {
        const parts = t.values.map((v) => this.timestampTest(x, { op: "eq", value: v }, negated));
        return negated ? and(parts) : or(parts);
      }
      default:
        return this.unsupported(x, t);
    }
  }

  /**
   * A DATE column (or a JSON date) against an instant. A date is a calendar day standing for the instant it
   * starts in the zone, so an instant turns into a day bound: `d < t` ⟺ `d < ceilDay(t)`, `d <= t` ⟺
   * `d <= floorDay(t)` (src/checker/zone.ts). With a literal instant the bound is computed here and the
   * column is compared as it is, with a DATE literal (index- and zone-map-friendly). An instant from the
   * engine's clock: in UTC the column is brought into a timestamp kind (`TimeOps.dateAs`) and compared with
   * it; in another zone the engine computes the bound (`dayBoundsSql`), once per statement.
   */
  private dateTest(x: Operand, t: PositiveTest, negated: boolean): Cond {
    const time = this.dialect.time;
    const zone = this.zone;
    const dateLit = (ms: number) => {
      const text = new Date(ms).toISOString().slice(0, 10);
      return time.date ? time.date(text, this) : this.params ? `CAST(${this.string(text)} AS DATE)` : `DATE ${this.lit(text)}`;
    };
    const as = time.dateAs ? time.dateAs(x.sql) : { sql: x.sql, kind: "naive" as TimeKind };
    const floorOf = (ms: number) => floorDay(ms, zone);
    const ceilOf = (ms: number) => ceilDay(ms, zone);
    /** The engine's day bounds of a clock-dependent value (only outside UTC). */
    const bounds = (v: Literal) => this.dayBoundsSql(v as TimeValue, x);
    /** One comparison `d op v` (negated: its complement). */
    const cmp = (op: "lt" | "le" | "gt" | "ge", v: Literal): Cond => {
      const o = negated ? FLIP[op] : op;
      const ms = this.literalInstant(v, x);
      // d < t ⟺ d < ceil(t); d <= t ⟺ d <= floor(t); d > t ⟺ d > floor(t); d >= t ⟺ d >= ceil(t).
      const useCeil = o === "lt" || o === "ge";
      if (ms === null) {
        if (zone.utc) return atom(`${as.sql} ${CMP[o]} ${this.timeValue(v as TimeValue, as.kind, x)}`);
        const b = bounds(v);
        return atom(`${x.sql} ${CMP[o]} ${useCeil ? b.ceil : b.floor}`);
      }
      return atom(`${x.sql} ${CMP[o]} ${dateLit(useCeil ? ceilOf(ms) : floorOf(ms))}`);
    };
    switch (t.op) {
      case "eq": {
        const ms = this.literalInstant(t.value, x);
        if (ms === null) {
          if (zone.utc) return atom(`${as.sql} ${negated ? "<>" : "="} ${this.timeValue(t.value as TimeValue, as.kind, x)}`);
          // A day equals an instant only at its start: d = w and t is w's start.
          const b = bounds(t.value);
          if (b.isStart === null) return atom(`${x.sql} ${negated ? "<>" : "="} ${b.w}`);
          return negated ? atom(`(${x.sql} <> ${b.w} OR NOT (${b.isStart}))`) : atom(`${x.sql} = ${b.w} AND ${b.isStart}`);
        }
        // A date equals an instant only at its start.
        if (floorOf(ms) !== ceilOf(ms)) return negated;
        return atom(`${x.sql} ${negated ? "<>" : "="} ${dateLit(floorOf(ms))}`);
      }
      case "lt":
      case "le":
      case "gt":
      case "ge":
        return cmp(t.op, t.value);
      case "between": {
        const lowMs = this.literalInstant(t.low, x);
        const highMs = this.literalInstant(t.high, x);
        if (lowMs !== null && highMs !== null) {
          const low = ceilOf(lowMs);
          const high = floorOf(highMs);
          if (low > high) return negated;
          return atom(`${x.sql} ${negated ? "NOT BETWEEN" : "BETWEEN"} ${dateLit(low)} AND ${dateLit(high)}`);
        }
        if (lowMs === null && highMs === null && zone.utc) {
          const lo = this.timeValue(t.low as TimeValue, as.kind, x);
          const hi = this.timeValue(t.high as TimeValue, as.kind, x);
          return atom(`${as.sql} ${negated ? "NOT BETWEEN" : "BETWEEN"} ${lo} AND ${hi}`);
        }
        const parts = [cmp("ge", t.low), cmp("le", t.high)];
        return negated ? or(parts) : and(parts);
      }
      case "in": {
        const parts = t.values.map((v) => this.dateTest(x, { op: "eq", value: v }, negated));
        return negated ? and(parts) : or(parts);
      }
      default:
        return this.unsupported(x, t);
    }
  }

  // ---- lists -----------------------------------------------------------------------------------------------

  private listTest(x: Operand, t: PositiveTest, negated: boolean): Cond {
    const ops = this.dialect.list(x.listKind!);
    if (t.op !== "hasAny" && t.op !== "hasAll") return this.unsupported(x, t);
    const distinct = [...new Set(t.values)];
    const storable = distinct.filter((v) => this.storable(v));
    // A value the engine cannot store is in no list: it never matches, so `has all` fails outright.
    if (t.op === "hasAll" && storable.length < distinct.length) return negated;
    if (storable.length === 0) return t.op === "hasAll" ? this.test(x, { op: "present" }, negated) : negated;
    const values = storable.map((v) => this.string(v));
    const sql = t.op === "hasAny" ? ops.hasAny(x.sql, values) : ops.hasAll(x.sql, values);
    return atom(negated ? `NOT (${sql})` : sql);
  }

  // ---- events ------------------------------------------------------------------------------------------------

  /**
   * An event condition. `performed` (count ≥ 1) and `not performed` are [NOT] EXISTS over the contact's
   * matching events. Other counts, aggregates and first/last time group the matching events by contact:
   * `key IN (SELECT contact_key … GROUP BY contact_key HAVING …)`; negated, an anti-join on the same
   * grouped set (`NOT EXISTS (SELECT 1 FROM (…) WHERE g.key = outer.key)`), which every engine plans as a
   * hash anti-join (PostgreSQL's NOT IN over a large set would not be).
   */
  private event(e: TypedEvent, negated: boolean): Cond {
    const m = e.measure;
    if (m.kind === "count") {
      const n = m.count;
      switch (m.cmp) {
        case ">=":
          if (n <= 0) return !negated; // every contact has at least 0 events
          return n === 1 ? this.exists(e, negated) : this.grouped(e, m, negated);
        case "<=":
          // at most n = not (at least n + 1)
          return this.event({ ...e, measure: { kind: "count", cmp: ">=", count: n + 1 } }, !negated);
        case "=":
          if (n < 0) return negated;
          return n === 0 ? this.exists(e, !negated) : this.grouped(e, m, negated);
      }
    }
    return this.grouped(e, m, negated);
  }

  /** The WHERE conditions on one event row: its name, the window and the filter. */
  private eventConditions(e: TypedEvent, alias: string): Cond {
    const events = this.requireEvents();
    const d = this.dialect;
    const parts: Cond[] = [];
    const nameCol = `${alias}.${this.ident(events.name)}`;
    if (!this.storable(e.name)) return false;
    parts.push(d.textEquals ? hookCond(d.textEquals(nameCol, e.name, false, this)) : atom(`${nameCol} = ${this.string(e.name)}`));
    if (e.window) {
      const t = this.eventTime(alias);
      const low = this.timeValue(e.window.low, t.timeKind!, t);
      const high = this.timeValue(e.window.high, t.timeKind!, t);
      parts.push(atom(`${t.sql} BETWEEN ${low} AND ${high}`));
    }
    if (e.filter) parts.push(this.filter(e.filter, alias, false));
    return and(parts);
  }

  private eventTime(alias: string): Operand {
    const events = this.requireEvents();
    const storage = normaliseStorage(events.storage?.[this.dialect.name]);
    const label = `events time column "${events.time}"`;
    const kind = this.timeKind(storage, label);
    const sql = `${alias}.${this.ident(events.time)}`;
    return { sql: this.dialect.time.column ? this.dialect.time.column(sql, kind, storage) : sql, type: "timestamp", timeKind: kind, label };
  }

  /** An event filter: rules on the event's properties (same push-down of `not`). */
  private filter(e: TypedExpr, alias: string, negated: boolean): Cond {
    switch (e.kind) {
      case "and":
      case "or": {
        const parts = e.operands.map((o) => this.filter(o, alias, negated));
        return (e.kind === "and") !== negated ? and(parts) : or(parts);
      }
      case "not":
        return this.filter(e.operand, alias, !negated);
      case "rule":
        return this.rule(this.operand(e.field, true, alias), e.test, negated);
      default:
        throw new SqlCompileError(`an event's "where" filter can only test the event's properties`);
    }
  }

  private exists(e: TypedEvent, negated: boolean): Cond {
    const events = this.requireEvents();
    const alias = this.alias("e");
    const conds = this.eventConditions(e, alias);
    if (conds === false) return negated;
    const key = `${alias}.${this.ident(events.contactKey)} = ${this.outerKey()}`;
    const where = this.render(and([atom(key), conds]));
    return atom(`${negated ? "NOT EXISTS" : "EXISTS"} (SELECT 1 FROM ${this.table(events.table)} AS ${alias} WHERE ${where})`);
  }

  private grouped(e: TypedEvent, m: TypedMeasure, negated: boolean): Cond {
    const events = this.requireEvents();
    const alias = this.alias("e");
    const conds = this.eventConditions(e, alias);
    if (conds === false) return this.noEvents(m, negated);
    const having = this.having(m, alias);
    if (having === false) return negated;
    const ck = `${alias}.${this.ident(events.contactKey)}`;
    const where = conds === true ? "" : ` WHERE ${this.render(conds)}`;
    const havingSql = having === true ? "" : ` HAVING ${this.render(having)}`;
    const inner = `SELECT ${ck} FROM ${this.table(events.table)} AS ${alias}${where} GROUP BY ${ck}${havingSql}`;
    if (!negated) return atom(`${this.outerKey()} IN (${inner})`);
    const g = this.alias("g");
    const gk = `${g}.${this.ident(events.contactKey)}`;
    return atom(`NOT EXISTS (SELECT 1 FROM (${inner}) AS ${g} WHERE ${gk} = ${this.outerKey()})`);
  }

  /** A measure over no events at all (the event name cannot occur): a count of 0, an empty aggregate. */
  private noEvents(m: TypedMeasure, negated: boolean): Cond {
    if (m.kind !== "count") return negated;
    const holds = m.cmp === ">=" ? 0 >= m.count : m.cmp === "<=" ? 0 <= m.count : m.count === 0;
    return holds !== negated;
  }

  /** The HAVING test of a grouped measure (a positive test: false on an empty aggregate). */
  private having(m: TypedMeasure, alias: string): Cond {
    switch (m.kind) {
      case "count":
        return atom(`COUNT(*) ${m.cmp === "=" ? "=" : m.cmp} ${this.number(m.count)}`);
      case "aggregate": {
        const p = this.operand(m.property, true, alias);
        if (p.type !== "number") throw new SqlCompileError(`${p.label}: ${m.fn} needs a number property`);
        const fn = { sum: "SUM", avg: "AVG", min: "MIN", max: "MAX" }[m.fn];
        return this.positive({ sql: `${fn}(${p.sql})`, type: "number", label: `${m.fn} of ${p.label}` }, m.test);
      }
      case "first":
      case "last": {
        const t = this.eventTime(alias);
        const fn = m.kind === "first" ? "MIN" : "MAX";
        return this.positive({ ...t, sql: `${fn}(${t.sql})`, label: `${m.kind} time` }, m.test);
      }
    }
  }

  // ---- segment views ------------------------------------------------------------------------------------------

  private viewMembership(view: string, negated: boolean): Cond {
    const key = this.ident(this.schema.key);
    // A subquery in FROM needs an alias on PostgreSQL before 16 (views are names and need none).
    if (!negated) return atom(`${this.outerKey()} IN (SELECT ${key} FROM ${view.startsWith("(") ? `${view} AS ${this.alias("s")}` : view})`);
    const v = this.alias("s");
    return atom(`NOT EXISTS (SELECT 1 FROM ${view} AS ${v} WHERE ${v}.${key} = ${this.outerKey()})`);
  }

  private outerKey(): string {
    return `${this.ident(this.options.outer)}.${this.ident(this.schema.key)}`;
  }
}

// ---- helpers ----------------------------------------------------------------------------------------------

const CMP = { lt: "<", le: "<=", gt: ">", ge: ">=" } as const;
/** The complement of an ordering on a present value: not (x < v) = x >= v. */
const FLIP = { lt: "ge", le: "gt", gt: "le", ge: "lt" } as const;

function stringOf(v: Literal, x: Operand): string {
  if (v.kind !== "string") throw new SqlCompileError(`${x.label}: expected a string value, found ${v.kind}`);
  return v.value;
}

/** `ms` when SQL timestamps hold it (years 0001-9999); else a SqlCompileError naming `what` (never a RangeError). */
function checkRange(ms: number, what: string): number {
  if (!(ms >= MIN_INSTANT && ms <= MAX_INSTANT)) {
    const at = formatInstant(ms);
    throw new SqlCompileError(`${what}${at === what ? "" : ` (${at})`} is outside the years 0001-9999 that SQL timestamps hold`);
  }
  return ms;
}

/**
 * Refuses `N units ago` longer than the whole range SQL timestamps hold (9,999 years), whatever `now` is:
 * with the engine's clock the engine would fail or, SQLite, give NULL (so disagree with the predicate). The
 * checker refuses these too; this guards typed ASTs made by hand.
 */
function checkSpan(signed: number, unit: TimeUnit): void {
  if (!spanFits(signed, unit)) {
    throw new SqlCompileError(`${describeTime({ kind: "relative", amount: signed, unit })} reaches ${signed < 0 ? "further ahead" : "back further"} than the 9,999 years SQL timestamps hold`);
  }
}

/** A time value as written (`30 days ago`, `now`), for messages. */
function describeTime(v: TimeValue): string {
  switch (v.kind) {
    case "instant":
      return v.date ?? (v.local ? formatInstant(v.ms).replace(/Z$/, "") : formatInstant(v.ms));
    case "relative": {
      const n = Math.abs(v.amount);
      const units = `${n} ${v.unit}${n === 1 ? "" : "s"}`;
      return v.amount < 0 ? `in ${units}` : `${units} ago`;
    }
    default:
      return v.kind;
  }
}

/**
 * The longest SQL written (characters). Segments written in place repeat their text at every reference, so
 * a few references can multiply the size; past this the engines would not take the statement anyway.
 */
export const MAX_SQL_CHARS = 10_000_000;

/** Throws a SqlCompileError (not V8's "Invalid string length") when joined parts would pass MAX_SQL_CHARS. */
function checkSize(sqls: string[]): void {
  let total = 0;
  for (const s of sqls) total += s.length + 5;
  if (total > MAX_SQL_CHARS) {
    throw new SqlCompileError(
      `the SQL would be longer than ${MAX_SQL_CHARS.toLocaleString("en-US")} characters: each 'in segment' writes that segment's SQL in place, ` +
        `so segments referred to many times multiply it; compile the segments to views instead (--form views)`,
    );
  }
}

function and(parts: Cond[]): Cond {
  const sqls: string[] = [];
  for (const p of parts) {
    if (p === false) return false;
    if (p === true) continue;
    sqls.push(p.top === "or" ? `(${p.sql})` : p.sql);
  }
  checkSize(sqls);
  if (sqls.length === 0) return true;
  if (sqls.length === 1) {
    const only = parts.find((p) => p !== true) as Exclude<Cond, boolean>;
    return only;
  }
  return { sql: sqls.join(" AND "), top: "and" };
}

function or(parts: Cond[]): Cond {
  const sqls: string[] = [];
  for (const p of parts) {
    if (p === true) return true;
    if (p === false) continue;
    sqls.push(p.top === "and" ? `(${p.sql})` : p.sql);
  }
  checkSize(sqls);
  if (sqls.length === 0) return false;
  if (sqls.length === 1) return parts.find((p) => p !== false) as Exclude<Cond, boolean>;
  return { sql: sqls.join(" OR "), top: "or" };
}
