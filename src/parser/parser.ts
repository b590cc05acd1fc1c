/**
 * The segql grammar as one Chevrotain `EmbeddedActionsParser` whose actions build the AST as they parse
 * (no CST, no visitor), built once and reused. `grammar/README.md` is the readable EBNF of these rules.
 *
 * Precedence is the rule chain `orExpr → andExpr → notExpr → primary`: `not` binds looser than a
 * comparison (`not tenure > 12` is `not (tenure > 12)`) and tighter than `and`, which binds tighter than `or`.
 * The AST records what was written, normalised only where the meaning is the same (ast.ts).
 *
 * Error recovery is on, so half-typed input still yields a partial document. When a rule fails, Chevrotain
 * unwinds to the nearest rule that can re-synchronise and that rule's value is what it returns. To keep what
 * was parsed before the error, every rule that builds something catches the recognition error on its way
 * out and attaches its partial result to it (`Failure.partial`, built from the parts it had plus the
 * failing child's partial result); the recovering rule returns it (`recoveryValueFunc`). That is what a
 * CST parser's partial nodes give, and costs nothing while no error occurs.
 *
 * A node's span is its CST location as Chevrotain would track it: the real tokens consumed inside it
 * (`consumeToken` logs them; tokens skipped or made up by recovery are not). Pieces recovery left
 * missing are `{kind: "missing"}` values placed just after the last real token seen (`lastEnd*`).
 */
import {
  EmbeddedActionsParser,
  isRecognitionException,
  type IOrAlt,
  type IRecognitionException,
  type IToken,
  type SubruleMethodOpts,
  type TokenType,
} from "chevrotain";
import { error, type Diagnostic, type Span } from "../diagnostics.js";
import type * as A from "./ast.js";
import { LazyLookaheadStrategy } from "./lazy-lookahead.js";
import { commentsWithFollows } from "./comment-follows.js";
import { decodeQuotedName, decodeString, tokenSpan } from "./literals.js";
import * as T from "./vocabulary.js";

/** Tokens of lookahead an alternation may use (1 is too few: telling a predicate from a bare field needs two). */
const MAX_LOOKAHEAD = 3;

/**
 * Rule depth (grammar rules being parsed, innermost last) beyond which a missing token is not made up in
 * recovery. To make one up, Chevrotain computes what may follow it by walking the grammar down the whole
 * rule stack recursively (`NextAfterTokenWalker`, ~850 bytes of stack per rule): at ~106 unclosed
 * parentheses (6 rules each) that walk overflowed the stack. Beyond this depth the parser recovers by
 * re-synchronising instead (skipping to a token that can follow), which reports the same error at the same
 * place. Ordinary text, even broken, stays well below it: a condition inside an event filter inside three
 * parentheses is ~35 rules deep.
 */
const MAX_INSERTION_RULE_DEPTH = 100;

/** Chevrotain's in-rule recovery hook (not in its public types). */
type FollowsHook = (this: EmbeddedActionsParser, tokType: TokenType, tokIdxInRule: number) => TokenType[];
/** Chevrotain's method recording a syntax error (not in its public types). */
type SaveErrorHook = (this: EmbeddedActionsParser, error: IRecognitionException) => IRecognitionException;
/** Chevrotain's internal state this parser reads (not in its public types). */
interface Internals {
  currIdx: number;
  tokVector: IToken[];
  RULE_STACK_IDX: number;
  _errors: IRecognitionException[];
}

/** Thrown through the parser's rules to stop it after too many syntax errors (see `parseTokens`). */
class ParsingStopped extends Error {}

/** A recognition error leaving a rule, with the partial result of the rule it last left (see the header). */
type Failure = IRecognitionException & { partial?: unknown };

function isFailure(e: unknown): e is Failure {
  return e instanceof Error && isRecognitionException(e);
}

/** What a recovering rule returns: the partial result its error carries (null when there is none). */
// (Typed as any result: the partial has the rule's result type, by construction of each rule's catch.)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const recovered = { recoveryValueFunc: (e: IRecognitionException): any => (e as Failure).partial ?? null };

/** True for tokens the parser made up while recovering (offset NaN or -1): they hold no text. */
function isVirtual(t: IToken | undefined): boolean {
  return t === undefined || !(t.startOffset >= 0) || t.isInsertedInRecovery === true;
}

/** A name as written: a string, an identifier or a backticked name. */
interface Name {
  name: string;
  span: Span;
}

/** `between A and B` and `within last N unit` before they become a test or a window. */
interface Bounds {
  low: A.Value;
  high: A.Value;
}
interface Within {
  amount: A.NumberValue;
  unit: A.TimeUnit;
  /** `within next …` */
  next: boolean;
}

/** An event clause: a measure (count, aggregate, first/last time) or a window. */
type Clause = A.Measure | A.Window;

// Subrule options, built once (an object literal per call would be garbage on the hot path).
const OPERANDS: SubruleMethodOpts<[]> = { LABEL: "operands" };
const GREATER_THAN: SubruleMethodOpts<[]> = { LABEL: "greaterThan" };
const LESS_THAN: SubruleMethodOpts<[]> = { LABEL: "lessThan" };
const BOUND: SubruleMethodOpts<[]> = { LABEL: "bound" };
const EQUAL_TO: SubruleMethodOpts<[]> = { LABEL: "equalTo" };
const CONTAINS: SubruleMethodOpts<[]> = { LABEL: "contains" };
const STARTS_WITH: SubruleMethodOpts<[]> = { LABEL: "startsWith" };
const ENDS_WITH: SubruleMethodOpts<[]> = { LABEL: "endsWith" };
const BEFORE: SubruleMethodOpts<[]> = { LABEL: "before" };
const AFTER: SubruleMethodOpts<[]> = { LABEL: "after" };
const LOW: SubruleMethodOpts<[]> = { LABEL: "low" };
const HIGH: SubruleMethodOpts<[]> = { LABEL: "high" };
const EVENT_NAME: SubruleMethodOpts<[]> = { LABEL: "eventName" };
const FILTER: SubruleMethodOpts<[]> = { LABEL: "filter" };
const TITLE = { LABEL: "title" };
const DESCRIPTION = { LABEL: "description" };

/** Comparison operators by token type. */
const COMPARE_OPS = new Map<TokenType, A.CompareOp>([
  [T.Equal, "="], [T.NotEqual, "!="], [T.Less, "<"], [T.LessEqual, "<="], [T.Greater, ">"], [T.GreaterEqual, ">="],
]);
const AGGREGATES = new Map<TokenType, A.AggregateFn>([[T.Sum, "sum"], [T.Average, "avg"], [T.Minimum, "min"], [T.Maximum, "max"]]);
const UNITS = new Map<TokenType, A.TimeUnit>([
  [T.Minutes, "minute"], [T.Hours, "hour"], [T.Days, "day"], [T.Weeks, "week"], [T.Months, "month"], [T.Years, "year"],
]);

/** A span filled in by the rule that knows it (tests are built inside alternatives, spanned by their rule). */
const UNSPANNED: Span = Object.freeze({ start: 0, end: 0, line: 1, column: 1 });

