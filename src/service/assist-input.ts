/**
 * What completion hands to Chevrotain's content assist: a short token vector that leads the grammar to the
 * same place as the whole text before the cursor, so a request costs the same at the end of a 1 MB document
 * as in a one-line one.
 *
 * Why: `computeContentAssist` explores every derivation of the tokens it is given and copies its rule stack
 * and remaining-production list at each step, so its cost grows faster than the input (an 84 KB condition
 * took 55 s and GBs; issue 10, case 9), and `where` filters, which extend as far as an expression does, make
 * the derivations multiply with their nesting.
 *
 * How: one forward pass over the tokens keeps a stack of the open constructs (the declaration, `(` groups,
 * `where` filters, value lists). What comes next depends only on
 * - the current condition: the tokens since the last `and`/`or` (or the opener) at the innermost level,
 *   with every group closed inside it shrunk to `( x )` (a value list to `( "x" )`), and an open value list
 *   reduced to `( "x",` and the value being typed;
 * - what encloses it: a declaration (`segment "x" as`, or `segment "x" as x;` before the next one), a `where`
 *   filter (`performed "x" where`), a group (`(`). A condition after `and`/`or` may belong to the innermost
 *   level or to any enclosing one up to the nearest group, and all that matters above that group is
 *   whether some filter encloses it; so the levels kept are: a filter if one encloses the innermost group,
 *   that group, and a filter if one is open inside it, then `x and` (or `x or`) when the condition follows
 *   a junction.
 * The vector is that context's opener tokens followed by the current condition: a few dozen tokens at most.
 * The text before the cursor itself stays the source of meaning for completion (which field, which event).
 */
import { createTokenInstance, type IToken, type TokenType } from "chevrotain";
import { parser } from "../parser/parser.js";
import * as T from "../parser/tokens.js";
import { isNameToken } from "./tokens.js";

/** A possible next token with the rules it would be read in (outermost first), as content assist gives it. */
export interface AssistPath {
  nextTokenType: TokenType;
  ruleStack: string[];
}

/** The possible next tokens after `tokens` (the text before the cursor): the paths of the first input that parses. */
export function assistPaths(tokens: readonly IToken[]): AssistPath[] {
  for (const input of assistInputs(tokens)) {
    const paths = parser.computeContentAssist(input.rule, input.tokens);
    if (paths.length > 0) return paths;
  }
  return [];
}

/** One input to try: the start rule and the tokens. */
export interface AssistInput {
  rule: "document" | "expression";
  tokens: IToken[];
}

/** Longest current condition handed to content assist; past it only the text after a restart point is. */
export const MAX_ASSIST_TOKENS = 256;

/** Tokens after which a condition can start again, for retries when the current one does not parse. */
const RESTART_AFTER = new Set<TokenType>([T.And, T.Or, T.LParen, T.Where, T.As, T.Not]);

type FrameKind = "paren" | "where" | "list";

interface Frame {
  kind: FrameKind;
  /** Index of the token that opened it (`(`, `where`). */
  opener: number;
  /** Index where the current condition of this level starts (after the opener or the last `and`/`or`). */
  restart: number;
  /** A `performed` was seen in the current condition of this level (so a `where` here opens its filter). */
  event: boolean;
  /** For lists: index just after the last comma. */
  lastComma: number;
}

/** Where the text before the cursor stands in declarations. */
type Root =
  | { mode: "bare"; restart: number; event: boolean } // a bare expression
  | { mode: "header"; start: number; first: boolean } // inside `segment NAME [title …] [description …]` before `as`
  | { mode: "body"; restart: number; event: boolean } // after `as`
  | { mode: "between"; start: number }; // after `;`: the next declaration

