/**
 * CST → AST in one pass. Recovery can leave any child missing, so every access here tolerates absence:
 * a missing value becomes `{kind: "missing"}` (the parser already reported why), a missing operand is
 * dropped. Literal decoding problems (bad escapes, unterminated strings) are reported here.
 */
import type { CstElement, CstNode, IToken } from "chevrotain";
import { error, type Diagnostic, type Span } from "../diagnostics.js";
import type * as A from "./ast.js";
import * as T from "./tokens.js";

type Children = Record<string, CstElement[] | undefined>;

/** Converts a `document` CST. `endSpan` is the zero-width span at the end of the text. */
export function toAst(cst: CstNode, comments: IToken[], endSpan: Span): { document: A.SegqlDocument; diagnostics: Diagnostic[] } {
  const builder = new AstBuilder(endSpan);
  const document = builder.document(cst, comments);
  return { document, diagnostics: builder.diagnostics };
}

function isToken(e: CstElement | undefined): e is IToken {
  return e !== undefined && (e as IToken).tokenType !== undefined;
}

/** Comparison operator tokens, by token name. */
const COMPARE_OPS: Readonly<Record<string, A.CompareOp>> = {
  Equal: "=", NotEqual: "!=", Less: "<", LessEqual: "<=", Greater: ">", GreaterEqual: ">=",
};

/** The text operators: keyword token, CST label of the value, AST operator. */
const TEXT_OPS: readonly (readonly [string, string, A.TextOp])[] = [
  ["Contains", "contains", "contains"],
  ["Starts", "startsWith", "startsWith"],
  ["Ends", "endsWith", "endsWith"],
];

/** True for tokens the parser made up while recovering (offset NaN or -1): they hold no text. */
function isVirtual(t: IToken): boolean {
  return !(t.startOffset >= 0) || t.isInsertedInRecovery === true;
}

