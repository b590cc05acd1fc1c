/**
 * Builder → segql: the AST a query means (flattened as the parser flattens: a group inside a group with the
 * same combinator adds no level, a group of one is its rule) and its canonical text, written so that the
 * text maps back to the same groups (every non-root group in parentheses, `not (…)` around a NOT group of
 * several conditions).
 */
import type { Span } from "../diagnostics.js";
import type * as A from "../parser/ast.js";
import { parse } from "../parser/index.js";
import { findField, type FieldDef, type Schema } from "../schema/schema.js";
import { behaviourExpr, behaviourText } from "./behaviour.js";
import { TokenIndex } from "./from-text.js";
import { EVENT_FIELD, isGroup, isTextRule, SEGMENT_FIELD, type BuilderGroup, type BuilderNode, type BuilderRule } from "./types.js";
import { fieldRefOf, ruleText, testOf } from "./values.js";

const NO_SPAN: Span = { start: 0, end: 0, line: 1, column: 1 };

/** A query the builder holds that cannot become segql (a bug in the app, or a hand-made query). */
export class BuilderQueryError extends Error {}

/** The schema field of a rule; `BuilderQueryError` when the schema has none by that name. */
export function fieldOf(schema: Schema | null, rule: BuilderRule): FieldDef {
  const def = schema ? findField(schema, rule.field) : undefined;
  if (!def) throw new BuilderQueryError(`the rule ${rule.id} names the field ${JSON.stringify(rule.field)}, which the schema does not have`);
  return def;
}

/** The expression of a text rule's text; `BuilderQueryError` when it is not one expression. */
export function textRuleExpr(text: string): A.Expr {
  const parsed = parse(text);
  const expr = parsed.document.bare ? parsed.document.segments[0]?.expr : null;
  if (!expr || parsed.diagnostics.some((d) => d.severity === "error")) throw new BuilderQueryError(`the text rule ${JSON.stringify(text.slice(0, 80))} is not a condition`);
  return expr;
}

/** The AST of a query (null when it has no rules). */
export function astOfQuery(query: BuilderGroup, schema: Schema | null): A.Expr | null {
  return astOf(query, schema);
}

function astOf(node: BuilderNode, schema: Schema | null): A.Expr | null {
  if (!isGroup(node)) {
    if (isTextRule(node)) return textRuleExpr(node.value);
    if (isBehaviour(node)) return behaviourExpr(node, filterExpr);
    const def = fieldOf(schema, node);
    const test = testOf(def, node);
    if (!test) throw new BuilderQueryError(`the rule ${node.id} has the unknown operator ${JSON.stringify(node.operator)}`);
    return { kind: "rule", field: fieldRefOf(def, node), test, span: NO_SPAN };
  }
  const operands: A.Expr[] = [];
  for (const child of node.rules) {
    const e = astOf(child, schema);
    if (!e) continue;
    // The parser flattens `a and (b and c)`: so does the builder.
    if (e.kind === node.combinator) for (const o of e.operands) operands.push(o);
    else operands.push(e);
  }
  if (operands.length === 0) return null;
  const body: A.Expr = operands.length === 1 ? operands[0]! : { kind: node.combinator, operands, span: NO_SPAN };
  return node.not ? { kind: "not", operand: body, span: NO_SPAN } : body;
}

/** A node's text in the builder's layout; `reuse` gives the text of nodes kept as written (or null). */
export type Reuse = (node: BuilderNode) => string | null;

const noReuse: Reuse = () => null;

/** An event rule's `where` text as a condition; `BuilderQueryError` when it is not one. */
function filterExpr(where: string): A.Expr {
  try {
    return textRuleExpr(where);
  } catch {
    throw new BuilderQueryError(`the event filter ${JSON.stringify(where.slice(0, 80))} is not a condition`);
  }
}

/** True for an event or segment rule. */
export function isBehaviour(rule: BuilderRule): boolean {
  return rule.field === EVENT_FIELD || rule.field === SEGMENT_FIELD;
}

/**
 * True when a condition's text ends in an event's `where` filter that no parenthesis closes
 * (`performed "A" where x > 1`, `not performed "A" where x > 1`): an ` and …` after it would join the filter.
 */
export function endsInFilter(text: string): boolean {
  // A filter needs the word `where`: most texts (every field rule) are answered without a parse.
  if (!/where/i.test(text)) return false;
  const parsed = parse(text);
  const whole = parsed.document.bare ? parsed.document.segments[0]?.expr : undefined;
  const e = whole?.kind === "not" ? whole.operand : whole;
  if (e?.kind !== "event" || !e.filter || parsed.tokens.length === 0) return false;
  const index = new TokenIndex(parsed.tokens);
  const filterStart = index.tight(index.extent(e.filter)).range[0];
  const open = index.openOf.get(parsed.tokens.length - 1);
  return open === undefined || parsed.tokens[open]!.startOffset >= filterStart;
}

/** The text of a rule: its canonical text, or a text rule's text. */
export function printRule(rule: BuilderRule, schema: Schema | null): string {
  if (isTextRule(rule)) return rule.value;
  return isBehaviour(rule) ? behaviourText(rule) : ruleText(fieldOf(schema, rule), rule);
}

/** The text of a group's contents (no parentheses of its own unless it is a NOT of several). */
export function printGroup(group: BuilderGroup, schema: Schema | null, reuse: Reuse = noReuse): string {
  const kids = group.rules.filter((c) => !isEmptyGroup(c));
  const parts = kids.map((c, i) => printChild(c, schema, reuse, i < kids.length - 1 || group.not));
  if (!group.not) return parts.join(` ${group.combinator} `);
  // `not performed …` and `not in segment …` read as one rule: a NOT group of one of them keeps parentheses.
  if (kids.length === 1) {
    let only = kids[0]!;
    while (isGroup(only) && !only.not && only.rules.length === 1) only = only.rules[0]!;
    return !isGroup(only) && isBehaviour(only) ? `not (${parts[0]})` : `not ${parts[0]}`;
  }
  return `not (${parts.join(` ${group.combinator} `)})`;
}

/** A node as an operand of a group: groups in parentheses (so they stay groups), filters closed. */
export function printChild(node: BuilderNode, schema: Schema | null, reuse: Reuse = noReuse, followed = true): string {
  const kept = reuse(node);
  if (isGroup(node)) {
    if (kept !== null) return (kept.startsWith("(") || node.not) && !(followed && endsInFilter(kept)) ? kept : `(${kept})`;
    const inner = printGroup(node, schema, reuse);
    return node.not ? inner : `(${inner})`;
  }
  const text = kept ?? printRule(node, schema);
  return followed && endsInFilter(text) ? `(${text})` : text;
}

/** True for a group holding no rule at any depth (it means nothing, and the text cannot hold it). */
export function isEmptyGroup(node: BuilderNode): boolean {
  if (!isGroup(node)) return false;
  const stack: BuilderNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (!isGroup(n)) return false;
    stack.push(...n.rules);
  }
  return true;
}