const synthetic = (type: TokenType, image: string): IToken => createTokenInstance(type, image, -1, -1, -1, -1, -1, -1);
const SEGMENT = synthetic(T.Segment, "segment");
const NAME = synthetic(T.StringLiteral, '"x"');
const AS = synthetic(T.As, "as");
const LPAREN = synthetic(T.LParen, "(");
const RPAREN = synthetic(T.RParen, ")");
const PERFORMED = synthetic(T.Performed, "performed");
const WHERE = synthetic(T.Where, "where");
const FIELD = synthetic(T.Identifier, "x");
const SEMICOLON = synthetic(T.Semicolon, ";");
const COMMA = synthetic(T.Comma, ",");

/**
 * The inputs to try, in order, for the tokens before the cursor: the context and current condition, then
 * (for text that does not parse) the same context with the condition cut after its last few restart points,
 * then those cuts alone.
 */
export function assistInputs(tokens: readonly IToken[]): AssistInput[] {
  const { root, frames, closing } = scan(tokens);
  const innermost = frames.filter((f) => f.kind !== "list").at(-1);
  const list = frames.at(-1)?.kind === "list" ? frames.at(-1)! : null;
  let start: number;
  if (innermost) start = innermost.restart;
  else start = root.mode === "header" || root.mode === "between" ? root.start : root.restart;

  // The current condition, with closed groups shrunk and an open list cut to its last value.
  const condition = shrink(tokens, start, list ? list.opener + 1 : tokens.length, closing);
  if (list) {
    if (list.lastComma > list.opener + 1) condition.push(NAME, COMMA);
    for (let i = list.lastComma; i < tokens.length; i++) condition.push(tokens[i]!);
  }

  // The context: the declaration's opener, then the last `where` and the last `(` in their order.
  const afterDeclaration = root.mode === "between" || (root.mode === "header" && !root.first);
  const prefix: IToken[] = root.mode === "body" ? [SEGMENT, NAME, AS] : afterDeclaration ? [SEGMENT, NAME, AS, FIELD, SEMICOLON] : [];
  const lastParen = lastIndexOf(frames, "paren");
  const lastWhere = lastIndexOf(frames, "where");
  if (lastWhere >= 0 && frames.findIndex((f) => f.kind === "where") < lastParen) prefix.push(PERFORMED, NAME, WHERE);
  if (lastParen >= 0) prefix.push(LPAREN);
  if (lastWhere > lastParen) prefix.push(PERFORMED, NAME, WHERE);
  // After `and`/`or` the condition may also belong to an enclosing filter or group: keep the junction.
  if (innermost && innermost.restart > innermost.opener + 1) prefix.push(FIELD, tokens[innermost.restart - 1]!);
  const rule: AssistInput["rule"] = prefix.length === 0 && root.mode === "bare" && start > 0 ? "expression" : "document";

  const out: AssistInput[] = [];
  if (condition.length <= MAX_ASSIST_TOKENS) out.push({ rule, tokens: [...prefix, ...condition] });
  // Retries: restart after one of the nearest `and`/`or`/`(`/`where`/`as`/`not`, or at a `performed`, the
  // farthest first (the longest suffix that parses keeps the most context), within the last tokens only.
  const starts: number[] = [];
  const floor = Math.max(0, condition.length - MAX_ASSIST_TOKENS);
  for (let i = condition.length; i > floor && starts.length < 6; i--) {
    const t = condition[i - 1]!;
    const s = RESTART_AFTER.has(t.tokenType) ? i : t.tokenType === T.Performed ? i - 1 : -1;
    if (s >= 0) starts.push(s);
  }
  for (const s of starts.reverse()) {
    out.push({ rule: prefix.length > 0 ? "document" : "expression", tokens: [...prefix, ...condition.slice(s)] });
    if (prefix.length > 0) out.push({ rule: "expression", tokens: condition.slice(s) });
  }
  return out;
}

function lastIndexOf(frames: readonly Frame[], kind: FrameKind): number {
  for (let i = frames.length - 1; i >= 0; i--) if (frames[i]!.kind === kind) return i;
  return -1;
}