/** The result of parsing tokens: the document, what building it found wrong, and the syntax errors. */
export interface ParsedTokens {
  document: A.SegqlDocument;
  /** Problems found while building the AST (bad escapes, unterminated strings, duplicate clauses). */
  diagnostics: Diagnostic[];
  errors: IRecognitionException[];
  /** True when parsing stopped after `maxErrors` syntax errors (the document is then empty). */
  stopped: boolean;
}

class SegqlParser extends EmbeddedActionsParser {
  // Per-parse state, declared first so the instance's shape is fixed before the rules are recorded.
  /** Syntax errors after which parsing stops (set per parse by `parseTokens`). */
  maxErrors = Number.POSITIVE_INFINITY;
  private diagnostics: Diagnostic[] = [];
  private comments: readonly IToken[] = [];
  /** Zero-width span at the end of the text. */
  private endSpan: Span = UNSPANNED;
  /** Where the last real token seen ends: a missing piece is placed there (offset, line, column). */
  private lastEndOffset = 0;
  private lastEndLine = 1;
  private lastEndColumn = 1;
  /** The real tokens consumed, in order (`consumeToken`); a rule's span is the ones consumed inside it. */
  private consumed: IToken[] = [];
  private consumedCount = 0;
  /** Inside Chevrotain's SKIP_TOKEN: the token passed over is not consumed into the tree. */
  private skipping = 0;
  // Alternatives of the ORs, built once (Chevrotain's performance guide: an OR's array is otherwise
  // re-created on every call).
  private primaryAlts: IOrAlt<A.Expr | null>[] | undefined = undefined;
  private nameAlts: IOrAlt<Name | null>[] | undefined = undefined;
  private fieldAlts: IOrAlt<A.FieldRef | null>[] | undefined = undefined;
  private predicateAlts: IOrAlt<A.Test | null>[] | undefined = undefined;
  private isAlts: IOrAlt<A.Test>[] | undefined = undefined;
  private leastMostAlts: IOrAlt<IToken>[] | undefined = undefined;
  private isEqualAlts: IOrAlt<A.Value | null>[] | undefined = undefined;
  private positiveAlts: IOrAlt<A.Test>[] | undefined = undefined;
  private hasAlts: IOrAlt<A.Test>[] | undefined = undefined;
  private quantifierAlts: IOrAlt<IToken>[] | undefined = undefined;
  private valueAlts: IOrAlt<A.Value>[] | undefined = undefined;
  private eventClauseAlts: IOrAlt<Clause | Within | Bounds | null>[] | undefined = undefined;
  private countAlts: IOrAlt<IToken>[] | undefined = undefined;
  private countLeastMostAlts: IOrAlt<IToken>[] | undefined = undefined;
  private firstLastAlts: IOrAlt<IToken>[] | undefined = undefined;
  private agoFromNowAlts: IOrAlt<IToken | undefined>[] | undefined = undefined;
  private readonly predicateOption = () => this.SUBRULE(this.predicate);
  /**
   * Operands of the `or`/`and` lists being parsed, innermost list last (each rule takes its own from
   * `base` on, and truncates back), and the `not`s of the `notExpr`s being parsed: repetitions push here
   * rather than into arrays their rule would have to allocate and close over.
   */
  private readonly operands: (A.Expr | null)[] = [];
  private readonly nots: IToken[] = [];
  private readonly orTail = () => {
    this.CONSUME(T.Or);
    this.operands.push(this.SUBRULE2(this.andExpr, OPERANDS));
  };
  private readonly andTail = () => {
    this.CONSUME(T.And);
    this.operands.push(this.SUBRULE2(this.notExpr, OPERANDS));
  };
  private readonly notTail = () => {
    this.nots.push(this.CONSUME(T.Not));
  };

