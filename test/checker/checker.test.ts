import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { analyze, parse, check, parseSchema, type Diagnostic } from "../../src/index.js";
import { summarize } from "../helpers/typed-summary.js";

const schema = parseSchema(readFileSync(new URL("../fixtures/crm-schema.json", import.meta.url), "utf8"));

function typed(text: string): string {
  const r = analyze(text, schema);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`unexpected errors for ${text}: ${errors.map((d) => d.message).join("; ")}`);
  expect(r.segments).toHaveLength(1);
  return summarize(r.segments[0]!.expr);
}

function errors(text: string): string[] {
  return analyze(text, schema).diagnostics.map((d: Diagnostic) => `${d.span.line}:${d.span.column} ${d.message}`);
}

describe("every form of the language checks to the expected typed test", () => {
  it.each([
    ['status = "Subscribed"', 'eq(status,"Subscribed")'],
    ['status != "Trial"', '!eq(status,"Trial")'],
    ['status is "Trial"', 'eq(status,"Trial")'],
    ['status is not "Trial"', '!eq(status,"Trial")'],
    ['status is equal to "Trial"', 'eq(status,"Trial")'],
    ['status is not equal to "Trial"', '!eq(status,"Trial")'],
    ["lifetime_value < 10", "lt(lifetime_value,10)"],
    ["lifetime_value <= 10", "le(lifetime_value,10)"],
    ["lifetime_value > -3.5", "gt(lifetime_value,-3.5)"],
    ["lifetime_value >= 1000.25", "ge(lifetime_value,1000.25)"],
    ["lifetime_value is greater than 5", "gt(lifetime_value,5)"],
    ["lifetime_value is less than 5", "lt(lifetime_value,5)"],
    ["lifetime_value is at least 5", "ge(lifetime_value,5)"],
    ["lifetime_value is at most 5", "le(lifetime_value,5)"],
    ["tenure between 1 and 12", "between(tenure,1,12)"],
    ["tenure not between 1 and 12", "!between(tenure,1,12)"],
    ['plan_type in ("Free", "Pro")', 'in(plan_type,["Free","Pro"])'],
    ['plan_type not in ("Free")', '!in(plan_type,["Free"])'],
    ["tenure in (1, 2, 3)", "in(tenure,[1,2,3])"],
    ['email contains "@acme"', 'contains(email,"@acme")'],
    ['email not contains "@acme"', '!contains(email,"@acme")'],
    ['email starts with "ann"', 'startsWith(email,"ann")'],
    ['email ends with ".com"', 'endsWith(email,".com")'],
    ['email not ends with ".com"', '!endsWith(email,".com")'],
    ["email is empty", "!present(email)"],
    ["email is not empty", "present(email)"],
    ["tags is empty", "!present(tags)"],
    ['tags has "vip"', 'hasAny(tags,["vip"])'],
    ['tags has any ("a", "b")', 'hasAny(tags,["a","b"])'],
    ['tags has all ("a", "b")', 'hasAll(tags,["a","b"])'],
    ['tags has none ("a", "b")', '!hasAny(tags,["a","b"])'],
    ["signed_up_at before 2024-01-01", "lt(signed_up_at,2024-01-01)"],
    ["signed_up_at after 2024-01-01T10:00:00Z", "gt(signed_up_at,2024-01-01T10:00:00.000Z)"],
    ["signed_up_at after 2024-01-01T10:00:00+02:00", "gt(signed_up_at,2024-01-01T08:00:00.000Z)"],
    ["signed_up_at not before 30 days ago", "!lt(signed_up_at,-30day)"],
    ["signed_up_at within last 30 days", "between(signed_up_at,-30day,now)"],
    ["signed_up_at not within last 2 weeks", "!between(signed_up_at,-2week,now)"],
    ["signed_up_at within last 1 month", "between(signed_up_at,-1month,now)"],
    ["signed_up_at >= 3 months ago", "ge(signed_up_at,-3month)"],
    ["signed_up_at between 2 years ago and now", "between(signed_up_at,-2year,now)"],
    ["birthday = today", "eq(birthday,today)"],
    ["birthday < 2000-02-29", "lt(birthday,2000-02-29)"],
    ["is_verified", "eq(is_verified,true)"],
    ["not is_verified", "not(eq(is_verified,true))"],
    ["is_verified = false", "eq(is_verified,false)"],
    ["not tenure > 12", "not(gt(tenure,12))"],
    ["tenure > 1 and tenure < 5 or tenure = 9", "or(and(gt(tenure,1), lt(tenure,5)), eq(tenure,9))"],
    ["tenure > 1 and (tenure < 5 or tenure = 9)", "and(gt(tenure,1), or(lt(tenure,5), eq(tenure,9)))"],
    ["not not is_verified", "not(not(eq(is_verified,true)))"],
    ['(status = "Subscribed" and plan_type = "Pro") or lifetime_value > 1000', 'or(and(eq(status,"Subscribed"), eq(plan_type,"Pro")), gt(lifetime_value,1000))'],
    ['STATUS = "Trial" AND Plan_Type = "Pro" Or IS_VERIFIED', 'or(and(eq(status,"Trial"), eq(plan_type,"Pro")), eq(is_verified,true))'],
    ['custom.plan_type = "x"', 'eq(custom.plan_type,"x")'],
    ['`Plan Type` = "x"', 'eq(Plan Type,"x")'],
    ['`plan type` = "x"', 'eq(Plan Type,"x")'],
    ["count > 3", "gt(count,3)"],
    ["android and not count is empty", "and(eq(android,true), not(!present(count)))"],
    ['id = "c-1"', 'eq(id,"c-1")'],
    ["email = 'it\\'s \\u00e9'", "eq(email,\"it's é\")"],
    ["signed_up_at WITHIN LAST 30 DAYS", "between(signed_up_at,-30day,now)"],
    ["signed_up_at > 5 Hours Ago", "gt(signed_up_at,-5hour)"],
    ["lifetime_value = 1e3", "eq(lifetime_value,1000)"],
    ['performed "Purchase"', 'event("Purchase", count>=1)'],
    ['not performed "Login" within last 14 days', 'not(event("Login", count>=1, window[-14day,now]))'],
    ['performed "Purchase" at least 3 times within last 30 days where amount > 50', 'event("Purchase", count>=3, window[-30day,now], where gt(amount,50))'],
    ['performed "Purchase" at most 2 times', 'event("Purchase", count<=2)'],
    ['performed "Purchase" exactly 0 times', 'event("Purchase", count=0)'],
    ['performed "Purchase" between 2024-01-01 and 2024-02-01 where amount > 50 and currency = "EUR"', 'event("Purchase", count>=1, window[2024-01-01,2024-02-01], where and(gt(amount,50), eq(currency,"EUR")))'],
    ['performed "Purchase" with sum of amount > 500', 'event("Purchase", gt(sum(amount),500))'],
    ['performed "Purchase" with average of amount between 10 and 20', 'event("Purchase", between(avg(amount),10,20))'],
    ['performed "Purchase" with min of amount >= 1', 'event("Purchase", ge(min(amount),1))'],
    ['performed "Purchase" with max of amount < 1', 'event("Purchase", lt(max(amount),1))'],
    ['performed "Login" with last time before 14 days ago', 'event("Login", lt(last,-14day))'],
    ['performed "Purchase" with first time within last 30 days', 'event("Purchase", between(first,-30day,now))'],
    ['(performed "Purchase" where sku = "A1") and status = "Trial"', 'and(event("Purchase", count>=1, where eq(sku,"A1")), eq(status,"Trial"))'],
    ['performed "Page View" where currency is empty', 'event("Page View", count>=1, where !present(currency))'],
  ])("%s", (text, expected) => {
    expect(typed(text)).toBe(expected);
  });
});

