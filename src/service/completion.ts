/**
 * Completion that knows where the cursor is, even in half-typed input.
 *
 * Two questions are answered separately:
 * - what may come next syntactically: Chevrotain's content assist (`computeContentAssist`) walks the real
 *   grammar and returns each possible next token with the stack of rules it belongs to
 *   (`…>rule>predicate>comparison>value`). The grammar is never restated here. It walks a short vector that
 *   stands for the text before the cursor (the enclosing constructs and the current condition,
 *   assist-input.ts), so its cost does not depend on how much text comes before. When that text has a
 *   syntax error, the walk restarts at the nearest `and`, `or`, `(`, `where`, `as`, `not` or `performed`;
 * - what it means: a short look back over the tokens finds the field an operator or value belongs to and
 *   the event a `where` filter or aggregate is about, and the schema supplies names, types and values.
 *
 * Only the piece of the document around the cursor (one declaration, see analysis.ts) is looked at, and
 * everything done per request is linear in that piece's tokens.
 */
import type { IToken, TokenType } from "chevrotain";
import type { EventExpr, Expr, SegmentDeclaration } from "../parser/ast.js";
import { forEachExpr } from "../parser/ast.js";
import { formatField, quoteString } from "../parser/format.js";
import * as T from "../parser/tokens.js";
import type { EventsDef, FieldDef, FieldType, Schema } from "../schema/schema.js";
import type { DocumentAnalysis } from "./analysis.js";
import { assistPaths, type AssistPath as Path } from "./assist-input.js";
import { describeType, OPERATORS, OPERATOR_WORDS, type OperatorInfo } from "./operators.js";
import { isNameToken, isStringToken, isWordToken, matchesType, nameOf, tokenTypeOfWord, tokenWord } from "./tokens.js";
import type { CompletionItem, CompletionKind, CompletionResult } from "./types.js";

/** A segment that `in segment` can name. */
export interface SegmentSummary {
  name: string;
  title: string | null;
  description: string | null;
  /** Where it is declared, for the item's detail (a file name), or null for the current document. */
  file: string | null;
}

/** What completion needs besides the text. */
export interface CompletionEnv {
  schema: Schema | null;
  segments: readonly SegmentSummary[];
  /** The time zone days are counted in (the project's, else the schema's; absent: UTC), for details. */
  timeZone?: string;
}

const UNITS = ["minutes", "hours", "days", "weeks", "months", "years"] as const;

/** Completion proposals at `offset` of an analysed document. */
export function complete(analysis: DocumentAnalysis, offset: number, env: CompletionEnv): CompletionResult {
  const none: CompletionResult = { items: [], from: offset, to: offset };
  if (offset < 0 || offset > analysis.text.length) return none;
  // The text before the cursor decides; at the start of a piece that text belongs to the previous piece.
  const piece = analysis.pieceAt(Math.max(0, offset - 1));
  const rel = offset - piece.start;
  const { tokens, document, text } = piece.parse;
  if (document.comments.some((c) => c.span.start < rel && rel <= c.span.end)) return none;

  // The partial word (or string) at the cursor, and the tokens before it.
  let count = tokensEndingBy(tokens, rel);
  let prefix = "";
  let from = rel;
  let to = rel;
  let inString = false;
  const last = tokens[count - 1];
  const atCursor = tokens[count];
  if (atCursor && atCursor.startOffset < rel) {
    // Inside a word or a string: complete what is typed before the cursor, replace the whole token.
    if (isStringToken(atCursor)) {
      inString = true;
      prefix = text.slice(atCursor.startOffset + 1, rel);
    } else if (isWordToken(atCursor)) {
      prefix = text.slice(atCursor.startOffset, rel);
    } else return none; // inside a number, date or operator
    from = atCursor.startOffset;
    to = atCursor.endOffset! + 1;
  } else if (last && last.endOffset! + 1 === rel && (isWordToken(last) || last.tokenType === T.UnterminatedString)) {
    count--;
    from = last.startOffset;
    if (last.tokenType === T.UnterminatedString) {
      inString = true;
      prefix = text.slice(last.startOffset + 1, rel);
    } else prefix = last.image;
  } else if (last && last.endOffset! + 1 === rel && (last.tokenType === T.NumberLiteral || last.tokenType === T.StringLiteral ||
    last.tokenType === T.DateLiteral || last.tokenType === T.TimestampLiteral || last.tokenType === T.QuotedIdentifier)) {
    return none; // right after a value: wait for a space
  }
  const preceding = tokens.slice(0, count);
  const paths = assistPaths(preceding);
  const builder = new ItemBuilder(prefix, inString);
  const ctx: Ctx = { preceding, paths, env, builder, pieceDocument: document, rel };
  proposeAll(ctx);
  const shiftFrom = from + piece.start;
  const shiftTo = to + piece.start;
  return { items: builder.finish(), from: shiftFrom, to: shiftTo };
}

