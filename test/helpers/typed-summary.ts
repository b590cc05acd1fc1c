/**
 * A compact, readable rendering of typed expressions for table tests:
 * `and(eq(status,"Pro"), not(gt(tenure,12)))`, `between(signed_up_at,-30day,now)`, `!in(plan_type,["Free"])`.
 */
import type { Literal, PositiveTest, TypedExpr, TypedTest } from "../../src/checker/typed-ast.js";

export function summarize(e: TypedExpr): string {
  switch (e.kind) {
    case "and":
    case "or":
      return `${e.kind}(${e.operands.map(summarize).join(", ")})`;
    case "not":
      return `not(${summarize(e.operand)})`;
    case "rule":
      return testSummary(e.field.name, e.test);
    case "segment":
      return `segment(${JSON.stringify(e.name)})`;
    case "event": {
      const parts = [JSON.stringify(e.name)];
      const m = e.measure;
      if (m.kind === "count") parts.push(`count${m.cmp}${m.count}`);
      else if (m.kind === "aggregate") parts.push(positive(`${m.fn}(${m.property.name})`, m.test));
      else parts.push(positive(m.kind, m.test));
      if (e.window) parts.push(`window[${literal(e.window.low)},${literal(e.window.high)}]`);
      if (e.filter) parts.push(`where ${summarize(e.filter)}`);
      return `event(${parts.join(", ")})`;
    }
  }
}

function testSummary(field: string, t: TypedTest): string {
  return `${t.negated ? "!" : ""}${positive(field, t)}`;
}

function positive(field: string, t: PositiveTest): string {
  switch (t.op) {
    case "eq": case "lt": case "le": case "gt": case "ge":
      return `${t.op}(${field},${literal(t.value)})`;
    case "between":
      return `between(${field},${literal(t.low)},${literal(t.high)})`;
    case "in":
      return `in(${field},[${t.values.map(literal).join(",")}])`;
    case "contains": case "startsWith": case "endsWith":
      return `${t.op}(${field},${JSON.stringify(t.value)})`;
    case "hasAny": case "hasAll":
      return `${t.op}(${field},${JSON.stringify(t.values)})`;
    case "present":
      return `present(${field})`;
  }
}

export function literal(l: Literal): string {
  switch (l.kind) {
    case "string": return JSON.stringify(l.value);
    case "number": case "boolean": return String(l.value);
    case "instant": return l.date ?? new Date(l.ms).toISOString();
    case "relative": return `-${l.amount}${l.unit}`;
    case "now": case "today": return l.kind;
  }
}
