/**
 * Conditions as formulas over atoms, the form every analysis reasons on.
 *
 *   typed AST ──Formulas.fromTyped──▶ formula: true/false, atoms, not, and, or (hash-consed: one node per
 *                                      meaning as written, so two copies of a rule are one atom)
 *
 * An atom is one positive test of one variable, false when the variable is empty (README "Semantics"), so
 * `not atom` is its exact complement. Variables are what a contact's value decides:
 * - a contact field, or (inside a `where` filter) an event property;
 * - per event condition's *key* (its name, window and filter, as written): the count of matching events,
 *   each aggregate of a property over them, and their first and last times. Two event conditions with the
 *   same key speak of the same events; different keys are treated as unrelated, which can only make the
 *   analysis see more possibilities than there are (never fewer), so what it proves still holds.
 *
 * Rules are broken into atoms that need no `or` to negate: `x = 5` is `x >= 5 and x <= 5`, `x in (1, 2)` is
 * `x = 1 or x = 2`, `between` is `>=` and `<=`, `has all` is one `has` atom per value, `not E` is `not`.
 * Relative times (`30 days ago`, `today`, `now`) stay symbolic unless a fixed `now` is given, so what is
 * proved holds for every `now` (in years 1-9999).
 */
import type { AggregateFn, Literal, PositiveTest, ResolvedField, TimeUnit, TimeValue, TypedEvent, TypedExpr } from "../checker/typed-ast.js";
import { resolveTime } from "../checker/time.js";
import { UTC, type TimeZone } from "../checker/zone.js";
import { foldAscii } from "../compiler/predicate/runtime.js";

/** A comparison of an ordered value with a bound. */
export type Cmp = "ge" | "gt" | "le" | "lt";

/** What a variable holds: decides which sets and reasoning apply. */
export type VarKind = "number" | "count" | "instant" | "day" | "text" | "boolean" | "list";

/** The event condition's key: which events a count, aggregate or first/last time is taken over. */
export interface EventKey {
  id: string;
  name: string;
  window: { low: Term; high: Term } | null;
  filter: Node | null;
  /** The first typed event condition seen with this key (for rendering). */
  typed: TypedEvent;
  count: Var;
}

/** Where a variable's value lives in a contact (for building a witness). */
export type Place =
  | { kind: "contact"; field: ResolvedField }
  | { kind: "property"; field: ResolvedField }
  | { kind: "count"; key: EventKey }
  | { kind: "aggregate"; key: EventKey; fn: AggregateFn; property: ResolvedField }
  | { kind: "first" | "last"; key: EventKey };

/** Something a contact decides: a field, a property of an event, or a measure of an event condition. */
export interface Var {
  index: number;
  id: string;
  kind: VarKind;
  /**
   * Variables of different groups are independent: any combination of their values is some contact. The
   * measures of one event key share a group (no events means no aggregate).
   */
  group: string;
  place: Place;
  /** The values an enum lists (a witness prefers them; other values are still possible). */
  enumValues: readonly string[] | null;
}

/** A point in time as written: absolute, or relative to `now` (kept symbolic). */
export type Term =
  | { kind: "instant"; ms: number }
  | { kind: "now" }
  | { kind: "today" }
  | { kind: "relative"; amount: number; unit: TimeUnit };

/** The part of an atom that says what it tests. */
export type AtomTest =
  | { k: "present" }
  /** Numbers and counts. */
  | { k: "cmp"; op: Cmp; value: number }
  /** Instants and dates. */
  | { k: "time"; op: Cmp; term: Term }
  /** Text and booleans. */
  | { k: "eq"; value: string | boolean }
  /** ASCII case-insensitive; `needle` is folded and not empty. */
  | { k: "text"; op: "contains" | "startsWith" | "endsWith"; needle: string }
  /** A list holds `value`. */
  | { k: "member"; value: string };