class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  /** End of the last real token seen, where a missing piece is reported. */
  private lastEnd: Span;

  constructor(private readonly endSpan: Span) {
    this.lastEnd = endSpan;
  }

  // ---- CST access ------------------------------------------------------------------------------

  // These run for every CST node, so they loop rather than chain filters (no garbage on the hot path).

  private tokens(node: CstNode, name: string): IToken[] {
    const children = (node.children as Children)[name];
    const out: IToken[] = [];
    if (children) for (const e of children) if (isToken(e) && !isVirtual(e)) out.push(e);
    return out;
  }

  private token(node: CstNode, name: string): IToken | undefined {
    const children = (node.children as Children)[name];
    if (children) for (const e of children) if (isToken(e) && !isVirtual(e)) return e;
    return undefined;
  }

  private nodes(node: CstNode, name: string): CstNode[] {
    const children = (node.children as Children)[name];
    const out: CstNode[] = [];
    if (children) for (const e of children) if (!isToken(e)) out.push(e);
    return out;
  }

  private node(node: CstNode, name: string): CstNode | undefined {
    const children = (node.children as Children)[name];
    if (children) for (const e of children) if (!isToken(e)) return e;
    return undefined;
  }

  private tokenSpan(t: IToken): Span {
    return { start: t.startOffset, end: t.endOffset! + 1, line: t.startLine!, column: t.startColumn! };
  }

  /** The span of a CST node's real tokens; zero-width at the last known end when it has none. */
  private nodeSpan(node: CstNode): Span {
    const loc = node.location;
    if (loc && loc.startOffset >= 0 && Number.isFinite(loc.endOffset)) {
      return { start: loc.startOffset, end: loc.endOffset! + 1, line: loc.startLine!, column: loc.startColumn! };
    }
    return this.pointAtLastEnd();
  }

  private pointAtLastEnd(): Span {
    const last = this.lastEnd;
    return { start: last.end, end: last.end, line: last.line, column: last.column + (last.end - last.start) };
  }

  private cover(a: Span, b: Span): Span {
    // A literal rather than a spread: every span keeps one shape, which keeps this hot path fast.
    return b.end > a.end ? { start: a.start, end: b.end, line: a.line, column: a.column } : a;
  }

  // ---- document --------------------------------------------------------------------------------

  document(cst: CstNode, comments: IToken[]): A.SegqlDocument {
    const declarations = this.nodes(cst, "segmentDeclaration");
    const span: Span = { start: 0, end: this.endSpan.end, line: 1, column: 1 };
    const commentNodes = comments.map((t) => ({ text: t.image, span: this.tokenSpan(t) }));
    if (declarations.length > 0) {
      return { kind: "document", segments: declarations.map((d) => this.declaration(d)), bare: false, comments: commentNodes, span };
    }
    const exprNode = this.node(cst, "expression");
    const expr = exprNode ? this.expression(exprNode) : null;
    // The unnamed segment covers the expression's text, outer parentheses included (as a declaration's
    // span does), so tools know where its text starts.
    const loc = exprNode?.location;
    const textSpan: Span | null = expr && loc && loc.startOffset >= 0 && Number.isFinite(loc.endOffset) && loc.endOffset! + 1 >= expr.span.end
      ? { start: loc.startOffset, end: loc.endOffset! + 1, line: loc.startLine!, column: loc.startColumn! }
      : null;
    const segment: A.SegmentDeclaration = {
      kind: "segment",
      name: null,
      nameSpan: null,
      title: null,
      description: null,
      expr,
      span: textSpan ?? expr?.span ?? span,
    };
    return { kind: "document", segments: [segment], bare: true, comments: commentNodes, span };
  }

  private declaration(node: CstNode): A.SegmentDeclaration {
    const nameNode = this.node(node, "segmentName");
    const name = nameNode ? this.segmentName(nameNode) : null;
    const titleToken = this.token(node, "title");
    const descriptionToken = this.token(node, "description");
    const exprNode = this.node(node, "expression");
    return {
      kind: "segment",
      name: name?.name ?? null,
      nameSpan: name?.span ?? null,
      title: titleToken ? this.stringValue(titleToken) : null,
      description: descriptionToken ? this.stringValue(descriptionToken) : null,
      expr: exprNode ? this.expression(exprNode) : null,
      span: this.nodeSpan(node),
    };
  }

  private segmentName(node: CstNode): { name: string; span: Span } | null {
    const str = this.token(node, "StringLiteral");
    if (str) return { name: this.decodeString(str), span: this.tokenSpan(str) };
    const quoted = this.token(node, "QuotedIdentifier");
    if (quoted) return { name: this.decodeQuotedName(quoted), span: this.tokenSpan(quoted) };
    const ident = this.token(node, "Identifier");
    if (ident) return { name: ident.image, span: this.tokenSpan(ident) };
    return null;
  }

  // ---- expressions -----------------------------------------------------------------------------

  private expression(node: CstNode): A.Expr | null {
    const or = this.node(node, "orExpr");
    return or ? this.junction(or, "or") : null;
  }

  /** `orExpr` and `andExpr`: one operand passes through; nested same-kind operands are flattened. */
  private junction(node: CstNode, kind: "or" | "and"): A.Expr | null {
    const operands: A.Expr[] = [];
    for (const child of this.nodes(node, "operands")) {
      const e = kind === "or" ? this.junction(child, "and") : this.notExpr(child);
      if (!e) continue;
      // A loop, not push(...): a spread of 100,000s of operands overflows the stack.
      if (e.kind === kind) for (const o of e.operands) operands.push(o);
      else operands.push(e);
    }
    if (operands.length === 0) return null;
    if (operands.length === 1) return operands[0]!;
    const span = this.cover(operands[0]!.span, operands[operands.length - 1]!.span);
    return { kind, operands, span };
  }

  private notExpr(node: CstNode): A.Expr | null {
    const primary = this.node(node, "primary");
    let expr = primary ? this.primary(primary) : null;
    if (!expr) return null;
    const nots = this.tokens(node, "Not");
    for (let i = nots.length - 1; i >= 0; i--) {
      expr = { kind: "not", operand: expr, span: this.cover(this.tokenSpan(nots[i]!), expr.span) };
    }
    return expr;
  }

  private primary(node: CstNode): A.Expr | null {
    const paren = this.node(node, "parenExpr");
    if (paren) {
      const inner = this.node(paren, "expression");
      return inner ? this.expression(inner) : null;
    }
    const ref = this.node(node, "segmentRef");
    if (ref) return this.segmentRef(ref);
    const event = this.node(node, "eventCondition");
    if (event) return this.event(event);
    const rule = this.node(node, "rule");
    if (rule) return this.rule(rule);
    return null;
  }

  private segmentRef(node: CstNode): A.SegmentRefExpr | null {
    const nameNode = this.node(node, "segmentName");
    const name = nameNode ? this.segmentName(nameNode) : null;
    if (!name) return null;
    return { kind: "segmentRef", name: name.name, nameSpan: name.span, span: this.nodeSpan(node) };
  }

  private rule(node: CstNode): A.RuleExpr | null {
    const fieldNode = this.node(node, "field");
    const field = fieldNode ? this.field(fieldNode) : null;
    if (!field) return null;
    const predicate = this.node(node, "predicate");
    const test: A.Test = predicate ? this.predicate(predicate) : { op: "truthy", span: field.span };
    return { kind: "rule", field, test, span: this.cover(field.span, test.span) };
  }

  private field(node: CstNode): A.FieldRef | null {
    const quoted = this.token(node, "QuotedIdentifier");
    if (quoted) return { name: this.decodeQuotedName(quoted), quoted: true, span: this.tokenSpan(quoted) };
    const ident = this.token(node, "Identifier");
    if (!ident) return null;
    this.lastEnd = this.tokenSpan(ident);
    return { name: ident.image, quoted: false, span: this.tokenSpan(ident) };
  }

  // ---- predicates ------------------------------------------------------------------------------

  private predicate(node: CstNode): A.Test {
    const span = this.nodeSpan(node);
    const cmp = this.node(node, "comparison");
    if (cmp) return this.comparison(cmp);
    const is = this.node(node, "isPredicate");
    if (is) return this.isPredicate(is);
    const neg = this.node(node, "negatedPredicate");
    if (neg) {
      const inner = this.node(neg, "positivePredicate");
      const test = inner ? this.positivePredicate(inner, true) : null;
      return test ? { ...test, span: this.nodeSpan(neg) } : { op: "compare", cmp: "!=", value: this.missing(), span };
    }
    const pos = this.node(node, "positivePredicate");
    if (pos) return this.positivePredicate(pos, false) ?? { op: "compare", cmp: "=", value: this.missing(), span };
    const has = this.node(node, "hasPredicate");
    if (has) return this.hasPredicate(has);
    return { op: "compare", cmp: "=", value: this.missing(), span };
  }

  private comparison(node: CstNode): A.Test {
    const opToken = this.token(node, "CompareOp") ?? this.tokens(node, "CompareOp")[0];
    const cmp = opToken ? COMPARE_OPS[opToken.tokenType.name] ?? "=" : "=";
    if (opToken) this.lastEnd = this.tokenSpan(opToken);
    return { op: "compare", cmp, value: this.valueOf(node, "value"), span: this.nodeSpan(node) };
  }

  private isPredicate(node: CstNode): A.Test {
    const span = this.nodeSpan(node);
    const is = this.token(node, "Is");
    if (is) this.lastEnd = this.tokenSpan(is);
    const markEnd = (name: string) => {
      const toks = this.tokens(node, name);
      if (toks.length) this.lastEnd = this.tokenSpan(toks[toks.length - 1]!);
    };
    if (this.token(node, "GreaterKw")) {
      markEnd("Than");
      return { op: "compare", cmp: ">", value: this.valueOf(node, "greaterThan"), span };
    }
    if (this.token(node, "LessKw")) {
      markEnd("Than");
      return { op: "compare", cmp: "<", value: this.valueOf(node, "lessThan"), span };
    }
    if (this.token(node, "At")) {
      const most = this.token(node, "Most");
      markEnd(most ? "Most" : "Least");
      return { op: "compare", cmp: most ? "<=" : ">=", value: this.valueOf(node, "bound"), span };
    }
    const negated = this.token(node, "Not") !== undefined;
    if (negated) markEnd("Not");
    if (this.token(node, "Empty")) return { op: "empty", negated, span };
    if (this.token(node, "EqualKw")) markEnd("To");
    return { op: "compare", cmp: negated ? "!=" : "=", value: this.valueOf(node, "equalTo"), span };
  }

  private positivePredicate(node: CstNode, negated: boolean): A.Test | null {
    const span = this.nodeSpan(node);
    const inTok = this.token(node, "In");
    if (inTok) {
      this.lastEnd = this.tokenSpan(inTok);
      const list = this.node(node, "valueList");
      return { op: "in", negated, values: list ? this.valueList(list) : [], span };
    }
    const between = this.node(node, "betweenTail");
    if (between) {
      const { low, high } = this.between(between);
      return { op: "between", negated, low, high, span };
    }
    for (const [tokenName, label, op] of TEXT_OPS) {
      const t = this.token(node, tokenName);
      if (t) {
        this.lastEnd = this.tokenSpan(this.token(node, "With") ?? t);
        return { op, negated, value: this.valueOf(node, label), span };
      }
    }
    for (const [tokenName, op] of [["Before", "before"], ["After", "after"]] as const) {
      const t = this.token(node, tokenName);
      if (t) {
        this.lastEnd = this.tokenSpan(t);
        return { op, negated, value: this.valueOf(node, op), span } as A.Test;
      }
    }
    const within = this.node(node, "withinLast");
    if (within) {
      const w = this.withinLast(within);
      return { op: "within", negated, amount: w.amount, unit: w.unit, span };
    }
    return null;
  }

  private between(node: CstNode): { low: A.Value; high: A.Value } {
    const b = this.token(node, "Between");
    if (b) this.lastEnd = this.tokenSpan(b);
    const low = this.valueOf(node, "low");
    const and = this.token(node, "And");
    if (and) this.lastEnd = this.tokenSpan(and);
    return { low, high: this.valueOf(node, "high") };
  }

  private withinLast(node: CstNode): { amount: A.NumberValue; unit: A.TimeUnit } {
    const last = this.token(node, "Last") ?? this.token(node, "Within");
    if (last) this.lastEnd = this.tokenSpan(last);
    const num = this.token(node, "NumberLiteral");
    const amount: A.NumberValue = num ? this.numberValue(num) : { kind: "number", value: NaN, raw: "", span: this.pointAtLastEnd() };
    const unitToken = this.unitToken(node);
    return { amount, unit: unitToken ? unitOf(unitToken) : "day" };
  }

  /** A unit token: consumed through the `Unit` category, so stored under that name. */
  private unitToken(node: CstNode): IToken | undefined {
    return this.token(node, "Unit");
  }

  private hasPredicate(node: CstNode): A.Test {
    const span = this.nodeSpan(node);
    const has = this.token(node, "Has");
    if (has) this.lastEnd = this.tokenSpan(has);
    const list = this.node(node, "valueList");
    if (list) {
      const quantifier = this.token(node, "All") ? "all" : this.token(node, "None") ? "none" : "any";
      return { op: "has", quantifier, values: this.valueList(list), span };
    }
    return { op: "has", quantifier: "one", values: [this.valueOf(node, "value")], span };
  }

  private valueList(node: CstNode): A.Value[] {
    const open = this.token(node, "LParen");
    if (open) this.lastEnd = this.tokenSpan(open);
    return this.nodes(node, "value").map((v) => this.value(v));
  }

  // ---- events ----------------------------------------------------------------------------------

  private event(node: CstNode): A.EventExpr {
    const performed = this.token(node, "Performed");
    if (performed) this.lastEnd = this.tokenSpan(performed);
    const name = this.valueOf(node, "eventName");
    let measure: A.Measure | null = null;
    let window: A.Window | null = null;
    for (const clause of this.nodes(node, "eventClause")) {
      const clauseSpan = this.nodeSpan(clause);
      const count = this.node(clause, "countClause");
      const measureNode = this.node(clause, "measureClause");
      const within = this.node(clause, "withinLast");
      const between = this.node(clause, "betweenTail");
      if (count || measureNode) {
        const m = count ? this.countClause(count) : this.measureClause(measureNode!);
        if (!m) continue;
        if (measure) {
          this.diagnostics.push(error("duplicate-clause", clauseSpan,
            "a condition takes one count or measure; combine two with 'and'"));
        } else measure = m;
      } else if (within || between) {
        let w: A.Window;
        if (within) {
          const { amount, unit } = this.withinLast(within);
          w = { kind: "within", amount, unit, span: clauseSpan };
        } else {
          const { low, high } = this.between(between!);
          w = { kind: "between", low, high, span: clauseSpan };
        }
        if (window) {
          this.diagnostics.push(error("duplicate-clause", clauseSpan, "a condition takes one time window"));
        } else window = w;
      }
    }
    const filterNode = this.node(node, "filter");
    const filter = filterNode ? this.expression(filterNode) : null;
    return { kind: "event", name, measure, window, filter, span: this.nodeSpan(node) };
  }

  private countClause(node: CstNode): A.Measure | null {
    const span = this.nodeSpan(node);
    const cmp = this.token(node, "Exactly") ? "=" : this.token(node, "Most") ? "<=" : ">=";
    const num = this.token(node, "NumberLiteral");
    if (!num) return null;
    this.lastEnd = this.tokenSpan(num);
    return { kind: "count", cmp, count: this.numberValue(num), span };
  }

  private measureClause(node: CstNode): A.Measure | null {
    const span = this.nodeSpan(node);
    const predicateNode = this.node(node, "predicate");
    const fieldNode = this.node(node, "field");
    const aggToken = this.token(node, "Aggregate");
    const fns: Record<string, A.AggregateFn> = { Sum: "sum", Average: "avg", Minimum: "min", Maximum: "max" };
    if (aggToken || fieldNode) {
      const property = fieldNode ? this.field(fieldNode) : null;
      if (!property) return null;
      const test = predicateNode ? this.predicate(predicateNode) : this.missingTest();
      return { kind: "aggregate", fn: fns[aggToken?.tokenType.name ?? "Sum"]!, property, test, span };
    }
    const times = this.token(node, "Times");
    if (times) this.lastEnd = this.tokenSpan(times);
    const test = predicateNode ? this.predicate(predicateNode) : this.missingTest();
    return { kind: this.token(node, "First") ? "first" : "last", test, span };
  }

  private missingTest(): A.Test {
    return { op: "compare", cmp: "=", value: this.missing(), span: this.pointAtLastEnd() };
  }

  // ---- values ----------------------------------------------------------------------------------

  private valueOf(node: CstNode, label: string): A.Value {
    const v = this.node(node, label);
    return v ? this.value(v) : this.missing();
  }

  private missing(): A.Value {
    return { kind: "missing", span: this.pointAtLastEnd() };
  }

  private value(node: CstNode): A.Value {
    const rel = this.node(node, "relativeTime");
    if (rel) {
      const num = this.token(rel, "NumberLiteral");
      const unit = this.unitToken(rel);
      if (!num || !unit) return this.missing();
      const v: A.Value = { kind: "relative", amount: this.numberValue(num), unit: unitOf(unit), span: this.nodeSpan(rel) };
      this.lastEnd = v.span;
      return v;
    }
    let t: IToken | undefined;
    for (const key in node.children) {
      for (const e of (node.children as Children)[key]!) {
        if (isToken(e) && !isVirtual(e)) {
          t = e;
          break;
        }
      }
      if (t) break;
    }
    if (!t) return this.missing();
    const span = this.tokenSpan(t);
    this.lastEnd = span;
    switch (t.tokenType) {
      case T.StringLiteral:
      case T.UnterminatedString:
        return this.stringValue(t);
      case T.NumberLiteral:
        return this.numberValue(t);
      case T.TimestampLiteral:
        return { kind: "timestamp", text: t.image, span };
      case T.DateLiteral:
        return { kind: "date", text: t.image, span };
      case T.True:
        return { kind: "boolean", value: true, span };
      case T.False:
        return { kind: "boolean", value: false, span };
      case T.Now:
        return { kind: "now", span };
      case T.Today:
        return { kind: "today", span };
      case T.QuotedIdentifier:
        return { kind: "bareword", text: this.decodeQuotedName(t), quoted: true, span };
      default:
        return { kind: "bareword", text: t.image, quoted: false, span };
    }
  }

  private numberValue(t: IToken): A.NumberValue {
    return { kind: "number", value: Number(t.image), raw: t.image, span: this.tokenSpan(t) };
  }

  private stringValue(t: IToken): A.StringValue {
    return { kind: "string", value: this.decodeString(t), span: this.tokenSpan(t) };
  }

  /** Decodes a string token's escapes, reporting unknown ones and a missing closing quote. */
  private decodeString(t: IToken): string {
    const image = t.image;
    const quote = image[0]!;
    const terminated = t.tokenType !== T.UnterminatedString;
    if (!terminated) {
      this.diagnostics.push(error("unterminated-string", this.tokenSpan(t),
        `unterminated string: add the closing ${quote} before the end of the line`,
        { title: `close the string with ${quote}`, edits: [{ span: { ...this.tokenSpan(t), start: t.endOffset! + 1, column: t.startColumn! + image.length }, text: quote }] }));
    }
    const body = terminated ? image.slice(1, -1) : image.slice(1);
    if (!body.includes("\\")) return body;
    let out = "";
    for (let i = 0; i < body.length; i++) {
      const c = body[i]!;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const next = body[i + 1];
      const at = t.startOffset + 1 + i;
      const escSpan: Span = { start: at, end: at + 2, line: t.startLine!, column: t.startColumn! + 1 + i };
      switch (next) {
        case '"': case "'": case "\\": case "/":
          out += next; i++; break;
        case "n": out += "\n"; i++; break;
        case "t": out += "\t"; i++; break;
        case "r": out += "\r"; i++; break;
        case "u": {
          const hex = body.slice(i + 2, i + 6);
          if (/^[0-9a-fA-F]{4}$/.test(hex)) {
            out += String.fromCharCode(parseInt(hex, 16));
            i += 5;
          } else {
            this.diagnostics.push(error("bad-escape", { ...escSpan, end: Math.min(at + 2 + hex.length, t.endOffset! + 1) },
              "'\\u' must be followed by four hex digits, as in '\\u00e9'"));
            i++;
          }
          break;
        }
        case undefined:
          break; // a trailing backslash of an unterminated string: already reported
        default:
          this.diagnostics.push(error("bad-escape", escSpan,
            `unknown escape '\\${next}' in a string; write '\\\\' for a backslash`));
          out += next;
          i++;
      }
    }
    return out;
  }

  private decodeQuotedName(t: IToken): string {
    const name = t.image.slice(1, -1).replace(/``/g, "`");
    if (name.length === 0) this.diagnostics.push(error("empty-quoted-name", this.tokenSpan(t), "a name in backticks cannot be empty"));
    return name;
  }
}

function unitOf(t: IToken): A.TimeUnit {
  switch (t.tokenType) {
    case T.Minutes: return "minute";
    case T.Hours: return "hour";
    case T.Weeks: return "week";
    case T.Months: return "month";
    case T.Years: return "year";
    default: return "day";
  }
}