/** `tokens[from, to)` with every group closed inside shrunk to `( x )` and every closed list to `( "x" )`. */
function shrink(tokens: readonly IToken[], from: number, to: number, closing: ReadonlyMap<number, number>): IToken[] {
  const out: IToken[] = [];
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    const end = t.tokenType === T.LParen ? closing.get(i) : undefined;
    if (end !== undefined && end < to) {
      out.push(LPAREN, isListOpener(tokens, i) ? NAME : FIELD, RPAREN);
      i = end;
    } else out.push(t);
  }
  return out;
}

/** `(` after `in`, `has any`, `has all`, `has none` opens a value list, not a group. */
function isListOpener(tokens: readonly IToken[], i: number): boolean {
  const prev = tokens[i - 1]?.tokenType;
  if (prev === T.In) return true;
  return (prev === T.Any || prev === T.All || prev === T.None) && tokens[i - 2]?.tokenType === T.Has;
}

/** True for the `and` of `between A and B` (A is one token, or `N unit ago`). */
export function isBetweenAnd(tokens: readonly IToken[], i: number): boolean {
  return tokens[i]!.tokenType === T.And && (tokens[i - 2]?.tokenType === T.Between || tokens[i - 4]?.tokenType === T.Between);
}

/** `segment "Name" …` or `segment name as|title|description …`, not after `in` (the parser's own test). */
function startsDeclaration(tokens: readonly IToken[], i: number): boolean {
  if (tokens[i - 1]?.tokenType === T.In) return false;
  const next = tokens[i + 1];
  if (!next) return true; // `segment` typed at the end: a declaration is what can start here
  if (next.tokenType === T.StringLiteral || next.tokenType === T.QuotedIdentifier || next.tokenType === T.UnterminatedString) return true;
  if (!isNameToken(next)) return false;
  const after = tokens[i + 2]?.tokenType;
  return after === undefined || after === T.As || after === T.Title || after === T.Description;
}

/** One pass over the tokens: the open constructs at the end, and where each closed `(` is closed. */
function scan(tokens: readonly IToken[]): { root: Root; frames: Frame[]; closing: Map<number, number> } {
  let root: Root = { mode: "bare", restart: 0, event: false };
  let frames: Frame[] = [];
  const closing = new Map<number, number>();
  const level = (): { restart: number; event: boolean } | Frame | null => {
    const top = frames.at(-1);
    if (top) return top;
    return root.mode === "bare" || root.mode === "body" ? root : null;
  };
  for (let i = 0; i < tokens.length; i++) {
    const type = tokens[i]!.tokenType;
    const top = frames.at(-1);
    if (top?.kind === "list") {
      if (type === T.Comma) top.lastComma = i + 1;
      else if (type === T.RParen) {
        closing.set(top.opener, i);
        frames.pop();
      }
      continue;
    }
    if (type === T.Segment && frames.length === 0 && (i === 0 || root.mode !== "bare") && startsDeclaration(tokens, i)) {
      root = { mode: "header", start: i, first: root.mode === "bare" };
      frames = [];
      continue;
    }
    if (type === T.As && root.mode === "header" && frames.length === 0) {
      root = { mode: "body", restart: i + 1, event: false };
      continue;
    }
    if (type === T.Semicolon && root.mode !== "bare") {
      root = { mode: "between", start: i + 1 };
      frames = [];
      continue;
    }
    const current = level();
    if (!current) continue;
    if (type === T.LParen) {
      frames.push({ kind: isListOpener(tokens, i) ? "list" : "paren", opener: i, restart: i + 1, event: false, lastComma: i + 1 });
    } else if (type === T.RParen) {
      // Closes the innermost group and every `where` filter opened inside it.
      const at = lastIndexOf(frames, "paren");
      if (at >= 0) {
        closing.set(frames[at]!.opener, i);
        frames.length = at;
      }
    } else if (type === T.Performed) {
      current.event = true;
    } else if (type === T.Where && current.event) {
      current.event = false;
      frames.push({ kind: "where", opener: i, restart: i + 1, event: false, lastComma: i + 1 });
    } else if ((type === T.And && !isBetweenAnd(tokens, i)) || type === T.Or) {
      current.restart = i + 1;
      current.event = false;
    }
  }
  return { root, frames, closing };
}
