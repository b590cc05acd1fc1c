/**
 * Code generation: a lowered plan → the source of one JavaScript function, compiled once with
 * `new Function`. The code is what one would write by hand: one `&&`/`||` expression over direct property
 * reads, with helper calls only for text folding, timestamps and events.
 *
 * Injection-proof by construction: no text from the expression or the schema is pasted as code.
 * - Field and column names appear only as `JSON.stringify`d string literals in `obj["name"]` reads
 *   (JSON text is valid JavaScript string syntax, U+2028/U+2029 included, since ES2019).
 * - String literals compared with `===` are `JSON.stringify`d the same way; numbers are checked finite and
 *   written with `String(n)` (which round-trips every double), `-0` as `(-0)`.
 * - Derived constants (resolved time bounds, folded needles, Sets, value lists) are passed in the `K`
 *   array and bound to `const kN` once, never written as text.
 * - Reads never count what `Object.prototype` holds: a value that passes a test is confirmed with
 *   `v !== OP[name] || own(obj, name)`; names that exist on `Object.prototype` (`constructor`, `toString`,
 *   `__proto__`, …) are read with `Object.hasOwn` first. See `runtime.ts`.
 *
 * Measured on E1 over 300,000 bench/eval contacts (docs/predicate.md "Performance"): against unguarded reads,
 * the lazy guard costs 1.16x, `Object.hasOwn` before every read 1.6x, a null-prototype copy per contact 5.5x;
 * inline `===` literals were ~25% faster than comparing with closure-captured constants.
 */
import type { Access, Plan, PlanEvent, PlanExpr, PlanTest } from "./lower.js";
import { HELPERS } from "./runtime.js";

/** The generated source and the constants it receives as `K`. */
export interface GeneratedPredicate {
  source: string;
  constants: unknown[];
}

const OBJ: Record<Access["source"], string> = { contact: "c", event: "e", properties: "b" };
const CMP = { lt: "<", le: "<=", gt: ">", ge: ">=" } as const;

/** Generates the predicate's source from a plan. */
export function generate(plan: Plan): GeneratedPredicate {
  const g = new Generator();
  // Each referenced segment is evaluated at most once per contact (M, reset per call): segments that
  // refer twice to segments that refer twice… would otherwise take 2^depth calls.
  const segments = plan.segments.map(
    (s, i) => `/* in segment ${g.comment(s.name)} */\nfunction s${i}(c, E) {\n  const m = M[${i}];\n  if (m !== undefined) return m;\n  let v, t;\n  return (M[${i}] = ${g.expr(s.expr)});\n}`,
  );
  const events = plan.events.map((ev) => g.event(ev));
  const body = g.expr(plan.root);
  const dispatches = g.dispatches;
  const source = [
    `"use strict";`,
    `const { T, D, CF, SF, EF, HA, HL, own, OP, NOEV, NOBAG, isArray } = H;`,
    ...g.constants.map((_, i) => `const k${i} = K[${i}];`),
    segments.length > 0 ? `const M = new Array(${segments.length});` : "",
    ...segments,
    ...events,
    ...dispatches,
    `return function segqlPredicate(c, E) {`,
    plan.usesEvents ? `  if (!isArray(E)) E = NOEV;` : "",
    segments.length > 0 ? `  M.fill(undefined);` : "",
    `  let v, t;`,
    `  return ${body};`,
    `};`,
  ]
    .filter((l) => l !== "")
    .join("\n");
  return { source, constants: g.constants };
}

/** Compiles a plan with `new Function` (throws `EvalError` where a Content-Security-Policy forbids it). */
export function compileGenerated(plan: Plan): (contact: Record<string, unknown>, events?: readonly Record<string, unknown>[]) => boolean {
  const { source, constants } = generate(plan);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the source holds no user text as code (see above)
  const factory = new Function("K", "H", source) as (k: unknown[], h: typeof HELPERS) => (c: Record<string, unknown>, e?: readonly Record<string, unknown>[]) => boolean;
  return factory(constants, HELPERS);
}

class Generator {
  readonly constants: unknown[] = [];
  /** One function per dispatch node: the conditions of its table, selected by their index. */
  readonly dispatches: string[] = [];