/** How many tokens end at or before `offset` (tokens are in order and do not overlap): a binary search. */
function tokensEndingBy(tokens: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.endOffset! + 1 <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Ctx {
  preceding: IToken[];
  paths: Path[];
  env: CompletionEnv;
  builder: ItemBuilder;
  pieceDocument: { segments: SegmentDeclaration[]; bare: boolean };
  rel: number;
  /** Set when the name before the cursor may be a whole (boolean) condition, so `and`/`or` fit after it. */
  booleanSubject?: boolean;
  /** Set when a condition at the cursor would be part of an event's `where` filter. */
  inFilter?: boolean;
  /** The event condition the cursor is in, once looked up (null: none). */
  event?: EventExpr | null;
}

function lastRule(p: Path): string {
  return p.ruleStack[p.ruleStack.length - 1] ?? "";
}

function parentRule(p: Path): string {
  return p.ruleStack[p.ruleStack.length - 2] ?? "";
}

/** True when the path is inside an event's `where` filter. */
function inEventFilter(p: Path): boolean {
  const stack = p.ruleStack.slice(0, -1); // the rule the next token starts does not count
  const i = stack.lastIndexOf("eventCondition");
  return i >= 0 && stack.indexOf("expression", i) > i;
}

function proposeAll(ctx: Ctx): void {
  const { paths } = ctx;
  const fieldPaths = paths.filter((p) => p.nextTokenType === T.Identifier && lastRule(p) === "field");
  const valuePaths = paths.filter((p) => lastRule(p) === "value");
  const predicatePaths = paths.filter((p) => p.ruleStack.includes("predicate"));
  // The parser is greedy: where a condition could continue an event's `where` filter, it does.
  ctx.inFilter = fieldPaths.some(inEventFilter);

  // 1. An operator after a field (also the rest of a half-typed one).
  if (predicatePaths.length > 0) proposeOperators(ctx, predicatePaths);
  // 2. Values after an operator, event names after `performed`, units after a number.
  if (valuePaths.length > 0) proposeValues(ctx, valuePaths);
  for (const p of paths) {
    if (p.nextTokenType === T.Unit && (lastRule(p) === "withinLast" || lastRule(p) === "inTime")) proposeUnits(ctx, false);
    // `N unit ago` is a time: only where a time fits (or the field is unknown).
    if (p.nextTokenType === T.Unit && lastRule(p) === "relativeTime") {
      const window = p.ruleStack.includes("eventClause") && !p.ruleStack.includes("measureClause");
      const type = window ? "timestamp" : valueSubject(ctx, [p])?.type;
      if (type === undefined || type === null || type === "date" || type === "timestamp") proposeUnits(ctx, true);
    }
  }
  // 3. Field or property names where a condition starts.
  if (fieldPaths.length > 0) proposeFields(ctx, fieldPaths);
  // 4. Segment names after `in segment`.
  if (paths.some((p) => lastRule(p) === "segmentName" && parentRule(p) === "segmentRef")) proposeSegments(ctx);
  // 5. Keywords that fit.
  proposeKeywords(ctx);
}

// ---- fields --------------------------------------------------------------------------------------

function proposeFields(ctx: Ctx, fieldPaths: Path[]): void {
  const schema = ctx.env.schema;
  if (!schema) return;
  const measure = fieldPaths.find((p) => parentRule(p) === "measureClause");
  const filter = fieldPaths.find((p) => inEventFilter(p));
  if (measure || filter) {
    const events = schema.events;
    if (!events) return;
    const eventName = enclosingEventName(ctx);
    for (const def of Object.values(events.properties)) {
      if (measure && def.type !== "number") continue;
      ctx.builder.add(formatField(def), "property", {
        detail: `${def.type} property${eventName ? ` of "${eventName}"` : ""}`,
        documentation: fieldDoc(def, "property"),
      }, 0);
    }
    return;
  }
  for (const def of Object.values(schema.fields)) {
    ctx.builder.add(formatField(def), "field", { detail: def.type, documentation: fieldDoc(def, "field") }, 0);
  }
}

/** Markdown about a field or property: type, description, values, column. */
export function fieldDoc(def: FieldDef, what: "field" | "property"): string {
  const reading = describeType(def.type);
  const lines = [`**${def.name}**: ${def.type} ${what}${reading === def.type ? "" : ` (${reading})`}`];
  if (def.description) lines.push("", def.description);
  if (def.values) lines.push("", `Values: ${def.values.map((v) => `\`${quoteString(v)}\``).join(", ")}`);
  lines.push("", `Column: \`${def.column}\``);
  return lines.join("\n");
}

