/**
 * Every form of the language, one row each: the input, what it parses to (test/helpers/ast-summary.ts) and
 * how `segql fmt` prints it. Each row also checks the printed form parses to the same thing.
 */
import { describe, expect, it } from "vitest";
import { format } from "../../src/parser/format.js";
import { parse } from "../../src/parser/index.js";
import { summarizeDocument } from "../helpers/ast-summary.js";

/** Input, its summary, its printed form, and (when the printed form drops needless backticks) the printed form's summary. */
type Row = [input: string, summary: string, formatted: string, reparsed?: string];

function check([input, summary, formatted, reparsed = summary]: Row): void {
  const result = parse(input);
  expect(result.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`)).toEqual([]);
  expect(summarizeDocument(result.document)).toBe(summary);
  const printed = format(result.document).replace(/\n$/, "");
  expect(printed).toBe(formatted);
  const again = parse(printed);
  expect(again.diagnostics).toEqual([]);
  expect(summarizeDocument(again.document)).toBe(reparsed);
}

const logical: Row[] = [
  ["a and b", "(and (truthy a) (truthy b))", "a and b"],
  ["a or b", "(or (truthy a) (truthy b))", "a or b"],
  ["not a", "(not (truthy a))", "not a"],
  ["not not a", "(not (not (truthy a)))", "not not a"],
  ["(a)", "(truthy a)", "a"],
  ["((a = 1))", "(= a 1)", "a = 1"],
  ["a or b and c", "(or (truthy a) (and (truthy b) (truthy c)))", "a or b and c"],
  ["a and b or c", "(or (and (truthy a) (truthy b)) (truthy c))", "a and b or c"],
  ["(a or b) and c", "(and (or (truthy a) (truthy b)) (truthy c))", "(a or b) and c"],
  ["a and (b and c)", "(and (truthy a) (truthy b) (truthy c))", "a and b and c"],
  ["(a or b) or (c or d)", "(or (truthy a) (truthy b) (truthy c) (truthy d))", "a or b or c or d"],
  ["not (a or b)", "(not (or (truthy a) (truthy b)))", "not (a or b)"],
  ["not (a and b)", "(not (and (truthy a) (truthy b)))", "not (a and b)"],
  ["not a and b", "(and (not (truthy a)) (truthy b))", "not a and b"],
  ["not tenure > 12", "(not (> tenure 12))", "not tenure > 12"],
  ["(status = \"Subscribed\" and plan_type = \"Pro\") or lifetime_value > 1000",
    '(or (and (= status "Subscribed") (= plan_type "Pro")) (> lifetime_value 1000))',
    'status = "Subscribed" and plan_type = "Pro" or lifetime_value > 1000'],
  ["a AND b Or c aNd NOT d", "(or (and (truthy a) (truthy b)) (and (truthy c) (not (truthy d))))", "a and b or c and not d"],
  ["x IS NOT EMPTY", "(not-empty x)", "x is not empty"],
  ["x Is Greater Than 3 AND y IS AT MOST 4", "(and (> x 3) (<= y 4))", "x > 3 and y <= 4"],
  ["a -- comment\nand b", "(and (truthy a) (truthy b))", "a -- comment\nand b"],
];

const fields: Row[] = [
  ["plan_type = 1", "(= plan_type 1)", "plan_type = 1"],
  ["custom.plan_type = 'x'", '(= custom.plan_type "x")', 'custom.plan_type = "x"'],
  ["`Plan Type` = 'x'", '(= `Plan Type` "x")', '`Plan Type` = "x"'],
  ["`a``b` is empty", "(empty `a`b`)", "`a``b` is empty"],
  ["`status` = 'x'", '(= `status` "x")', 'status = "x"', '(= status "x")'],
  ["`and` = 1", "(= `and` 1)", "`and` = 1"],
  ["`In` = 1", "(= `In` 1)", "`In` = 1"],
  ["Plan_Type = 'x'", '(= Plan_Type "x")', 'Plan_Type = "x"'],
  ["android", "(truthy android)", "android"],
  ["nullable and in_trial", "(and (truthy nullable) (truthy in_trial))", "nullable and in_trial"],
  ["count > 3", "(> count 3)", "count > 3"],
  ["last = 'x'", '(= last "x")', 'last = "x"'],
  ["segment = 'x'", '(= segment "x")', 'segment = "x"'],
  ["segment", "(truthy segment)", "segment"],
  ["segment and days", "(and (truthy segment) (truthy days))", "segment and days"],
  ["where is empty and title != 'x' and as", '(and (empty where) (!= title "x") (truthy as))', 'where is empty and title != "x" and as'],
  ["notes and isActive and orders > 1 and hasTags", "(and (truthy notes) (truthy isActive) (> orders 1) (truthy hasTags))", "notes and isActive and orders > 1 and hasTags"],
  ["and.x = 1", "(= and.x 1)", "and.x = 1"],
  ["`prénom` = 'é'", '(= `prénom` "é")', '`prénom` = "é"'],
];

