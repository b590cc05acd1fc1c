/**
 * Finding things in a parsed piece: what is at an offset (a field, an operator, a segment name, …), and every
 * segment reference. Walks use an explicit stack, so deeply nested input cannot overflow the call stack.
 */
import { forEachExpr, valuesOf, type EventExpr, type Expr, type FieldRef, type SegmentDeclaration, type SegmentRefExpr, type Test, type Value } from "../parser/ast.js";

/** Where a name is looked up: contact fields, or the properties of the event whose filter or measure it is in. */
export type Scope = { kind: "contact" } | { kind: "event"; event: EventExpr };

/** What sits at an offset. */
export type Target =
  | { kind: "field"; field: FieldRef; scope: Scope; aggregate: boolean }
  | { kind: "operator"; test: Test; subject: FieldRef | null; scope: Scope; measure: "aggregate" | "first" | "last" | null }
  | { kind: "value"; value: Value; test: Test; subject: FieldRef | null; scope: Scope }
  | { kind: "segmentRef"; ref: SegmentRefExpr }
  | { kind: "declaration"; declaration: SegmentDeclaration }
  | { kind: "event"; event: EventExpr }
  | { kind: "eventKeyword"; event: EventExpr };

const inside = (span: { start: number; end: number }, offset: number) => span.start <= offset && offset < span.end;

/** The innermost thing at `offset` in the declarations, or null. */
export function targetAt(segments: readonly SegmentDeclaration[], offset: number): Target | null {
  for (const d of segments) {
    if (!inside(d.span, offset) && !(d.nameSpan && inside(d.nameSpan, offset))) continue;
    if (d.nameSpan && inside(d.nameSpan, offset)) return { kind: "declaration", declaration: d };
    if (!d.expr) return null;
    const stack: { e: Expr; scope: Scope }[] = [{ e: d.expr, scope: { kind: "contact" } }];
    while (stack.length) {
      const { e, scope } = stack.pop()!;
      if (!inside(e.span, offset)) continue;
      switch (e.kind) {
        case "and":
        case "or":
          for (const o of e.operands) stack.push({ e: o, scope });
          break;
        case "not":
          stack.push({ e: e.operand, scope });
          break;
        case "rule":
          if (inside(e.field.span, offset)) return { kind: "field", field: e.field, scope, aggregate: false };
          return testTarget(e.test, e.field, scope, null, offset);
        case "segmentRef":
          return { kind: "segmentRef", ref: e };
        case "event": {
          if (inside(e.name.span, offset)) return { kind: "event", event: e };
          const eventScope: Scope = { kind: "event", event: e };
          const m = e.measure;
          if (m && inside(m.span, offset)) {
            if (m.kind === "aggregate") {
              if (inside(m.property.span, offset)) return { kind: "field", field: m.property, scope: eventScope, aggregate: true };
              if (inside(m.test.span, offset)) return testTarget(m.test, m.property, eventScope, "aggregate", offset);
            } else if (m.kind !== "count" && inside(m.test.span, offset)) {
              return testTarget(m.test, null, eventScope, m.kind, offset);
            }
            return { kind: "eventKeyword", event: e };
          }
          if (e.filter && inside(e.filter.span, offset)) {
            stack.push({ e: e.filter, scope: eventScope });
            break;
          }
          return { kind: "eventKeyword", event: e };
        }
      }
    }
    return null;
  }
  return null;
}

function testTarget(test: Test, subject: FieldRef | null, scope: Scope, measure: "aggregate" | "first" | "last" | null, offset: number): Target {
  for (const v of valuesOf(test)) {
    if (inside(v.span, offset)) return { kind: "value", value: v, test, subject, scope };
  }
  return { kind: "operator", test, subject, scope, measure };
}


/** Every `in segment` reference in the declarations, in document order. */
export function segmentRefs(segments: readonly SegmentDeclaration[]): SegmentRefExpr[] {
  const out: SegmentRefExpr[] = [];
  for (const d of segments) {
    if (d.expr) forEachExpr(d.expr, (e) => {
      if (e.kind === "segmentRef") out.push(e);
    });
  }
  return out;
}

/** Calls `visit` for every expression with its scope (contact, or the event whose filter it is in). */
export function forEachScoped(segments: readonly SegmentDeclaration[], visit: (e: Expr, scope: Scope) => void): void {
  for (const d of segments) {
    if (!d.expr) continue;
    const stack: { e: Expr; scope: Scope }[] = [{ e: d.expr, scope: { kind: "contact" } }];
    while (stack.length) {
      const { e, scope } = stack.pop()!;
      visit(e, scope);
      if (e.kind === "and" || e.kind === "or") for (const o of e.operands) stack.push({ e: o, scope });
      else if (e.kind === "not") stack.push({ e: e.operand, scope });
      else if (e.kind === "event" && e.filter) stack.push({ e: e.filter, scope: { kind: "event", event: e } });
    }
  }
}