describe("each class of error has its exact message and position", () => {
  it.each([
    ['contrct = "Month"', ['1:1 unknown field \'contrct\'; fields that hold text: country, id, status, plan_type, email, … (2 more)']],
    ["lifetime_valu > 3", ["1:1 unknown field 'lifetime_valu'; did you mean \"lifetime_value\"?"]],
    ['status = "Subscribd"', ['1:10 "Subscribd" is not a value of status; did you mean "Subscribed"?']],
    ['status = "subscribed"', ['1:10 "subscribed" is not a value of status; did you mean "Subscribed"?']],
    ['status = "Nope"', ['1:10 "Nope" is not a value of status; allowed: "Subscribed", "Unsubscribed", "Trial", "Inactive"']],
    ['status != "Nope"', ['1:11 "Nope" is not a value of status; allowed: "Subscribed", "Unsubscribed", "Trial", "Inactive"']],
    ['status in ("Trial", "Nope")', ['1:21 "Nope" is not a value of status; allowed: "Subscribed", "Unsubscribed", "Trial", "Inactive"']],
    ["status = Subscribed", ['1:10 put "Subscribed" in quotes: text values are written "like this"']],
    ["status = subscribed", ['1:10 put "Subscribed" in quotes: text values are written "like this"']],
    ["status = Subscribd", ['1:10 Subscribd is not a value of status, and values are written in quotes; did you mean "Subscribed"?']],
    ["status in (Nope)", ['1:12 Nope is not a value of status, and values are written in quotes; allowed: "Subscribed", "Unsubscribed", "Trial", "Inactive"']],
    ['tenure contains "x"', ["1:8 'contains' takes string fields; tenure is a number field, which takes =, !=, <, <=, >, >=, between, not between, in, not in, is empty, is not empty"]],
    ['status > "Trial"', ["1:8 '>' takes number, date and timestamp fields; status is an enum field, which takes =, !=, in, not in, is empty, is not empty"]],
    ['tags = "x"', ["1:6 '=' takes single values; for lists use has, has any, has all or has none; tags is a list field, which takes has, has any, has all, has none, is empty, is not empty"]],
    ['email has "x"', ["1:7 'has' takes list fields; email is a string field, which takes =, !=, in, not in, contains, not contains, starts with, ends with, is empty, is not empty"]],
    ["tenure within last 3 days", ["1:8 'within last' takes date and timestamp fields; tenure is a number field, which takes =, !=, <, <=, >, >=, between, not between, in, not in, is empty, is not empty"]],
    ['is_verified = "maybe"', ['1:15 is_verified is a boolean field, so it cannot be compared with the text "maybe"']],
    ['is_verified = "true"', ['1:15 is_verified is a boolean field, so it cannot be compared with the text "true": write true without quotes']],
    ['tenure = "12"', ['1:10 tenure is a number field, so it cannot be compared with the text "12": write 12 without quotes']],
    ["tenure", ["1:1 tenure is a number field, not a condition: compare it (it takes =, !=, <, <=, >, >=, between, not between, in, not in, is empty, is not empty)"]],
    ["signed_up_at > 2024-02-30", ["1:16 2024-02-30 is not a date on the calendar"]],
    ["signed_up_at > 2024-13-01", ["1:16 2024-13-01 is not a date on the calendar"]],
    ["signed_up_at > 2023-02-29", ["1:16 2023-02-29 is not a date on the calendar"]],
    ["signed_up_at > 2024-01-01T25:00:00Z", ["1:16 invalid timestamp 2024-01-01T25:00:00Z: the time of day must be between 00:00:00 and 23:59:59"]],
    ["signed_up_at > 2024-01-01T10:00:00.1234Z", ["1:16 invalid timestamp 2024-01-01T10:00:00.1234Z: timestamps have millisecond precision: use at most 3 digits after the seconds"]],
    ["tenure in ()", ["1:8 an empty list matches nothing: give at least one value"]],
    ["signed_up_at within last 1.5 days", ["1:26 expected a whole number of units, found 1.5"]],
    ["tenure > 1e999", ["1:10 1e999 is too large for a number"]],
    ["tenure = 9007199254740993", ["1:10 9007199254740993 has more digits than a number holds (about 15 to 17; whole numbers are exact up to 9007199254740991): it is read, and compared, as 9007199254740992"]],
    ["tenure in (1, 99999999999999999999999999)", ["1:15 99999999999999999999999999 has more digits than a number holds (about 15 to 17; whole numbers are exact up to 9007199254740991): it is read, and compared, as 1e+26"]],
    ["tenure > 1e-400", ["1:10 1e-400 is too close to 0 for a number: it is read, and compared, as 0"]],
    ['tenure > 3 and status = Trial and nope', ['1:25 put "Trial" in quotes: text values are written "like this"', "1:35 unknown field 'nope'; fields that hold true or false: is_verified, android"]],
    ['performed "Purchse"', ['1:11 unknown event "Purchse"; did you mean "Purchase"?']],
    ["performed Purchase", ['1:11 put "Purchase" in quotes: text values are written "like this"']],
    ["performed purchase", ['1:11 put "Purchase" in quotes: text values are written "like this"']],
    ["performed Purchse", ['1:11 Purchse is not a known event, and event names are written in quotes; did you mean "Purchase"?']],
    ["performed Signup", ['1:11 Signup is not a known event, and event names are written in quotes; known events: "Purchase", "Refund", "Login", "Page View"']],
    ['performed "Purchase" where amont > 3', ["1:28 unknown property 'amont' of event \"Purchase\"; did you mean \"amount\"?"]],
    ['performed "Purchase" where amount > 5 and status = "Trial"', ["1:43 unknown property 'status' of event \"Purchase\". 'status' is a contact field: a 'where' filter runs to the end of the condition, so put the event condition in parentheses, e.g. (performed \"Purchase\" where …) and status …"]],
    ['performed "Purchase" with sum of currency > 3', ["1:34 'sum of' needs a number property; currency is a string property"]],
    ['performed "Purchase" with sum of amount != 3', ["1:41 sum of amount over no events is empty, so it takes only positive tests (=, <, <=, >, >=, between, before, after, within last); write 'not performed … with …' for the complement"]],
    ['performed "Purchase" where performed "Refund"', ["1:28 an event's 'where' filter tests that event's properties; it cannot hold another event condition"]],
    ['performed "Purchase" at least 2 times exactly 3 times', ["1:39 a condition takes one count or measure; combine two with 'and'"]],
    ['in segment "Nope"', ['1:12 unknown segment "Nope"']],
  ])("%s", (text, expected) => {
    expect(errors(text)).toEqual(expected);
  });

  it("reports every error at once, in source order", () => {
    expect(errors('nope = 1 and status = "x" and tenure contains "y"').map((e) => e.slice(0, 4))).toEqual(["1:1 ", "1:23", "1:38"]);
  });

  it("offers fixes for did-you-mean and quoting", () => {
    const d = analyze("status = subscribed and lifetime_valu > 3", schema).diagnostics;
    expect(d.map((x) => x.fix?.edits.map((e) => `${e.span.start}-${e.span.end}:${e.text}`))).toEqual([
      ["9-19:\"Subscribed\""],
      ["24-37:lifetime_value"],
    ]);
    // A bare word the enum lacks: quoting it would not help, the fix is the closest value.
    const near = analyze("status = Subscribd or status = Nope", schema).diagnostics;
    expect(near.map((x) => x.fix?.edits.map((e) => `${e.span.start}-${e.span.end}:${e.text}`))).toEqual([["9-18:\"Subscribed\""], undefined]);
  });
});