const literals: Row[] = [
  ['a = "x"', '(= a "x")', 'a = "x"'],
  ["a = 'x'", '(= a "x")', 'a = "x"'],
  [String.raw`a = "say \"hi\""`, String.raw`(= a "say \"hi\"")`, String.raw`a = "say \"hi\""`],
  [String.raw`a = 'it\'s'`, `(= a "it's")`, `a = "it's"`],
  [`a = 'say "hi"'`, String.raw`(= a "say \"hi\"")`, String.raw`a = "say \"hi\""`],
  [String.raw`a = "C:\\path\\"`, String.raw`(= a "C:\\path\\")`, String.raw`a = "C:\\path\\"`],
  [String.raw`a = "1\n2\t3\r"`, String.raw`(= a "1\n2\t3\r")`, String.raw`a = "1\n2\t3\r"`],
  [String.raw`a = "caf\u00e9 \/"`, '(= a "café /")', 'a = "café /"'],
  [String.raw`a = "\u0000"`, String.raw`(= a "\u0000")`, String.raw`a = "\u0000"`],
  ['a = "100%_off"', '(= a "100%_off")', 'a = "100%_off"'],
  ['a = "😀 Ünïcödé"', '(= a "😀 Ünïcödé")', 'a = "😀 Ünïcödé"'],
  ["a = ''", '(= a "")', 'a = ""'],
  ["a = 42", "(= a 42)", "a = 42"],
  ["a = -3.5", "(= a -3.5)", "a = -3.5"],
  ["a = 1000.25", "(= a 1000.25)", "a = 1000.25"],
  ["a = 1e3", "(= a 1e3)", "a = 1e3"],
  ["a = .5", "(= a .5)", "a = .5"],
  ["a = true and b = FALSE", "(and (= a true) (= b false))", "a = true and b = false"],
  ["d = 2024-01-01", "(= d 2024-01-01)", "d = 2024-01-01"],
  ["t > 2024-01-01T10:00:00Z", "(> t 2024-01-01T10:00:00Z)", "t > 2024-01-01T10:00:00Z"],
  ["t > 2024-01-01T10:00:00.250+02:00", "(> t 2024-01-01T10:00:00.250+02:00)", "t > 2024-01-01T10:00:00.250+02:00"],
  ["t > 2024-01-01T10:00", "(> t 2024-01-01T10:00)", "t > 2024-01-01T10:00"],
  ["t > 30 days ago", "(> t (ago 30 day))", "t > 30 days ago"],
  ["t > 2 WEEKS AGO", "(> t (ago 2 week))", "t > 2 weeks ago"],
  ["t > 1 month ago", "(> t (ago 1 month))", "t > 1 month ago"],
  ["t > 1 months ago", "(> t (ago 1 month))", "t > 1 month ago"],
  ["t > 3 year ago", "(> t (ago 3 year))", "t > 3 years ago"],
  ["t > 90 minutes ago and t < 2 hours ago", "(and (> t (ago 90 minute)) (< t (ago 2 hour)))", "t > 90 minutes ago and t < 2 hours ago"],
  ["t < now and d >= today", "(and (< t now) (>= d today))", "t < now and d >= today"],
  ["status = Subscribed", "(= status (word Subscribed))", "status = Subscribed"],
  ["status = `Fiber optic`", "(= status (word `Fiber optic`))", "status = `Fiber optic`"],
];

