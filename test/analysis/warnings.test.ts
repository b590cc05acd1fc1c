/**
 * The static analysis's warnings: each kind on the examples, with its code, the exact text it
 * underlines, its message and what its fix leaves; conditions that must get no warning; and a file
 * snapshot of the rendered warnings of many inputs (__snapshots__/warnings.txt), so any change of
 * wording or span shows in review (update with `npx vitest run test/analysis -u`).
 */
import { describe, expect, it } from "vitest";
import { analyze, renderDiagnostics, type Diagnostic } from "../../src/index.js";
import { analysisWarnings } from "../../src/analysis/index.js";
import { richSchema } from "./helpers.js";

/** `code 'underlined text' message` per warning, and the text after applying each fix. */
function warn(text: string): { code: string; at: string; message: string; fixed?: string }[] {
  const a = analyze(text, richSchema);
  expect(a.diagnostics.filter((d) => d.severity === "error"), text).toEqual([]);
  return a.diagnostics
    .filter((d) => d.code === "never-matches" || d.code === "always-true" || d.code === "redundant" || d.code === "analysis-incomplete")
    .map((d) => ({ code: d.code, at: text.slice(d.span.start, d.span.end), message: d.message, ...(d.fix ? { fixed: applyFix(text, d) } : {}) }));
}

function applyFix(text: string, d: Diagnostic): string {
  const edits = [...d.fix!.edits].sort((a, b) => b.span.start - a.span.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.span.start) + e.text + out.slice(e.span.end);
  return out;
}

describe("never matches", () => {
  it("contradicting rules: the two rules, when they are next to each other", () => {
    expect(warn("lifetime_value > 12 and lifetime_value < 6")).toEqual([
      { code: "never-matches", at: "lifetime_value > 12 and lifetime_value < 6", message: "this condition never matches: 'lifetime_value > 12' and 'lifetime_value < 6' cannot both hold for one contact" },
    ]);
  });

  it("contradicting rules apart: the later one, naming the other", () => {
    expect(warn('lifetime_value > 12 and email = "a" and lifetime_value < 6')).toEqual([
      { code: "never-matches", at: "lifetime_value < 6", message: "this never holds together with 'lifetime_value > 12', so the condition around it never matches" },
    ]);
  });

  it("an enum value and a list without it; empty and a value; at least 3 and at most 1 times; between 10 and 5", () => {
    expect(warn('status = "Pending" and status in ("Subscribed")')[0]!.message).toBe(
      "this condition never matches: 'status = \"Pending\"' and 'status in (\"Subscribed\")' cannot both hold for one contact",
    );
    expect(warn("score is empty and score = 3")[0]!.at).toBe("score is empty and score = 3");
    expect(warn('performed "Purchase" at least 3 times and performed "Purchase" at most 1 times')[0]!.code).toBe("never-matches");
    expect(warn("score between 10 and 5")).toEqual([
      { code: "never-matches", at: "score between 10 and 5", message: "'score between 10 and 5' never holds: its low end is above its high end" },
    ]);
  });

  it('= "" (an empty text is no value), a date at a time that is not midnight', () => {
    expect(warn('email = ""')[0]!.message).toBe(`'email = ""' never holds: no contact has "" (an empty text counts as no value)`);
    expect(warn("birthday = 2024-01-01T10:00:00Z")[0]!.message).toContain("a date is a midnight (UTC)");
  });

  it("times relative to now, proved for every now", () => {
    expect(warn("signed_up_at within last 30 days and signed_up_at before 60 days ago")[0]!.code).toBe("never-matches");
    // 3 months are at most 92 days (+ 3 when the day of the month moves back): before 120 days ago never holds.
    expect(warn("signed_up_at within last 3 months and signed_up_at before 120 days ago")[0]!.code).toBe("never-matches");
    // …but 80 days ago does, for some now: no warning.
    expect(warn("signed_up_at within last 3 months and signed_up_at before 80 days ago")).toEqual([]);
  });

  it("a filter no event passes, an empty window", () => {
    expect(warn('performed "Purchase" where amount > 5 and amount < 3')).toEqual([
      { code: "never-matches", at: "amount > 5 and amount < 3", message: "this condition never matches: 'amount > 5' and 'amount < 3' cannot both hold for one contact" },
    ]);
    expect(warn('performed "Purchase" between 2024-02-01 and 2024-01-01')).toEqual([
      { code: "never-matches", at: 'performed "Purchase" between 2024-02-01 and 2024-01-01', message: "this window is empty: it ends before it starts, so no event falls in it" },
    ]);
  });

  it("a branch that contradicts what the condition around it requires: removed by the fix", () => {
    expect(warn('lifetime_value > 12 and (lifetime_value < 6 or email = "a")')).toEqual([
      {
        code: "never-matches",
        at: "lifetime_value < 6",
        message: "this branch never matches: it cannot hold together with 'lifetime_value > 12', which the condition also requires",
        fixed: 'lifetime_value > 12 and (email = "a")',
      },
    ]);
  });

  it("a branch that never matches on its own: the fix removes it", () => {
    expect(warn('email = "a" or (score > 5 and score < 3)')).toEqual([
      { code: "never-matches", at: "score > 5 and score < 3", message: "this condition never matches: 'score > 5' and 'score < 3' cannot both hold for one contact", fixed: 'email = "a"' },
    ]);
  });

  it("a referenced segment that contradicts the rest", () => {
    const text = 'segment "Big" as score > 100\nsegment "Main" as in segment "Big" and score < 10';
    const a = analyze(text, richSchema);
    expect(a.diagnostics.map((d) => d.message)).toEqual(["this condition never matches: 'in segment \"Big\"' and 'score < 10' cannot both hold for one contact"]);
  });
});

