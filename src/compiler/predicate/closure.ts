/**
 * The closure evaluator: a lowered plan → a tree of closures. No `new Function`, so it runs on pages whose
 * Content-Security-Policy forbids `unsafe-eval`. Node for node it does what `codegen.ts` writes as code
 * (the property test in test/predicate checks they agree); it is slower only by the calls between closures.
 */
import type { Access, Plan, PlanEvent, PlanExpr, PlanTest } from "./lower.js";
import { containsFold, endsFold, hasAllOf, hasAnyOf, NO_EVENTS, NO_PROPERTIES, OP, own, startsFold, toDay, toInstant } from "./runtime.js";

type Obj = Record<string, unknown>;
type Events = readonly Obj[];
/** Evaluates a condition; `e` and `b` are the current event and its properties inside an event filter. */
type Eval = (c: Obj, E: Events, e: Obj, b: Obj) => boolean;
type Test = (v: unknown) => boolean;

/** Builds the closure tree for a plan. */
export function compileClosure(plan: Plan): (contact: Obj, events?: Events) => boolean {
  // Each referenced segment is evaluated at most once per contact (memo, reset per call), as in codegen.ts.
  const memo: (boolean | undefined)[] = new Array(plan.segments.length);
  const segments: Eval[] = plan.segments.map(() => () => false);
  plan.segments.forEach((s, i) => {
    const evaluate = build(s.expr, segments);
    segments[i] = (c, E, ev, b) => {
      const m = memo[i];
      if (m !== undefined) return m;
      return (memo[i] = evaluate(c, E, ev, b));
    };
  });
  const root = build(plan.root, segments);
  const reset = plan.segments.length > 0;
  if (!plan.usesEvents) return (c) => {
    if (reset) memo.fill(undefined);
    return root(c, NO_EVENTS, NO_PROPERTIES, NO_PROPERTIES);
  };
  return (c, E) => {
    if (reset) memo.fill(undefined);
    return root(c, Array.isArray(E) ? E : NO_EVENTS, NO_PROPERTIES, NO_PROPERTIES);
  };
}

function build(e: PlanExpr, segments: Eval[]): Eval {
  switch (e.k) {
    case "and": {
      const ops = e.operands.map((o) => build(o, segments));
      return (c, E, ev, b) => {
        for (let i = 0; i < ops.length; i++) if (!ops[i]!(c, E, ev, b)) return false;
        return true;
      };
    }
    case "or": {
      const ops = e.operands.map((o) => build(o, segments));
      return (c, E, ev, b) => {
        for (let i = 0; i < ops.length; i++) if (ops[i]!(c, E, ev, b)) return true;
        return false;
      };
    }
    case "not": {
      const op = build(e.operand, segments);
      return (c, E, ev, b) => !op(c, E, ev, b);
    }
    case "const": {
      const value = e.value;
      return () => value;
    }
    case "segment": {
      const id = e.id;
      // Looked up at call time: a segment's closure is built after the ones referring to it may be.
      return (c, E) => segments[id]!(c, E, NO_PROPERTIES, NO_PROPERTIES);
    }
    case "rule": {
      const check = guarded(e.access, test(e.test));
      return e.negated ? (c, E, ev, b) => !check(c, ev, b) : (c, _E, ev, b) => check(c, ev, b);
    }
    case "event":
      return event(e, segments);
    case "dispatch": {
      const table = new Map<string | number, Eval>();
      for (const [value, condition] of e.table) table.set(value, build(condition, segments));
      const { access, type } = e;
      const from = pick(access.source);
      return (c, E, ev, b) => {
        const v = read(from(c, ev, b), access);
        if (typeof v !== type) return false;
        const condition = table.get(v as string | number);
        return condition !== undefined && condition(c, E, ev, b);
      };
    }
  }
}

/** Picks the object an access reads from. */
function pick(source: Access["source"]): (c: Obj, e: Obj, b: Obj) => Obj {
  return source === "contact" ? (c) => c : source === "event" ? (_c, e) => e : (_c, _e, b) => b;
}

/** `test(value)` with the same `Object.prototype` guard as the generated code. */
function guarded(a: Access, t: Test): (c: Obj, e: Obj, b: Obj) => boolean {
  const from = pick(a.source);
  const key = a.key;
  if (a.protoName) return (c, e, b) => {
    const o = from(c, e, b);
    return t(own(o, key) ? o[key] : undefined);
  };
  return (c, e, b) => {
    const o = from(c, e, b);
    const v = o[key];
    return t(v) && (v !== OP[key] || own(o, key));
  };
}

/** The own value of a property, or undefined. */
function read(o: Obj, a: Access): unknown {
  const key = a.key;
  if (a.protoName) return own(o, key) ? o[key] : undefined;
  const v = o[key];
  return v === undefined || (v === OP[key] && !own(o, key)) ? undefined : v;
}