const comparisons: Row[] = [
  ["a = 1", "(= a 1)", "a = 1"],
  ["a == 1", "(= a 1)", "a = 1"],
  ["a != 1", "(!= a 1)", "a != 1"],
  ["a <> 1", "(!= a 1)", "a != 1"],
  ["a < 1", "(< a 1)", "a < 1"],
  ["a <= 1", "(<= a 1)", "a <= 1"],
  ["a > 1", "(> a 1)", "a > 1"],
  ["a >= 1", "(>= a 1)", "a >= 1"],
  ["a=1", "(= a 1)", "a = 1"],
  ["a is 1", "(= a 1)", "a = 1"],
  ["a is not 1", "(!= a 1)", "a != 1"],
  ["a is equal to 1", "(= a 1)", "a = 1"],
  ["a is not equal to 1", "(!= a 1)", "a != 1"],
  ["a is greater than 1", "(> a 1)", "a > 1"],
  ["a is less than 1", "(< a 1)", "a < 1"],
  ["a is at least 1", "(>= a 1)", "a >= 1"],
  ["a is at most 1", "(<= a 1)", "a <= 1"],
  ["a between 1 and 5", "(between a 1 5)", "a between 1 and 5"],
  ["a not between 1 and 5", "(not-between a 1 5)", "a not between 1 and 5"],
  ["t between 2 years ago and now", "(between t (ago 2 year) now)", "t between 2 years ago and now"],
  ["a between 1 and 5 and b", "(and (between a 1 5) (truthy b))", "a between 1 and 5 and b"],
  ["a in (1, 2, 3)", "(in a 1 2 3)", "a in (1, 2, 3)"],
  ["a in ('x')", '(in a "x")', 'a in ("x")'],
  ["a not in ('x', 'y')", '(not-in a "x" "y")', 'a not in ("x", "y")'],
  ["a in ()", "(in a)", "a in ()"],
  ["a contains 'x'", '(contains a "x")', 'a contains "x"'],
  ["a not contains 'x'", '(not-contains a "x")', 'a not contains "x"'],
  ["a starts with 'x'", '(startsWith a "x")', 'a starts with "x"'],
  ["a not starts with 'x'", '(not-startsWith a "x")', 'a not starts with "x"'],
  ["a ends with 'x'", '(endsWith a "x")', 'a ends with "x"'],
  ["a not ends with 'x'", '(not-endsWith a "x")', 'a not ends with "x"'],
  ["a is empty", "(empty a)", "a is empty"],
  ["a is not empty", "(not-empty a)", "a is not empty"],
  ["tags has 'vip'", '(has-one tags "vip")', 'tags has "vip"'],
  ["tags has any ('a', 'b')", '(has-any tags "a" "b")', 'tags has any ("a", "b")'],
  ["tags has all ('a', 'b')", '(has-all tags "a" "b")', 'tags has all ("a", "b")'],
  ["tags has none ('a')", '(has-none tags "a")', 'tags has none ("a")'],
  ["tags has any", "(has-one tags (word any))", "tags has any"],
  ["d before 2024-01-01", "(before d 2024-01-01)", "d before 2024-01-01"],
  ["d after 30 days ago", "(after d (ago 30 day))", "d after 30 days ago"],
  ["d not before today", "(not-before d today)", "d not before today"],
  ["d not after now", "(not-after d now)", "d not after now"],
  ["d within last 30 days", "(within d 30 day)", "d within last 30 days"],
  ["d within last 1 day", "(within d 1 day)", "d within last 1 day"],
  ["d not within last 6 Months", "(not-within d 6 month)", "d not within last 6 months"],
  ["is_verified", "(truthy is_verified)", "is_verified"],
  ["not is_verified", "(not (truthy is_verified))", "not is_verified"],
  ["a is greater", "(= a (word greater))", "a = greater"],
];

