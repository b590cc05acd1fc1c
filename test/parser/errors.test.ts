/**
 * Every class of syntax error with its exact message and position (line:col, 1-based), recovery (a partial
 * document), and robustness (deep nesting, 1 MB inputs). test/parser/__snapshots__/bad-inputs.txt holds the
 * rendered diagnostics of many known-bad inputs, so any change of wording shows up in review
 * (update with `npx vitest run test/parser -u`).
 */
import { describe, expect, it } from "vitest";
import { renderDiagnostics } from "../../src/diagnostics.js";
import { format } from "../../src/parser/format.js";
import { MAX_NESTING, parse } from "../../src/parser/index.js";
import { summarizeDocument } from "../helpers/ast-summary.js";

const at = (text: string) => parse(text).diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`);

const CONDITION = "expected a condition (a field, '(', 'not', 'performed' or 'in segment')";

const errors: [string, string[]][] = [
  // values
  ["tenure >", ["1:9 expected a value after '>'"]],
  ["tenure > and x", ["1:10 expected a value after '>', found 'and'"]],
  ["a between 1 and", ["1:16 expected a value after 'and'"]],
  ["a in (1,)", ["1:9 expected a value after ',', found ')'"]],
  ["a = 3 days", ["1:11 expected 'ago' after 'days' (a relative time reads '30 days ago')"]],
  ["performed", ["1:10 expected an event name in quotes after 'performed'"]],
  // strings and escapes
  ['a = "abc', ['1:5 unterminated string: add the closing " before the end of the line']],
  ["a = 'abc", ["1:5 unterminated string: add the closing ' before the end of the line"]],
  ['a = "abc\nand b', ['1:5 unterminated string: add the closing " before the end of the line']],
  ['a = "\\q"', ["1:6 unknown escape '\\q' in a string; write '\\\\' for a backslash"]],
  ['a = "ok\\u12"', ["1:8 '\\u' must be followed by four hex digits, as in '\\u00e9'"]],
  ["`` = 1", ["1:1 a name in backticks cannot be empty"]],
  // parentheses
  ["not (a = 1 and b", ["1:17 missing ')' to close '(' at 1:5"]],
  ["(a = 1 or b = 2", ["1:16 missing ')' to close '(' at 1:1"]],
  ["a = 1 and (b = 2 or (c = 3)", ["1:28 missing ')' to close '(' at 1:11"]],
  ["a in (1, 2", ["1:11 missing ')' to close '(' at 1:6"]],
  ["a = 1)", ["1:6 unexpected ')' without a matching '('"]],
  ["a = 1 and b = 2)", ["1:16 unexpected ')' without a matching '('"]],
  ["()", [`1:2 ${CONDITION} after '(', found ')'`]],
  // unexpected characters
  ["a = 1 & b = 2", ["1:7 unexpected character '&': write 'and'"]],
  ["a = 1 | b", ["1:7 unexpected character '|': write 'or'"]],
  ["a ! b", ["1:3 unexpected character '!': write 'not', or '!=' for not equal"]],
  ["a = 1 # c", ["1:7 unexpected character '#'"]],
  ["a = `abc", ["1:5 unexpected character '`': a name in backticks must end with a backtick on the same line"]],
  ["prénom = 1", ["1:3 unexpected character 'é': a name with letters outside A-Z is written in backticks (`prénom`), a text value in double quotes (\"prénom\")"]],
  ["статус = 1", ["1:1 unexpected character 'с': a name with letters outside A-Z is written in backticks (`статус`), a text value in double quotes (\"статус\")"]],
  ["plan = \u201cPro\u201d", ["1:8 unexpected character '\u201c': text is written in straight double quotes, \"like this\"", "1:12 unexpected character '\u201d': text is written in straight double quotes, \"like this\""]],
  // conditions and operators
  ["a = 1 and", [`1:10 ${CONDITION} after 'and'`]],
  ["a = 1 or", [`1:9 ${CONDITION} after 'or'`]],
  ["not", [`1:4 ${CONDITION} after 'not'`]],
  ["= 1", [`1:1 ${CONDITION}, found '='`]],
  ["and a", [`1:1 ${CONDITION}, found 'and'`]],
  ['"status" = 1', [`1:1 ${CONDITION}, found '"status"'; a field name is written without quotes (or in \`backticks\` when it has spaces)`]],
  ["a b", ["1:3 expected an operator or 'and'/'or' after 'a', found 'b'"]],
  ["a = 1 b = 2", ["1:7 unexpected 'b' after '1': expected 'and', 'or' or the end of the condition"]],
  ["a not", ["1:6 expected 'in', 'between', 'contains', 'starts with', 'ends with', 'before', 'after' or 'within last' after 'not'"]],
  ["x not is empty", ["1:7 expected 'in', 'between', 'contains', 'starts with', 'ends with', 'before', 'after' or 'within last' after 'not', found 'is' (a negated 'is' reads 'is not …')"]],
  ["a is", ["1:5 expected a value, 'empty', 'not', 'greater than', 'less than' or 'at least'/'at most' after 'is'"]],
  ["a is greater 3", ["1:14 expected 'than' after 'greater', found '3'"]],
  ["a is equal 3", ["1:12 expected 'to' after 'equal', found '3'"]],
  ["a is at 3", ["1:9 expected 'least' or 'most' after 'at', found '3'"]],
  ["a starts 'x'", ["1:10 expected 'with' after 'starts', found ''x''"]],
  ["a between 1", ["1:12 expected 'and' after '1': between takes two values, as in between 1 and 5"]],
  ["a within last 3", ["1:16 expected a time unit (minutes, hours, days, weeks, months, years) after '3'"]],
  ["a within 3 days", ["1:10 expected 'last' or 'next' after 'within', found '3'"]],
  ["a in 1", ["1:6 expected '(' after 'in', found '1': a list is written in parentheses, in (\"a\", \"b\")"]],
  ["a in (1 2)", ["1:9 expected ',' or ')' after '1', found '2'"]],
  ["a has", ["1:6 expected a value or 'any'/'all'/'none' (…) after 'has'"]],
  // events
  ['performed "X" at least 3', ["1:25 expected 'times' after '3'"]],
  ['performed "X" at 3 times', ["1:18 expected 'least' or 'most' after 'at', found '3'"]],
  ['performed "X" with sum amount > 1', ["1:24 expected 'of' after 'sum', found 'amount'"]],
  ['performed "X" with average of', ["1:30 expected a property name after 'of'"]],
  ['performed "X" with first time', ["1:30 expected an operator after 'time'"]],
  ['performed "X" where', [`1:20 ${CONDITION} after 'where'`]],
  ['performed "X" at least 1 times at most 2 times', ["1:32 a condition takes one count or measure; combine two with 'and'"]],
  ['performed "X" within last 3 days between 1 and 2', ["1:34 a condition takes one time window"]],
  // segment files
  ['segment "A" a = 1', ["1:13 expected 'as' before the segment's condition after '\"A\"', found 'a'"]],
  ['segment "A" as', [`1:15 ${CONDITION} after 'as'`]],
  ['segment "A" title as x', ["1:19 expected a string after 'title', found 'as'"]],
  ["in segment", ["1:11 expected a segment name after 'segment'"]],
  ['segment "A" as a = 1; b', ["1:23 unexpected 'b' after ';': expected 'and', 'or' or the end of the condition"]],
  // positions on later lines
  ["a = 1\n and b = \n", ["2:9 expected a value after '='"]],
  ["a = 1 -- fine\r\nand (b\r\n", ["2:7 missing ')' to close '(' at 2:5"]],
  // several errors at once
  ['a = and b = "x', ["1:5 expected a value after '=', found 'and'", '1:13 unterminated string: add the closing " before the end of the line']],
];