describe("always holds", () => {
  it("a field compared every way, empty included", () => {
    expect(warn("score > 3 or score <= 3 or score is empty")).toEqual([
      {
        code: "always-true",
        at: "score > 3 or score <= 3 or score is empty",
        message: "this always holds: 'score > 3', 'score <= 3' and 'score is empty' between them cover every contact (those with empty values too), so the condition matches every contact",
      },
    ]);
    expect(warn("not (score is empty) or score is empty")[0]!.code).toBe("always-true");
  });

  it("without the empty case it is not always true (no warning)", () => {
    expect(warn("score > 3 or score <= 3")).toEqual([]);
  });

  it("inside an and: adds nothing, and the fix removes it", () => {
    expect(warn('email = "a" and (score > 3 or score <= 3 or score is empty)')).toEqual([
      {
        code: "always-true",
        at: "score > 3 or score <= 3 or score is empty",
        message: "this always holds: 'score > 3', 'score <= 3' and 'score is empty' between them cover every contact (those with empty values too), so it adds nothing to the condition",
        fixed: 'email = "a"',
      },
    ]);
  });

  it('!= "" and at least 0 times (the checker already warns about that one: said once)', () => {
    expect(warn('email != ""')[0]!.message).toContain("always holds");
    const a = analyze('performed "Purchase" at least 0 times', richSchema);
    expect(a.diagnostics.map((d) => d.code)).toEqual(["always-true"]);
    expect(a.diagnostics[0]!.message).toContain("at least 0 times"); // the checker's
  });
});