const events: Row[] = [
  ['performed "Purchase"', '(performed "Purchase")', 'performed "Purchase"'],
  ['PERFORMED "Purchase" AT LEAST 3 TIMES', '(performed "Purchase" (count >= 3))', 'performed "Purchase" at least 3 times'],
  ['performed "Purchase" at most 1 time', '(performed "Purchase" (count <= 1))', 'performed "Purchase" at most 1 time'],
  ['performed "Purchase" exactly 0 times', '(performed "Purchase" (count = 0))', 'performed "Purchase" exactly 0 times'],
  ['performed "Purchase" with sum of amount > 50', '(performed "Purchase" (sum (> amount 50)))', 'performed "Purchase" with sum of amount > 50'],
  ['performed "Purchase" with average of amount between 1 and 5', '(performed "Purchase" (avg (between amount 1 5)))', 'performed "Purchase" with average of amount between 1 and 5'],
  ['performed "Purchase" with avg of amount >= 1', '(performed "Purchase" (avg (>= amount 1)))', 'performed "Purchase" with average of amount >= 1'],
  ['performed "Purchase" with min of amount < 1', '(performed "Purchase" (min (< amount 1)))', 'performed "Purchase" with min of amount < 1'],
  ['performed "Purchase" with maximum of amount is at most 9', '(performed "Purchase" (max (<= amount 9)))', 'performed "Purchase" with max of amount <= 9'],
  ['performed "Login" with first time before 2024-01-01', '(performed "Login" (first (before time 2024-01-01)))', 'performed "Login" with first time before 2024-01-01'],
  ['performed "Login" with last time within last 7 days', '(performed "Login" (last (within time 7 day)))', 'performed "Login" with last time within last 7 days'],
  ['performed "Login" within last 30 days', '(performed "Login" (window last 30 day))', 'performed "Login" within last 30 days'],
  ['performed "Login" between 2024-01-01 and 2024-02-01', '(performed "Login" (window 2024-01-01 2024-02-01))', 'performed "Login" between 2024-01-01 and 2024-02-01'],
  ['performed "Purchase" where amount > 50', '(performed "Purchase" (where (> amount 50)))', 'performed "Purchase" where amount > 50'],
  ['performed "Purchase" within last 30 days at least 2 times where amount > 50 and currency = "EUR"',
    '(performed "Purchase" (count >= 2) (window last 30 day) (where (and (> amount 50) (= currency "EUR"))))',
    'performed "Purchase" at least 2 times within last 30 days\n  where amount > 50 and currency = "EUR"'],
  ['not performed "Purchase"', '(not (performed "Purchase"))', 'not performed "Purchase"'],
  ['(performed "Purchase" where amount > 50) and status = "x"', '(and (performed "Purchase" (where (> amount 50))) (= status "x"))', '(performed "Purchase" where amount > 50) and status = "x"'],
  ['status = "x" and (performed "Purchase" where amount > 50)', '(and (= status "x") (performed "Purchase" (where (> amount 50))))', 'status = "x" and performed "Purchase" where amount > 50'],
  ['not (performed "Purchase" where amount > 50) or x', '(or (not (performed "Purchase" (where (> amount 50)))) (truthy x))', 'not (performed "Purchase" where amount > 50) or x'],
  ['performed "Purchase" and performed "Refund"', '(and (performed "Purchase") (performed "Refund"))', 'performed "Purchase" and performed "Refund"'],
  ["performed 'Page View' exactly 2 times", '(performed "Page View" (count = 2))', 'performed "Page View" exactly 2 times'],
];

