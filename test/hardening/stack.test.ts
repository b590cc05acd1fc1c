/**
 * No stage recurses deeper than the limits allow, with a wide margin: each input at the limits
 * (at-the-limits.ts) goes through parse, check, format, both predicate back ends and SQL for every dialect
 * in a child process whose stack is 400 KB, 40% of Node's default 984 KB (at the limits the parser, the
 * deepest stage, needs ~300 KB). One level more is refused before any stage recurses (in-process below).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze, LIMITS, parse, parseSchema } from "../../src/index.js";
import { alternating, CASES } from "./at-the-limits.js";
import { readFileSync } from "node:fs";

const SMALL_STACK_KB = 400;
const script = join(import.meta.dirname, "at-the-limits.ts");
const schema = parseSchema(readFileSync(new URL("../fixtures/crm-schema.json", import.meta.url), "utf8"));

/** Every case in one child process (starting one costs seconds); its summaries by case name. */
let results: Map<string, Record<string, unknown>> | undefined;

function runSmallStack(name: string): Record<string, unknown> {
  if (!results) {
    const r = spawnSync(process.execPath, [`--stack-size=${SMALL_STACK_KB}`, "--import", "tsx", script, ...Object.keys(CASES)], {
      encoding: "utf8",
      timeout: 120_000,
    });
    results = new Map();
    for (const line of r.stdout.split("\n")) {
      if (!line.startsWith("{")) continue;
      const summary = JSON.parse(line) as Record<string, unknown>;
      results.set(summary["case"] as string, summary);
    }
    // A stack overflow that escaped would end the process early, without the later summaries.
    expect([...results.keys()], `stderr: ${r.stderr.slice(0, 2000)}`).toEqual(Object.keys(CASES));
  }
  return results.get(name)!;
}

const everyDialect = { duckdb: true, postgres: true, sqlite: true, mysql: true, bigquery: true, snowflake: true };

describe(`inputs at the limits, every stage, on a ${SMALL_STACK_KB} KB stack`, () => {
  it(`${LIMITS.nesting} levels of parentheses (and/or alternating) go through every stage`, () => {
    expect(runSmallStack("parentheses")).toEqual({
      case: "parentheses", parseErrors: [], checkErrors: [], formatRoundTrip: true,
      predicate: { codegen: true, closure: true }, sql: everyDialect,
    });
  });

  it(`${LIMITS.nesting} nots go through every stage`, () => {
    expect(runSmallStack("nots")).toEqual({
      case: "nots", parseErrors: [], checkErrors: [], formatRoundTrip: true,
      predicate: { codegen: LIMITS.nesting % 2 === 0, closure: LIMITS.nesting % 2 === 0 }, sql: everyDialect,
    });
  });

  it(`${LIMITS.nesting} unclosed parentheses: error recovery gives a positioned error`, () => {
    const r = runSmallStack("unclosed");
    expect(r["thrown"]).toBeUndefined();
    const end = CASES["unclosed"]!().length + 1;
    expect(r["parseErrors"]).toEqual([`1:${end} expected-condition`]);
  });

  it(`${LIMITS.nesting} nested 'where' filters parse, and the checker refuses the nested event`, () => {
    expect(runSmallStack("wheres")).toEqual({ case: "wheres", parseErrors: [], checkErrors: ["1:28 nested-event"], formatRoundTrip: true });
  });

  it("70,000 operands flattened into one 'or' parse and format without spreading them as arguments", () => {
    expect(runSmallStack("wide")).toEqual({ case: "wide", parseErrors: [], operands: 70_001, formatRoundTrip: true });
  });

  it(`a chain of ${LIMITS.referenceDepth} references nesting ${LIMITS.nesting} levels in all goes through every stage`, () => {
    expect(runSmallStack("references")).toEqual({
      case: "references", parseErrors: [], checkErrors: [], formatRoundTrip: true,
      // Each segment negates the next one; the last holds for the contact.
      predicate: { codegen: LIMITS.referenceDepth % 2 === 0, closure: LIMITS.referenceDepth % 2 === 0 }, sql: everyDialect,
    });
  });
});

describe("one level past the limits is refused before any stage recurses", () => {
  const codes = (text: string) => analyze(text, schema).diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}`);

  it("one more parenthesis, not or where: too-deep at the token that opens the level", () => {
    const parens = alternating(LIMITS.nesting + 1, "is_verified");
    const at = parens.split("(", LIMITS.nesting + 1).join("(").length + 1; // the (nesting+1)-th '('
    expect(codes(parens)).toEqual([`1:${at} too-deep`]);
    expect(codes(`${"not ".repeat(LIMITS.nesting + 1)}is_verified`)).toEqual([`1:${LIMITS.nesting * 4 + 1} too-deep`]);
    expect(parse(`${'performed "Purchase" where '.repeat(LIMITS.nesting + 1)}amount > 1`).diagnostics.map((d) => d.code)).toEqual(["too-deep"]);
  });

  it("one more level through a reference: too-deep at the reference", () => {
    const text = CASES["references"]!().replace('segment "S0" as ', 'segment "S0" as not ');
    // At the name of the segment referred to: `segment "S0" as not not in segment "S1"`.
    expect(codes(text)).toEqual([`1:${text.indexOf('"S1"') + 1} too-deep`]);
  });
});
