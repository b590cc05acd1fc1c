/**
 * Quick fixes for keywords written wrong (src/parser/keyword-fixes.ts), as the editor offers them: the
 * cursor `|` on the word, the code action's title, and the text after applying it, which must check clean.
 */
import { describe, expect, it } from "vitest";
import { parse } from "../../src/parser/index.js";
import type { CodeAction } from "../../src/service/index.js";
import { cursor, serviceWith, URI } from "./helpers.js";

/** The fixes offered at the cursor, each as `title → text after it`. */
function fixesAt(marked: string): string[] {
  const { text, offset } = cursor(marked);
  const svc = serviceWith({ [URI]: text });
  return svc.codeActions(URI, offset, offset).map((a) => `${a.title} → ${applied(text, a)}`);
}

function applied(text: string, action: CodeAction): string {
  return [...action.edits].sort((a, b) => b.from - a.from).reduce((t, e) => t.slice(0, e.from) + e.text + t.slice(e.to), text);
}

/** The document's diagnostics after applying the one fix at the cursor: none, when the fix was right. */
function afterFix(marked: string): string[] {
  const { text, offset } = cursor(marked);
  const svc = serviceWith({ [URI]: text });
  const [action] = svc.codeActions(URI, offset, offset);
  svc.setDocument(URI, applied(text, action!));
  return svc.diagnostics(URI).map((d) => `${d.code} ${d.message}`);
}

const messages = (text: string) => serviceWith({ [URI]: text }).diagnostics(URI).map((d) => d.message);

describe("a word one edit from the keyword that fits there", () => {
  it.each([
    ["tenure > 12 a|dn tenure < 20", "replace with 'and' → tenure > 12 and tenure < 20"],
    ["tenure > 12 r|o tenure < 20", "replace with 'or' → tenure > 12 or tenure < 20"],
    ["n|to is_verified", "replace with 'not' → not is_verified"],
    ["signed_up_at within last 3 day|z", "replace with 'days' → signed_up_at within last 3 days"],
    ["signed_up_at > 1 da|sy ago", "replace with 'day' → signed_up_at > 1 day ago"],
    ["tenure betw|en 6 and 12", "replace with 'between' → tenure between 6 and 12"],
    ['email contians| "@acme"', 'replace with \'contains\' → email contains "@acme"'],
    ['performed "Purchase" wh|re amount > 50', 'replace with \'where\' → performed "Purchase" where amount > 50'],
    ["TENURE > 1 A|DN is_verified", "replace with 'and' → TENURE > 1 AND is_verified"],
  ])("%s", (marked, fix) => {
    expect(fixesAt(marked)).toEqual([fix]);
    expect(afterFix(marked)).toEqual([]);
  });

  it("the error says what was meant, on the word or, when the parser noticed later, naming the word", () => {
    expect(messages("tenure > 12 adn tenure < 20")).toEqual([
      "unexpected 'adn' after '12': expected 'and', 'or' or the end of the condition; did you mean 'and'?",
    ]);
    expect(messages("nto is_verified")).toContain("expected an operator or 'and'/'or' after 'nto', found 'is_verified'; did you mean 'not' for 'nto'?");
  });

  it("the fix of a word the parser noticed on the next token is offered on either", () => {
    expect(fixesAt("nto is_ver|ified")).toEqual(["replace with 'not' → not is_verified"]);
  });

  it("an unfinished condition still gets the keyword it plainly meant", () => {
    expect(fixesAt("tenure > 3 ad|n")).toEqual(["replace with 'and' → tenure > 3 and"]);
  });
});