/** A positive test of one variable: false when the variable is empty. */
export type Atom = AtomTest & {
  index: number;
  key: string;
  v: Var;
  /** Its set of values is exact (see value-sets.ts): no text pattern, list membership or symbolic time. */
  exact: boolean;
};

/** A formula node. Immutable and shared: build them only through `Formulas`. */
export interface Node {
  id: number;
  t: "const" | "atom" | "not" | "and" | "or";
  /** For `const`. */
  value: boolean;
  atom: Atom | null;
  kids: readonly Node[];
  /** Its negation, once built (`Formulas.not`). */
  negation: Node | null;
  /** For `and`/`or`: a hash of the operands' ids (interning). */
  hash: number;
  /**
   * What the search (search.ts) derives from this node as a root, once computed. Kept on the node rather
   * than in a WeakMap: the searches of one analysis make thousands of roots, and a WeakMap's entries cost
   * the garbage collector far more than a field (about half of the warnings' time on bench/parse's corpus).
   */
  searchMemo: unknown;
}

/** Options of a formula universe. */
export interface FormulaOptions {
  /** Resolve relative times against this instant (epoch ms) instead of keeping them symbolic. */
  now?: number | null;
  /** The evaluation time zone (default UTC): times written without an offset are its wall clock. */
  zone?: TimeZone;
}

/**
 * Builds and shares formulas. One universe per analysis: nodes, atoms, variables and event keys are unique
 * within it, so equal structures are the same object.
 */
export class Formulas {
  readonly TRUE: Node;
  readonly FALSE: Node;
  readonly now: number | null;
  readonly zone: TimeZone;
  readonly vars: Var[] = [];
  readonly atoms: Atom[] = [];
  readonly keys = new Map<string, EventKey>();
  /** `and`/`or` nodes by the hash of their operands (a bucket holds the rare collisions). */
  private readonly junctions = new Map<number, Node | Node[]>();
  private readonly varById = new Map<string, Var>();
  private readonly atomNodes = new Map<string, Node>();
  private typedMemo = new Map<TypedExpr, Node>();
  private readonly scratch: Node[] = [];
  private readonly contactVars = new Map<object, Var>();
  private readonly propertyVars = new Map<object, Var>();
  private nextId = 0;

  constructor(options: FormulaOptions = {}) {
    this.now = options.now ?? null;
    this.zone = options.zone ?? UTC;
    this.TRUE = this.make("const", true, null, NO_KIDS, 0);
    this.FALSE = this.make("const", false, null, NO_KIDS, 0);
    this.TRUE.negation = this.FALSE;
    this.FALSE.negation = this.TRUE;
  }

  /** How many nodes exist (a measure of work done). */
  get size(): number {
    return this.nextId;
  }

  private make(t: Node["t"], value: boolean, atom: Atom | null, kids: readonly Node[], hash: number): Node {
    return { id: this.nextId++, t, value, atom, kids, negation: null, hash, searchMemo: undefined };
  }

  /**
   * Forgets which formula each typed node has (the typed nodes of one text are looked up many times while
   * analysing it, then never again): keeps the memo small when a universe serves many texts.
   */
  forgetTyped(): void {
    this.typedMemo = new Map();
  }

  // ---- connectives ------------------------------------------------------------------------------------

  atom(test: AtomTest, v: Var): Node {
    const key = `${v.index}\u0001${atomKey(test)}`;
    const known = this.atomNodes.get(key);
    if (known) return known;
    const a = Object.assign(test, { index: this.atoms.length, key, v, exact: isExact(test, v) }) as Atom;
    this.atoms.push(a);
    const node = this.make("atom", false, a, NO_KIDS, 0);
    this.atomNodes.set(key, node);
    return node;
  }

  not(x: Node): Node {
    if (x.negation) return x.negation;
    const n = this.make("not", false, null, [x], 0);
    n.negation = x;
    x.negation = n;
    return n;
  }

  and(xs: readonly Node[]): Node {
    return this.junction("and", xs);
  }

  or(xs: readonly Node[]): Node {
    return this.junction("or", xs);
  }