/** The name of the event whose `where` filter or measure the cursor is in, from the nearest open `performed`. */
function enclosingEventName(ctx: Ctx): string | null {
  const event = enclosingEvent(ctx);
  return event && event.name.kind === "string" ? event.name.value : null;
}

/**
 * The event condition the cursor is in: the nearest `performed` before it that no `)` has closed. Asked once
 * per path, so remembered: the walk is linear in the tokens before the cursor.
 */
function enclosingEvent(ctx: Ctx): EventExpr | null {
  if (ctx.event === undefined) ctx.event = findEnclosingEvent(ctx);
  return ctx.event;
}

function findEnclosingEvent(ctx: Ctx): EventExpr | null {
  const tokens = ctx.preceding;
  let depth = 0;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!.tokenType;
    if (t === T.RParen) depth++;
    else if (t === T.LParen) depth = Math.max(0, depth - 1);
    else if (t === T.Performed && depth === 0) return eventAt(ctx.pieceDocument.segments, tokens[i]!.startOffset);
  }
  return null;
}

function eventAt(segments: SegmentDeclaration[], start: number): EventExpr | null {
  let found: EventExpr | null = null;
  for (const s of segments) {
    if (!s.expr || s.span.end < start || s.span.start > start) continue;
    forEachExpr(s.expr, (e: Expr) => {
      if (e.kind === "event" && e.span.start === start) found = e;
    });
  }
  return found;
}

// ---- operators -----------------------------------------------------------------------------------

/** The field an operator after the cursor belongs to, and the operator words already typed. */
interface Subject {
  type: FieldType | null;
  /** Measures (aggregates, first/last time) take only positive tests. */
  positiveOnly: boolean;
  /** What to call it in details. */
  name: string;
  def: FieldDef | null;
}

