import { describe, expect, it, vi } from "vitest";
import { parser } from "../../src/parser/parser.js";
import { parseSchema } from "../../src/schema/schema.js";
import { complete, completeItems, completeKinds, cursor, serviceWith, URI } from "./helpers.js";

const FIELDS = "id status plan_type lifetime_value tenure email country is_verified signed_up_at birthday tags custom.plan_type `Plan Type` count android";
const STATUS_VALUES = '"Subscribed" "Unsubscribed" "Trial" "Inactive"';
const START_KEYWORDS = "not in segment performed";

describe("completion at the start of a rule offers fields and the keywords that can start a condition", () => {
  it.each([
    ["|", `${FIELDS} segment ${START_KEYWORDS}`],
    ["  |  ", `${FIELDS} segment ${START_KEYWORDS}`],
    ['status = "Trial" and |', `${FIELDS} ${START_KEYWORDS}`],
    ['status = "Trial" or |', `${FIELDS} ${START_KEYWORDS}`],
    ["not |", `${FIELDS} ${START_KEYWORDS}`],
    ["(|", `${FIELDS} ${START_KEYWORDS}`],
    ['(status = "Trial" or |)', `${FIELDS} ${START_KEYWORDS}`],
    ['segment "A" as |', `${FIELDS} ${START_KEYWORDS}`],
    ['segment "A" as tenure > 3 and |\nsegment "B" as email is empty', `${FIELDS} ${START_KEYWORDS}`],
  ])("%j → fields and keywords", (marked, expected) => {
    expect(complete(marked)).toBe(expected);
  });

  it("filters by the typed prefix, case-insensitively, and replaces the partial word", () => {
    expect(complete("sta|")).toBe("status");
    expect(complete("STA|")).toBe("status");
    expect(complete("(status = \"Trial\" or pla|")).toBe("plan_type `Plan Type`");
    expect(complete("c|")).toBe("country custom.plan_type count");
    expect(complete("per|")).toBe("performed");
    expect(complete("no|")).toBe("not");
    expect(complete("zz|")).toBe("");
    const { text, offset } = cursor("tenure > 3 and sta| ");
    const r = serviceWith({ [URI]: text }).complete(URI, offset);
    expect(text.slice(r.from, r.to)).toBe("sta");
  });

  it("completes a word in the middle of the text, not only at the end, and replaces the whole word", () => {
    const { text, offset } = cursor("tenure > 3 and sta|tus = 1");
    const r = serviceWith({ [URI]: text }).complete(URI, offset);
    expect(text.slice(r.from, r.to)).toBe("status");
    expect(r.items.map((i) => i.label)).toEqual(["status"]);
    expect(complete("in s|egment")).toBe("segment");
    expect(complete('stat| = "Trial" and tenure > 3')).toBe("status");
    expect(complete('status = "Trial" and ten| > 3 or email is empty')).toBe("tenure");
  });

  it("items carry kind, type and documentation (description, values, column)", () => {
    const status = completeItems("st|").find((i) => i.label === "status")!;
    expect(status.kind).toBe("field");
    expect(status.detail).toBe("enum");
    expect(status.documentation).toContain("Email subscription status.");
    expect(status.documentation).toContain('`"Trial"`');
    expect(status.documentation).toContain("Column: `status`");
    const plan = completeItems("plan|").find((i) => i.label === "plan_type")!;
    expect(plan.documentation).toContain("Column: `plan`");
  });

  it("a field whose name is not an identifier is inserted in backticks", () => {
    expect(completeItems("Pl|").map((i) => i.label)).toEqual(["plan_type", "`Plan Type`"]);
  });

  it("without a schema there are no fields, only keywords", () => {
    expect(complete("|", { schema: null })).toBe(`segment ${START_KEYWORDS}`);
  });
});