/** A positive test as a closure over the raw value. */
export function test(t: PlanTest): Test {
  switch (t.k) {
    case "const": {
      const value = t.value;
      return () => value;
    }
    case "present":
      switch (t.type) {
        case "string":
        case "enum":
          return (v) => typeof v === "string" && v !== "";
        case "number":
          return (v) => typeof v === "number" && v === v;
        case "boolean":
          return (v) => typeof v === "boolean";
        case "timestamp":
          return (v) => !Number.isNaN(toInstant(v));
        case "date":
          return (v) => !Number.isNaN(toDay(v));
        case "list":
          return (v) => Array.isArray(v) && v.length !== 0;
      }
    // falls through (unreachable: every type is handled)
    case "eq": {
      const x = t.value;
      return (v) => v === x;
    }
    case "eqTime": {
      const conv = t.conv === "day" ? toDay : toInstant;
      const ms = t.ms;
      return (v) => conv(v) === ms;
    }
    case "cmp": {
      const x = t.value;
      if (t.conv === "none") {
        switch (t.cmp) {
          case "lt": return (v) => typeof v === "number" && v < x;
          case "le": return (v) => typeof v === "number" && v <= x;
          case "gt": return (v) => typeof v === "number" && v > x;
          case "ge": return (v) => typeof v === "number" && v >= x;
        }
      }
      const conv = t.conv === "day" ? toDay : toInstant;
      switch (t.cmp) {
        case "lt": return (v) => conv(v) < x;
        case "le": return (v) => conv(v) <= x;
        case "gt": return (v) => conv(v) > x;
        case "ge": return (v) => conv(v) >= x;
      }
    }
    // falls through (unreachable)
    case "between": {
      const { low, high } = t;
      if (t.conv === "none") return (v) => typeof v === "number" && v >= low && v <= high;
      const conv = t.conv === "day" ? toDay : toInstant;
      return (v) => {
        const ms = conv(v);
        return ms >= low && ms <= high;
      };
    }
    case "inList": {
      const values = t.values;
      return (v) => values.includes(v as string | number);
    }
    case "inSet": {
      const { set, type } = t;
      return (v) => typeof v === type && set.has(v as string | number);
    }
    case "contains":
    case "startsWith":
    case "endsWith": {
      const n = t.needle;
      if (n === "") return (v) => typeof v === "string" && v !== "";
      const fn = t.k === "contains" ? containsFold : t.k === "startsWith" ? startsFold : endsFold;
      return (v) => typeof v === "string" && fn(v, n);
    }
    case "hasAny": {
      const set = new Set(t.values);
      return (v) => Array.isArray(v) && hasAnyOf(v, set);
    }
    case "hasAnySet": {
      const set = t.set;
      return (v) => Array.isArray(v) && hasAnyOf(v, set);
    }
    case "hasAll": {
      const values = t.values;
      return (v) => Array.isArray(v) && hasAllOf(v, values);
    }
  }
}

/** One pass over the contact's events, as the generated event functions do. */
function event(ev: PlanEvent, segments: Eval[]): Eval {
  const m = ev.measure;
  if (m.k === "count" && m.cmp === ">=" && m.count === 0) return () => true;
  const nameOk = guarded(ev.nameAccess, (v) => v === ev.name);
  const w = ev.window;
  const inWindow = w ? guarded(ev.timeAccess, (v) => {
    const ms = toInstant(v);
    return ms >= w.low && ms <= w.high;
  }) : null;
  const props = ev.propertiesAccess;
  const filter = ev.filter ? build(ev.filter, segments) : null;
  /** Calls `each(e, b)` for every matching event until it returns true. */
  const scan = (c: Obj, E: Events, each: (e: Obj, b: Obj) => boolean): void => {
    for (let i = 0; i < E.length; i++) {
      const e = E[i];
      if (typeof e !== "object" || e === null) continue;
      if (!nameOk(c, e, NO_PROPERTIES)) continue;
      if (inWindow && !inWindow(c, e, NO_PROPERTIES)) continue;
      let b = NO_PROPERTIES;
      if (props) {
        const raw = read(e, props);
        if (typeof raw === "object" && raw !== null) b = raw as Obj;
      }
      if (filter && !filter(c, E, e, b)) continue;
      if (each(e, b)) return;
    }
  };
  switch (m.k) {
    case "count": {
      const { cmp, count } = m;
      return (c, E) => {
        let n = 0;
        scan(c, E, () => ++n > count);
        return cmp === ">=" ? n >= count : cmp === "<=" ? n <= count : n === count;
      };
    }
    case "aggregate": {
      const check = test(m.test);
      const { fn, access } = m;
      return (c, E) => {
        let n = 0;
        let x = 0;
        scan(c, E, (e, b) => {
          const v = read(access.source === "event" ? e : b, access);
          if (typeof v !== "number" || v !== v) return false;
          if (fn === "sum" || fn === "avg") x += v;
          else if (n === 0 || (fn === "min" ? v < x : v > x)) x = v;
          n++;
          return false;
        });
        return n !== 0 && check(fn === "avg" ? x / n : x);
      };
    }
    case "first":
    case "last": {
      const check = test(m.test);
      const first = m.k === "first";
      return (c, E) => {
        let n = 0;
        let x = 0;
        scan(c, E, (e) => {
          const t = toInstant(read(e, ev.timeAccess));
          if (t !== t) return false;
          if (n++ === 0 || (first ? t < x : t > x)) x = t;
          return false;
        });
        return n !== 0 && check(x);
      };
    }
  }
}
