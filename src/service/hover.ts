/**
 * Hover: what a field is (type, description, allowed values, column), what an operator means, what an event
 * carries, what a referenced segment is defined as, and which instant a time value stands for right now
 * (in the evaluation time zone and in UTC: `today`, `30 days ago`, `in 3 days`, a date, a timestamp).
 */
import type { IToken } from "chevrotain";
import { parseDate, parseTimestamp, resolveTime } from "../checker/time.js";
import type { TimeValue } from "../checker/typed-ast.js";
import { formatInZone, TimeZoneError, UTC, wallClockKind, zoneOf, type TimeZone } from "../checker/zone.js";
import { valuesOf, type Test, type Value } from "../parser/ast.js";
import { formatField, quoteString } from "../parser/format.js";
import type { Schema } from "../schema/schema.js";
import type { DocumentAnalysis } from "./analysis.js";
import { fieldDoc, lookup } from "./completion.js";
import { operatorByWords, OPERATORS } from "./operators.js";
import { tokenWord } from "./tokens.js";
import type { HoverResult } from "./types.js";
import { targetAt, type Scope } from "./walk.js";

/** A segment definition, for hovering over a reference to it. */
export interface SegmentDefinition {
  name: string;
  title: string | null;
  description: string | null;
  /** The declaration's source text. */
  source: string;
  /** The file it is in, when not the hovered document. */
  file: string | null;
  /** A hand-picked member list (`ProjectInfo.memberLists`): its source is a stand-in, not shown. */
  memberList?: boolean;
}

/** What hover needs besides the text. */
export interface HoverEnv {
  schema: Schema | null;
  /** The definition of a segment by name, if any is known. */
  segment(name: string): SegmentDefinition | null;
  /** The evaluation time zone (the project's, else the schema's; absent: UTC). */
  timeZone?: string;
  /** The instant time values are shown for (default: the current time). */
  now?: number;
}

const MAX_SOURCE = 1200;

/** Hover at `offset`, or null when there is nothing to say. */
export function hover(analysis: DocumentAnalysis, offset: number, env: HoverEnv): HoverResult | null {
  if (offset < 0 || offset > analysis.text.length) return null;
  return hoverOnNode(analysis, offset, env) ?? hoverOnKeyword(analysis, offset);
}

/** What the connectives and a declaration's keywords mean: where no node of the tree has more to say. */
const KEYWORD_WORDS: Record<string, string> = {
  and: "`A and B`: both conditions hold.",
  or: "`A or B`: either condition holds (or both).",
  not: "`not E`: the exact complement of `E`: true wherever `E` is false, on contacts with empty fields too.",
  segment: "`segment \"Name\" [title \"…\"] [description \"…\"] as CONDITION`: a named segment, which other segments can name with `in segment \"Name\"`.",
  as: "`as CONDITION`: the segment's condition.",
  title: "`title \"…\"`: the segment's display title.",
  description: "`description \"…\"`: what the segment is for, shown on hover and in the web app.",
};

function hoverOnKeyword(analysis: DocumentAnalysis, offset: number): HoverResult | null {
  const piece = analysis.pieceAt(offset);
  const rel = offset - piece.start;
  const t = piece.parse.tokens.find((x) => x.startOffset <= rel && rel <= x.endOffset!);
  const word = t ? tokenWord(t) : "";
  // `segment`, `as`, `title` and `description` are soft keywords: inside a condition they are names (a
  // property called description), which this must not describe as a declaration's words.
  const connective = word === "and" || word === "or" || word === "not";
  const inCondition = piece.parse.document.segments.some((d) => d.expr && d.expr.span.start <= rel && rel < d.expr.span.end);
  const doc = t && (connective || !inCondition) ? KEYWORD_WORDS[word] : undefined;
  return t && doc ? { from: t.startOffset + piece.start, to: t.endOffset! + 1 + piece.start, markdown: doc } : null;
}

