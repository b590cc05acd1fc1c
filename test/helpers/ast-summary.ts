/**
 * A compact, readable summary of an AST for table-driven tests: S-expressions without spans.
 *
 *   status = "Subscribed" and not tags has any ("vip")   →   (and (= status "Subscribed") (not (has-any tags "vip")))
 *
 * Fields print bare, or in backticks when written so; strings as JSON; numbers, dates and timestamps as
 * written; `30 days ago` as (ago 30 day); bare words as (word Subscribed); a missing value as ?.
 */
import type * as A from "../../src/parser/ast.js";

export function summarizeValue(v: A.Value): string {
  switch (v.kind) {
    case "string":
      return JSON.stringify(v.value);
    case "number":
      return v.raw;
    case "boolean":
      return String(v.value);
    case "date":
    case "timestamp":
      return v.text;
    case "relative":
      return `(ago ${v.amount.raw} ${v.unit})`;
    case "now":
    case "today":
      return v.kind;
    case "bareword":
      return `(word ${v.quoted ? `\`${v.text}\`` : v.text})`;
    case "missing":
      return "?";
  }
}

function field(f: A.FieldRef): string {
  return f.quoted ? `\`${f.name}\`` : f.name;
}

const neg = (negated: boolean | undefined, op: string) => (negated ? `not-${op}` : op);

/** A test of `subject` (a field, or `time` for first/last measures). */
export function summarizeTest(subject: string, t: A.Test): string {
  switch (t.op) {
    case "truthy":
      return `(truthy ${subject})`;
    case "compare":
      return `(${t.cmp} ${subject} ${summarizeValue(t.value)})`;
    case "between":
      return `(${neg(t.negated, "between")} ${subject} ${summarizeValue(t.low)} ${summarizeValue(t.high)})`;
    case "in":
      return `(${[neg(t.negated, "in"), subject, ...t.values.map(summarizeValue)].join(" ")})`;
    case "contains":
    case "startsWith":
    case "endsWith":
    case "before":
    case "after":
      return `(${neg(t.negated, t.op)} ${subject} ${summarizeValue(t.value)})`;
    case "empty":
      return `(${neg(t.negated, "empty")} ${subject})`;
    case "has":
      return `(${[`has-${t.quantifier}`, subject, ...t.values.map(summarizeValue)].join(" ")})`;
    case "within":
      return `(${neg(t.negated, "within")} ${subject} ${t.amount.raw} ${t.unit})`;
  }
}

export function summarizeExpr(e: A.Expr | null): string {
  if (e === null) return "∅";
  switch (e.kind) {
    case "and":
    case "or":
      return `(${e.kind} ${e.operands.map(summarizeExpr).join(" ")})`;
    case "not":
      return `(not ${summarizeExpr(e.operand)})`;
    case "rule":
      return summarizeTest(field(e.field), e.test);
    case "segmentRef":
      return `(segment ${JSON.stringify(e.name)})`;
    case "event": {
      const parts = ["performed", summarizeValue(e.name)];
      const m = e.measure;
      if (m?.kind === "count") parts.push(`(count ${m.cmp} ${m.count.raw})`);
      else if (m?.kind === "aggregate") parts.push(`(${m.fn} ${summarizeTest(field(m.property), m.test)})`);
      else if (m) parts.push(`(${m.kind} ${summarizeTest("time", m.test)})`);
      const w = e.window;
      if (w?.kind === "within") parts.push(`(window last ${w.amount.raw} ${w.unit})`);
      else if (w) parts.push(`(window ${summarizeValue(w.low)} ${summarizeValue(w.high)})`);
      if (e.filter) parts.push(`(where ${summarizeExpr(e.filter)})`);
      return `(${parts.join(" ")})`;
    }
  }
}

/** A bare document as its expression; a segment file as `segment NAME [title …] [description …]: EXPR` lines. */
export function summarizeDocument(d: A.SegqlDocument): string {
  if (d.bare) return summarizeExpr(d.segments[0]?.expr ?? null);
  return d.segments
    .map((s) => {
      const head = [`segment ${JSON.stringify(s.name)}`];
      if (s.title) head.push(`title ${JSON.stringify(s.title.value)}`);
      if (s.description) head.push(`description ${JSON.stringify(s.description.value)}`);
      return `${head.join(" ")}: ${summarizeExpr(s.expr)}`;
    })
    .join("\n");
}