function proposeOperators(ctx: Ctx, paths: Path[]): void {
  const tokens = ctx.preceding;
  const allowed = new Set(paths.map((p) => p.nextTokenType));
  // The longest run of typed words that starts some operator, right after a name.
  for (let k = Math.min(4, tokens.length - 1); k >= 0; k--) {
    const typed = tokens.slice(tokens.length - k).map(tokenWord);
    const fieldToken = tokens[tokens.length - k - 1];
    if (!fieldToken || !isNameToken(fieldToken)) continue;
    const candidates = OPERATORS.filter((o) => {
      const words = OPERATOR_WORDS.get(o)!;
      return words.length > k && typed.every((w, i) => words[i] === w);
    });
    if (candidates.length === 0 && k > 0) continue;
    const subject = subjectOf(ctx, tokens.length - k - 1, paths);
    // `segment` then a space starts a declaration (the keyword is offered where one may start), unless the
    // schema has a field of that name: its operators would only be noise before the segment's name.
    if (k === 0 && fieldToken.tokenType === T.Segment && tokens[tokens.length - 2]?.tokenType !== T.In && !subject.def) return;
    const offerAll = k > 0;
    candidates.forEach((o, index) => {
      if (!offerAll && !o.canonical) return;
      if (subject.type && !o.types.includes(subject.type)) return;
      if (subject.positiveOnly && (o.negative || o.operand === "none")) return;
      // An event's first or last time lies in the past: a window ahead of now would never hold.
      if (subject.positiveOnly && subject.def === null && o.phrase === "within next") return;
      const rest = OPERATOR_WORDS.get(o)!.slice(k);
      const next = tokenTypeOfWord(rest[0]!);
      if (!next || ![...allowed].some((a) => matchesType(next, a))) return;
      const words = rest.join(" ");
      ctx.builder.add(o.phrase, "operator", {
        detail: subject.type ? `${subject.name}: ${subject.type}` : undefined,
        documentation: `\`${o.phrase}\`: ${o.doc}`,
        insertText: `${words}${o.operand === "none" ? "" : o.operand === "list" ? " (" : " "}`,
        snippet: snippetFor(words, o),
        filterText: words,
      }, 0, index);
    });
    // A boolean field (or one of unknown type) may stand alone, so `and`/`or` also fit after it.
    ctx.booleanSubject = k === 0 && (subject.type === "boolean" || subject.type === null);
    return;
  }
}

function snippetFor(words: string, o: OperatorInfo): string | undefined {
  switch (o.operand) {
    case "list": return `${words} ($1)`;
    case "range": return `${words} \${1} and \${2}`;
    case "duration": return `${words} \${1:30} \${2|days,weeks,months,years,hours,minutes|}`;
    default: return undefined;
  }
}

/** What the name token at `index` is: a contact field, an event property, or an event's first/last time. */
function subjectOf(ctx: Ctx, index: number, paths: Path[]): Subject {
  const tokens = ctx.preceding;
  const t = tokens[index]!;
  const schema = ctx.env.schema;
  const inMeasure = paths.some((p) => p.ruleStack.includes("measureClause"));
  const inFilter = paths.some((p) => inEventFilter(p));
  if (inMeasure && t.tokenType === T.Times && (tokens[index - 1]?.tokenType === T.First || tokens[index - 1]?.tokenType === T.Last)) {
    return { type: "timestamp", positiveOnly: true, name: `${tokens[index - 1]!.image.toLowerCase()} time`, def: null };
  }
  const name = nameOf(t);
  if (!schema) return { type: null, positiveOnly: inMeasure, name, def: null };
  if (inMeasure || inFilter) {
    const def = schema.events ? lookup(schema.events.properties, name) : undefined;
    return { type: def?.type ?? null, positiveOnly: inMeasure, name: def?.name ?? name, def: def ?? null };
  }
  const def = lookup(schema.fields, name);
  return { type: def?.type ?? null, positiveOnly: false, name: def?.name ?? name, def: def ?? null };
}

/** Case-insensitive lookup, like the schema's `findField` (kept here so the service needs no file system). */
export function lookup(fields: Record<string, FieldDef>, name: string): FieldDef | undefined {
  if (Object.hasOwn(fields, name)) return fields[name];
  const lower = name.toLowerCase();
  return Object.values(fields).find((f) => f.name.toLowerCase() === lower);
}

// ---- values ----------------------------------------------------------------------------------------