  constructor(validate: boolean) {
    // Validations check the grammar itself (ambiguities, left recursion): a test runs them
    // (test/parser/grammar.test.ts); at run time they would only cost start-up. Lookahead functions are
    // built when first used (lazy-lookahead.ts), which is most of the rest of the parser's construction.
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: MAX_LOOKAHEAD, skipValidations: !validate, lookaheadStrategy: new LazyLookaheadStrategy({ maxLookahead: MAX_LOOKAHEAD }) });
    this.performSelfAnalysis();
  }

  /**
   * Chevrotain's hook recording each syntax error. Recovering from one costs ~0.2 ms, so a megabyte of
   * garbage (100,000s of errors) took tens of seconds; past `maxErrors` the parse stops instead.
   */
  SAVE_ERROR(error: IRecognitionException): IRecognitionException {
    const saved = (EmbeddedActionsParser.prototype as unknown as { SAVE_ERROR: SaveErrorHook }).SAVE_ERROR.call(this, error);
    if ((this as unknown as Internals)._errors.length >= this.maxErrors) throw new ParsingStopped();
    return saved;
  }

  /**
   * Chevrotain's hook computing the tokens that may follow a missing one (for single-token insertion).
   * Past `MAX_INSERTION_RULE_DEPTH` rules it answers "none", so no recursive grammar walk runs on deep input.
   */
  getFollowsForInRuleRecovery(tokType: TokenType, tokIdxInRule: number): TokenType[] {
    const depth = (this as unknown as Internals).RULE_STACK_IDX + 1;
    if (depth > MAX_INSERTION_RULE_DEPTH) return [];
    return (EmbeddedActionsParser.prototype as unknown as { getFollowsForInRuleRecovery: FollowsHook }).getFollowsForInRuleRecovery.call(this, tokType, tokIdxInRule);
  }

  /** Chevrotain's step to the next token (its lexer adapter's, plus the log of consumed tokens). */
  consumeToken(): void {
    const self = this as unknown as Internals;
    const token = self.tokVector[++self.currIdx]!;
    if (this.skipping === 0) this.consumed[this.consumedCount++] = token;
  }

  /** Chevrotain's skip over a token in recovery: not consumed into the tree. */
  protected override SKIP_TOKEN(): IToken {
    this.skipping++;
    try {
      return super.SKIP_TOKEN();
    } finally {
      this.skipping--;
    }
  }

  /** Parses `tokens` (see `parseTokens`). */
  run(tokens: IToken[], comments: readonly IToken[], endSpan: Span, maxErrors: number): ParsedTokens {
    this.input = tokens;
    this.maxErrors = maxErrors;
    this.diagnostics = [];
    this.comments = comments;
    this.endSpan = endSpan;
    this.lastEndOffset = endSpan.end;
    this.lastEndLine = endSpan.line;
    this.lastEndColumn = endSpan.column;
    this.consumedCount = 0;
    this.skipping = 0;
    this.operands.length = 0;
    this.nots.length = 0;
    try {
      const document = this.document();
      return { document, diagnostics: this.diagnostics, errors: this.errors, stopped: false };
    } catch (e) {
      if (!(e instanceof ParsingStopped)) throw e;
      // What recovery would make of the rest is noise: an empty document, and the errors found.
      return { document: this.buildDocument([], null, -1), diagnostics: [], errors: this.errors, stopped: true };
    } finally {
      this.maxErrors = Number.POSITIVE_INFINITY;
      this.input = [];
      this.comments = [];
      this.consumed.length = 0;
    }
  }

  // ---- rules ---------------------------------------------------------------------------------------

  /** A whole text: segment declarations, or one bare expression (an unnamed segment). */
  public document = this.RULE("document", (): A.SegqlDocument => {
    const declarations: A.SegmentDeclaration[] = [];
    let expr: A.Expr | null | undefined;
    let exprMark = -1;
    try {
      this.OR([
        {
          GATE: () => this.LA(1).tokenType === T.Segment && isDeclarationStart(this.LA(2), this.LA(3)),
          IGNORE_AMBIGUITIES: true,
          ALT: () => this.AT_LEAST_ONE(() => {
            declarations.push(this.SUBRULE(this.segmentDeclaration));
          }),
        },
        {
          ALT: () => this.OPTION(() => {
            exprMark = this.consumedCount;
            expr = this.SUBRULE(this.expression);
          }),
        },
      ]);
    } catch (e) {
      if (!isFailure(e)) throw e;
      if (e.partial !== undefined) {
        if (exprMark >= 0 && expr === undefined) expr = e.partial as A.Expr | null;
        else if (e.partial !== null) declarations.push(e.partial as A.SegmentDeclaration);
      }
      e.partial = this.buildDocument(declarations, expr ?? null, exprMark);
      throw e;
    }
    return this.buildDocument(declarations, expr ?? null, exprMark);
  }, recovered);

  /** `segment NAME [title "…"] [description "…"] as EXPR [;]` */
  public segmentDeclaration = this.RULE("segmentDeclaration", (): A.SegmentDeclaration => {
    const mark = this.consumedCount;
    let name: Name | null | undefined;
    let title: IToken | undefined;
    let description: IToken | undefined;
    let expr: A.Expr | null | undefined;
    let inExpr = false;
    try {
      this.CONSUME(T.Segment);
      name = this.SUBRULE(this.segmentName);
      this.OPTION(() => {
        this.CONSUME(T.Title);
        title = this.CONSUME(T.StringLiteral, TITLE);
      });
      this.OPTION2(() => {
        this.CONSUME(T.Description);
        description = this.CONSUME2(T.StringLiteral, DESCRIPTION);
      });
      this.CONSUME(T.As);
      inExpr = true;
      expr = this.SUBRULE(this.expression);
      this.OPTION3(() => this.CONSUME(T.Semicolon));
    } catch (e) {
      if (!isFailure(e)) throw e;
      if (inExpr) expr ??= (e.partial as A.Expr | null | undefined) ?? null;
      e.partial = this.declaration(mark, name ?? null, title, description, expr ?? null);
      throw e;
    }
    return this.declaration(mark, name, title, description, expr);
  }, recovered);

  public segmentName = this.RULE("segmentName", (): Name | null => {
    return this.OR((this.nameAlts ??= [
      { ALT: () => this.nameOf(this.CONSUME(T.StringLiteral)) },
      { ALT: () => this.nameOf(this.CONSUME(T.Identifier)) },
      { ALT: () => this.nameOf(this.CONSUME(T.QuotedIdentifier)) },
    ]));
  }, recovered);

  public expression = this.RULE("expression", (): A.Expr | null => {
    return this.SUBRULE(this.orExpr);
  }, recovered);

  public orExpr = this.RULE("orExpr", (): A.Expr | null => {
    const base = this.operands.length;
    let first: A.Expr | null | undefined;
    try {
      first = this.SUBRULE(this.andExpr, OPERANDS);
      // `MANY(orTail)`, looped here at parse time: Chevrotain's MANY looks ahead for `or` just so, and its
      // in-repetition recovery has nothing to do at the end of a rule (see `repeat`).
      if (this.RECORDING_PHASE) this.MANY(this.orTail);
      else while (this.nextType() === T.Or) this.orTail();
    } catch (e) {
      if (!isFailure(e)) throw this.unwind(e, base);
      const partial = (e.partial as A.Expr | null | undefined) ?? null;
      if (first === undefined) first = partial;
      else this.operands.push(partial);
      e.partial = this.junction("or", first, base);
      throw e;
    }
    return this.junction("or", first, base);
  }, recovered);

  public andExpr = this.RULE("andExpr", (): A.Expr | null => {
    const base = this.operands.length;
    let first: A.Expr | null | undefined;
    try {
      first = this.SUBRULE(this.notExpr, OPERANDS);
      if (this.RECORDING_PHASE) this.MANY(this.andTail);
      else while (this.nextType() === T.And) this.andTail();
    } catch (e) {
      if (!isFailure(e)) throw this.unwind(e, base);
      const partial = (e.partial as A.Expr | null | undefined) ?? null;
      if (first === undefined) first = partial;
      else this.operands.push(partial);
      e.partial = this.junction("and", first, base);
      throw e;
    }
    return this.junction("and", first, base);
  }, recovered);

  /** Any number of `not`, iterated rather than recursed. */
  public notExpr = this.RULE("notExpr", (): A.Expr | null => {
    const base = this.nots.length;
    let primary: A.Expr | null | undefined;
    try {
      if (this.RECORDING_PHASE) this.MANY(this.notTail);
      else while (this.nextType() === T.Not) this.notTail();
      primary = this.SUBRULE(this.primary);
    } catch (e) {
      if (!isFailure(e)) {
        this.nots.length = base;
        throw e;
      }
      e.partial = this.negate(base, (e.partial as A.Expr | null | undefined) ?? null);
      throw e;
    }
    return this.negate(base, primary);
  }, recovered);

  public primary = this.RULE("primary", (): A.Expr | null => {
    try {
      return this.OR((this.primaryAlts ??= [
        { ALT: () => this.SUBRULE(this.parenExpr) },
        { ALT: () => this.SUBRULE(this.segmentRef) },
        { ALT: () => this.SUBRULE(this.eventCondition) },
        { ALT: () => this.SUBRULE(this.rule) },
      ]));
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial ??= null;
      throw e;
    }
  }, recovered);

  public parenExpr = this.RULE("parenExpr", (): A.Expr | null => {
    let inner: A.Expr | null | undefined;
    try {
      this.CONSUME(T.LParen);
      inner = this.SUBRULE(this.expression);
      this.CONSUME(T.RParen);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = inner !== undefined ? inner : (e.partial ?? null);
      throw e;
    }
    return inner;
  }, recovered);

  /** `in segment "High value"` */
  public segmentRef = this.RULE("segmentRef", (): A.SegmentRefExpr | null => {
    const mark = this.consumedCount;
    let name: Name | null;
    try {
      this.CONSUME(T.In);
      this.CONSUME(T.Segment);
      name = this.SUBRULE(this.segmentName);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = null; // the name comes last: a partial reference has none
      throw e;
    }
    if (!name || this.RECORDING_PHASE) return null;
    return { kind: "segmentRef", name: name.name, nameSpan: name.span, span: this.nodeSpan(mark) };
  }, recovered);

  /** A field and what is asked of it; a field alone is a boolean test. */
  public rule = this.RULE("rule", (): A.RuleExpr | null => {
    let field: A.FieldRef | null | undefined;
    let test: A.Test | undefined;
    try {
      field = this.SUBRULE(this.field);
      test = this.OPTION(this.predicateOption);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = field === undefined ? null : this.ruleExpr(field, e.partial as A.Test | undefined);
      throw e;
    }
    return this.ruleExpr(field, test);
  }, recovered);

  public field = this.RULE("field", (): A.FieldRef | null => {
    return this.OR((this.fieldAlts ??= [
      { ALT: () => this.identifierField(this.CONSUME(T.Identifier)) },
      { ALT: () => this.quotedField(this.CONSUME(T.QuotedIdentifier)) },
    ]));
  }, recovered);

  public predicate = this.RULE("predicate", (): A.Test => {
    const mark = this.consumedCount;
    try {
      return this.OR((this.predicateAlts ??= [
        { ALT: () => this.SUBRULE(this.comparison) },
        { ALT: () => this.SUBRULE(this.isPredicate) },
        { ALT: () => this.SUBRULE(this.negatedPredicate) },
        { ALT: () => this.SUBRULE(this.positivePredicate) },
        { ALT: () => this.SUBRULE(this.hasPredicate) },
      ])) ?? this.missingTest("=", mark);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = (e.partial as A.Test | null | undefined) ?? this.missingTest("=", mark);
      throw e;
    }
  }, recovered);

  /** `= v`, `!= v`, `< v`, `<= v`, `> v`, `>= v` */
  public comparison = this.RULE("comparison", (): A.Test => {
    const mark = this.consumedCount;
    let op: IToken | undefined;
    let value: A.Value | undefined;
    try {
      op = this.CONSUME(T.CompareOp);
      this.markEnd(op);
      value = this.SUBRULE(this.value);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.comparisonTest(mark, op, (e.partial as A.Value | undefined) ?? this.missing());
      throw e;
    }
    return this.comparisonTest(mark, op, value);
  }, recovered);

  /** `is [not] empty`, `is [not] [equal to] v`, `is greater than v`, `is less than v`, `is at least|most v` */
  public isPredicate = this.RULE("isPredicate", (): A.Test => {
    const mark = this.consumedCount;
    try {
      this.markEnd(this.CONSUME(T.Is));
      return this.spanned(mark, this.OR((this.isAlts ??= [
        { ALT: () => this.isOrdered(T.GreaterKw, ">") },
        { ALT: () => this.isOrdered(T.LessKw, "<") },
        { ALT: () => this.isAtLeastMost() },
        { ALT: () => this.isEqual() },
      ])));
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.spanned(mark, (e.partial as A.Test | undefined) ?? this.test("compare", "=", this.missing()));
      throw e;
    }
  }, recovered);

  /** `not in (…)`, `not between a and b`, `not contains v`, `not starts with v`, `not ends with v`, `not within last N unit` */
  public negatedPredicate = this.RULE("negatedPredicate", (): A.Test => {
    const mark = this.consumedCount;
    let inner: A.Test | null | undefined;
    try {
      this.CONSUME(T.Not);
      inner = this.SUBRULE(this.positivePredicate);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.negatedTest(mark, (e.partial as A.Test | null | undefined) ?? null);
      throw e;
    }
    return this.negatedTest(mark, inner);
  }, recovered);

  public positivePredicate = this.RULE("positivePredicate", (): A.Test | null => {
    const mark = this.consumedCount;
    try {
      return this.spanned(mark, this.OR((this.positiveAlts ??= [
        { ALT: () => this.inList() },
        { ALT: () => this.bounded(this.SUBRULE(this.betweenTail)) },
        { ALT: () => this.textTest(T.Contains, null, "contains", CONTAINS) },
        { ALT: () => this.textTest(T.Starts, T.With, "startsWith", STARTS_WITH) },
        { ALT: () => this.textTest(T.Ends, T.With, "endsWith", ENDS_WITH) },
        { ALT: () => this.timeTest(T.Before, "before", BEFORE) },
        { ALT: () => this.timeTest(T.After, "after", AFTER) },
        { ALT: () => this.withinTest(this.SUBRULE(this.withinLast)) },
      ])));
    } catch (e) {
      if (!isFailure(e)) throw e;
      // A partial alternative is a test (from `betweenTail`/`withinLast`: their parts); none is null.
      const p = e.partial as A.Test | Bounds | Within | null | undefined;
      e.partial = p == null ? null : this.spanned(mark, "op" in p ? p : "low" in p ? this.bounded(p) : this.withinTest(p));
      throw e;
    }
  }, recovered);

  /** `between A and B` */
  public betweenTail = this.RULE("betweenTail", (): Bounds => {
    let low: A.Value | undefined;
    let high: A.Value | undefined;
    try {
      this.markEnd(this.CONSUME(T.Between));
      low = this.SUBRULE(this.value, LOW);
      this.markEnd(this.CONSUME(T.And));
      high = this.SUBRULE2(this.value, HIGH);
    } catch (e) {
      if (!isFailure(e)) throw e;
      const partial = e.partial as A.Value | undefined;
      if (low === undefined) low = partial ?? this.missing();
      else high = partial ?? this.missing();
      e.partial = { low, high: high ?? this.missing() } satisfies Bounds;
      throw e;
    }
    return { low, high };
  }, recovered);

  /** `within last N unit`, `within next N unit` */
  public withinLast = this.RULE("withinLast", (): Within => {
    let direction: IToken | undefined;
    let num: IToken | undefined;
    let unit: IToken | undefined;
    try {
      this.markEnd(this.CONSUME(T.Within));
      direction = this.CONSUME(T.Direction);
      this.markEnd(direction);
      num = this.CONSUME(T.NumberLiteral);
      unit = this.CONSUME(T.Unit);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.within(direction, num, unit);
      throw e;
    }
    return this.within(direction, num, unit);
  }, recovered);

  /** `has v`, `has any (…)`, `has all (…)`, `has none (…)` */
  public hasPredicate = this.RULE("hasPredicate", (): A.Test => {
    const mark = this.consumedCount;
    try {
      this.markEnd(this.CONSUME(T.Has));
      return this.spanned(mark, this.OR((this.hasAlts ??= [
        { ALT: () => this.hasList() },
        { ALT: () => this.hasOne(), IGNORE_AMBIGUITIES: true },
      ])));
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.spanned(mark, (e.partial as A.Test | undefined) ?? this.hasTest("one", [this.missing()]));
      throw e;
    }
  }, recovered);

  public valueList = this.RULE("valueList", (): A.Value[] => {
    const values: A.Value[] = [];
    try {
      this.markEnd(this.CONSUME(T.LParen));
      this.MANY_SEP({ SEP: T.Comma, DEF: () => values.push(this.SUBRULE(this.value)) });
      this.CONSUME(T.RParen);
    } catch (e) {
      if (!isFailure(e)) throw e;
      if (e.partial !== undefined) values.push(e.partial as A.Value);
      e.partial = values;
      throw e;
    }
    return values;
  }, recovered);

  /** Literals; a bare word is accepted here so the checker can say "put it in quotes". */
  public value = this.RULE("value", (): A.Value => {
    try {
      return this.OR((this.valueAlts ??= [
        { ALT: () => this.literal(this.CONSUME(T.StringLiteral)) },
        { ALT: () => this.literal(this.CONSUME(T.UnterminatedString)) },
        { ALT: () => this.SUBRULE(this.relativeTime) },
        { ALT: () => this.SUBRULE(this.inTime) },
        { ALT: () => this.literal(this.CONSUME(T.NumberLiteral)) },
        { ALT: () => this.literal(this.CONSUME(T.TimestampLiteral)) },
        { ALT: () => this.literal(this.CONSUME(T.DateLiteral)) },
        { ALT: () => this.literal(this.CONSUME(T.True)) },
        { ALT: () => this.literal(this.CONSUME(T.False)) },
        { ALT: () => this.literal(this.CONSUME(T.Now)) },
        { ALT: () => this.literal(this.CONSUME(T.Today)) },
        { ALT: () => this.literal(this.CONSUME(T.Identifier)), IGNORE_AMBIGUITIES: true },
        { ALT: () => this.literal(this.CONSUME(T.QuotedIdentifier)) },
      ]));
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial ??= this.missing();
      throw e;
    }
  }, recovered);

  /** `30 days ago`, `30 days from now` */
  public relativeTime = this.RULE("relativeTime", (): A.Value => {
    const mark = this.consumedCount;
    let num: IToken | undefined;
    let unit: IToken | undefined;
    let from: IToken | undefined;
    try {
      num = this.CONSUME(T.NumberLiteral);
      unit = this.CONSUME(T.Unit);
      from = this.OR((this.agoFromNowAlts ??= [
        { ALT: () => (this.CONSUME(T.Ago), undefined) },
        {
          ALT: () => {
            const t = this.CONSUME(T.From);
            this.CONSUME(T.Now);
            return t;
          },
        },
      ]));
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.relative(mark, num, unit, from === undefined ? undefined : "fromNow");
      throw e;
    }
    return this.relative(mark, num, unit, from === undefined ? undefined : "fromNow");
  }, recovered);

  /** `in 30 days` */
  public inTime = this.RULE("inTime", (): A.Value => {
    const mark = this.consumedCount;
    let num: IToken | undefined;
    let unit: IToken | undefined;
    try {
      this.markEnd(this.CONSUME(T.In));
      num = this.CONSUME(T.NumberLiteral);
      unit = this.CONSUME(T.Unit);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.relative(mark, num, unit, "in");
      throw e;
    }
    return this.relative(mark, num, unit, "in");
  }, recovered);

  /**
   * `performed NAME [clauses] [where FILTER]`: a count (`at least 3 times`), a measure
   * (`with sum of amount > 50`, `with last time before 14 days ago`), a window (`within last 30 days`,
   * `between A and B`), then a `where` filter that extends as far as an expression does.
   */
  public eventCondition = this.RULE("eventCondition", (): A.EventExpr => {
    const mark = this.consumedCount;
    const clauses: { measure: A.Measure | null; window: A.Window | null } = { measure: null, window: null };
    let name: A.Value | undefined;
    let filter: A.Expr | null | undefined;
    let inFilter = false;
    try {
      this.markEnd(this.CONSUME(T.Performed));
      name = this.SUBRULE(this.value, EVENT_NAME);
      this.MANY(() => this.addClause(clauses, this.SUBRULE(this.eventClause)));
      this.OPTION(() => {
        this.CONSUME(T.Where);
        inFilter = true;
        filter = this.SUBRULE(this.expression, FILTER);
      });
    } catch (e) {
      if (!isFailure(e)) throw e;
      const partial = e.partial;
      if (name === undefined) name = (partial as A.Value | undefined) ?? this.missing();
      else if (inFilter) filter = (partial as A.Expr | null | undefined) ?? null;
      else if (partial !== undefined) this.addClause(clauses, partial as Clause | null);
      e.partial = this.event(mark, name, clauses, filter ?? null);
      throw e;
    }
    return this.event(mark, name, clauses, filter ?? null);
  }, recovered);

  public eventClause = this.RULE("eventClause", (): Clause | null => {
    const mark = this.consumedCount;
    try {
      return this.clause(mark, this.OR((this.eventClauseAlts ??= [
        { ALT: () => this.SUBRULE(this.countClause) },
        { ALT: () => this.SUBRULE(this.withinLast) },
        { ALT: () => this.SUBRULE(this.betweenTail) },
        { ALT: () => this.SUBRULE(this.measureClause) },
      ])));
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.clause(mark, (e.partial as Clause | Within | Bounds | null | undefined) ?? null);
      throw e;
    }
  }, recovered);

  /** `at least N times`, `at most N times`, `exactly N times` */
  public countClause = this.RULE("countClause", (): A.Measure | null => {
    const mark = this.consumedCount;
    let quantity: IToken | undefined;
    let num: IToken | undefined;
    try {
      quantity = this.OR((this.countAlts ??= [
        {
          ALT: () => {
            this.CONSUME(T.At);
            return this.OR2((this.countLeastMostAlts ??= [{ ALT: () => this.CONSUME(T.Least) }, { ALT: () => this.CONSUME(T.Most) }]));
          },
        },
        { ALT: () => this.CONSUME(T.Exactly) },
      ]));
      num = this.CONSUME(T.NumberLiteral);
      this.CONSUME(T.Times);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.count(mark, quantity, num);
      throw e;
    }
    return this.count(mark, quantity, num);
  }, recovered);

  /** `with sum|average|min|max of PROPERTY PREDICATE`, `with first|last time PREDICATE` */
  public measureClause = this.RULE("measureClause", (): A.Measure | null => {
    const mark = this.consumedCount;
    let aggregate: IToken | undefined;
    let property: A.FieldRef | null | undefined;
    let inProperty = false;
    let which: IToken | undefined;
    let test: A.Test | undefined;
    let inTest = false;
    try {
      this.CONSUME(T.With);
      this.OR([
        {
          ALT: () => {
            aggregate = this.CONSUME(T.Aggregate);
            this.CONSUME(T.Of);
            inProperty = true;
            property = this.SUBRULE(this.field);
          },
        },
        {
          ALT: () => {
            which = this.OR2((this.firstLastAlts ??= [{ ALT: () => this.CONSUME(T.First) }, { ALT: () => this.CONSUME(T.Last) }]));
            this.markEnd(this.CONSUME(T.Times));
          },
        },
      ]);
      inTest = true;
      test = this.SUBRULE(this.predicate);
    } catch (e) {
      if (!isFailure(e)) throw e;
      if (inTest) test = e.partial as A.Test | undefined;
      else if (inProperty) property = (e.partial as A.FieldRef | null | undefined) ?? null;
      e.partial = this.measure(mark, aggregate, inProperty, property ?? null, which, test);
      throw e;
    }
    return this.measure(mark, aggregate, inProperty, property ?? null, which, test);
  }, recovered);

  // ---- building the AST ----------------------------------------------------------------------------

  /** The span of the real tokens consumed since `mark` (a rule's CST location), or null when none were. */
  private extent(mark: number): Span | null {
    if (this.consumedCount === mark) return null;
    const first = this.consumed[mark]!;
    const last = this.consumed[this.consumedCount - 1]!;
    return { start: first.startOffset, end: last.endOffset! + 1, line: first.startLine!, column: first.startColumn! };
  }

  /** A rule's span: its tokens, or zero-width after the last real token seen when it has none. */
  private nodeSpan(mark: number): Span {
    return this.extent(mark) ?? this.pointAtLastEnd();
  }

  private pointAtLastEnd(): Span {
    return { start: this.lastEndOffset, end: this.lastEndOffset, line: this.lastEndLine, column: this.lastEndColumn };
  }

  /** Records a real token as the last seen (where a missing piece after it is placed). */
  private markEnd(t: IToken | undefined): void {
    if (isVirtual(t)) return;
    this.lastEndOffset = t!.endOffset! + 1;
    this.lastEndLine = t!.startLine!;
    this.lastEndColumn = t!.startColumn! + (t!.endOffset! + 1 - t!.startOffset);
  }

  private markEndAt(span: Span): void {
    this.lastEndOffset = span.end;
    this.lastEndLine = span.line;
    this.lastEndColumn = span.column + (span.end - span.start);
  }

  private cover(a: Span, b: Span): Span {
    // A literal rather than a spread: every span keeps one shape, which keeps this hot path fast.
    return b.end > a.end ? { start: a.start, end: b.end, line: a.line, column: a.column } : a;
  }

  private missing(): A.Value {
    return { kind: "missing", span: this.pointAtLastEnd() };
  }

  private missingTest(cmp: A.CompareOp, mark: number): A.Test {
    const span = this.nodeSpan(mark);
    return { op: "compare", cmp, value: this.missing(), span };
  }

  /** A test whose span its rule sets (`spanned`). */
  private test(op: "compare", cmp: A.CompareOp, value: A.Value): A.Test {
    return { op, cmp, value, span: UNSPANNED };
  }

  /** Gives a test built inside an alternative its rule's span. */
  private spanned<X extends A.Test | null>(mark: number, test: X): X {
    if (test !== null && !this.RECORDING_PHASE) test.span = this.nodeSpan(mark);
    return test;
  }

  private buildDocument(declarations: A.SegmentDeclaration[], expr: A.Expr | null, exprMark: number): A.SegqlDocument {
    const span: Span = { start: 0, end: this.endSpan.end, line: 1, column: 1 };
    const comments = commentsWithFollows(this.input, this.comments);
    if (declarations.length > 0) return { kind: "document", segments: declarations, bare: false, comments, span };
    // The unnamed segment covers the expression's text, outer parentheses included (as a declaration's
    // span does), so tools know where its text starts.
    const loc = exprMark >= 0 ? this.extent(exprMark) : null;
    const textSpan = expr && loc && loc.end >= expr.span.end ? loc : null;
    const segment: A.SegmentDeclaration = {
      kind: "segment",
      name: null,
      nameSpan: null,
      title: null,
      description: null,
      expr,
      span: textSpan ?? expr?.span ?? span,
    };
    return { kind: "document", segments: [segment], bare: true, comments, span };
  }

  private declaration(mark: number, name: Name | null, title: IToken | undefined, description: IToken | undefined, expr: A.Expr | null): A.SegmentDeclaration {
    return {
      kind: "segment",
      name: name?.name ?? null,
      nameSpan: name?.span ?? null,
      title: isVirtual(title) ? null : this.stringValue(title!),
      description: isVirtual(description) ? null : this.stringValue(description!),
      expr,
      span: this.nodeSpan(mark),
    };
  }

  private nameOf(t: IToken): Name | null {
    if (isVirtual(t)) return null;
    const span = tokenSpan(t);
    if (t.tokenType === T.StringLiteral) return { name: decodeString(t, this.diagnostics), span };
    if (t.tokenType === T.QuotedIdentifier) return { name: decodeQuotedName(t, this.diagnostics), span };
    return { name: t.image, span };
  }

  /**
   * An `or`/`and` list: `first`, then the operands its rule pushed from `base` on (taken off). One operand
   * passes through; nested same-kind operands are flattened.
   */
  private junction(kind: "or" | "and", first: A.Expr | null | undefined, base: number): A.Expr | null {
    const stack = this.operands;
    if (stack.length === base) return first ?? null;
    if (this.RECORDING_PHASE) {
      stack.length = base;
      return null;
    }
    const operands: A.Expr[] = [];
    addOperand(operands, kind, first);
    for (let i = base; i < stack.length; i++) addOperand(operands, kind, stack[i]);
    stack.length = base;
    if (operands.length === 0) return null;
    if (operands.length === 1) return operands[0]!;
    return { kind, operands, span: this.cover(operands[0]!.span, operands[operands.length - 1]!.span) };
  }

  /** Takes a list's operands off the stack on the way out of an error that is not a syntax error. */
  private unwind(e: unknown, base: number): unknown {
    this.operands.length = base;
    return e;
  }

  /** The type of the next token (undefined at the end), as `LA(1)` without its bounds check. */
  private nextType(): TokenType | undefined {
    const self = this as unknown as Internals;
    return self.tokVector[self.currIdx + 1]?.tokenType;
  }

  /** `expr` under the `not`s its `notExpr` pushed from `base` on (taken off), innermost last. */
  private negate(base: number, expr: A.Expr | null | undefined): A.Expr | null {
    const nots = this.nots;
    if (nots.length === base) return expr ?? null;
    if (!expr || this.RECORDING_PHASE) {
      nots.length = base;
      return null;
    }
    for (let i = nots.length - 1; i >= base; i--) {
      const t = nots[i]!;
      if (!isVirtual(t)) expr = { kind: "not", operand: expr, span: this.cover(tokenSpan(t), expr.span) };
    }
    nots.length = base;
    return expr;
  }

  private ruleExpr(field: A.FieldRef | null | undefined, test: A.Test | undefined): A.RuleExpr | null {
    if (!field || this.RECORDING_PHASE) return null;
    const t: A.Test = test ?? { op: "truthy", span: field.span };
    return { kind: "rule", field, test: t, span: this.cover(field.span, t.span) };
  }

  private identifierField(t: IToken): A.FieldRef | null {
    if (isVirtual(t)) return null;
    const span = tokenSpan(t);
    this.markEndAt(span);
    return { name: t.image, quoted: false, span };
  }

  private quotedField(t: IToken): A.FieldRef | null {
    if (isVirtual(t)) return null;
    return { name: decodeQuotedName(t, this.diagnostics), quoted: true, span: tokenSpan(t) };
  }

  private comparisonTest(mark: number, op: IToken | undefined, value: A.Value | undefined): A.Test {
    const cmp = isVirtual(op) ? "=" : COMPARE_OPS.get(op!.tokenType) ?? "=";
    return { op: "compare", cmp, value: value ?? this.missing(), span: this.nodeSpan(mark) };
  }

  /** `is greater than v`, `is less than v`. */
  private isOrdered(keyword: TokenType, cmp: ">" | "<"): A.Test {
    let value: A.Value | undefined;
    try {
      if (keyword === T.GreaterKw) {
        this.CONSUME(T.GreaterKw);
        this.markEnd(this.CONSUME(T.Than));
        value = this.SUBRULE(this.value, GREATER_THAN);
      } else {
        this.CONSUME(T.LessKw);
        this.markEnd(this.CONSUME2(T.Than));
        value = this.SUBRULE2(this.value, LESS_THAN);
      }
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.test("compare", cmp, (e.partial as A.Value | undefined) ?? this.missing());
      throw e;
    }
    return this.test("compare", cmp, value);
  }

  /** `is at least v`, `is at most v`. */
  private isAtLeastMost(): A.Test {
    let most = false;
    let value: A.Value | undefined;
    try {
      this.CONSUME(T.At);
      const bound = this.OR2((this.leastMostAlts ??= [{ ALT: () => this.CONSUME(T.Least) }, { ALT: () => this.CONSUME(T.Most) }]));
      if (!isVirtual(bound)) {
        most = bound.tokenType === T.Most;
        this.markEnd(bound);
      }
      value = this.SUBRULE3(this.value, BOUND);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.test("compare", most ? "<=" : ">=", (e.partial as A.Value | undefined) ?? this.missing());
      throw e;
    }
    return this.test("compare", most ? "<=" : ">=", value);
  }

  /** `is [not] empty`, `is [not] [equal to] v`. */
  private isEqual(): A.Test {
    let negated = false;
    let value: A.Value | null | undefined;
    try {
      const not = this.OPTION(() => this.CONSUME(T.Not));
      if (!isVirtual(not)) {
        negated = true;
        this.markEnd(not);
      }
      value = this.OR3((this.isEqualAlts ??= [
        { ALT: () => (this.CONSUME(T.Empty), null) },
        {
          ALT: () => {
            try {
              this.CONSUME(T.EqualKw);
              this.markEnd(this.CONSUME(T.To));
              return this.SUBRULE4(this.value, EQUAL_TO);
            } catch (e) {
              if (!isFailure(e)) throw e;
              e.partial ??= this.missing();
              throw e;
            }
          },
        },
        { ALT: () => this.SUBRULE5(this.value, EQUAL_TO), IGNORE_AMBIGUITIES: true },
      ]));
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.test("compare", negated ? "!=" : "=", (e.partial as A.Value | undefined) ?? this.missing());
      throw e;
    }
    if (value === null) return { op: "empty", negated, span: UNSPANNED };
    return this.test("compare", negated ? "!=" : "=", value);
  }

  private negatedTest(mark: number, test: A.Test | null | undefined): A.Test {
    const span = this.nodeSpan(mark);
    if (!test || this.RECORDING_PHASE) return { op: "compare", cmp: "!=", value: this.missing(), span };
    (test as { negated: boolean }).negated = true;
    test.span = span;
    return test;
  }

  /** `in (…)` */
  private inList(): A.Test {
    let values: A.Value[] | undefined;
    try {
      this.markEnd(this.CONSUME(T.In));
      values = this.SUBRULE(this.valueList);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = { op: "in", negated: false, values: (e.partial as A.Value[] | undefined) ?? [], span: UNSPANNED } satisfies A.Test;
      throw e;
    }
    return { op: "in", negated: false, values, span: UNSPANNED };
  }

  private bounded(b: Bounds): A.Test {
    return { op: "between", negated: false, low: b.low, high: b.high, span: UNSPANNED };
  }

  /** `contains v`, `starts with v`, `ends with v` */
  private textTest(keyword: TokenType, withKeyword: TokenType | null, op: A.TextOp, label: SubruleMethodOpts<[]>): A.Test {
    let value: A.Value | undefined;
    try {
      if (keyword === T.Contains) {
        this.markEnd(this.CONSUME(T.Contains));
        value = this.SUBRULE(this.value, label);
      } else if (keyword === T.Starts) {
        this.markEnd(this.CONSUME(T.Starts));
        this.markEnd(this.CONSUME(withKeyword!));
        value = this.SUBRULE2(this.value, label);
      } else {
        this.markEnd(this.CONSUME(T.Ends));
        this.markEnd(this.CONSUME2(withKeyword!));
        value = this.SUBRULE3(this.value, label);
      }
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = { op, negated: false, value: (e.partial as A.Value | undefined) ?? this.missing(), span: UNSPANNED } satisfies A.Test;
      throw e;
    }
    return { op, negated: false, value, span: UNSPANNED };
  }

  /** `before v`, `after v` */
  private timeTest(keyword: TokenType, op: "before" | "after", label: SubruleMethodOpts<[]>): A.Test {
    let value: A.Value | undefined;
    try {
      this.markEnd(this.CONSUME(keyword));
      value = op === "before" ? this.SUBRULE4(this.value, label) : this.SUBRULE5(this.value, label);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = { op, negated: false, value: (e.partial as A.Value | undefined) ?? this.missing(), span: UNSPANNED } satisfies A.Test;
      throw e;
    }
    return { op, negated: false, value, span: UNSPANNED };
  }

  private withinTest(w: Within): A.Test {
    return w.next
      ? { op: "within", negated: false, amount: w.amount, unit: w.unit, next: true, span: UNSPANNED }
      : { op: "within", negated: false, amount: w.amount, unit: w.unit, span: UNSPANNED };
  }

  private within(direction: IToken | undefined, num: IToken | undefined, unit: IToken | undefined): Within {
    const amount: A.NumberValue = isVirtual(num) ? { kind: "number", value: NaN, raw: "", span: this.pointAtLastEnd() } : this.numberValue(num!);
    const next = !isVirtual(direction) && direction!.tokenType === T.Next;
    return { amount, unit: isVirtual(unit) ? "day" : UNITS.get(unit!.tokenType) ?? "day", next };
  }

  /** `has any|all|none (…)` */
  private hasList(): A.Test {
    let quantifier: IToken | undefined;
    let values: A.Value[] | undefined;
    try {
      quantifier = this.OR2((this.quantifierAlts ??= [
        { ALT: () => this.CONSUME(T.Any) },
        { ALT: () => this.CONSUME(T.All) },
        { ALT: () => this.CONSUME(T.None) },
      ]));
      values = this.SUBRULE(this.valueList);
    } catch (e) {
      if (!isFailure(e)) throw e;
      // Without its list (`has any` and no `(`), the test reads as `has <missing value>`.
      e.partial = quantifier === undefined ? this.hasTest("one", [this.missing()])
        : this.hasTest(quantifierOf(quantifier), (e.partial as A.Value[] | undefined) ?? []);
      throw e;
    }
    return this.hasTest(quantifierOf(quantifier), values);
  }

  /** `has v` */
  private hasOne(): A.Test {
    try {
      return this.hasTest("one", [this.SUBRULE(this.value)]);
    } catch (e) {
      if (!isFailure(e)) throw e;
      e.partial = this.hasTest("one", [(e.partial as A.Value | undefined) ?? this.missing()]);
      throw e;
    }
  }

  private hasTest(quantifier: "one" | "any" | "all" | "none", values: A.Value[]): A.Test {
    return { op: "has", quantifier, values, span: UNSPANNED };
  }

  private literal(t: IToken): A.Value {
    if (isVirtual(t)) return this.missing();
    const span = tokenSpan(t);
    this.markEndAt(span);
    switch (t.tokenType) {
      case T.StringLiteral:
      case T.UnterminatedString:
        return { kind: "string", value: decodeString(t, this.diagnostics), span };
      case T.NumberLiteral:
        return { kind: "number", value: Number(t.image), raw: t.image, span };
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
        return { kind: "bareword", text: decodeQuotedName(t, this.diagnostics), quoted: true, span };
      default:
        return { kind: "bareword", text: t.image, quoted: false, span };
    }
  }

  private numberValue(t: IToken): A.NumberValue {
    return { kind: "number", value: Number(t.image), raw: t.image, span: tokenSpan(t) };
  }

  private stringValue(t: IToken): A.StringValue {
    return { kind: "string", value: decodeString(t, this.diagnostics), span: tokenSpan(t) };
  }

  private relative(mark: number, num: IToken | undefined, unit: IToken | undefined, future?: "in" | "fromNow"): A.Value {
    if (isVirtual(num) || isVirtual(unit)) return this.missing();
    const amount = this.numberValue(num!);
    const u = UNITS.get(unit!.tokenType) ?? "day";
    const v: A.Value = future
      ? { kind: "relative", amount, unit: u, future, span: this.nodeSpan(mark) }
      : { kind: "relative", amount, unit: u, span: this.nodeSpan(mark) };
    this.markEndAt(v.span);
    return v;
  }

  private event(mark: number, name: A.Value | undefined, clauses: { measure: A.Measure | null; window: A.Window | null }, filter: A.Expr | null): A.EventExpr {
    return { kind: "event", name: name ?? this.missing(), measure: clauses.measure, window: clauses.window, filter, span: this.nodeSpan(mark) };
  }

  /** A clause's result as an event takes it: a measure, or a window spanning the clause. */
  private clause(mark: number, c: Clause | Within | Bounds | null): Clause | null {
    if (c === null || this.RECORDING_PHASE) return null;
    if ("kind" in c) return c;
    if ("amount" in c) {
      return c.next
        ? { kind: "within", amount: c.amount, unit: c.unit, next: true, span: this.nodeSpan(mark) }
        : { kind: "within", amount: c.amount, unit: c.unit, span: this.nodeSpan(mark) };
    }
    return { kind: "between", low: c.low, high: c.high, span: this.nodeSpan(mark) };
  }

  /** Adds a clause to its event; a second measure or window is reported. */
  private addClause(clauses: { measure: A.Measure | null; window: A.Window | null }, c: Clause | null): void {
    if (!c || this.RECORDING_PHASE) return;
    if (c.kind === "within" || c.kind === "between") {
      if (clauses.window) this.diagnostics.push(error("duplicate-clause", c.span, "a condition takes one time window"));
      else clauses.window = c;
    } else if (clauses.measure) {
      this.diagnostics.push(error("duplicate-clause", c.span, "a condition takes one count or measure; combine two with 'and'"));
    } else clauses.measure = c;
  }

  private count(mark: number, quantity: IToken | undefined, num: IToken | undefined): A.Measure | null {
    if (isVirtual(num)) return null;
    const span = this.nodeSpan(mark);
    const q = isVirtual(quantity) ? undefined : quantity!.tokenType;
    this.markEnd(num);
    return { kind: "count", cmp: q === T.Exactly ? "=" : q === T.Most ? "<=" : ">=", count: this.numberValue(num!), span };
  }

  private measure(mark: number, aggregate: IToken | undefined, hasProperty: boolean, property: A.FieldRef | null, which: IToken | undefined, test: A.Test | undefined): A.Measure | null {
    const span = this.nodeSpan(mark);
    if (!isVirtual(aggregate) || hasProperty) {
      if (!property) return null;
      const fn = isVirtual(aggregate) ? "sum" : AGGREGATES.get(aggregate!.tokenType) ?? "sum";
      return { kind: "aggregate", fn, property, test: test ?? this.missingTestAtEnd(), span };
    }
    const kind = !isVirtual(which) && which!.tokenType === T.First ? "first" : "last";
    return { kind, test: test ?? this.missingTestAtEnd(), span };
  }

  private missingTestAtEnd(): A.Test {
    return { op: "compare", cmp: "=", value: this.missing(), span: this.pointAtLastEnd() };
  }
}

