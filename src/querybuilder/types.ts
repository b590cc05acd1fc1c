/**
 * The rule groups of the visual builder: the shapes `react-querybuilder` edits (`RuleGroupType`,
 * `RuleType`: `id`, `combinator`, `not`, `rules`; `id`, `field`, `operator`, `value`), with segql's
 * values inside. Declared here, structurally, so the mapping stays browser-safe and free of React: the
 * web app passes these objects to `<QueryBuilder>` as they are.
 *
 * Values are segql literals as data (`{kind: "string", value: "Pro"}`, `{kind: "number", raw: "12"}`,
 * `{kind: "relative", amount: "30", unit: "day"}`), so a value round-trips exactly as written (`1e3`
 * stays `1e3`, a date stays a date and a relative time a relative time).
 */
import type { AggregateFn, CompareOp, TimeUnit } from "../parser/ast.js";

/** A literal value of a rule, as the builder's value editors hold it. */
export type BuilderLiteral =
  | { kind: "string"; value: string }
  | { kind: "number"; raw: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "date"; text: string }
  | { kind: "timestamp"; text: string }
  /** `30 days ago`; `future` for `in 30 days` / `30 days from now`, kept as written. */
  | { kind: "relative"; amount: string; unit: TimeUnit; future?: "in" | "fromNow" }
  | { kind: "now" }
  | { kind: "today" };

/** `within last N unit` (or `within next N unit`, by the operator): the amount as written and the unit. */
export interface BuilderDuration {
  amount: string;
  unit: TimeUnit;
}

/**
 * What an event rule asks (`performed "Purchase" at least 3 times within last 30 days where amount > 50`):
 * the event's name; how often (`count`), how much (`total`: `with sum of amount > 100`) or when the first
 * or last one was (`time`), at most one of them (none: at least once); which events count by when they
 * happened (`window`: within the last N units, or `period`; neither: any time); and the `where`
 * filter as written (null: none), which the builder shows and the text edits.
 */
export interface BuilderEvent {
  name: string;
  count: { cmp: ">=" | "<=" | "="; raw: string } | null;
  /**
   * An aggregate of a number property compared with a number, or between two (`cmp: "between"`, `raw` the
   * low end and `high` the high one, both included); `property` as written.
   */
  total: { fn: AggregateFn; property: string; cmp: CompareOp | "between"; raw: string; high?: string } | null;
  /** When the first or the last such event happened, as a test of a time (`with last time before 90 days ago`). */
  time: { which: "first" | "last"; operator: string; value: BuilderValue } | null;
  /** The events in the last N units, or (`next`) in the next N: events scheduled ahead (`within next 7 days`). */
  window: (BuilderDuration & { next?: true }) | null;
  /** Or the events between two times (`between 2024-11-25 and 2024-12-01`), both ends included. */
  period: [BuilderLiteral, BuilderLiteral] | null;
  where: string | null;
}

/**
 * A rule's value, by the operator's operand: one literal (`=`, `contains`, `before`, `has`), two
 * (`between`), a list (`in`, `has any`), a duration (`within last`), nothing (`is empty`, `is true`); for
 * an event rule what it asks; for a segment rule the segment's name; for a text rule the condition's text.
 */
export type BuilderValue = BuilderLiteral | [BuilderLiteral, BuilderLiteral] | BuilderLiteral[] | BuilderDuration | BuilderEvent | string | null;

/** The field of a text rule: a condition the builder cannot show as Field / Operator / Value. */
export const TEXT_FIELD = "~text";
/** The operator of a text rule. */
export const TEXT_OPERATOR = "text";

/**
 * The field of an event rule (behaviour: what a contact did), operator `performed` or `notPerformed`. Event
 * conditions with an aggregate tested otherwise than against a number or between two, a first/last time
 * the builder has no value input for, or a `between` window of other values than times stay text rules.
 */
export const EVENT_FIELD = "~event";
/** The field of a segment rule (`in segment "Paying"`), operator `inSegment` or `notInSegment`; the value is the name. */
export const SEGMENT_FIELD = "~segment";

/** One rule: Field, Operator, Value (or a text rule, `field: TEXT_FIELD`, whose value is its text). */
export interface BuilderRule {
  id: string;
  /** The schema's name of the field, or `TEXT_FIELD`. */
  field: string;
  operator: string;
  value: BuilderValue;
  /**
   * The field as written in the text (`Tenure`, `` `tenure` ``), kept so the text keeps its spelling; used
   * only while it still names `field`.
   */
  fieldText?: string;
}

/** A group: rules and groups joined by one combinator, possibly negated (NOT). */
export interface BuilderGroup {
  id: string;
  combinator: "and" | "or";
  not: boolean;
  rules: BuilderNode[];
}

/** A rule or a group. */
export type BuilderNode = BuilderRule | BuilderGroup;

/** True when the node is a group. */
export function isGroup(node: BuilderNode): node is BuilderGroup {
  return "rules" in node && Array.isArray((node as BuilderGroup).rules);
}

/** True when the rule is a text rule. */
export function isTextRule(node: BuilderNode): node is BuilderRule & { value: string } {
  return !isGroup(node) && node.field === TEXT_FIELD;
}

/** True when the rule is an event rule. */
export function isEventRule(node: BuilderNode): node is BuilderRule & { value: BuilderEvent } {
  return !isGroup(node) && node.field === EVENT_FIELD;
}

/** True when the rule is a segment rule. */
export function isSegmentRule(node: BuilderNode): node is BuilderRule & { value: string } {
  return !isGroup(node) && node.field === SEGMENT_FIELD;
}