  /** `and`/`or`: flattened, constants folded, duplicates dropped, operands in a canonical order. */
  private junction(t: "and" | "or", xs: readonly Node[]): Node {
    const unit = t === "and" ? this.TRUE : this.FALSE;
    const zero = t === "and" ? this.FALSE : this.TRUE;
    // Built in a scratch array (no allocation unless the node is new). Operands of the same connective are
    // flat already (built here), so one level of flattening suffices.
    const buf = this.scratch;
    buf.length = 0;
    for (const x of xs) {
      if (x.t === t) for (const k of x.kids) buf.push(k);
      else if (x === zero) return zero;
      else if (x !== unit) buf.push(x);
    }
    if (buf.length === 0) return unit;
    if (buf.length > 16) buf.sort(byId);
    else {
      for (let i = 1; i < buf.length; i++) {
        const x = buf[i]!;
        let j = i - 1;
        while (j >= 0 && buf[j]!.id > x.id) {
          buf[j + 1] = buf[j]!;
          j--;
        }
        buf[j + 1] = x;
      }
    }
    let n = 0;
    for (let i = 0; i < buf.length; i++) if (n === 0 || buf[i]!.id !== buf[n - 1]!.id) buf[n++] = buf[i]!;
    if (n === 1) return buf[0]!;
    // `a and not a` is false, `a or not a` true.
    for (let i = 0; i < n; i++) {
      const k = buf[i]!;
      if (k.t === "not" && binaryHas(buf, n, k.kids[0]!.id)) return zero;
    }
    let hash = t === "and" ? 17 : 31;
    for (let i = 0; i < n; i++) hash = (Math.imul(hash, 0x9e3779b1) + buf[i]!.id) | 0;
    const bucket = this.junctions.get(hash);
    if (bucket) {
      if (Array.isArray(bucket)) {
        for (const x of bucket) if (sameJunction(x, t, buf, n)) return x;
      } else if (sameJunction(bucket as Node, t, buf, n)) return bucket as Node;
    }
    const node = this.make(t, false, null, buf.slice(0, n), hash);
    if (!bucket) this.junctions.set(hash, node);
    else if (Array.isArray(bucket)) bucket.push(node);
    else this.junctions.set(hash, [bucket as Node, node]);
    return node;
  }

  // ---- variables ----------------------------------------------------------------------------------------

  private variable(id: string, kind: VarKind, group: string, place: Place, enumValues: readonly string[] | null = null): Var {
    let v = this.varById.get(id);
    if (!v) {
      v = { index: this.vars.length, id, kind, group, place, enumValues };
      this.vars.push(v);
      this.varById.set(id, v);
    }
    return v;
  }

  /** The variable of a contact field or an event property. */
  fieldVar(field: ResolvedField): Var {
    // The schema's definitions are shared by every rule on the field: look the variable up by them first.
    const byDef = field.source === "contact" ? this.contactVars : this.propertyVars;
    const known = byDef.get(field.def);
    if (known) return known;
    const v = this.fieldVarById(field);
    byDef.set(field.def, v);
    return v;
  }

  private fieldVarById(field: ResolvedField): Var {
    const id = `${field.source === "contact" ? "c" : "p"}:${field.name}`;
    const kind = KIND_OF_TYPE[field.type];
    return this.variable(id, kind, id, { kind: field.source === "contact" ? "contact" : "property", field }, field.type === "enum" ? field.def.values ?? [] : null);
  }

  // ---- typed AST → formula --------------------------------------------------------------------------------

