/**
 * The segql grammar as one Chevrotain `CstParser`, built once and reused (Chevrotain's performance
 * guidance: self-analysis is the expensive part). `grammar/README.md` is the readable EBNF of these rules.
 *
 * Precedence is the rule chain `orExpr → andExpr → notExpr → primary`: `not` binds looser than a
 * comparison (`not tenure > 12` is `not (tenure > 12)`) and tighter than `and`, which binds tighter than `or`.
 * Error recovery is on, so half-typed input still yields a partial tree for completion.
 */
import { CstParser, type CstNode, type IOrAlt, type IRecognitionException, type IToken, type TokenType } from "chevrotain";
import * as T from "./tokens.js";

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
type FollowsHook = (this: CstParser, tokType: TokenType, tokIdxInRule: number) => TokenType[];
/** Chevrotain's method recording a syntax error (not in its public types). */
type SaveErrorHook = (this: CstParser, error: IRecognitionException) => IRecognitionException;

/** Thrown through the parser's rules to stop it after too many syntax errors (see `parseTokens`). */
class ParsingStopped extends Error {}

class SegqlParser extends CstParser {
  // Alternatives of the busiest ORs, built once (Chevrotain performance guide: an OR's array is otherwise
  // re-created on every call). Declared first so the instance's shape is fixed before the rules are recorded.
  private primaryAlts: IOrAlt<unknown>[] | undefined = undefined;
  private predicateAlts: IOrAlt<unknown>[] | undefined = undefined;
  private isAlts: IOrAlt<unknown>[] | undefined = undefined;
  private positiveAlts: IOrAlt<unknown>[] | undefined = undefined;
  private valueAlts: IOrAlt<unknown>[] | undefined = undefined;
  private eventClauseAlts: IOrAlt<unknown>[] | undefined = undefined;
  /** Syntax errors after which parsing stops (set per parse by `parseTokens`). */
  maxErrors = Number.POSITIVE_INFINITY;

  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: "full" });
    this.performSelfAnalysis();
  }

  /**
   * Chevrotain's hook computing the tokens that may follow a missing one (for single-token insertion).
   * Past `MAX_INSERTION_RULE_DEPTH` rules it answers "none", so no recursive grammar walk runs on deep input.
   */
  /**
   * Chevrotain's hook recording each syntax error. Recovering from one costs ~0.2 ms, so a megabyte of
   * garbage (100,000s of errors) took tens of seconds; past `maxErrors` the parse stops instead.
   */
  SAVE_ERROR(error: IRecognitionException): IRecognitionException {
    const saved = (CstParser.prototype as unknown as { SAVE_ERROR: SaveErrorHook }).SAVE_ERROR.call(this, error);
    if ((this as unknown as { _errors: unknown[] })._errors.length >= this.maxErrors) throw new ParsingStopped();
    return saved;
  }

  getFollowsForInRuleRecovery(tokType: TokenType, tokIdxInRule: number): TokenType[] {
    const depth = (this as unknown as { RULE_STACK_IDX: number }).RULE_STACK_IDX + 1;
    if (depth > MAX_INSERTION_RULE_DEPTH) return [];
    return (CstParser.prototype as unknown as { getFollowsForInRuleRecovery: FollowsHook }).getFollowsForInRuleRecovery.call(this, tokType, tokIdxInRule);
  }

  /** A whole text: segment declarations, or one bare expression (an unnamed segment). */
  public document = this.RULE("document", () => {
    this.OR([
      {
        GATE: () => this.LA(1).tokenType === T.Segment && isDeclarationStart(this.LA(2), this.LA(3)),
        IGNORE_AMBIGUITIES: true,
        ALT: () => this.AT_LEAST_ONE(() => this.SUBRULE(this.segmentDeclaration)),
      },
      { ALT: () => this.OPTION(() => this.SUBRULE(this.expression)) },
    ]);
  });

  /** `segment NAME [title "…"] [description "…"] as EXPR [;]` */
  public segmentDeclaration = this.RULE("segmentDeclaration", () => {
    this.CONSUME(T.Segment);
    this.SUBRULE(this.segmentName);
    this.OPTION(() => {
      this.CONSUME(T.Title);
      this.CONSUME(T.StringLiteral, { LABEL: "title" });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Description);
      this.CONSUME2(T.StringLiteral, { LABEL: "description" });
    });
    this.CONSUME(T.As);
    this.SUBRULE(this.expression);
    this.OPTION3(() => this.CONSUME(T.Semicolon));
  });

  public segmentName = this.RULE("segmentName", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.QuotedIdentifier) },
    ]);
  });

  public expression = this.RULE("expression", () => {
    this.SUBRULE(this.orExpr);
  });

  public orExpr = this.RULE("orExpr", () => {
    this.SUBRULE(this.andExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.andExpr, { LABEL: "operands" });
    });
  });

  public andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.notExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.notExpr, { LABEL: "operands" });
    });
  });

  /** Any number of `not`, iterated rather than recursed. */
  public notExpr = this.RULE("notExpr", () => {
    this.MANY(() => this.CONSUME(T.Not));
    this.SUBRULE(this.primary);
  });

  public primary = this.RULE("primary", () => {
    this.OR((this.primaryAlts ??= [
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.SUBRULE(this.segmentRef) },
      { ALT: () => this.SUBRULE(this.eventCondition) },
      { ALT: () => this.SUBRULE(this.rule) },
    ]));
  });

  public parenExpr = this.RULE("parenExpr", () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  /** `in segment "High value"` */
  public segmentRef = this.RULE("segmentRef", () => {
    this.CONSUME(T.In);
    this.CONSUME(T.Segment);
    this.SUBRULE(this.segmentName);
  });

  /** A field and what is asked of it; a field alone is a boolean test. */
  public rule = this.RULE("rule", () => {
    this.SUBRULE(this.field);
    this.OPTION(() => this.SUBRULE(this.predicate));
  });

  public field = this.RULE("field", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.QuotedIdentifier) }]);
  });

  public predicate = this.RULE("predicate", () => {
    this.OR((this.predicateAlts ??= [
      { ALT: () => this.SUBRULE(this.comparison) },
      { ALT: () => this.SUBRULE(this.isPredicate) },
      { ALT: () => this.SUBRULE(this.negatedPredicate) },
      { ALT: () => this.SUBRULE(this.positivePredicate) },
      { ALT: () => this.SUBRULE(this.hasPredicate) },
    ]));
  });

  /** `= v`, `!= v`, `< v`, `<= v`, `> v`, `>= v` */
  public comparison = this.RULE("comparison", () => {
    this.CONSUME(T.CompareOp);
    this.SUBRULE(this.value);
  });

  /** `is [not] empty`, `is [not] [equal to] v`, `is greater than v`, `is less than v`, `is at least|most v` */
  public isPredicate = this.RULE("isPredicate", () => {
    this.CONSUME(T.Is);
    this.OR((this.isAlts ??= [
      {
        ALT: () => {
          this.CONSUME(T.GreaterKw);
          this.CONSUME(T.Than);
          this.SUBRULE(this.value, { LABEL: "greaterThan" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LessKw);
          this.CONSUME2(T.Than);
          this.SUBRULE2(this.value, { LABEL: "lessThan" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.At);
          this.OR2([
            { ALT: () => this.CONSUME(T.Least) },
            { ALT: () => this.CONSUME(T.Most) },
          ]);
          this.SUBRULE3(this.value, { LABEL: "bound" });
        },
      },
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(T.Not));
          this.OR3([
            { ALT: () => this.CONSUME(T.Empty) },
            {
              ALT: () => {
                this.CONSUME(T.EqualKw);
                this.CONSUME(T.To);
                this.SUBRULE4(this.value, { LABEL: "equalTo" });
              },
            },
            { ALT: () => this.SUBRULE5(this.value, { LABEL: "equalTo" }), IGNORE_AMBIGUITIES: true },
          ]);
        },
      },
    ]));
  });

  /** `not in (…)`, `not between a and b`, `not contains v`, `not starts with v`, `not ends with v`, `not within last N unit` */
  public negatedPredicate = this.RULE("negatedPredicate", () => {
    this.CONSUME(T.Not);
    this.SUBRULE(this.positivePredicate);
  });

  public positivePredicate = this.RULE("positivePredicate", () => {
    this.OR((this.positiveAlts ??= [
      {
        ALT: () => {
          this.CONSUME(T.In);
          this.SUBRULE(this.valueList);
        },
      },
      { ALT: () => this.SUBRULE(this.betweenTail) },
      {
        ALT: () => {
          this.CONSUME(T.Contains);
          this.SUBRULE(this.value, { LABEL: "contains" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Starts);
          this.CONSUME(T.With);
          this.SUBRULE2(this.value, { LABEL: "startsWith" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Ends);
          this.CONSUME2(T.With);
          this.SUBRULE3(this.value, { LABEL: "endsWith" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Before);
          this.SUBRULE4(this.value, { LABEL: "before" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.After);
          this.SUBRULE5(this.value, { LABEL: "after" });
        },
      },
      { ALT: () => this.SUBRULE(this.withinLast) },
    ]));
  });

  /** `between A and B` */
  public betweenTail = this.RULE("betweenTail", () => {
    this.CONSUME(T.Between);
    this.SUBRULE(this.value, { LABEL: "low" });
    this.CONSUME(T.And);
    this.SUBRULE2(this.value, { LABEL: "high" });
  });

  /** `within last N unit` */
  public withinLast = this.RULE("withinLast", () => {
    this.CONSUME(T.Within);
    this.CONSUME(T.Last);
    this.CONSUME(T.NumberLiteral);
    this.CONSUME(T.Unit);
  });

  /** `has v`, `has any (…)`, `has all (…)`, `has none (…)` */
  public hasPredicate = this.RULE("hasPredicate", () => {
    this.CONSUME(T.Has);
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Any) },
            { ALT: () => this.CONSUME(T.All) },
            { ALT: () => this.CONSUME(T.None) },
          ]);
          this.SUBRULE(this.valueList);
        },
      },
      { ALT: () => this.SUBRULE(this.value), IGNORE_AMBIGUITIES: true },
    ]);
  });

  public valueList = this.RULE("valueList", () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.value) });
    this.CONSUME(T.RParen);
  });

  /** Literals; a bare word is accepted here so the checker can say "put it in quotes". */
  public value = this.RULE("value", () => {
    this.OR((this.valueAlts ??= [
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.UnterminatedString) },
      { ALT: () => this.SUBRULE(this.relativeTime) },
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.TimestampLiteral) },
      { ALT: () => this.CONSUME(T.DateLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Now) },
      { ALT: () => this.CONSUME(T.Today) },
      { ALT: () => this.CONSUME(T.Identifier), IGNORE_AMBIGUITIES: true },
      { ALT: () => this.CONSUME(T.QuotedIdentifier) },
    ]));
  });

  /** `30 days ago` */
  public relativeTime = this.RULE("relativeTime", () => {
    this.CONSUME(T.NumberLiteral);
    this.CONSUME(T.Unit);
    this.CONSUME(T.Ago);
  });

  /**
   * `performed NAME [clauses] [where FILTER]`: a count (`at least 3 times`), a measure
   * (`with sum of amount > 50`, `with last time before 14 days ago`), a window (`within last 30 days`,
   * `between A and B`), then a `where` filter that extends as far as an expression does.
   */
  public eventCondition = this.RULE("eventCondition", () => {
    this.CONSUME(T.Performed);
    this.SUBRULE(this.value, { LABEL: "eventName" });
    this.MANY(() => this.SUBRULE(this.eventClause));
    this.OPTION(() => {
      this.CONSUME(T.Where);
      this.SUBRULE(this.expression, { LABEL: "filter" });
    });
  });

  public eventClause = this.RULE("eventClause", () => {
    this.OR((this.eventClauseAlts ??= [
      { ALT: () => this.SUBRULE(this.countClause) },
      { ALT: () => this.SUBRULE(this.withinLast) },
      { ALT: () => this.SUBRULE(this.betweenTail) },
      { ALT: () => this.SUBRULE(this.measureClause) },
    ]));
  });

  /** `at least N times`, `at most N times`, `exactly N times` */
  public countClause = this.RULE("countClause", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.At);
          this.OR2([{ ALT: () => this.CONSUME(T.Least) }, { ALT: () => this.CONSUME(T.Most) }]);
        },
      },
      { ALT: () => this.CONSUME(T.Exactly) },
    ]);
    this.CONSUME(T.NumberLiteral);
    this.CONSUME(T.Times);
  });

  /** `with sum|average|min|max of PROPERTY PREDICATE`, `with first|last time PREDICATE` */
  public measureClause = this.RULE("measureClause", () => {
    this.CONSUME(T.With);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Aggregate);
          this.CONSUME(T.Of);
          this.SUBRULE(this.field);
        },
      },
      {
        ALT: () => {
          this.OR2([{ ALT: () => this.CONSUME(T.First) }, { ALT: () => this.CONSUME(T.Last) }]);
          this.CONSUME(T.Times);
        },
      },
    ]);
    this.SUBRULE(this.predicate);
  });
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

/** The one parser instance. Not re-entrant: call `parseTokens`, never the rules directly. */
export const parser = new SegqlParser();

/** Names of the grammar's rules, for the diagram generator. */
export function grammarProductions() {
  return parser.getSerializedGastProductions();
}

/**
 * Parses tokens into a CST with the parser's errors. After `maxErrors` syntax errors the parse stops:
 * `stopped` is true, the CST is an empty document (what recovery would make of the rest is noise), and
 * `errors` are the ones found.
 */
export function parseTokens(tokens: IToken[], maxErrors = Number.POSITIVE_INFINITY): { cst: CstNode; errors: typeof parser.errors; stopped: boolean } {
  parser.input = tokens;
  parser.maxErrors = maxErrors;
  try {
    const cst = parser.document();
    return { cst, errors: parser.errors, stopped: false };
  } catch (e) {
    if (!(e instanceof ParsingStopped)) throw e;
    return { cst: { name: "document", children: {} }, errors: parser.errors, stopped: true };
  } finally {
    parser.maxErrors = Number.POSITIVE_INFINITY;
  }
}