const segments: Row[] = [
  ['in segment "High value"', '(segment "High value")', 'in segment "High value"'],
  ['not in segment "High value"', '(not (segment "High value"))', 'not in segment "High value"'],
  ["in segment high_value", '(segment "high_value")', 'in segment "high_value"'],
  ["in segment `High value`", '(segment "High value")', 'in segment "High value"'],
  ['segment "High value" as lifetime_value > 1000', 'segment "High value": (> lifetime_value 1000)', 'segment "High value" as lifetime_value > 1000'],
  ['segment high_value as x;', 'segment "high_value": (truthy x)', 'segment "high_value" as x'],
  ['SEGMENT "A" TITLE "Alpha" DESCRIPTION "The first" AS x',
    'segment "A" title "Alpha" description "The first": (truthy x)',
    'segment "A"\n  title "Alpha"\n  description "The first"\nas x'],
  ['segment "A" description "d" as x', 'segment "A" description "d": (truthy x)', 'segment "A"\n  description "d"\nas x'],
  ['segment "A" as x; segment "B" as in segment "A" and y',
    'segment "A": (truthy x)\nsegment "B": (and (segment "A") (truthy y))',
    'segment "A" as x\n\nsegment "B" as in segment "A" and y'],
  ['segment "A" as segment = 1', 'segment "A": (= segment 1)', 'segment "A" as segment = 1'],
  ['segment as as as', 'segment "as": (truthy as)', 'segment "as" as as'],
];

const layout: Row[] = [
  [
    'status = "Subscribed" and lifetime_value > 1000 and plan_type in ("Pro", "Enterprise") and not is_verified',
    '(and (= status "Subscribed") (> lifetime_value 1000) (in plan_type "Pro" "Enterprise") (not (truthy is_verified)))',
    'status = "Subscribed"\nand lifetime_value > 1000\nand plan_type in ("Pro", "Enterprise")\nand not is_verified',
  ],
  [
    'country = "DE" and (status = "Subscribed" or status = "Trial" or lifetime_value > 1000 or tags has "vip" or x)',
    '(and (= country "DE") (or (= status "Subscribed") (= status "Trial") (> lifetime_value 1000) (has-one tags "vip") (truthy x)))',
    'country = "DE"\nand (\n  status = "Subscribed"\n  or status = "Trial"\n  or lifetime_value > 1000\n  or tags has "vip"\n  or x\n)',
  ],
  [
    'status = "Subscribed" and lifetime_value > 1000 and country = "DE" and email ends with "@example.com" or status = "Trial" and tenure > 12',
    '(or (and (= status "Subscribed") (> lifetime_value 1000) (= country "DE") (endsWith email "@example.com")) (and (= status "Trial") (> tenure 12)))',
    '(\n  status = "Subscribed"\n  and lifetime_value > 1000\n  and country = "DE"\n  and email ends with "@example.com"\n)\nor status = "Trial" and tenure > 12',
  ],
  [
    'performed "Purchase" at least 3 times within last 30 days where amount > 50 and currency = "EUR" and channel = "web"',
    '(performed "Purchase" (count >= 3) (window last 30 day) (where (and (> amount 50) (= currency "EUR") (= channel "web"))))',
    'performed "Purchase" at least 3 times within last 30 days\n  where amount > 50 and currency = "EUR" and channel = "web"',
  ],
  [
    'segment "Engaged buyers" as performed "Purchase" at least 3 times within last 30 days and status = "Subscribed"',
    'segment "Engaged buyers": (and (performed "Purchase" (count >= 3) (window last 30 day)) (= status "Subscribed"))',
    'segment "Engaged buyers" as\n  performed "Purchase" at least 3 times within last 30 days\n  and status = "Subscribed"',
  ],
];

describe("every form parses to what it says and prints canonically", () => {
  describe("logical operators, precedence and keyword case", () => it.each(logical)("%s", (...row) => check(row)));
  describe("fields", () => it.each(fields)("%s", (...row) => check(row)));
  describe("literals", () => it.each(literals)("%s", (...row) => check(row)));
  describe("operators", () => it.each(comparisons)("%s", (...row) => check(row)));
  describe("events", () => it.each(events)("%s", (...row) => check(row)));
  describe("segments and references", () => it.each(segments)("%s", (...row) => check(row)));
  describe("line breaking", () => it.each(layout)("%s", (...row) => check(row)));
});