  /** The formula of a typed condition (memoised per node; a referenced segment is translated once). */
  fromTyped(e: TypedExpr): Node {
    const memo = this.typedMemo.get(e);
    if (memo) return memo;
    let n: Node;
    switch (e.kind) {
      case "and":
        n = this.and(e.operands.map((o) => this.fromTyped(o)));
        break;
      case "or":
        n = this.or(e.operands.map((o) => this.fromTyped(o)));
        break;
      case "not":
        n = this.not(this.fromTyped(e.operand));
        break;
      case "segment":
        n = this.fromTyped(e.expr);
        break;
      case "rule": {
        const positive = this.test(this.fieldVar(e.field), e.test);
        n = e.test.negated ? this.not(positive) : positive;
        break;
      }
      case "event":
        n = this.event(e);
        break;
    }
    this.typedMemo.set(e, n);
    return n;
  }

  /** The formula of a positive test of a variable. */
  test(v: Var, t: PositiveTest): Node {
    switch (t.op) {
      case "present":
        return this.atom({ k: "present" }, v);
      case "eq":
        return this.equals(v, t.value);
      case "lt":
      case "le":
      case "gt":
      case "ge":
        return this.compare(v, t.op, t.value);
      case "between":
        return this.and([this.compare(v, "ge", t.low), this.compare(v, "le", t.high)]);
      case "in":
        return this.or(t.values.map((x) => this.equals(v, x)));
      case "contains":
      case "startsWith":
      case "endsWith": {
        const needle = foldAscii(t.value);
        // An empty needle holds for every non-empty string (the predicate's `present`).
        return needle === "" ? this.atom({ k: "present" }, v) : this.atom({ k: "text", op: t.op, needle }, v);
      }
      case "hasAny":
        return this.or(t.values.map((x) => this.atom({ k: "member", value: x }, v)));
      case "hasAll":
        return t.values.length === 0 ? this.atom({ k: "present" }, v) : this.and(t.values.map((x) => this.atom({ k: "member", value: x }, v)));
    }
  }

  private equals(v: Var, value: Literal): Node {
    if (v.kind === "number" || v.kind === "count") return this.and([this.compare(v, "ge", value), this.compare(v, "le", value)]);
    if (v.kind === "instant" || v.kind === "day") return this.and([this.compare(v, "ge", value), this.compare(v, "le", value)]);
    if (value.kind === "string") return value.value === "" ? this.FALSE : this.atom({ k: "eq", value: value.value }, v); // "" is empty
    if (value.kind === "boolean") return this.atom({ k: "eq", value: value.value }, v);
    return this.FALSE;
  }

  private compare(v: Var, op: Cmp, value: Literal): Node {
    if (value.kind === "number") return this.atom({ k: "cmp", op, value: value.value === 0 ? 0 : value.value }, v);
    if (value.kind === "string" || value.kind === "boolean") return this.FALSE; // the checker never types these
    return this.atom({ k: "time", op, term: this.term(value) }, v);
  }

  /**
   * A time value as a term: an instant written without an offset is read on the zone's wall clock (it does
   * not depend on `now`); everything is resolved when `now` is fixed.
   */
  term(t: TimeValue): Term {
    if (t.kind === "instant") return { kind: "instant", ms: resolveTime(t, 0, this.zone) };
    if (this.now !== null) return { kind: "instant", ms: resolveTime(t, this.now, this.zone) };
    // `0 days ago` is `now` in UTC (in a zone, a repeated wall-clock hour may move it).
    if (t.kind === "relative" && t.amount === 0 && (this.zone.utc || t.unit === "minute" || t.unit === "hour")) return { kind: "now" };
    return t.kind === "relative" ? { kind: "relative", amount: t.amount, unit: t.unit } : { kind: t.kind };
  }

  private event(e: TypedEvent): Node {
    const key = this.eventKey(e);
    const m = e.measure;
    switch (m.kind) {
      case "count": {
        const ge = m.count === 0 ? this.TRUE : this.atom({ k: "cmp", op: "ge", value: m.count }, key.count);
        const le = this.atom({ k: "cmp", op: "le", value: m.count }, key.count);
        return m.cmp === ">=" ? ge : m.cmp === "<=" ? le : this.and([ge, le]);
      }
      case "aggregate": {
        const v = this.variable(`a:${m.fn}:${m.property.name}:${key.id}`, "number", key.count.group, { kind: "aggregate", key, fn: m.fn, property: m.property });
        return this.test(v, m.test);
      }
      case "first":
      case "last": {
        const v = this.variable(`${m.kind === "first" ? "f" : "l"}:${key.id}`, "instant", key.count.group, { kind: m.kind, key });
        return this.test(v, m.test);
      }
    }
  }