function hoverOnNode(analysis: DocumentAnalysis, offset: number, env: HoverEnv): HoverResult | null {
  const piece = analysis.pieceAt(offset);
  const rel = offset - piece.start;
  const { document, tokens } = piece.parse;
  const target = targetAt(document.bare ? document.segments : document.segments, rel);
  if (!target) return null;
  const at = (span: { start: number; end: number }, markdown: string): HoverResult => ({
    from: span.start + piece.start,
    to: span.end + piece.start,
    markdown,
  });
  const schema = env.schema;
  switch (target.kind) {
    case "field": {
      if (!schema) return null;
      const def = resolve(schema, target.field.name, target.scope);
      if (!def) return null;
      const event = target.scope.kind === "event" ? eventName(target.scope) : null;
      const what = target.scope.kind === "event" ? "property" : "field";
      return at(target.field.span, `${fieldDoc(def, what)}${event ? `\n\nProperty of event "${event}".` : ""}`);
    }
    case "operator": {
      const words = operatorWords(tokens, target.test, rel);
      if (!words) return null;
      return at(words.span, words.markdown);
    }
    case "value": {
      const time = timeHover(target.value, env);
      if (time) return at(target.value.span, time);
      if (!schema || !target.subject) return null;
      const def = resolve(schema, target.subject.name, target.scope);
      if (!def?.values || target.value.kind !== "string") return null;
      const known = def.values.includes(target.value.value);
      return at(target.value.span, `${known ? "A value" : "**Not** a value"} of **${def.name}** (${def.values.map((v) => `\`${quoteString(v)}\``).join(", ")})`);
    }
    case "segmentRef":
    case "declaration": {
      const name = target.kind === "segmentRef" ? target.ref.name : target.declaration.name!;
      const span = target.kind === "segmentRef" ? target.ref.nameSpan : target.declaration.nameSpan!;
      if (target.kind === "segmentRef" && !(span.start <= rel && rel < span.end)) {
        return at(target.ref.span, "`in segment \"Name\"`: the contacts of another segment.");
      }
      const def = env.segment(name);
      if (!def) return at(span, `Unknown segment ${quoteString(name)}.`);
      const head = [`**segment ${quoteString(def.name)}**${def.title ? `: ${def.title}` : ""}`];
      if (def.description) head.push("", def.description);
      if (def.memberList) {
        head.push("", "A static segment: a hand-picked list of contacts. `in segment` holds for the contacts on it.");
        return at(span, head.join("\n"));
      }
      if (def.file) head.push("", `Defined in ${def.file}`);
      const source = def.source.length > MAX_SOURCE ? `${def.source.slice(0, MAX_SOURCE)}\n…` : def.source;
      head.push("", "```segql", source, "```");
      return at(span, head.join("\n"));
    }
    case "event": {
      const v = target.event.name;
      if (v.kind !== "string") return null;
      const events = schema?.events;
      const props = events ? Object.values(events.properties) : [];
      const lines = [`**${v.value}**: event`];
      if (events?.names && !events.names.includes(v.value)) lines.push("", "Not one of the schema's events.");
      if (props.length) lines.push("", `Properties: ${props.map((p) => `\`${formatField(p)}\` (${p.type})`).join(", ")}`);
      return at(v.span, lines.join("\n"));
    }
    case "eventKeyword": {
      const w = target.event.window;
      const bound = w && w.kind === "between" ? [w.low, w.high].find((v) => v.span.start <= rel && rel < v.span.end) : undefined;
      const time = bound ? timeHover(bound, env) : null;
      if (bound && time) return at(bound.span, time);
      const t = tokens.find((x) => x.startOffset <= rel && rel <= x.endOffset!);
      if (!t) return null;
      const doc = EVENT_WORDS[tokenWord(t)];
      return doc ? at({ start: t.startOffset, end: t.endOffset! + 1 }, doc) : null;
    }
  }
}

const EVENT_WORDS: Record<string, string> = {
  performed: "`performed \"Event\"`: the contact has at least one such event (or as many as the count says). Event names match exactly.",
  where: "`where`: a filter on the same event's properties; it extends as far as an expression does, so put the event condition in parentheses to combine it with contact rules.",
  at: "`at least N times` / `at most N times`: a count of matching events (a count over no events is 0).",
  least: "`at least N times`: N or more matching events.",
  most: "`at most N times`: N or fewer matching events (includes contacts without events).",
  exactly: "`exactly N times`: exactly N matching events (`exactly 0 times` is `not performed`).",
  times: "A count of matching events.",
  within: "`within last N unit`: events from N units ago up to now, both ends included.",
  between: "`between A and B`: events between the two times, both ends included.",
  with: "`with sum|average|min|max of PROPERTY …` or `with first|last time …`: a test on an aggregate of the matching events; over no events it is empty, so the test is false.",
  sum: "`sum of PROPERTY`: the total of a number property over the matching events (empty over no events, so the test is false).",
  average: "`average of PROPERTY`: the mean of a number property over the matching events (empty over no events).",
  min: "`min of PROPERTY`: the smallest value of a number property over the matching events (empty over no events).",
  max: "`max of PROPERTY`: the largest value of a number property over the matching events (empty over no events).",
  of: "`sum|average|min|max of PROPERTY`: the number property aggregated.",
  first: "`first time`: the time of the earliest matching event (empty over no events).",
  last: "`last time`: the time of the latest matching event (empty over no events); in a window, `within last N unit`.",
};