describe("segment files", () => {
  const file = `-- segments over the CRM schema
segment "High value"
  title "High-value customers"
  description "Spent more than 1000"
as lifetime_value > 1000

segment pro_high as plan_type = "Pro" and in segment "High value";
segment lapsed as in segment pro_high and not performed "Login" within last 14 days
`;

  it("checks named segments with titles, descriptions and references", () => {
    const r = analyze(file, schema);
    expect(r.diagnostics).toEqual([]);
    expect(r.segments.map((s) => [s.name, s.title, s.description, s.references])).toEqual([
      ["High value", "High-value customers", "Spent more than 1000", []],
      ["pro_high", null, null, ["High value"]],
      ["lapsed", null, null, ["pro_high"]],
    ]);
    expect(summarize(r.segments[2]!.expr)).toBe('and(segment("pro_high"), not(event("Login", count>=1, window[-14day,now])))');
  });

  it("names the whole cycle", () => {
    const text = 'segment a as in segment b\nsegment b as in segment c\nsegment c as in segment a and is_verified';
    expect(errors(text)).toEqual(['3:25 segments refer to each other in a cycle: "a" → "b" → "c" → "a"']);
  });

  it("suggests the closest segment name", () => {
    expect(errors('segment "High value" as tenure > 1\nsegment b as in segment "High valeu"')).toEqual([
      '2:25 unknown segment "High valeu"; did you mean "High value"?',
    ]);
  });

  it("rejects a duplicate name", () => {
    expect(errors("segment a as tenure > 1\nsegment a as tenure > 2")).toEqual(["2:9 segment \"a\" is already defined at line 1"]);
  });

  it("resolves references through a catalog of other files' segments", () => {
    const other = parse('segment "High value" as lifetime_value > 1000').document.segments;
    const r = check(parse('in segment "High value" and is_verified').document, schema, { catalog: other });
    expect(r.diagnostics).toEqual([]);
    expect(summarize(r.segments[0]!.expr)).toBe('and(segment("High value"), eq(is_verified,true))');
  });

  it("a bare expression is one unnamed segment", () => {
    const r = analyze("tenure > 1 -- a comment", schema);
    expect(r.segments.map((s) => s.name)).toEqual([null]);
  });

  it("without a schema only syntax and segment structure are checked", () => {
    const r = analyze("nope = 1 and in segment x", null);
    expect(r.diagnostics.map((d) => d.message)).toEqual(['unknown segment "x"']);
    expect(r.segments).toEqual([]);
  });
});

describe("numbers past a double's precision (inexact-number)", () => {
  const inexact = (text: string) => analyze(text, schema).diagnostics.filter((d) => d.code === "inexact-number");

  it("no warning for any number written as the shortest numeral of its double (0.1 included)", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(inexact(`tenure = ${String(x === 0 ? 0 : x)}`)).toEqual([]);
      }),
    );
  });

  it("a whole number no double holds is warned about, and the fix writes the number it is read as, which checks clean", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 2n ** 53n + 1n, max: 2n ** 70n }), (n) => {
        fc.pre(BigInt(Number(n)) !== n);
        const text = `tenure = ${n}`;
        const [w] = inexact(text);
        expect(w?.severity).toBe("warning");
        const fixed = `${text.slice(0, w!.fix!.edits[0]!.span.start)}${w!.fix!.edits[0]!.text}${text.slice(w!.fix!.edits[0]!.span.end)}`;
        expect(inexact(fixed)).toEqual([]);
        expect(Number(fixed.slice("tenure = ".length))).toBe(Number(n));
      }),
    );
  });
});