  /** The key of an event condition (created on first use). */
  eventKey(e: TypedEvent): EventKey {
    const window = e.window ? { low: this.term(e.window.low), high: this.term(e.window.high) } : null;
    const filter = e.filter ? this.fromTyped(e.filter) : null;
    const id = `${JSON.stringify(e.name)}|${window ? `${termKey(window.low)}..${termKey(window.high)}` : "-"}|${filter ? filter.id : "-"}`;
    let key = this.keys.get(id);
    if (!key) {
      const group = `e:${id}`;
      key = { id, name: e.name, window, filter, typed: e, count: null as unknown as Var };
      key.count = this.variable(`n:${id}`, "count", group, { kind: "count", key });
      this.keys.set(id, key);
    }
    return key;
  }

  /** The variables of an event key's measures (count first). */
  measureVars(key: EventKey): Var[] {
    return this.vars.filter((v) => v.group === key.count.group);
  }
}

const NO_KIDS: readonly Node[] = [];

const byId = (a: Node, b: Node) => a.id - b.id;

/** Whether `x` is the junction `t` of the first `n` nodes of `kids`. */
function sameJunction(x: Node, t: string, kids: readonly Node[], n: number): boolean {
  if (x.t !== t || x.kids.length !== n) return false;
  for (let i = 0; i < n; i++) if (x.kids[i] !== kids[i]) return false;
  return true;
}

/** Whether the first `n` nodes of `sorted` (by id) hold a node of this id. */
function binaryHas(sorted: readonly Node[], n: number, id: number): boolean {
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = sorted[mid]!.id;
    if (x === id) return true;
    if (x < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

const KIND_OF_TYPE: Record<ResolvedField["type"], VarKind> = {
  number: "number",
  date: "day",
  timestamp: "instant",
  string: "text",
  enum: "text",
  boolean: "boolean",
  list: "list",
};

function isExact(t: AtomTest, v: Var): boolean {
  switch (t.k) {
    case "present":
      return v.kind !== "list";
    case "cmp":
    case "eq":
      return true;
    case "time":
      return t.term.kind === "instant";
    case "text":
    case "member":
      return false;
  }
}

/** A stable text for a term (part of event keys). */
export function termKey(t: Term): string {
  switch (t.kind) {
    case "instant":
      return `@${t.ms}`;
    case "relative":
      return `-${t.amount}${t.unit}`;
    default:
      return t.kind;
  }
}

function atomKey(t: AtomTest): string {
  switch (t.k) {
    case "present":
      return "present";
    case "cmp":
      return `${t.op}\u0001${t.value}`;
    case "time":
      return `t${t.op}\u0001${termKey(t.term)}`;
    case "eq":
      return `eq\u0001${typeof t.value}\u0001${String(t.value)}`;
    case "text":
      return `${t.op}\u0001${t.needle}`;
    case "member":
      return `has\u0001${t.value}`;
  }
}

/** Every node of a formula, children before parents, each once (no recursion). */
export function postOrder(root: Node): Node[] {
  const out: Node[] = [];
  const seen = new Set<number>();
  const stack: { n: Node; expanded: boolean }[] = [{ n: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (top.expanded) {
      out.push(top.n);
      continue;
    }
    if (seen.has(top.n.id)) continue;
    seen.add(top.n.id);
    stack.push({ n: top.n, expanded: true });
    for (let i = top.n.kids.length - 1; i >= 0; i--) if (!seen.has(top.n.kids[i]!.id)) stack.push({ n: top.n.kids[i]!, expanded: false });
  }
  return out;
}
