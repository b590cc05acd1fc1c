/**
 * The operators as an analyst writes them, with the field types that take them and what they mean. Used by
 * completion (which operators follow a field of a type) and hover (what an operator means).
 *
 * Which types take which operator is the checker's rule (`src/checker/checker.ts`, `checkTest`);
 * test/service/operators.test.ts checks every entry against the checker and the parser, so this table
 * cannot drift from them. The grammar stays in the parser: completion only offers a phrase whose next word
 * Chevrotain's content assist says may come next.
 */
import type { FieldType } from "../schema/schema.js";

/** What an operator takes after it. */
export type Operand = "value" | "list" | "range" | "duration" | "none";

/** One way of writing a test. */
export interface OperatorInfo {
  /** The words, as written (`not starts with`). */
  phrase: string;
  types: readonly FieldType[];
  operand: Operand;
  /**
   * Offered as soon as a field is typed. The other spellings (`is greater than`, `is at least`, …) are
   * offered once their first word is typed.
   */
  canonical: boolean;
  /** A negated form: the exact complement of a positive test, so true on an empty field. */
  negative: boolean;
  /** Markdown: what the test is true for. */
  doc: string;
}

const ALL: readonly FieldType[] = ["string", "enum", "number", "boolean", "date", "timestamp", "list"];
const SCALAR: readonly FieldType[] = ["string", "enum", "number", "boolean", "date", "timestamp"];
const ORDERED: readonly FieldType[] = ["number", "date", "timestamp"];
const TEMPORAL: readonly FieldType[] = ["date", "timestamp"];
const LISTABLE: readonly FieldType[] = ["string", "enum", "number"];
const TEXT: readonly FieldType[] = ["string"];
const LIST: readonly FieldType[] = ["list"];

const EMPTY_FALSE = "False when the field is empty (missing, null, `\"\"` or an empty list).";
const EMPTY_TRUE = "The exact complement of the positive test, so true when the field is empty.";
const CASE = "Ignores ASCII case (A–Z = a–z; other characters compare exactly); `%`, `_` and `\\` are plain characters.";

function op(phrase: string, types: readonly FieldType[], operand: Operand, canonical: boolean, doc: string): OperatorInfo {
  const negative = phrase === "!=" || phrase === "is empty" || phrase === "has none" ||
    (/\bnot\b/.test(phrase) && phrase !== "is not empty");
  const empty = phrase === "is empty" || phrase === "is not empty" ? "" : negative ? EMPTY_TRUE : EMPTY_FALSE;
  return { phrase, types, operand, canonical, negative, doc: `${doc} ${empty}`.trim() };
}

const EQ = "Equal to the value. Text compares exactly: case and accents matter.";
const NE = "Not equal to the value.";

/** Every operator spelling, canonical ones first in the order completion offers them. */
export const OPERATORS: readonly OperatorInfo[] = [
  op("=", SCALAR, "value", true, EQ),
  op("!=", SCALAR, "value", true, NE),
  op("<", ORDERED, "value", true, "Less than the value (earlier, for dates and timestamps)."),
  op("<=", ORDERED, "value", true, "Less than or equal to the value."),
  op(">", ORDERED, "value", true, "Greater than the value (later, for dates and timestamps)."),
  op(">=", ORDERED, "value", true, "Greater than or equal to the value."),
  op("in", LISTABLE, "list", true, "Equal to one of the listed values: `in (\"a\", \"b\")`."),
  op("not in", LISTABLE, "list", true, "Equal to none of the listed values."),
  op("between", ORDERED, "range", true, "Between two values, both ends included: `between 1 and 10`."),
  op("not between", ORDERED, "range", true, "Outside the range `between A and B`."),
  op("contains", TEXT, "value", true, `Contains the text. ${CASE}`),
  op("not contains", TEXT, "value", true, `Does not contain the text. ${CASE}`),
  op("starts with", TEXT, "value", true, `Starts with the text. ${CASE}`),
  op("not starts with", TEXT, "value", true, `Does not start with the text. ${CASE}`),
  op("ends with", TEXT, "value", true, `Ends with the text. ${CASE}`),
  op("not ends with", TEXT, "value", true, `Does not end with the text. ${CASE}`),
  op("before", TEMPORAL, "value", true, "Strictly before the time (a date stands for the start of that day in the time zone)."),
  op("after", TEMPORAL, "value", true, "Strictly after the time (a date stands for the start of that day in the time zone)."),
  op("not before", TEMPORAL, "value", true, "Not strictly before the time."),
  op("not after", TEMPORAL, "value", true, "Not strictly after the time."),
  op("within last", TEMPORAL, "duration", true,
    "Within the last N units up to now, both ends included: `within last 30 days`. Months and years are calendar months and years."),
  op("not within last", TEMPORAL, "duration", true, "Not within the last N units."),
  op("within next", TEMPORAL, "duration", true,
    "Within the next N units from now, both ends included: `within next 7 days` (trial ends, renewals). Days and longer count on the time zone's calendar."),
  op("not within next", TEMPORAL, "duration", true, "Not within the next N units."),
  op("has", LIST, "value", true, "The list holds the value: `tags has \"vip\"`."),
  op("has any", LIST, "list", true, "The list holds at least one of the values."),
  op("has all", LIST, "list", true, "The list holds every one of the values."),
  op("has none", LIST, "list", true, "The list holds none of the values."),
  op("is empty", ALL, "none", true, "The field is empty: missing, null, `\"\"` for text, `[]` for lists."),
  op("is not empty", ALL, "none", true, "The field has a value (not missing, null, `\"\"` or `[]`)."),
  op("is", SCALAR, "value", false, `Same as \`=\`. ${EQ}`),
  op("is not", SCALAR, "value", false, `Same as \`!=\`. ${NE}`),
  op("is equal to", SCALAR, "value", false, `Same as \`=\`. ${EQ}`),
  op("is not equal to", SCALAR, "value", false, `Same as \`!=\`. ${NE}`),
  op("is greater than", ORDERED, "value", false, "Same as `>`: greater than the value."),
  op("is less than", ORDERED, "value", false, "Same as `<`: less than the value."),
  op("is at least", ORDERED, "value", false, "Same as `>=`: greater than or equal to the value."),
  op("is at most", ORDERED, "value", false, "Same as `<=`: less than or equal to the value."),
];

/** Operator words of each phrase, lower-case. */
export const OPERATOR_WORDS: ReadonlyMap<OperatorInfo, readonly string[]> = new Map(
  OPERATORS.map((o) => [o, o.phrase.split(" ")]),
);

/** The operator written with exactly these words (canonical spellings: `!=` for `<>`), if any. */
export function operatorByWords(words: readonly string[]): OperatorInfo | undefined {
  const phrase = words.join(" ").toLowerCase();
  return OPERATORS.find((o) => o.phrase === phrase);
}

/** The one-line description of a field type, for completion details and hovers. */
export function describeType(type: FieldType): string {
  switch (type) {
    case "string": return "text";
    case "enum": return "one of a fixed set of values";
    case "number": return "number";
    case "boolean": return "true or false";
    case "date": return "date (its midnight UTC)";
    case "timestamp": return "timestamp (UTC)";
    case "list": return "list of text values";
  }
}
