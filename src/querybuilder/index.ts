/**
 * segql ⇄ the visual rule builder (`react-querybuilder`'s rule groups), browser-safe:
 *
 *   text ──fromText──▶ BuilderView { query (rule groups), where each node is in the text }
 *                      (field rules; event and segment rules, behaviour.ts; text rules for the rest)
 *   builder change ──editText(view, next)──▶ the new text, rewriting only the part that changed
 *   query ──astOfQuery──▶ segql AST (the parser's normal form)
 *
 *   diagnostics ──placeDiagnostics(view, ds)──▶ the rule or group each belongs to (marks on the rows)
 *
 * The web app keeps the text as the truth: every text edit maps to the builder again, every builder edit
 * becomes a text edit (and the builder is then mapped from the new text).
 */
export * from "./types.js";
export { BUILDER_OPERATORS, builderOperator, operatorsFor, operatorOfTest, type BuilderOperator } from "./operators.js";
export { coerceValue, defaultLiteral, fits, literalOf, ruleText, testOf, testText, valueOf } from "./values.js";
export { fromText, MAX_BUILDER_RULES, ROOT_ID, type BuilderView, type GroupSource, type NodeSource, type NotShown, type Range, type RuleSource } from "./from-text.js";
export { astOfQuery, BuilderQueryError, isEmptyGroup, printChild, printGroup, printRule } from "./to-ast.js";
export { applyEdits, editText, pruneEmpty, sameExpr, saysTheSame, singleChange, type QueryEdit, type TextEdit } from "./edit.js";
export { behaviourExpr, behaviourText, defaultEvent, EVENT_COUNTS, EVENT_OPERATORS, EVENT_TIME, EVENT_TIMES, EVENT_TOTALS, eventOf, eventValueOf, SEGMENT_OPERATORS, TOTAL_COMPARISONS } from "./behaviour.js";
export { filterRules, filterText, propertySchema } from "./filters.js";
export { nodeOfSpan, placeDiagnostics, type Spanned } from "./marks.js";