describe("adds nothing", () => {
  it("an implied rule, whichever comes first; the fix removes it", () => {
    expect(warn("score > 12 and score > 6")).toEqual([
      { code: "redundant", at: "score > 6", message: "this adds nothing: 'score > 12' already implies it", fixed: "score > 12" },
    ]);
    expect(warn("score > 6 and score > 12")).toEqual([
      { code: "redundant", at: "score > 6", message: "this adds nothing: 'score > 12' already implies it", fixed: "score > 12" },
    ]);
  });

  it("a duplicate rule: the second one", () => {
    expect(warn('email = "a" and score > 5 and email = "a"')).toEqual([
      { code: "redundant", at: 'email = "a"', message: "this repeats 'email = \"a\"' (line 1): it adds nothing", fixed: 'email = "a" and score > 5' },
    ]);
  });

  it("an or-branch contained in another", () => {
    expect(warn("score > 12 or score > 6")).toEqual([
      { code: "redundant", at: "score > 12", message: "this branch adds nothing: every contact it matches is also matched by 'score > 6'", fixed: "score > 6" },
    ]);
  });

  it("a group implied by the condition around it", () => {
    expect(warn('score > 12 and (score > 6 or email = "a")')).toEqual([
      { code: "redundant", at: 'score > 6 or email = "a"', message: "this adds nothing: 'score > 12' already implies it", fixed: "score > 12" },
    ]);
  });

  it("within a where filter", () => {
    expect(warn('(performed "Purchase" where amount > 5 and amount > 3) and score > 1')).toEqual([
      { code: "redundant", at: "amount > 3", message: "this adds nothing: 'amount > 5' already implies it", fixed: '(performed "Purchase" where amount > 5) and score > 1' },
    ]);
  });

  it("a rule that a referenced segment implies", () => {
    const text = 'segment "Big" as score > 100\nsegment "Main" as in segment "Big" and score > 10';
    expect(analyze(text, richSchema).diagnostics.map((d) => d.message)).toEqual(["this adds nothing: 'in segment \"Big\"' already implies it"]);
  });
});

describe("no false warnings", () => {
  const clean = [
    "score > 5 and score < 10",
    'email = "a" or email = "b"',
    'status != "Pending" and status != "Subscribed" and status != "Unsubscribed" and status != "Won\'t say"', // other values exist
    "score > 1 and score < 1.0000000000000004", // one double fits between
    'is_vip or email = "a"',
    "tags has any (\"a\", \"b\") and tags has none (\"c\")",
    'email contains "ab" and email starts with "b"',
    "signed_up_at within last 1 month and signed_up_at before 29 days ago", // e.g. now = March 31
    'performed "Purchase" at least 2 times and not performed "Purchase" within last 7 days',
    'performed "Purchase" with sum of amount > 10 where amount < 10', // two events of 6
    "lifetime_value > 5 or (lifetime_value <= 5 and score > 1)",
  ];
  for (const text of clean) it(text, () => expect(warn(text)).toEqual([]));
});

describe("fixes", () => {
  it("keep the rest balanced: parentheses of the part go with it, a flattened group keeps its own", () => {
    expect(warn("(score > 12) and\n  (score > 6)")[0]!.fixed).toBe("(score > 12)");
    expect(warn('email = "a" and (score > 12 and score > 6)')[0]!.fixed).toBe('email = "a" and (score > 12)');
    expect(warn('(score > 6 and email = "(") and score > 12')[0]!.fixed).toBe('(email = "(") and score > 12');
    expect(warn("score > 12 -- big\n  and score > 6 -- also big")[0]!.fixed).toBe("score > 12 -- big");
  });

  it("give the line and column of what they remove, whatever the line breaks", () => {
    for (const br of ["\n", "\r\n", "\r"]) {
      const text = ["email = \"a\"", "  and (score > 12", "  or lifetime_value > 3)", "  and score > 20", "  and (plan_type = \"Pro\" or", "    score > 20)"].join(br);
      const fixes = analyze(text, richSchema).diagnostics.flatMap((d) => d.fix?.edits ?? []);
      expect(fixes.length, JSON.stringify(text)).toBeGreaterThanOrEqual(2);
      for (const { span } of fixes) {
        // Counted from the text's start: lines end at \n, \r\n or \r; columns count from 1.
        const before = text.slice(0, span.start);
        const lines = before.split(/\r\n|\r|\n/);
        expect({ line: span.line, column: span.column }, `${JSON.stringify(text)} at ${span.start}`).toEqual({ line: lines.length, column: lines[lines.length - 1]!.length + 1 });
      }
    }
  });
});

