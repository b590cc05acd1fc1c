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
import type { TimeUnit } from "../parser/ast.js";

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
 * A rule's value, by the operator's operand: one literal (`=`, `contains`, `before`, `has`), two
 * (`between`), a list (`in`, `has any`), a duration (`within last`), nothing (`is empty`, `is true`), or
 * for a text rule the condition's text.
 */
export type BuilderValue = BuilderLiteral | [BuilderLiteral, BuilderLiteral] | BuilderLiteral[] | BuilderDuration | string | null;

/** The field of a text rule: a condition the builder cannot show as Field / Operator / Value. */
export const TEXT_FIELD = "~text";
/** The operator of a text rule. */
export const TEXT_OPERATOR = "text";

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