describe("syntax errors: exact message and position", () => {
  it.each(errors)("%j", (input, expected) => {
    expect(at(input)).toEqual(expected);
  });

  it("every diagnostic is an error with a span inside the text", () => {
    for (const [input] of errors) {
      for (const d of parse(input).diagnostics) {
        expect(d.severity).toBe("error");
        expect(d.span.start).toBeGreaterThanOrEqual(0);
        expect(d.span.end).toBeLessThanOrEqual(input.length);
        expect(d.span.start).toBeLessThanOrEqual(d.span.end);
      }
    }
  });

  it("offers fixes where one is likely", () => {
    const close = parse("(a = 1").diagnostics[0]!;
    expect(close.fix).toEqual({ title: "insert ')'", edits: [{ span: { start: 6, end: 6, line: 1, column: 7 }, text: ")" }] });
    const extra = parse("a = 1)").diagnostics[0]!;
    expect(extra.fix?.title).toBe("remove the ')'");
    const quote = parse('a = "x').diagnostics[0]!;
    expect(quote.fix?.edits[0]).toEqual({ span: { start: 6, end: 6, line: 1, column: 7 }, text: '"' });
  });
});

describe("recovery: a partial document for editors", () => {
  it.each([
    ['status = "Subscribed" and pla', '(and (= status "Subscribed") (truthy pla))', []],
    ['status = "Subscribed" and plan_type =', '(and (= status "Subscribed") (= plan_type ?))', ["1:38 expected a value after '='"]],
    ['status = "Subscribed" and (plan_type = "Pro"', '(and (= status "Subscribed") (= plan_type "Pro"))', ["1:45 missing ')' to close '(' at 1:27"]],
    ["a > and b = 2", "(and (> a ?) (= b 2))", ["1:5 expected a value after '>', found 'and'"]],
    ['performed "Purchase" where', '(performed "Purchase")', [`1:27 ${CONDITION} after 'where'`]],
    ['tags has any ("a",', '(has-any tags "a" ?)', ["1:19 expected a value after ','"]],
  ])("%j", (input, summary, expected) => {
    const result = parse(input);
    expect(summarizeDocument(result.document)).toBe(summary);
    expect(result.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`)).toEqual(expected);
  });

  it("format refuses a document with a missing value", () => {
    expect(() => format(parse("a >").document)).toThrow("cannot format a document with syntax errors");
  });
});

describe("robustness: deep and large inputs end in a result or a clear error", () => {
  const tooDeep = `the condition is nested more than ${MAX_NESTING} levels deep here (each '(', 'not' and 'where' opens a level); ` +
    "remove parentheses that group the same operator, or write the inner part more simply";
  /** Large-input tests raise the input and segment limits (the limits themselves: test/hardening). */
  const large = { limits: { maxInputBytes: 2_000_000, segments: 20_000 } };

  it("10,000 parentheses: a clear error at the first level too deep, no stack overflow", () => {
    const text = `${"(".repeat(10_000)}a = 1${")".repeat(10_000)}`;
    expect(at(text)).toEqual([`1:${MAX_NESTING + 1} ${tooDeep}`]);
    expect(at("(".repeat(10_000))).toEqual([`1:${MAX_NESTING + 1} ${tooDeep}`]);
  });

  it("10,000 `not`s and 10,000 nested `where`s: the same clear error", () => {
    expect(at(`${"not ".repeat(10_000)}a`)).toEqual([`1:${MAX_NESTING * 4 + 1} ${tooDeep}`]);
    const wheres = at(`${'performed "X" where '.repeat(10_000)}a`);
    expect(wheres).toHaveLength(1);
    expect(wheres[0]).toContain(tooDeep);
  });

  it(`${MAX_NESTING} levels are fine, and format and parse back`, () => {
    const text = `${"(".repeat(MAX_NESTING)}a = 1 or b${")".repeat(MAX_NESTING)} and ${"not ".repeat(MAX_NESTING - 1)}c`;
    const result = parse(text);
    expect(result.diagnostics).toEqual([]);
    const printed = format(result.document);
    expect(summarizeDocument(parse(printed).document)).toBe(summarizeDocument(result.document));
  });

  it("a 1 MB expression parses (10,000s of rules, iterated not recursed)", () => {
    const rule = 'status = "Subscribed" and lifetime_value > 1000 or ';
    const text = `${rule.repeat(Math.ceil(1_000_000 / rule.length))}x`;
    const result = parse(text, large);
    expect(result.diagnostics).toEqual([]);
    const expr = result.document.segments[0]!.expr!;
    expect(expr.kind).toBe("or");
    expect(expr.kind === "or" && expr.operands.length).toBe(Math.ceil(1_000_000 / rule.length) + 1);
  });

  it("a 1 MB segment file and a 1 MB list parse", () => {
    const file = Array.from({ length: 20_000 }, (_, i) => `segment "s${i}" as a = ${i} and b in (1, 2, 3);`).join("\n");
    expect(file.length).toBeGreaterThan(900_000);
    const result = parse(file, large);
    expect(result.diagnostics).toEqual([]);
    expect(result.document.segments).toHaveLength(20_000);
    const list = `a in (${Array.from({ length: 9_000 }, (_, i) => JSON.stringify(`value ${i} `.padEnd(100, "x"))).join(", ")})`;
    expect(parse(list, large).diagnostics).toEqual([]);
  });

  it("1 MB of garbage or of an unterminated string: clear errors", () => {
    const garbage = parse("#".repeat(1_000_000), large).diagnostics;
    expect(garbage[0]?.message).toBe("unexpected character '#'");
    expect(garbage.length).toBeLessThan(10);
    expect(at(`a = "${"x".repeat(999_990)}`)).toEqual(['1:5 unterminated string: add the closing " before the end of the line']);
    expect(at(`${"\n".repeat(999_990)}a =`)).toEqual(["999991:4 expected a value after '='"]);
  });

  it("a list of more than 10,000 values: a clear error", () => {
    const text = `a in (${Array.from({ length: 10_001 }, (_, i) => i).join(", ")})`;
    const messages = parse(text).diagnostics.map((d) => d.message);
    expect(messages).toContain("a list holds at most 10,000 values; put long lists in a field or a segment");
  });
});

/** Inputs whose messages are kept in a reviewed snapshot. */
const BAD_INPUTS = [
  ...errors.map(([input]) => input),
  "status = Subscribed and",
  "tenure >= 12 and contract in ('Month-to-month' 'One year')",
  "lifetime_value > 1,000",
  "email contains",
  "signed_up_at within last thirty days",
  "signed_up_at > 30 day",
  "signed_up_at in last 30 days",
  "tags has any 'vip'",
  "plan_type = 'Pro' && status = 'Subscribed'",
  "plan_type = 'Pro' || status = 'Subscribed'",
  "not (a = 1",
  "(((a = 1) and b = 2)",
  "a = 'x' and (b = 'y' or c = 'z'))",
  "tenure between 1 5",
  "tenure > 5 and and tenure < 10",
  'performed "Purchase" at least three times',
  'performed "Purchase" in the last 30 days',
  'performed Purchase where amount >',
  'segment "A" as x\nsegment "B" y',
  "segment \"A\" title 'T' description as x",
  "`Plan Type = 'x'",
  "a = \"tab\\x\"",
  "a ~= 1",
  "a === 1",
  "a => 1",
  "a = 1 ;",
  "x is not",
  "x is not equal",
  "x is at",
  "x starts",
  "x not like 'a%'",
  "x = 1.",
  "x = -",
  "x = 2024-01-01T",
];

describe("snapshot of known-bad inputs (review message changes here)", () => {
  it("matches __snapshots__/bad-inputs.txt", async () => {
    const text = BAD_INPUTS.map((input) => {
      const { diagnostics } = parse(input);
      return `input: ${JSON.stringify(input)}\n${diagnostics.length ? renderDiagnostics(input, diagnostics) : "(no syntax error)"}\n`;
    }).join("\n");
    await expect(text).toMatchFileSnapshot("./__snapshots__/bad-inputs.txt");
  });
});