describe("the budget", () => {
  it("a condition too large for the steps allowed gets a note, and no claim it could not prove", () => {
    // Three fields in three-way ors, 8 times: too many combinations of their regions for masks, and the
    // search needs many steps to refute it.
    const parts = Array.from({ length: 8 }, (_, i) => `(score > ${i} or lifetime_value > ${i} or count > ${i})`);
    const text = `${parts.join(" and ")} and score < 0 and lifetime_value < 0 and count < 0`;
    const a = analyze(text, richSchema, { analysis: { steps: 3 } });
    expect(a.diagnostics.map((d) => d.code)).toContain("analysis-incomplete");
    const note = a.diagnostics.find((d) => d.code === "analysis-incomplete")!;
    expect(note.severity).toBe("info");
    expect(note.message).toBe("static analysis stopped early: this condition needs more than 3 reasoning steps, so some warnings may be missing");
    // With the default budget it is proved.
    expect(analyze(text, richSchema).diagnostics.map((d) => d.code)).toContain("never-matches");
  });

  it("analysis: false leaves only the checker's diagnostics", () => {
    expect(analyze("score > 12 and score > 6", richSchema, { analysis: false }).diagnostics).toEqual([]);
  });
});

const SNAPSHOT_INPUTS = [
  "lifetime_value > 12 and lifetime_value < 6",
  'lifetime_value > 12 and email = "a" and lifetime_value < 6',
  'status = "Pending" and status in ("Subscribed")',
  "score is empty and score = 3",
  'performed "Purchase" at least 3 times and performed "Purchase" at most 1 times',
  "score between 10 and 5",
  "score not between 10 and 5",
  "score > 3 or score <= 3 or score is empty",
  "not (score is empty) or score is empty",
  'performed "Purchase" at least 0 times',
  "score > 12 and score > 6",
  'email = "a" and score > 5 and email = "a"',
  "score > 12 or score > 6",
  'score > 12 and (score < 6 or email = "a")',
  'email = "a" or (score > 5 and score < 3)',
  'score > 12 and (score > 6 or email = "a")',
  "signed_up_at within last 30 days and signed_up_at before 60 days ago",
  'performed "Purchase" where amount > 5 and amount < 3',
  'performed "Purchase" between 2024-02-01 and 2024-01-01',
  'performed "Purchase" with first time after 30 days ago within last 7 days and performed "Purchase" with last time before 30 days ago within last 7 days',
  'performed "Refund" with average of amount < 0 where amount > 5',
  'email != ""',
  'email contains "ab" and not (email contains "b")',
  'email starts with "ab" and email starts with "ac"',
  'tags has "a" and tags has none ("a")',
  'is_vip and is_vip = false',
  "not (score > 5) and score > 6",
  'segment "A" as score > 5 and score > 3\nsegment "B" as in segment "A" and score < 2',
];

describe("snapshot", () => {
  it("renders the warnings of known inputs", async () => {
    const out = SNAPSHOT_INPUTS.map((text) => {
      const a = analyze(text, richSchema);
      return `== ${text.replace(/\n/g, "\n   ")}\n${renderDiagnostics(text, a.diagnostics) || "(no diagnostics)"}`;
    });
    await expect(`${out.join("\n\n")}\n`).toMatchFileSnapshot("./__snapshots__/warnings.txt");
  });

  it("analysisWarnings alone gives the same warnings as analyze adds", () => {
    for (const text of SNAPSHOT_INPUTS) {
      const a = analyze(text, richSchema, { analysis: false });
      const b = analyze(text, richSchema);
      const extra = b.diagnostics.filter((d) => !a.diagnostics.includes(d) && !a.diagnostics.some((x) => x.code === d.code && x.span.start === d.span.start));
      expect(analysisWarnings(a.segments, { text }).map((d) => d.message).sort()).toEqual(extra.map((d) => d.message).sort());
    }
  });
});