describe("a value keyword misspelt (the checker's: the text parses, the word is no value)", () => {
  it.each([
    ["is_verified = tu|re", "replace with 'true' → is_verified = true"],
    ["is_verified != fl|ase", "replace with 'false' → is_verified != false"],
    ["signed_up_at > to|dy", "replace with 'today' → signed_up_at > today"],
    ["birthday < nw|o", "replace with 'now' → birthday < now"],
  ])("%s", (marked, fix) => {
    expect(fixesAt(marked)).toEqual([fix]);
    expect(afterFix(marked)).toEqual([]);
  });

  it("says so; a word near no value keyword keeps the message it had", () => {
    expect(messages("is_verified = ture")).toEqual(["is_verified is a boolean field, so it cannot be compared with the word ture: did you mean true?"]);
    expect(messages("is_verified = yes")).toEqual(["is_verified is a boolean field, so it cannot be compared with the word yes: write true or false"]);
    expect(fixesAt("is_verified = y|es")).toEqual([]);
  });
});

describe("C's operators", () => {
  it.each([
    ['plan_type = "Pro" |&& status = "Trial"', 'replace with \'and\' → plan_type = "Pro" and status = "Trial"'],
    ["tenure>1|&&tenure<3", "replace with 'and' → tenure>1 and tenure<3"],
    ["tenure > 2 ||| tenure < 1", "replace with 'or' → tenure > 2 or tenure < 1"],
    ["|!is_verified", "replace with 'not' → not is_verified"],
    ["|!(tenure > 1)", "replace with 'not' → not (tenure > 1)"],
  ])("%s", (marked, fix) => {
    expect(fixesAt(marked)).toEqual([fix]);
    expect(afterFix(marked)).toEqual([]);
  });

  it("says which word to write", () => {
    expect(messages("tenure > 1 && tenure < 3")).toEqual(["unexpected character '&': write 'and'"]);
    expect(messages("tenure > 1 || tenure < 3")).toEqual(["unexpected character '|': write 'or'"]);
  });

  it("a '!' that is half of '!=' written apart is no 'not'", () => {
    expect(fixesAt("tenure |! = 3")).toEqual([]);
  });
});

describe("a keyword left out", () => {
  it.each([
    ['performed "Purchase" at least 3|', 'insert \'times\' → performed "Purchase" at least 3 times'],
    ['performed "Purchase" at least 1|', 'insert \'time\' → performed "Purchase" at least 1 time'],
    ['performed "Purchase" at least 3 |within last 7 days', 'insert \'times\' → performed "Purchase" at least 3 times within last 7 days'],
    ['segment "VIP" |lifetime_value > 1000', 'insert \'as\' → segment "VIP" as lifetime_value > 1000'],
  ])("%s", (marked, fix) => {
    expect(fixesAt(marked)).toEqual([fix]);
    expect(afterFix(marked)).toEqual([]);
  });

  it("not when something else was misspelt there", () => {
    // `titel` is `title`, not a condition after a missing `as`.
    expect(fixesAt('segment "VIP" tit|el "Top" as tenure > 1')).toEqual(['replace with \'title\' → segment "VIP" title "Top" as tenure > 1']);
  });
});

describe("no fix when the keyword meant is not plain", () => {
  it.each([
    // `is` and `has` both fit after a field, one edit from `hs`.
    ['tags h|s "vip"'],
    // A word far from every keyword.
    ["tenure > 3 xy|zzy tenure < 5"],
    // A field of that spelling is not the checker's to respell here: `nto` alone reads as a field.
    ["tenure > 3 and nt|o"],
  ])("%s", (marked) => {
    expect(fixesAt(marked)).toEqual([]);
  });

  it("a keyword that would move the error further on is not a candidate: one fix left", () => {
    // `and` is one edit from `end` too, but `email and with "x"` fails at "x".
    expect(fixesAt('email en|d with "x"')).toEqual(['replace with \'ends\' → email ends with "x"']);
  });

  it("a parse of garbage stays fast: only the first errors are tried", () => {
    const text = "adn ".repeat(20_000);
    const fixes = parse(text).diagnostics.filter((d) => d.fix);
    expect(fixes.length).toBeLessThanOrEqual(5);
  });
});