describe("after a field, only the operators its type takes", () => {
  it.each([
    ["status |", "= != in not in is empty is not empty"],
    ["email |", "= != in not in contains not contains starts with not starts with ends with not ends with is empty is not empty"],
    ["lifetime_value |", "= != < <= > >= in not in between not between is empty is not empty"],
    ["signed_up_at |", "= != < <= > >= between not between before after not before not after within last not within last within next not within next is empty is not empty"],
    ["birthday |", "= != < <= > >= between not between before after not before not after within last not within last within next not within next is empty is not empty"],
    ["tags |", "has has any has all has none is empty is not empty"],
    ["is_verified |", "= != is empty is not empty and or"],
    ["count |", "= != < <= > >= in not in between not between is empty is not empty"],
    ["`Plan Type` |", "= != in not in contains not contains starts with not starts with ends with not ends with is empty is not empty"],
    ['status = "Trial" and tenure |', "= != < <= > >= in not in between not between is empty is not empty"],
    // In a declaration, a field that is not boolean is no whole condition: the next `segment` cannot follow.
    ['segment "A" as status |', "= != in not in is empty is not empty"],
    ['segment "A" as is_verified |', "= != is empty is not empty and or segment"],
  ])("%j → %s", (marked, expected) => {
    expect(complete(marked)).toBe(expected);
  });

  it.each([
    ["email st|", "starts with"],
    ["email starts |", "starts with"],
    ["email starts w|", "starts with"],
    ["email not |", "not in not contains not starts with not ends with"],
    ["email not s|", "not starts with"],
    ["status is |", `is empty is not empty is not is equal to is not equal to ${STATUS_VALUES}`],
    ["lifetime_value is |", "is empty is not empty is not is equal to is not equal to is greater than is less than is at least is at most"],
    ["lifetime_value is at |", "is at least is at most"],
    ["lifetime_value is g|", "is greater than"],
    ["tags has |", "has any has all has none"],
    ["signed_up_at within |", "within last within next"],
    ["signed_up_at not w|", "not within last not within next"],
    ["status i|", "in is empty is not empty"],
  ])("the rest of a half-typed operator: %j → %s", (marked, expected) => {
    expect(complete(marked)).toBe(expected);
  });

  it("an operator item inserts only the words not yet typed, with a snippet for lists, ranges and durations", () => {
    const rest = completeItems("email starts |").find((i) => i.label === "starts with")!;
    expect(rest.insertText).toBe("with ");
    expect(rest.kind).toBe("operator");
    expect(rest.documentation).toContain("Ignores ASCII case");
    const notIn = completeItems("status |").find((i) => i.label === "not in")!;
    expect(notIn.insertText).toBe("not in (");
    expect(notIn.snippet).toBe("not in ($1)");
    const within = completeItems("birthday |").find((i) => i.label === "within last")!;
    expect(within.snippet).toMatch(/^within last \$\{1:30\} \$\{2\|days,/);
    const empty = completeItems("status |").find((i) => i.label === "is empty")!;
    expect(empty.insertText).toBe("is empty");
    expect(empty.documentation).toContain("missing, null");
  });

  it("an unknown field (or no schema) gets every operator, so typing is never blocked", () => {
    expect(complete("nosuchfield |").split(" ").length).toBeGreaterThan(20);
    expect(complete("status |", { schema: null })).toContain("contains");
  });

  it("a non-boolean field is not followed by and/or; a boolean one is", () => {
    expect(complete("tenure |")).not.toContain("and");
    expect(completeKinds("android |")).toContain("keyword:and");
  });
});

describe("values", () => {
  it.each([
    ["status = |", STATUS_VALUES],
    ["status != |", STATUS_VALUES],
    ["status is not |", `is not empty is not equal to ${STATUS_VALUES}`],
    ["status = \"T|", '"Trial"'],
    ["status = \"t|", '"Trial"'],
    ["status = 'Un|", '"Unsubscribed"'],
    ["status = \"T|rial\"", '"Trial"'],
    ["status in (|", STATUS_VALUES],
    ['status in ("Trial", |', '"Subscribed" "Unsubscribed" "Inactive"'],
    ['status not in ("Trial", "Inactive", |)', '"Subscribed" "Unsubscribed"'],
    ['plan_type = "|', '"Free" "Pro" "Enterprise"'],
    ["is_verified = |", "true false"],
    ["birthday > |", "today now in … days"],
    ["signed_up_at before |", "today now in … days"],
    ["lifetime_value between 1 and |", ""],
    ["lifetime_value > |", ""],
    ["email = |", ""],
  ])("%j → %s", (marked, expected) => {
    expect(complete(marked)).toBe(expected);
  });

  it("a value inside a string replaces the whole string token", () => {
    const { text, offset } = cursor('status = "Tr|ial" and tenure > 1');
    const r = serviceWith({ [URI]: text }).complete(URI, offset);
    expect(text.slice(r.from, r.to)).toBe('"Trial"');
    expect(r.items.map((i) => i.label)).toEqual(['"Trial"']);
  });

  it("units after `within last 30` and after a number where a time is expected", () => {
    expect(complete("signed_up_at within last 30 |")).toBe("minutes hours days weeks months years");
    expect(complete("signed_up_at within last 1 |")).toBe("minute hour day week month year");
    expect(complete("signed_up_at within last 30 d|")).toBe("days");
    expect(complete("birthday > 30 |")).toBe("minutes hours days weeks months years and or");
    expect(complete("tenure > 30 |")).toBe("and or");
    expect(complete("birthday > 30 days |")).toBe("ago from now");
  });

  it("nothing inside a number or right after a value until a space is typed", () => {
    expect(complete("signed_up_at within last 30|")).toBe("");
    expect(complete('status = "Trial"|')).toBe("");
  });
});

describe("events", () => {
  it.each([
    ["performed |", '"Purchase" "Refund" "Login" "Page View"'],
    ['performed "P|', '"Purchase" "Page View"'],
    ["not performed |", '"Purchase" "Refund" "Login" "Page View"'],
    ['performed "Purchase" |', "at least at most exactly within last between with sum of with average of with min of with max of with first time with last time where and or"],
    ['performed "Purchase" at |', "least most"],
    ['performed "Purchase" at least 3 |', "times"],
    ['performed "Purchase" exactly 2 times |', "within last between where and or"],
    ['performed "Purchase" within last 2 days |', "at least at most exactly with sum of with average of with min of with max of with first time with last time where and or"],
    ['performed "Purchase" with |', "sum of average of min of max of first time last time"],
    ['performed "Purchase" with sum |', "of"],
    ['performed "Purchase" where |', "amount currency sku not"],
    ['performed "Purchase" where am|', "amount"],
    ['performed "Purchase" where amount > 5 and |', "amount currency sku not"],
    ['performed "Purchase" where (currency = "EUR" or |', "amount currency sku not"],
    ['performed "Purchase" with sum of |', "amount"],
    ['performed "Purchase" with average of amount |', "= < <= > >= in between"],
    ['performed "Purchase" with first time |', "= < <= > >= between before after within last"],
    ['performed "Purchase" where currency |', "= != in not in contains not contains starts with not starts with ends with not ends with is empty is not empty"],
    ['performed "Purchase" within last 7 |', "minutes hours days weeks months years"],
    ['performed "Purchase" between |', "today now"],
    ['(performed "Purchase" where amount > 5) and |', `${FIELDS} ${START_KEYWORDS}`],
  ])("%j → %s", (marked, expected) => {
    expect(complete(marked)).toBe(expected);
  });

  it("property items say which event they belong to", () => {
    const amount = completeItems('performed "Purchase" where |').find((i) => i.label === "amount")!;
    expect(amount.kind).toBe("property");
    expect(amount.detail).toBe('number property of "Purchase"');
  });

  it("event name items list the event's properties", () => {
    const purchase = completeItems("performed |")[0]!;
    expect(purchase.kind).toBe("event");
    expect(purchase.documentation).toContain("`amount` (number)");
  });
});

describe("segments and declarations", () => {
  const file = 'segment "Paying" title "Paying customers" as plan_type in ("Pro")\nsegment "Active" as tenure > 3\n';

  it("segment names after `in segment`, from this file and the project's other files, not the one being written", () => {
    const others = { "file:///work/lib.segql": 'segment "Lib one" description "From the library" as email is empty' };
    const marked = `${file}segment "Mine" as in segment |`;
    expect(complete(marked, { others })).toBe('"Paying" "Active" "Lib one"');
    const lib = completeItems(marked, { others }).find((i) => i.label === '"Lib one"')!;
    expect(lib.kind).toBe("segment");
    expect(lib.documentation).toContain("From the library");
    expect(lib.documentation).toContain("lib.segql");
    expect(completeItems(marked, { others })[0]!.detail).toBe("Paying customers");
    expect(complete(`${file}segment "Mine" as not in segment "A|`)).toBe('"Active"');
  });

  it("`in` at the start of a condition completes to `in segment`", () => {
    expect(complete("in |")).toBe("segment");
    expect(complete("tenure > 3 and in se|")).toBe("segment");
  });

  it("keywords of a declaration where they fit", () => {
    expect(complete('segment "A" |')).toBe("title description as");
    expect(complete('segment "A" title "t" |')).toBe("description as");
    expect(complete('segment "A" as tenure > 3\n|')).toBe("and or segment");
    expect(complete("seg|")).toBe("segment");
  });

  it("after the keyword `segment` comes the segment's name: no operators, as if `segment` were a field", () => {
    expect(complete("segment |")).toBe("");
    expect(complete('segment "A" as tenure > 3\nsegment |')).toBe("");
    expect(complete("segment |", { schema: null })).toBe("");
    // A schema may have a field called `segment`: then a condition on it is meant.
    const withSegmentField = parseSchema(JSON.stringify({ table: "c", key: "id", fields: { id: { type: "string" }, segment: { type: "enum", values: ["a"] } } }));
    expect(complete("segment |", { schema: withSegmentField })).toContain("!=");
  });

  it("at the start of a line that begins the next declaration, the previous declaration's context applies", () => {
    expect(complete('segment "A" as tenure > 3 and\n|segment "B" as email is empty')).toBe(`${FIELDS} ${START_KEYWORDS}`);
  });
});

describe("robustness", () => {
  it("recovers after a syntax error earlier in the declaration", () => {
    expect(complete("status = = 1 and |")).toBe(`${FIELDS} ${START_KEYWORDS}`);
    expect(complete('tenure >> 3 or status = |')).toBe(STATUS_VALUES);
    expect(complete('segment "A" as tenure > and performed "Purchase" where |')).toBe("amount currency sku not");
  });

  it("nothing in a comment", () => {
    expect(complete("-- status |")).toBe("");
    expect(complete("tenure > 3 -- st|\nand email is empty")).toBe("");
  });

  it("every offset of a realistic file completes without throwing", () => {
    const text = [
      "-- Customers worth a call",
      'segment "High value" title "High value" description "Spends a lot" as',
      '  (status = "Subscribed" or plan_type in ("Pro", "Enterprise"))',
      "  and lifetime_value > 1000",
      '  and (performed "Purchase" at least 3 times within last 30 days where amount > 50 and currency = "EUR")',
      'segment "Lapsed" as in segment "High value" and not performed "Login" within last 90 days;',
      "segment `odd name` as `Plan Type` starts with 'x' and tags has any (\"a\", \"b\") and birthday before 2020-01-01",
      "segment \"Broken\" as status = and ( email contains",
    ].join("\n");
    const svc = serviceWith({ [URI]: text });
    for (let offset = 0; offset <= text.length; offset++) {
      const r = svc.complete(URI, offset);
      expect(r.from).toBeLessThanOrEqual(offset);
      expect(r.to).toBeGreaterThanOrEqual(offset);
      for (const item of r.items) expect(item.label.length).toBeGreaterThan(0);
    }
    expect(svc.complete(URI, -1).items).toEqual([]);
    expect(svc.complete(URI, text.length + 5).items).toEqual([]);
    expect(svc.complete("file:///unknown.segql", 0).items).toEqual([]);
  });

  it("items are in a stable order with increasing sortText", () => {
    const items = completeItems("|");
    const sorted = [...items].sort((a, b) => a.sortText.localeCompare(b.sortText));
    expect(sorted).toEqual(items);
  });
});

describe("long conditions", () => {
  it("completes in a 2,000-rule bare condition as in a short one, looking only at the last rule", () => {
    const long = Array.from({ length: 2000 }, (_, i) => `tenure > ${i}`).join(" and\n");
    for (const tail of ["and |", "and status = |", "or (email is empty or |", "and lifetime_value between 1 and |", "and performed \"Purchase\" where |"]) {
      expect(complete(`${long} ${tail}`), tail).toBe(complete(`tenure > 1 ${tail}`));
    }
    // Content assist is given the tail of the condition, not its 8,000 tokens.
    const spy = vi.spyOn(parser, "computeContentAssist");
    try {
      complete(`${long} and status = |`);
      expect(Math.max(...spy.mock.calls.map((c) => c[1].length))).toBeLessThan(10);
    } finally {
      spy.mockRestore();
    }
  });

  it("inside an event filter that started long ago, properties are still proposed", () => {
    const long = Array.from({ length: 400 }, (_, i) => `amount > ${i}`).join(" and ");
    expect(complete(`performed "Purchase" where ${long} and |`)).toBe("amount currency sku not");
  });
});