function proposeValues(ctx: Ctx, paths: Path[]): void {
  const p = paths[0]!;
  const schema = ctx.env.schema;
  const stack = p.ruleStack;
  if (parentRule(p) === "eventCondition" && lastRule(p) === "value") {
    const events = schema?.events;
    for (const name of events?.names ?? []) {
      ctx.builder.add(quoteString(name), "event", { detail: "event", documentation: eventDoc(name, events!) }, 0);
    }
    return;
  }
  // A window `between A and B` of an event: times (events lie in the past: no future forms).
  if (stack.includes("eventClause") && !stack.includes("measureClause")) {
    proposeTimeWords(ctx, false);
    return;
  }
  const subject = valueSubject(ctx, paths);
  if (!subject || !subject.type) return;
  switch (subject.type) {
    case "enum": {
      const listed = valuesInOpenList(ctx.preceding);
      for (const v of subject.def?.values ?? []) {
        if (listed.has(v)) continue;
        ctx.builder.add(quoteString(v), "value", { detail: `${subject.name} value` }, 1);
      }
      break;
    }
    case "boolean":
      for (const v of ["true", "false"]) ctx.builder.add(v, "value", { detail: "boolean" }, 1);
      break;
    case "date":
    case "timestamp":
      proposeTimeWords(ctx, true);
      break;
    default:
      break;
  }
}

/** `today`, `now` and (where the future fits) `in N days`. */
function proposeTimeWords(ctx: Ctx, future: boolean): void {
  const zone = ctx.env.timeZone ?? "UTC";
  ctx.builder.add("today", "value", {
    detail: `the start of today in ${zone}`,
    documentation: `Midnight at the start of the current day in ${zone} (the evaluation time zone: the project's or the schema's "timeZone", else UTC).`,
  }, 1);
  ctx.builder.add("now", "value", { detail: "the current instant", documentation: "The current instant (fixed per evaluation)." }, 1);
  if (future && ctx.paths.some((p) => p.nextTokenType === T.In && lastRule(p) === "inTime")) {
    ctx.builder.add("in … days", "value", {
      detail: "a time after now",
      documentation: `\`in N unit\` (also written \`N unit from now\`): now plus N units; days and longer on the calendar of ${zone}.`,
      insertText: "in 7 days",
      snippet: "in ${1:7} ${2|days,weeks,months,years,hours,minutes|}",
      filterText: "in",
    }, 1);
  }
}

/** The field whose value is being typed: the name before the operator that starts the current test. */
function valueSubject(ctx: Ctx, paths: Path[]): Subject | null {
  const tokens = ctx.preceding;
  const operatorStarts = new Set<TokenType>([T.Is, T.Not, T.In, T.Between, T.Contains, T.Starts, T.Ends, T.Has, T.Before, T.After, T.Within]);
  for (let i = tokens.length - 1; i > 0; i--) {
    const t = tokens[i]!;
    // `and` ends the test unless it is the `and` of `between A and B` (A is one token, or `N unit ago`).
    if (t.tokenType === T.And && tokens[i - 2]?.tokenType !== T.Between && tokens[i - 4]?.tokenType !== T.Between) break;
    if (t.tokenType === T.Or || t.tokenType === T.Where || t.tokenType === T.Performed) break;
    const starts = operatorStarts.has(t.tokenType) || matchesType(t.tokenType, T.CompareOp);
    if (starts && isNameToken(tokens[i - 1]!) && !operatorStarts.has(tokens[i - 1]!.tokenType)) return subjectOf(ctx, i - 1, paths);
  }
  return null;
}

/** Values already listed in the `(` … list the cursor is in, so they are not proposed twice. */
function valuesInOpenList(tokens: IToken[]): Set<string> {
  const out = new Set<string>();
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!;
    if (t.tokenType === T.LParen) break;
    if (t.tokenType === T.RParen) return new Set();
    if (t.tokenType === T.StringLiteral) out.add(decodeSimple(t.image));
  }
  return out;
}

