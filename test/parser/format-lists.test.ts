/**
 * How the formatter breaks a value list (`in (…)`, `not in (…)`, `has any|all|none (…)`, and the list of an
 * event's measure) that does not fit the width: `(` ends the rule's line, the values fill the lines after it
 * indented two spaces more than that line, and `)` starts a line at the rule's line's indentation. Each row
 * gives the input, the width and the exact output; every row also checks the output is a fixed point and
 * parses to the input's AST with the same comments.
 */
import { describe, expect, it } from "vitest";
import { format } from "../../src/parser/format.js";
import { parse } from "../../src/parser/index.js";
import { stripSpans } from "../helpers/ast-arbitrary.js";

function parsed(text: string) {
  const r = parse(text);
  expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`), text).toEqual([]);
  return r.document;
}

/** Formats `input` at `width`, compares with `expected` (lines), and checks the laws on the result. */
function expectFormat(input: string, width: number, expected: string[]): void {
  const doc = parsed(input);
  const out = format(doc, { width });
  expect(out.replace(/\n$/, "").split("\n")).toEqual(expected);
  const again = parsed(out);
  expect(format(again, { width })).toBe(out);
  expect(stripSpans(again)).toEqual(stripSpans(doc));
  expect(again.comments.map((c) => c.text.trimEnd())).toEqual(doc.comments.map((c) => c.text.trimEnd()));
}

const zips = (n: number) => Array.from({ length: n }, (_, i) => `"${10001 + i}"`).join(", ");

type Row = [name: string, input: string, width: number, expected: string[]];

const rows: Row[] = [
  ["a list that fits stays on its line", `zip_code in (${zips(3)})`, 80, [`zip_code in (${zips(3)})`]],
  ["a list exactly as long as the width stays on its line", `zip in ("10001", "10002")`, 25, [`zip in ("10001", "10002")`]],
  ["one character over the width breaks", `zip in ("10001", "10002")`, 24, ["zip in (", '  "10001", "10002"', ")"]],
  [
    "a long list fills several lines, as many values per line as fit",
    `zip_code in (${zips(20)})`,
    60,
    [
      "zip_code in (",
      '  "10001", "10002", "10003", "10004", "10005", "10006",',
      '  "10007", "10008", "10009", "10010", "10011", "10012",',
      '  "10013", "10014", "10015", "10016", "10017", "10018",',
      '  "10019", "10020"',
      ")",
    ],
  ],
  [
    "a value longer than the width gets a line of its own",
    'x in ("a", "a value much longer than the width", "b", "c")',
    24,
    ["x in (", '  "a",', '  "a value much longer than the width",', '  "b", "c"', ")"],
  ],
  [
    "a one-value list that does not fit is broken too",
    'x in ("a value much longer than the width")',
    24,
    ["x in (", '  "a value much longer than the width"', ")"],
  ],
  ["an empty list is never broken", "a_rather_long_field_name in ()", 10, ["a_rather_long_field_name in ()"]],
  [
    "not in",
    `zip not in (${zips(6)})`,
    40,
    ["zip not in (", '  "10001", "10002", "10003", "10004",', '  "10005", "10006"', ")"],
  ],
  [
    "has any, has all, has none; values of other kinds",
    'tags has any ("alpha", "beta", "gamma", "delta") and sizes has all (1, 2.5, 1e3, -4) and seen has none (2024-01-01, 3 days ago, today)',
    30,
    [
      "tags has any (",
      '  "alpha", "beta", "gamma",',
      '  "delta"',
      ")",
      "and sizes has all (",
      "  1, 2.5, 1e3, -4",
      ")",
      "and seen has none (",
      "  2024-01-01, 3 days ago,",
      "  today",
      ")",
    ],
  ],
  [
    "an operand of and/or: values indented one level deeper than the line, ) at the line's indentation",
    `status = "Subscribed" and zip in (${zips(8)}) and plan = "Pro"`,
    50,
    [
      'status = "Subscribed"',
      "and zip in (",
      '  "10001", "10002", "10003", "10004", "10005",',
      '  "10006", "10007", "10008"',
      ")",
      'and plan = "Pro"',
    ],
  ],
  [
    "not before a list rule",
    `not zip in (${zips(4)})`,
    30,
    ["not zip in (", '  "10001", "10002", "10003",', '  "10004"', ")"],
  ],
  [
    "a list inside the where filter of an event breaks at the filter's indentation",
    'performed "Purchase" within last 30 days where amount in (10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120)',
    40,
    [
      'performed "Purchase" within last 30 days',
      "  where amount in (",
      "    10, 20, 30, 40, 50, 60, 70, 80, 90,",
      "    100, 110, 120",
      "  )",
    ],
  ],
  [
    "a list in a broken where filter",
    'performed "Purchase" where currency = "EUR" and sku not in ("A-100", "B-200", "C-300", "D-400", "E-500")',
    40,
    [
      'performed "Purchase"',
      "  where",
      '    currency = "EUR"',
      "    and sku not in (",
      '      "A-100", "B-200", "C-300",',
      '      "D-400", "E-500"',
      "    )",
    ],
  ],
  [
    "the list of an event's measure: the window follows the )",
    'performed "Purchase" with sum of amount in (100, 200, 300, 400, 500, 600) within last 7 days where sku = "A"',
    40,
    [
      'performed "Purchase" with sum of amount in (',
      "  100, 200, 300, 400, 500, 600",
      ") within last 7 days",
      '  where sku = "A"',
    ],
  ],
  [
    "a nested parenthesised expression containing a long list",
    `country = "US" or (status = "Subscribed" and (zip in (${zips(6)}) or vip))`,
    40,
    [
      'country = "US"',
      "or (",
      '  status = "Subscribed"',
      "  and (",
      "    zip in (",
      '      "10001", "10002", "10003",',
      '      "10004", "10005", "10006"',
      "    )",
      "    or vip",
      "  )",
      ")",
    ],
  ],
  [
    "a segment declaration whose condition is one long list",
    `segment "New York" as zip in (${zips(5)})`,
    40,
    ['segment "New York" as', "  zip in (", '    "10001", "10002", "10003", "10004",', '    "10005"', "  )"],
  ],
];

const commentRows: Row[] = [
  [
    "comments inside a list stay where they are and force the list to break",
    [
      'zip in ("10001", -- Manhattan',
      '  "10002", "10003",',
      "  -- Brooklyn from here",
      '  "11201" -- the last one',
      ") -- after the list",
      'and plan = "Pro"',
    ].join("\n"),
    80,
    [
      "zip in (",
      '  "10001", -- Manhattan',
      '  "10002", "10003",',
      "  -- Brooklyn from here",
      '  "11201" -- the last one',
      ") -- after the list",
      'and plan = "Pro"',
    ],
  ],
  [
    "a comment after the last value on its own line stays before the )",
    'x in ("a", "b"\n  -- no more\n)',
    80,
    ["x in (", '  "a", "b"', "  -- no more", ")"],
  ],
  [
    "a comment after the list's '(' stays after it, and the list is broken",
    'status = "a" and zip in ( -- zips\n "10001", "10002")',
    80,
    ['status = "a"', "and zip in ( -- zips", '  "10001", "10002"', ")"],
  ],
  [
    "a comment after a list that ends on a later line than it starts stays with that rule",
    'zip in ("10001",\n "10002") -- two zips\nand plan = "Pro"',
    80,
    ['zip in ("10001", "10002") -- two zips', 'and plan = "Pro"'],
  ],
  [
    "the comment after ) of a broken list stays there",
    `zip in (${zips(5)}) -- five\nand plan = "Pro"`,
    30,
    ["zip in (", '  "10001", "10002", "10003",', '  "10004", "10005"', ") -- five", 'and plan = "Pro"'],
  ],
  [
    "comments in the list of an event's where filter",
    '(performed "Purchase" where sku in ("A", -- first\n "B")) and vip',
    80,
    ["(", '  performed "Purchase"', "    where sku in (", '      "A", -- first', '      "B"', "    )", ")", "and vip"],
  ],
  [
    "a same-line comment counts toward the width, so the value after it starts a new line",
    'x in ("a", "b", -- bee\n "c", "d")',
    16,
    ["x in (", '  "a",', '  "b", -- bee', '  "c", "d"', ")"],
  ],
];

describe("format breaks long value lists", () => {
  it.each(rows)("%s", (_name, input, width, expected) => expectFormat(input, width, expected));
});

describe("format keeps comments in and around value lists", () => {
  it.each(commentRows)("%s", (_name, input, width, expected) => expectFormat(input, width, expected));
});

describe("format of a long list at the default width", () => {
  it("300 zip codes print as 8 values a line", () => {
    const out = format(parsed(`zip_code in (${zips(300)})`));
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toBe("zip_code in (");
    expect(lines.at(-1)).toBe(")");
    expect(lines.length).toBe(2 + Math.ceil(300 / 8));
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });
});