/** A time value as the checker types it (null: not a time value, or not a valid one). */
function typedTime(v: Value): TimeValue | null {
  switch (v.kind) {
    case "now":
    case "today":
      return { kind: v.kind };
    case "relative":
      if (!Number.isSafeInteger(v.amount.value) || v.amount.value < 0) return null;
      return { kind: "relative", amount: v.future ? -v.amount.value : v.amount.value, unit: v.unit };
    case "date": {
      const ms = parseDate(v.text);
      return ms === null ? null : { kind: "instant", ms, date: v.text, local: true };
    }
    case "timestamp": {
      const t = parseTimestamp(v.text);
      if (!("ms" in t)) return null;
      return t.local ? { kind: "instant", ms: t.ms, local: true } : { kind: "instant", ms: t.ms };
    }
    default:
      return null;
  }
}

/**
 * Which instant a time value stands for now: in the evaluation zone and in UTC, with `now` for relative
 * ones (they move with the clock), and what a DST change does to a wall-clock time written without offset.
 */
function timeHover(v: Value, env: HoverEnv): string | null {
  const tv = typedTime(v);
  if (!tv) return null;
  let zone: TimeZone;
  try {
    zone = zoneOf(env.timeZone);
  } catch (e) {
    if (!(e instanceof TimeZoneError)) throw e;
    zone = UTC;
  }
  const now = env.now ?? Date.now();
  const ms = resolveTime(tv, now, zone);
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return null;
  const written = v.kind === "date" || v.kind === "timestamp" ? v.text : v.kind === "relative" ? describeRelative(v) : v.kind;
  const lines = [`**${written}**${zone.utc ? " (UTC)" : ` in ${zone.name}`}`, ""];
  if (!zone.utc) lines.push(`- ${zone.name}: \`${formatInZone(ms, zone)}\``);
  lines.push(`- UTC: \`${new Date(ms).toISOString()}\``);
  if (tv.kind === "instant" && tv.local && tv.date === undefined && !zone.utc) {
    const kind = wallClockKind(tv.ms, zone);
    if (kind.kind === "skipped") lines.push("", "This wall-clock time does not occur there (the clocks jump forward): it is read as the time after the change.");
    if (kind.kind === "repeated") lines.push("", "This wall-clock time occurs twice there (the clocks go back): it is the later one.");
  }
  if (tv.kind === "instant") {
    if (tv.local) lines.push("", zone.utc ? "Written without a UTC offset: read in the evaluation time zone (UTC here)." : `Written without a UTC offset: read as wall-clock time in ${zone.name}.`);
  } else if (tv.kind !== "now") {
    lines.push("", `Now being \`${formatInZone(now, zone)}\`; resolved again at each evaluation.`);
  } else {
    lines.push("", "Fixed once per evaluation.");
  }
  return lines.join("\n");
}

function describeRelative(v: Value & { kind: "relative" }): string {
  const units = `${v.amount.raw} ${v.unit}${v.amount.raw === "1" ? "" : "s"}`;
  return v.future === "in" ? `in ${units}` : v.future === "fromNow" ? `${units} from now` : `${units} ago`;
}

function resolve(schema: Schema, name: string, scope: Scope) {
  if (scope.kind === "contact") return lookup(schema.fields, name);
  return schema.events ? lookup(schema.events.properties, name) : undefined;
}

function eventName(scope: Scope): string | null {
  return scope.kind === "event" && scope.event.name.kind === "string" ? scope.event.name.value : null;
}

/** The operator words of a test (the tokens before its first value) and their meaning. */
function operatorWords(tokens: readonly IToken[], test: Test, rel: number): { span: { start: number; end: number }; markdown: string } | null {
  const values = valuesOf(test).filter((v) => v.kind !== "missing");
  const end = values.length ? Math.min(...values.map((v) => v.span.start)) : test.span.end;
  const words = tokens.filter((t) => t.startOffset >= test.span.start && t.endOffset! < end && t.tokenType.name !== "LParen" && t.tokenType.name !== "RParen");
  if (words.length === 0) return null;
  const start = words[0]!.startOffset;
  const stop = words[words.length - 1]!.endOffset! + 1;
  if (rel < start || rel >= stop) return null;
  const written = words.map(tokenWord);
  if (test.op === "within") written.splice(2); // `within last` N unit
  const info = operatorByWords(written) ?? OPERATORS.find((o) => o.phrase === written.join(" "));
  if (!info) return null;
  return { span: { start, end: stop }, markdown: `\`${info.phrase}\`: ${info.doc}` };
}
