/**
 * Completion on long text (issue 10, case 9): the grammar walk sees a short vector standing for the text
 * before the cursor (src/service/assist-input.ts), which must lead to exactly the places the whole text
 * leads to, and must stay short however long the text is.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/parser/index.js";
import { parser } from "../../src/parser/parser.js";
import { assistInputs, assistPaths, MAX_ASSIST_TOKENS, type AssistPath } from "../../src/service/assist-input.js";
import { LanguageService } from "../../src/service/index.js";
import { exprArb, richSchema, segmentFileText } from "../helpers/generators.js";
import { schema } from "./helpers.js";

/** What completion reads from a path (src/service/completion.ts): the next token and the rules around it. */
function reading(p: AssistPath): string {
  const stack = p.ruleStack;
  const inner = stack.slice(0, -1);
  const event = inner.lastIndexOf("eventCondition");
  const filter = event >= 0 && inner.indexOf("expression", event) > event;
  const has = (r: string) => (stack.includes(r) ? r[0] : "-");
  return `${p.nextTokenType.name} ${stack.at(-2) ?? ""}>${stack.at(-1) ?? ""} ${has("predicate")}${has("eventClause")}${has("measureClause")} ${filter ? "filter" : ""}`;
}

const readings = (paths: readonly AssistPath[]) => [...new Set(paths.map(reading))].sort();

/** Generated segment files and bare conditions, with nested groups, events and `where` filters. */
const textArb = fc
  .record({
    expr: exprArb(richSchema, "2024-06-15T12:00:00Z", { depth: 3 }),
    asFile: fc.boolean(),
    cut: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ expr, asFile, cut }) => {
    const text = asFile ? segmentFileText(expr) : expr;
    const tokens = parse(text).tokens;
    const end = tokens[Math.round(tokens.length * cut) - 1];
    return end ? text.slice(0, end.endOffset! + 1) : "";
  });

/** Conditions nested through groups, `not` and `where` filters in every order, cut at a random token. */
const nestedArb = fc
  .record({
    text: fc.letrec<{ cond: string }>((tie) => ({
      cond: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.constantFrom("amount > 1", 'status = "Pro"', "is_vip", 'in segment "A"', 'tags has any ("a", "b")', "tenure between 1 and 2", "x in (1, 2)"),
        fc.tuple(tie("cond"), fc.constantFrom(" and ", " or "), tie("cond")).map(([a, op, b]) => a + op + b),
        tie("cond").map((c) => `(${c})`),
        tie("cond").map((c) => `not ${c}`),
        fc.tuple(fc.constantFrom("", " at least 2 times", " within last 3 days", " with sum of amount > 3"), tie("cond"))
          .map(([clause, c]) => `performed "E"${clause} where ${c}`),
      ),
    })).cond,
    declaration: fc.boolean(),
    cut: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ text, declaration, cut }) => {
    const full = declaration ? `segment "A" as x;\nsegment "B" as ${text}` : text;
    const tokens = parse(full).tokens;
    const end = tokens[Math.round(tokens.length * cut) - 1];
    return end ? full.slice(0, end.endOffset! + 1) : "";
  });

describe("completion's grammar walk on a short stand-in for the text before the cursor", () => {
  it("finds exactly the next tokens, in the same rules, as the walk over the whole text", () => {
    fc.assert(
      fc.property(fc.oneof(textArb, nestedArb), (text) => {
        const preceding = parse(text).tokens;
        const whole = parser.computeContentAssist("document", preceding);
        fc.pre(whole.length > 0); // text before the cursor that parses (the rest goes through restarts)
        expect(readings(assistPaths(preceding))).toEqual(readings(whole));
      }),
      { numRuns: 600, seed: 1010 },
    );
  });

  it("hands the grammar a bounded number of tokens whatever comes before the cursor", () => {
    const cases = [
      "churn" + ' and performed "Purchase" where amount > 1'.repeat(2000) + " and lifetime_value ",
      "(".repeat(3000) + "churn and ",
      'segment "A" as ' + 'status = "Subscribed" or '.repeat(5000),
      "plan_type in (" + '"Pro", '.repeat(12000),
      "not ".repeat(5000),
      "performed \"Purchase\" where " + "(a = 1 and (b = 2 or c = 3)) and ".repeat(2000),
    ];
    for (const text of cases) {
      const tokens = parse(text).tokens;
      const total = assistInputs(tokens).reduce((n, input) => n + input.tokens.length, 0);
      // The context (at most a declaration, a filter and a group) plus at most MAX_ASSIST_TOKENS per input.
      expect(total, text.slice(0, 40)).toBeLessThanOrEqual(13 * (MAX_ASSIST_TOKENS + 7));
    }
  });
});

describe("completion and hover at the end of long documents (issue 10, case 9)", () => {
  const service = (text: string) => {
    const s = new LanguageService({ project: () => ({ key: "p", schema }) });
    s.setDocument("file:///big.segql", text);
    return s;
  };
  const labels = (s: LanguageService, offset: number) => s.complete("file:///big.segql", offset).items.map((i) => i.label);

  it("proposes the operators of a number property after 2,000 nested `where` filters (84 KB)", () => {
    const text = "churn" + ' and performed "Purchase" where amount > 1'.repeat(2000);
    expect(text.length).toBe(84_005);
    const s = service(text);
    // After `amount `: the operators of a number property of "Purchase".
    const items = s.complete("file:///big.segql", text.length - "> 1".length).items;
    expect(items.map((i) => i.label)).toEqual(["=", "!=", "<", "<=", ">", ">=", "in", "not in", "between", "not between", "is empty", "is not empty"]);
    expect(items[0]!.detail).toBe("amount: number");
    // After `where `: the properties of the event.
    const at = text.length - "amount > 1".length;
    expect(labels(s, at)).toContain("amount");
    expect(labels(s, at)).not.toContain("lifetime_value");
  });

  // 1 MB is the largest text segql accepts (1,000,000 bytes): these are just below it.
  it("proposes completions (and hovers) in a 1 MB condition and in a 1 MB segment file", () => {
    const flat = 'status = "Subscribed" and '.repeat(38_400) + "lifetime_value ";
    expect(flat.length).toBeGreaterThan(995_000);
    expect(flat.length).toBeLessThanOrEqual(1_000_000);
    const s = service(flat);
    expect(labels(s, flat.length)).toContain(">=");
    expect(labels(s, flat.length - "lifetime_value ".length)).toContain("lifetime_value");
    // Hover at the end of the same text: the field's schema entry.
    const hover = s.hover("file:///big.segql", flat.length - "value ".length);
    expect(hover?.markdown).toMatch(/^\*\*lifetime_value\*\*: number field/);
    expect(hover?.from).toBe(flat.length - "lifetime_value ".length);

    let decls = "";
    for (let i = 0; decls.length < 995_000; i++) decls += `segment "S${i}" as status = "Subscribed" and lifetime_value > ${i}\n`;
    const f = service(decls + 'segment "Last" as plan_type = ');
    expect(labels(f, decls.length + 'segment "Last" as plan_type = '.length)).toEqual(['"Free"', '"Pro"', '"Enterprise"']);
  });
});
