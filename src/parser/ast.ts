/**
 * The segql AST: plain data, a union on `kind`, every node with its span. It records what was written,
 * normalised only where the meaning is the same (parentheses dropped, `a and (b and c)` flattened, operator
 * spellings such as `is greater than` stored as `>`), so `parse(format(ast))` equals `ast` up to spans and
 * the backticks of field names that need none (`sameDocument` in format.ts).
 */
import type { Span } from "../diagnostics.js";

/** A whole text: named segments, or one unnamed segment when the text is a bare expression. */
export interface SegqlDocument {
  kind: "document";
  segments: SegmentDeclaration[];
  /** True when the text is one expression without `segment` declarations. */
  bare: boolean;
  comments: Comment[];
  span: Span;
}

/** `segment NAME [title "…"] [description "…"] as EXPR`. */
export interface SegmentDeclaration {
  kind: "segment";
  /** Null for the unnamed segment of a bare expression. */
  name: string | null;
  nameSpan: Span | null;
  title: StringValue | null;
  description: StringValue | null;
  /** Null when the text has no expression (an empty file, or recovery found none). */
  expr: Expr | null;
  span: Span;
}

/** A `--` comment. */
export interface Comment {
  text: string;
  span: Span;
  /** The token before the comment, when it is on the comment's line (the parser sets it; the formatter keeps the comment after it). */
  follows?: CommentFollows;
}

/** The token a comment follows on its line. */
export interface CommentFollows {
  /** The token's kind (its Chevrotain token type name: `Not`, `LParen`, `Identifier`, …). */
  token: string;
  /** The token's start and end offsets (end exclusive). */
  start: number;
  end: number;
  /** How many tokens of its kind come before it since the last field, value or number. */
  ordinal: number;
  /**
   * For `(` or `)`: where the text the pair encloses starts (past any `(` right inside it), and the offsets
   * it may end at, outermost first (after its last token, and before each `)` right inside the closing one).
   */
  inner?: { start: number; ends: number[] };
}

/** A condition. */
export type Expr = AndExpr | OrExpr | NotExpr | RuleExpr | EventExpr | SegmentRefExpr;

export interface AndExpr {
  kind: "and";
  operands: Expr[];
  span: Span;
}

export interface OrExpr {
  kind: "or";
  operands: Expr[];
  span: Span;
}

export interface NotExpr {
  kind: "not";
  operand: Expr;
  span: Span;
}

/** `field`, `field OP value`, … */
export interface RuleExpr {
  kind: "rule";
  field: FieldRef;
  test: Test;
  span: Span;
  /**
   * Set by the parser on a rule error recovery made of a syntax error's words (recovered.ts): a misspelt
   * keyword read as a field (`nto` of `nto is_verified`), or a field with no operator after it where one was
   * expected. The checker leaves what is wrong there to the syntax error.
   */
  recovered?: "misspelt-keyword" | "operator-expected";
}

/** `in segment "High value"` */
export interface SegmentRefExpr {
  kind: "segmentRef";
  name: string;
  nameSpan: Span;
  span: Span;
}

/** `performed "Purchase" at least 3 times within last 30 days where amount > 50` */
export interface EventExpr {
  kind: "event";
  name: Value;
  /** Absent: at least once. */
  measure: Measure | null;
  window: Window | null;
  filter: Expr | null;
  span: Span;
}

/** What is counted or aggregated over the matching events. */
export type Measure =
  | { kind: "count"; cmp: ">=" | "<=" | "="; count: NumberValue; span: Span }
  | { kind: "aggregate"; fn: AggregateFn; property: FieldRef; test: Test; span: Span }
  | { kind: "first" | "last"; test: Test; span: Span };

export type AggregateFn = "sum" | "avg" | "min" | "max";

/** The events counted: `within last N unit` or `between A and B`. */
export type Window =
  | { kind: "within"; amount: NumberValue; unit: TimeUnit; next?: true; span: Span }
  | { kind: "between"; low: Value; high: Value; span: Span };

/** A field as written: `plan_type`, `custom.plan`, `` `Plan Type` ``. */
export interface FieldRef {
  name: string;
  quoted: boolean;
  span: Span;
}

export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";
export type TextOp = "contains" | "startsWith" | "endsWith";
export type TimeUnit = "minute" | "hour" | "day" | "week" | "month" | "year";

/** What a rule asks of its field. `span` covers the operator and its operands. */
export type Test =
  | { op: "truthy"; span: Span }
  | { op: "compare"; cmp: CompareOp; value: Value; span: Span }
  | { op: "between"; negated: boolean; low: Value; high: Value; span: Span }
  | { op: "in"; negated: boolean; values: Value[]; span: Span }
  | { op: TextOp; negated: boolean; value: Value; span: Span }
  | { op: "empty"; negated: boolean; span: Span }
  | { op: "has"; quantifier: "one" | "any" | "all" | "none"; values: Value[]; span: Span }
  | { op: "before" | "after"; negated: boolean; value: Value; span: Span }
  /** `within last N unit`; `next` for `within next N unit` (the future). */
  | { op: "within"; negated: boolean; amount: NumberValue; unit: TimeUnit; next?: true; span: Span };

export interface StringValue {
  kind: "string";
  value: string;
  span: Span;
}

export interface NumberValue {
  kind: "number";
  value: number;
  /** As written, so the formatter keeps `1000.25` and `1e3` as typed. */
  raw: string;
  span: Span;
}

/** A literal or a relative time. */
export type Value =
  | StringValue
  | NumberValue
  | { kind: "boolean"; value: boolean; span: Span }
  /** `2024-01-01`, checked by the checker. */
  | { kind: "date"; text: string; span: Span }
  /** `2024-01-01T10:00:00Z`, checked by the checker. */
  | { kind: "timestamp"; text: string; span: Span }
  /** `30 days ago`; `future` for `in 30 days` and `30 days from now` (as written). */
  | { kind: "relative"; amount: NumberValue; unit: TimeUnit; future?: "in" | "fromNow"; span: Span }
  | { kind: "now"; span: Span }
  | { kind: "today"; span: Span }
  /** An unquoted word where a value belongs (`status = Subscribed`): the checker suggests quotes. */
  | { kind: "bareword"; text: string; quoted: boolean; span: Span }
  /** Nothing where a value belongs; the parser has reported it. */
  | { kind: "missing"; span: Span };

/** Visits every expression node, parents before children, without recursion (deep input is fine). */
export function forEachExpr(root: Expr, visit: (e: Expr) => void): void {
  const stack: Expr[] = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    visit(e);
    switch (e.kind) {
      case "and":
      case "or":
        for (let i = e.operands.length - 1; i >= 0; i--) stack.push(e.operands[i]!);
        break;
      case "not":
        stack.push(e.operand);
        break;
      case "event":
        if (e.filter) stack.push(e.filter);
        break;
      default:
        break;
    }
  }
}

/** The values a test holds. */
export function valuesOf(test: Test): Value[] {
  switch (test.op) {
    case "compare":
    case "contains":
    case "startsWith":
    case "endsWith":
    case "before":
    case "after":
      return [test.value];
    case "between":
      return [test.low, test.high];
    case "in":
    case "has":
      return test.values;
    case "within":
      return [test.amount];
    default:
      return [];
  }
}