  /** Binds a constant to `kN` and returns that name. */
  konst(v: unknown): string {
    this.constants.push(v);
    return `k${this.constants.length - 1}`;
  }

  /** A name inside a comment: JSON-quoted with `*` escaped so it cannot close the comment. */
  comment(name: string): string {
    return JSON.stringify(name).replace(/\*/g, "\\u002a");
  }

  expr(e: PlanExpr): string {
    switch (e.k) {
      case "and":
      case "or":
        return `(${e.operands.map((o) => this.expr(o)).join(e.k === "and" ? " && " : " || ")})`;
      case "not":
        return `!${this.expr(e.operand)}`;
      case "const":
        return String(e.value);
      case "segment":
        return `s${e.id}(c, E)`;
      case "event":
        return `e${e.id}(E)`;
      case "rule": {
        const code = this.guarded(e.access, e.test);
        return e.negated ? `!${code}` : code;
      }
      case "dispatch":
        return this.dispatch(e);
    }
  }

  /**
   * A table lookup: the field's own value → its condition's index (a Map in `K`), then a `switch` over the
   * conditions in a function of their own. Only at contact level, so the function needs `c` and `E` only.
   */
  dispatch(e: Extract<PlanExpr, { k: "dispatch" }>): string {
    const id = this.dispatches.length;
    this.dispatches.push(""); // its place, kept while the conditions (which may hold dispatches) are written
    const index = new Map<string | number, number>();
    const cases: string[] = [];
    for (const [value, condition] of e.table) {
      index.set(value, cases.length);
      cases.push(`    case ${cases.length}: return ${this.expr(condition)};`);
    }
    this.dispatches[id] = [`function d${id}(c, E, i) {`, `  let v, t;`, `  switch (i) {`, ...cases, `  }`, `  return false;`, `}`].join("\n");
    return `(t = ${this.read(e.access)}, typeof t === "${e.type}" && (t = ${this.konst(index)}.get(t)) !== undefined && d${id}(c, E, t))`;
  }

  /** `test(value)`, where the value is read from its object so that nothing from `Object.prototype` counts. */
  guarded(a: Access, test: PlanTest): string {
    if (test.k === "const") return String(test.value);
    const o = OBJ[a.source];
    const key = JSON.stringify(a.key);
    if (a.protoName) return `(v = own(${o}, ${key}) ? ${o}[${key}] : undefined, ${this.test(test)})`;
    return `(v = ${o}[${key}], ${this.test(test)} && (v !== OP[${key}] || own(${o}, ${key})))`;
  }

  /** An expression yielding the own value (or undefined) of a property, evaluated eagerly. */
  read(a: Access): string {
    const o = OBJ[a.source];
    const key = JSON.stringify(a.key);
    if (a.protoName) return `(own(${o}, ${key}) ? ${o}[${key}] : undefined)`;
    return `((v = ${o}[${key}]) === undefined || (v === OP[${key}] && !own(${o}, ${key})) ? undefined : v)`;
  }

  /** A positive test on the raw value in `v` (temporary `t` for converted times). */
  test(t: PlanTest): string {
    const conv = (c: "none" | "instant" | "day") => (c === "day" ? "D" : "T");
    switch (t.k) {
      case "const":
        return String(t.value);
      case "present":
        switch (t.type) {
          case "string":
          case "enum":
            return `(typeof v === "string" && v !== "")`;
          case "number":
            return `(typeof v === "number" && v === v)`;
          case "boolean":
            return `(typeof v === "boolean")`;
          case "timestamp":
            return `((t = T(v)) === t)`;
          case "date":
            return `((t = D(v)) === t)`;
          case "list":
            return `(isArray(v) && v.length !== 0)`;
        }
      // falls through (unreachable: every type is handled)
      case "eq":
        return `(v === ${literal(t.value)})`;
      case "eqTime":
        return `(${conv(t.conv)}(v) === ${this.konst(t.ms)})`;
      case "cmp":
        if (t.conv === "none") return `(typeof v === "number" && v ${CMP[t.cmp]} ${literal(t.value)})`;
        return `(${conv(t.conv)}(v) ${CMP[t.cmp]} ${this.konst(t.value)})`;
      case "between":
        if (t.conv === "none") return `(typeof v === "number" && v >= ${literal(t.low)} && v <= ${literal(t.high)})`;
        return `((t = ${conv(t.conv)}(v)) >= ${this.konst(t.low)} && t <= ${this.konst(t.high)})`;
      case "inList":
        return `(${t.values.map((x) => `v === ${literal(x)}`).join(" || ")})`;
      case "inSet":
        return `(typeof v === "${t.type}" && ${this.konst(t.set)}.has(v))`;
      case "contains":
      case "startsWith":
      case "endsWith": {
        if (t.needle === "") return `(typeof v === "string" && v !== "")`;
        const fn = t.k === "contains" ? "CF" : t.k === "startsWith" ? "SF" : "EF";
        return `(typeof v === "string" && ${fn}(v, ${this.konst(t.needle)}))`;
      }
      case "hasAny":
        return `(isArray(v) && (${t.values.map((x) => `v.includes(${literal(x)})`).join(" || ")}))`;
      case "hasAnySet":
        return `(isArray(v) && HA(v, ${this.konst(t.set)}))`;
      case "hasAll":
        if (t.values.length <= 4) return `(isArray(v) && ${t.values.map((x) => `v.includes(${literal(x)})`).join(" && ")})`;
        return `(isArray(v) && HL(v, ${this.konst(t.values)}))`;
    }
  }

