/**
 * The builder's operators: one per way segql writes a field test (the parser's normal form: `is greater
 * than` is `>`), each with the field types that take it, what it takes after it, and how it becomes an
 * AST test and back. Which types take which operator comes from the language service's table
 * (`src/service/operators.ts`, itself checked against the checker), so the builder offers exactly what
 * the checker accepts.
 */
import type * as A from "../parser/ast.js";
import type { FieldType } from "../schema/schema.js";
import { OPERATORS, type Operand } from "../service/operators.js";

/** One operator of the builder. */
export interface BuilderOperator {
  /** The builder's name (`notBetween`); stable, used in rule objects. */
  name: string;
  /** What people read in the operator select. */
  label: string;
  /** How segql writes it (`not between`); the service table's phrase. */
  phrase: string;
  operand: Operand;
  types: readonly FieldType[];
  /**
   * Whether an aggregate or an event's first / last time takes it: a positive test (no negated form, no
   * emptiness test), since over no events such a value is empty.
   */
  positive: boolean;
}

/** name → (segql phrase, label). Order: how the select lists them. */
const TABLE: readonly { name: string; phrase: string; label: string }[] = [
  { name: "isTrue", phrase: "", label: "is true" },
  { name: "=", phrase: "=", label: "is" },
  { name: "!=", phrase: "!=", label: "is not" },
  { name: "in", phrase: "in", label: "is one of" },
  { name: "notIn", phrase: "not in", label: "is not one of" },
  { name: "contains", phrase: "contains", label: "contains" },
  { name: "notContains", phrase: "not contains", label: "does not contain" },
  { name: "startsWith", phrase: "starts with", label: "starts with" },
  { name: "notStartsWith", phrase: "not starts with", label: "does not start with" },
  { name: "endsWith", phrase: "ends with", label: "ends with" },
  { name: "notEndsWith", phrase: "not ends with", label: "does not end with" },
  { name: "before", phrase: "before", label: "is before" },
  { name: "after", phrase: "after", label: "is after" },
  { name: "notBefore", phrase: "not before", label: "is not before" },
  { name: "notAfter", phrase: "not after", label: "is not after" },
  { name: "withinLast", phrase: "within last", label: "is within the last" },
  { name: "notWithinLast", phrase: "not within last", label: "is not within the last" },
  { name: "withinNext", phrase: "within next", label: "is within the next" },
  { name: "notWithinNext", phrase: "not within next", label: "is not within the next" },
  { name: "<", phrase: "<", label: "is less than" },
  { name: "<=", phrase: "<=", label: "is at most" },
  { name: ">", phrase: ">", label: "is greater than" },
  { name: ">=", phrase: ">=", label: "is at least" },
  { name: "between", phrase: "between", label: "is between" },
  { name: "notBetween", phrase: "not between", label: "is not between" },
  { name: "has", phrase: "has", label: "has" },
  { name: "hasAny", phrase: "has any", label: "has any of" },
  { name: "hasAll", phrase: "has all", label: "has all of" },
  { name: "hasNone", phrase: "has none", label: "has none of" },
  { name: "isEmpty", phrase: "is empty", label: "is empty" },
  { name: "isNotEmpty", phrase: "is not empty", label: "is not empty" },
];

/** Labels that read better on dates and timestamps. */
const TEMPORAL_LABELS: Record<string, string> = { "<": "is earlier than (<)", "<=": "is at or before (<=)", ">": "is later than (>)", ">=": "is at or after (>=)" };

/** Every builder operator. */
export const BUILDER_OPERATORS: readonly BuilderOperator[] = TABLE.map((t) => {
  if (t.name === "isTrue") return { ...t, operand: "none", types: ["boolean"], positive: true };
  const info = OPERATORS.find((o) => o.phrase === t.phrase);
  if (!info) throw new Error(`querybuilder: no operator '${t.phrase}' in the service's table`);
  return { ...t, operand: info.operand, types: info.types, positive: !info.negative && t.name !== "isNotEmpty" };
});

const BY_NAME = new Map(BUILDER_OPERATORS.map((o) => [o.name, o]));

/** The operator named `name`, if any. */
export function builderOperator(name: string): BuilderOperator | undefined {
  return BY_NAME.get(name);
}

/** The operators a field of `type` takes, in the select's order, with labels for that type. */
export function operatorsFor(type: FieldType, options: { positive?: boolean } = {}): { name: string; label: string }[] {
  const temporal = type === "date" || type === "timestamp";
  return BUILDER_OPERATORS.filter((o) => o.types.includes(type) && (options.positive !== true || o.positive)).map((o) => ({ name: o.name, label: (temporal && TEMPORAL_LABELS[o.name]) || o.label }));
}

/** The builder operator of an AST test (its normal form), or null when the builder has none for it. */
export function operatorOfTest(test: A.Test): string | null {
  const not = "negated" in test && test.negated;
  switch (test.op) {
    case "truthy":
      return "isTrue";
    case "compare":
      return test.cmp;
    case "between":
      return not ? "notBetween" : "between";
    case "in":
      return not ? "notIn" : "in";
    case "contains":
      return not ? "notContains" : "contains";
    case "startsWith":
      return not ? "notStartsWith" : "startsWith";
    case "endsWith":
      return not ? "notEndsWith" : "endsWith";
    case "empty":
      return not ? "isNotEmpty" : "isEmpty";
    case "has":
      return { one: "has", any: "hasAny", all: "hasAll", none: "hasNone" }[test.quantifier];
    case "before":
      return not ? "notBefore" : "before";
    case "after":
      return not ? "notAfter" : "after";
    case "within":
      // `within next` is the future: never shown (or rewritten) as `within last`.
      if (test.next) return not ? "notWithinNext" : "withinNext";
      return not ? "notWithinLast" : "withinLast";
  }
}