/** A string token's value for comparison (escapes of quotes and backslashes undone). */
function decodeSimple(image: string): string {
  return image.slice(1, -1).replace(/\\(["'\\/])/g, "$1");
}

function eventDoc(name: string, events: EventsDef): string {
  const props = Object.values(events.properties);
  return [`**${name}**: event`, "", props.length ? `Properties: ${props.map((p) => `\`${p.name}\` (${p.type})`).join(", ")}` : "No properties."].join("\n");
}

function proposeUnits(ctx: Ctx, ago: boolean): void {
  const amount = ctx.preceding[ctx.preceding.length - 1];
  const one = amount?.image === "1";
  UNITS.forEach((u, i) => {
    const word = one ? u.slice(0, -1) : u;
    ctx.builder.add(word, "unit", { detail: ago ? "… ago, … from now" : "time unit" }, 0, i);
  });
}

// ---- segments --------------------------------------------------------------------------------------

function proposeSegments(ctx: Ctx): void {
  const own = currentDeclaration(ctx);
  const seen = new Set<string>();
  for (const s of ctx.env.segments) {
    if (s.name === own || seen.has(s.name)) continue;
    seen.add(s.name);
    const doc = [s.title ? `**${s.title}**` : null, s.description, s.file ? `Defined in ${s.file}` : null].filter(Boolean).join("\n\n");
    ctx.builder.add(quoteString(s.name), "segment", { detail: s.title ?? "segment", documentation: doc || undefined }, 0);
  }
}

function currentDeclaration(ctx: Ctx): string | null {
  if (ctx.pieceDocument.bare) return null;
  let name: string | null = null;
  for (const s of ctx.pieceDocument.segments) if (s.span.start <= ctx.rel) name = s.name;
  return name;
}

// ---- keywords --------------------------------------------------------------------------------------

/** First tokens of an event's count, measure and window clauses. */
const CLAUSE_STARTS = new Set<TokenType>([T.At, T.Exactly, T.With, T.Within, T.Between]);

/** Keyword phrases offered for a next token, by the rule it would be read in. */
function keywordPhrases(p: Path, ctx: Ctx): string[] {
  const t = p.nextTokenType;
  const rule = lastRule(p);
  const filter = ctx.inFilter || inEventFilter(p);
  // One count or measure and one window per event: do not offer a second.
  if (CLAUSE_STARTS.has(t) && (parentRule(p) === "eventClause" || parentRule(p) === "countClause")) {
    const event = enclosingEvent(ctx);
    const isWindow = t === T.Within || t === T.Between;
    if (event && (isWindow ? event.window : event.measure)) return [];
  }
  switch (t) {
    case T.And: return ["and"];
    case T.Or: return ["or"];
    case T.Not: return rule === "notExpr" ? ["not"] : [];
    case T.In: return rule === "segmentRef" && !filter ? ["in segment"] : [];
    case T.Performed: return filter ? [] : ["performed"];
    case T.Segment:
      if (rule === "segmentRef") return ["segment"];
      return rule === "segmentDeclaration" && parentRule(p) === "document" ? ["segment"] : [];
    case T.Title: return ["title"];
    case T.Description: return ["description"];
    case T.As: return ["as"];
    case T.Where: return ["where"];
    case T.At: return rule === "countClause" ? ["at least", "at most"] : [];
    case T.Least: return rule === "countClause" ? ["least"] : [];
    case T.Most: return rule === "countClause" ? ["most"] : [];
    case T.Exactly: return ["exactly"];
    case T.Times: return rule === "countClause" ? ["times"] : [];
    case T.Within: return rule === "withinLast" && parentRule(p) === "eventClause" ? ["within last"] : [];
    // After `within` in an event window (which looks back only); a field's `within last|next` is an operator.
    case T.Direction: return rule === "withinLast" && parentRule(p) === "eventClause" ? ["last"] : [];
    case T.Last: return rule === "withinLast" && parentRule(p) === "eventClause" ? ["last"] : rule === "measureClause" ? ["last time"] : [];
    case T.First: return rule === "measureClause" ? ["first time"] : [];
    case T.Between: return rule === "betweenTail" && parentRule(p) === "eventClause" ? ["between"] : [];
    case T.With: return rule === "measureClause" ? ["with sum of", "with average of", "with min of", "with max of", "with first time", "with last time"] : [];
    case T.Aggregate: return ["sum of", "average of", "min of", "max of"];
    case T.Of: return ["of"];
    case T.Ago: return ["ago"];
    case T.From: return rule === "relativeTime" ? ["from now"] : [];
    default: return [];
  }
}

function proposeKeywords(ctx: Ctx): void {
  const added = new Set<string>();
  for (const p of ctx.paths) {
    let phrases = keywordPhrases(p, ctx);
    // `and`/`or`, or the next declaration, right after a field that is not boolean would not check.
    const afterCondition = p.nextTokenType === T.And || p.nextTokenType === T.Or || p.nextTokenType === T.Segment && lastRule(p) === "segmentDeclaration";
    if (afterCondition && lastTokenIsBareField(ctx) && !ctx.booleanSubject) phrases = [];
    for (const phrase of phrases) {
      if (added.has(phrase)) continue;
      added.add(phrase);
      const words = phrase.split(" ");
      ctx.builder.add(phrase, "keyword", { insertText: phrase, detail: KEYWORD_DETAIL[words[0]!] }, 2);
    }
  }
}

function lastTokenIsBareField(ctx: Ctx): boolean {
  const t = ctx.preceding[ctx.preceding.length - 1];
  return t !== undefined && isNameToken(t) && ctx.paths.some((p) => p.ruleStack.includes("predicate"));
}

const KEYWORD_DETAIL: Record<string, string> = {
  and: "both conditions",
  or: "either condition",
  not: "the opposite of the condition",
  in: "the contacts of another segment",
  performed: "a condition on events",
  segment: "declare a named segment",
  title: "a display title",
  description: "a description",
  as: "the segment's condition",
  where: "a filter on the event's properties",
  at: "a count of events",
  exactly: "an exact count of events",
  within: "a time window",
  between: "a time window",
  with: "an aggregate or first/last time",
  ago: "a time before now",
  from: "a time after now",
  next: "ahead of now",
};

// ---- items -----------------------------------------------------------------------------------------

class ItemBuilder {
  private readonly items: { item: Omit<CompletionItem, "sortText">; group: number; order: number; seq: number }[] = [];
  private readonly labels = new Set<string>();
  private seq = 0;

  constructor(
    private readonly prefix: string,
    private readonly inString: boolean,
  ) {}

  /** Adds an item when it matches the typed prefix; `group` orders kinds, `order` items within one. */
  add(label: string, kind: CompletionKind, extra: Partial<Omit<CompletionItem, "label" | "kind" | "sortText">>, group: number, order = 0): void {
    if (this.labels.has(`${kind}:${label}`)) return;
    const filter = extra.filterText ?? extra.insertText ?? label;
    if (!this.matches(filter)) return;
    this.labels.add(`${kind}:${label}`);
    const item: Omit<CompletionItem, "sortText"> = { label, kind };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) (item as Record<string, unknown>)[k] = v;
    this.items.push({ item, group, order, seq: this.seq++ });
  }

  private matches(candidate: string): boolean {
    if (this.inString) {
      if (!/^["']/.test(candidate)) return false;
      return candidate.slice(1).toLowerCase().startsWith(this.prefix.toLowerCase());
    }
    const c = candidate.replace(/^[`"']/, "").toLowerCase();
    return c.startsWith(this.prefix.toLowerCase().replace(/^`/, ""));
  }

  finish(): CompletionItem[] {
    this.items.sort((a, b) => a.group - b.group || a.order - b.order || a.seq - b.seq);
    return this.items.map((x, i) => ({ ...x.item, sortText: String(i).padStart(4, "0") }));
  }
}