  /** One function per event condition: a single pass over the contact's events. */
  event(ev: PlanEvent): string {
    const lines: string[] = [`/* performed ${this.comment(ev.name)} */`, `function e${ev.id}(E) {`];
    const m = ev.measure;
    if (m.k === "count" && m.cmp === ">=" && m.count === 0) {
      lines.push(`  return true;`, `}`);
      return lines.join("\n");
    }
    lines.push(`  let n = 0, x = 0, v, t, e, b;`, `  for (let i = 0; i < E.length; i++) {`, `    e = E[i];`);
    lines.push(`    if (typeof e !== "object" || e === null) continue;`);
    lines.push(`    if (!${this.guarded(ev.nameAccess, { k: "eq", value: ev.name })}) continue;`);
    if (ev.window) {
      lines.push(`    if (!${this.guarded(ev.timeAccess, { k: "between", conv: "instant", low: ev.window.low, high: ev.window.high })}) continue;`);
    }
    if (ev.propertiesAccess) {
      lines.push(`    b = ${this.read(ev.propertiesAccess)};`, `    if (typeof b !== "object" || b === null) b = NOBAG;`);
    }
    if (ev.filter) lines.push(`    if (!${this.expr(ev.filter)}) continue;`);
    switch (m.k) {
      case "count":
        lines.push(m.cmp === ">=" ? `    if (++n >= ${m.count}) return true;` : `    if (++n > ${m.count}) return false;`, `  }`);
        lines.push(m.cmp === ">=" ? `  return false;` : m.cmp === "<=" ? `  return true;` : `  return n === ${m.count};`);
        break;
      case "aggregate": {
        lines.push(`    v = ${this.read(m.access)};`, `    if (typeof v !== "number" || v !== v) continue;`);
        if (m.fn === "sum" || m.fn === "avg") lines.push(`    x += v;`, `    n++;`);
        else lines.push(`    if (n++ === 0 || v ${m.fn === "min" ? "<" : ">"} x) x = v;`);
        lines.push(`  }`, `  if (n === 0) return false;`, `  v = ${m.fn === "avg" ? "x / n" : "x"};`, `  return ${this.test(m.test)};`);
        break;
      }
      case "first":
      case "last":
        lines.push(`    t = T(${this.read(ev.timeAccess)});`, `    if (t !== t) continue;`);
        lines.push(`    if (n++ === 0 || t ${m.k === "first" ? "<" : ">"} x) x = t;`);
        lines.push(`  }`, `  if (n === 0) return false;`, `  v = x;`, `  return ${this.test(m.test)};`);
        break;
    }
    lines.push(`}`);
    return lines.join("\n");
  }
}

/** A string, number or boolean as JavaScript source (numbers must be finite; `-0` keeps its sign). */
export function literal(v: string | number | boolean): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean") return String(v);
  if (!Number.isFinite(v)) throw new Error(`compilePredicate: a number literal must be finite, found ${v}`);
  if (Object.is(v, -0)) return "(-0)";
  return v < 0 ? `(${String(v)})` : String(v);
}