/** Adds an operand to an `or`/`and` list, flattening a list of the same kind (a loop: no spread of 100,000s). */
function addOperand(operands: A.Expr[], kind: "or" | "and", e: A.Expr | null | undefined): void {
  if (!e) return;
  if (e.kind === kind) for (const o of e.operands) operands.push(o);
  else operands.push(e);
}

function quantifierOf(t: IToken): "any" | "all" | "none" {
  if (isVirtual(t)) return "any";
  return t.tokenType === T.All ? "all" : t.tokenType === T.None ? "none" : "any";
}

/**
 * `segment "Name" …` or `segment name as|title|description …` starts a declaration; `segment = "x"` is a
 * rule on a field named `segment` (a soft keyword).
 */
function isDeclarationStart(second: IToken, third: IToken): boolean {
  if (second.tokenType === T.StringLiteral || second.tokenType === T.QuotedIdentifier) return true;
  if (!isIdentifierLike(second)) return false;
  const t = third.tokenType;
  return !isOperatorStart(third) && t !== T.And && t !== T.Or;
}

function isIdentifierLike(token: IToken): boolean {
  const t = token.tokenType;
  return t === T.Identifier || (t.CATEGORIES ?? []).includes(T.Identifier);
}

function isOperatorStart(token: IToken): boolean {
  const t = token.tokenType;
  return (t.CATEGORIES ?? []).includes(T.CompareOp) || T.hardKeywords.includes(t);
}

/**
 * A parser of its own, with Chevrotain's grammar validations on (`validate`): for tests of the grammar.
 * Everything else uses `parser`.
 */
export function createParser(options: { validate?: boolean } = {}): SegqlParser {
  return new SegqlParser(options.validate === true);
}

/** The one parser instance. Not re-entrant: call `parseTokens`, never the rules directly. */
export const parser = createParser();

/** Names of the grammar's rules, for the diagram generator. */
export function grammarProductions() {
  return parser.getSerializedGastProductions();
}

/**
 * Parses tokens into a document (AST) with the parser's errors. `comments` become the document's
 * comments; `endSpan` is the zero-width span at the end of the text (where a piece missing at the end is
 * placed). After `maxErrors` syntax errors the parse stops: `stopped` is true and the document is empty.
 */
export function parseTokens(tokens: IToken[], comments: readonly IToken[], endSpan: Span, maxErrors = Number.POSITIVE_INFINITY): ParsedTokens {
  return parser.run(tokens, comments, endSpan, maxErrors);
}
