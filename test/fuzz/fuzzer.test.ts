/**
 * The fuzzer's own parts: inputs are reproducible and reach what each category promises, the shrinker finds
 * minimal inputs, reproducers print as expressions that give the text back, the round-trip comparison sees
 * differences other than spans, the runner survives a worker that hangs, runs out of memory or crashes
 * (with a stand-in worker, test/fuzz/misbehaving-worker.ts, that does so on purpose) and gives workers the
 * main thread's stack, and `--execute` reports SQL that selects other contacts than the predicate.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { CATEGORIES, categoryOf, generateInput } from "../../fuzz/generate/index.js";
import { splitTokens } from "../../fuzz/generate/vocabulary.js";
import { parseOptions, UsageError } from "../../fuzz/options.js";
import { firstDifference, normaliseMessage } from "../../fuzz/pipeline.js";
import { textExpression } from "../../fuzz/report.js";
import { runFuzz } from "../../fuzz/run.js";
import { WorkerPool } from "../../fuzz/runner.js";
import { shrink } from "../../fuzz/shrink.js";
import { check } from "../../src/checker/index.js";
import { MAX_NESTING, parse } from "../../src/parser/index.js";
import { parseSchema } from "../../src/schema/schema.js";
import { executeSegments, openEngines } from "../../fuzz/execute.js";
import { RICH_SCHEMA_JSON, richSchema } from "../helpers/generators.js";
import { recursionDepth } from "./recursion-depth.js";

/** Reads back what `textExpression` prints: JSON strings, optionally `.repeat(n)`, joined by ` + `. */
function evaluateExpression(expr: string): string {
  let out = "";
  const part = /("(?:[^"\\]|\\.)*")(?:\.repeat\((\d+)\))?(?: \+ |$)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = part.exec(expr)) !== null && m[0] !== "") {
    out += (JSON.parse(m[1]!) as string).repeat(m[2] ? Number(m[2]) : 1);
    end = part.lastIndex;
  }
  expect(end, `unparsed rest: ${expr.slice(end)}`).toBe(expr.length);
  return out;
}

describe("generation", () => {
  it("gives the same input for the same seed and index, in any order", () => {
    for (const category of CATEGORIES) {
      const forward = [0, 1, 2, 3].map((i) => generateInput(42, i, category).text);
      const backward = [3, 2, 1, 0].map((i) => generateInput(42, i, category).text).reverse();
      expect(backward).toEqual(forward);
      expect(new Set(forward).size).toBeGreaterThan(1);
    }
  });

  it("cycles through the categories unless one is asked for", () => {
    expect(CATEGORIES.map((_, i) => categoryOf(i, null))).toEqual([...CATEGORIES]);
    expect(categoryOf(7, "deep")).toBe("deep");
  });

  it("grammar inputs are mostly valid text", () => {
    const texts = Array.from({ length: 120 }, (_, i) => generateInput(7, i, "grammar"));
    const clean = texts.filter((t) => !t.label.startsWith("near-valid") && parse(t.text).diagnostics.length === 0);
    const full = texts.filter((t) => !t.label.startsWith("near-valid"));
    expect(clean.length).toBeGreaterThanOrEqual(full.length * 0.9);
    expect(full.length).toBeGreaterThan(50);
  });

  it("deep inputs reach past the nesting limit and huge inputs past 100,000 characters", () => {
    const deep = Array.from({ length: 150 }, (_, i) => generateInput(3, i, "deep").text);
    expect(deep.some((t) => t.startsWith("(".repeat(MAX_NESTING + 1)))).toBe(true);
    const huge = Array.from({ length: 400 }, (_, i) => generateInput(3, i, "huge").text.length);
    expect(Math.max(...huge)).toBeGreaterThan(100_000);
  });

  it("bytes inputs hold the Unicode that breaks text handling", () => {
    const all = Array.from({ length: 300 }, (_, i) => generateInput(5, i, "bytes").text).join("");
    for (const ch of ["\u0000", "\ufeff", "\u202e", "\u0301"]) expect(all).toContain(ch);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(all)).toBe(true);
  });

  it("the tokenizer of mutations gives the text back", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 80 }), (s) => splitTokens(s).join("") === s));
  });
});

describe("shrinking", () => {
  const deadline = () => Date.now() + 10_000;

  it("finds a minimal text that still fails", async () => {
    const oracle = async (t: string) => t.includes("b") && t.includes("e");
    const r = await shrink("status = \"abcdef\" and x in (1, 2)\nor y", oracle, { maxTests: 10_000, deadline: deadline() });
    expect(r.text).toBe("be");
    expect(r.complete).toBe(true);
  });

  it("keeps the spaces a readable reproducer needs when the failure allows", async () => {
    const oracle = async (t: string) => /performed\s*"P"\s*within/.test(t);
    const r = await shrink('status = 1 and performed "P" within last 3 days', oracle, { maxTests: 10_000, deadline: deadline() });
    expect(r.text).toBe('performed "P" within');
  });

  it("stops at its test limit and says so", async () => {
    let calls = 0;
    const oracle = async (t: string) => {
      calls++;
      return t.length > 3;
    };
    const r = await shrink("x".repeat(1000), oracle, { maxTests: 5, deadline: deadline() });
    expect(calls).toBeLessThanOrEqual(5);
    expect(r.complete).toBe(false);
    expect(r.text.length).toBeLessThan(1000);
  });
});

describe("reports", () => {
  it("prints a reproducer as an expression that gives the text back", () => {
    const piece = fc.oneof(fc.string({ unit: "binary", maxLength: 30 }), fc.tuple(fc.string({ unit: "binary", minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 60 })).map(([u, n]) => u.repeat(n)));
    fc.assert(fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
      const text = pieces.join("");
      expect(evaluateExpression(textExpression(text))).toBe(text);
    }));
  });

  it("folds long repetitions", () => {
    const text = `${"(".repeat(150)}churn`;
    expect(textExpression(text)).toBe('"(".repeat(150) + "churn"');
  });

  it("masks numbers and quoted parts in signatures", () => {
    expect(normaliseMessage(`the name "abc" is 12.5 long`)).toBe(normaliseMessage(`the name "x" is 7 long`));
  });

  it("the round-trip comparison ignores spans and needless backticks, nothing else", () => {
    const rule = (name: string, quoted: boolean, at: number) => ({ kind: "rule", field: { name, quoted, span: { start: at } }, span: { start: at } });
    expect(firstDifference(rule("x", true, 0), rule("x", true, 5), "")).toBeNull();
    expect(firstDifference(rule("x", true, 0), rule("x", false, 0), "")).toBeNull();
    expect(firstDifference(rule("Plan Type", true, 0), rule("Plan Type", false, 0), "")).toMatchObject({ path: "field.quoted", a: "true", b: "false" });
    expect(firstDifference(rule("and", true, 0), rule("and", false, 0), "")).toMatchObject({ path: "field.quoted" });
    // A bare word's `quoted` (a value, with a kind) always counts.
    const word = (quoted: boolean) => ({ kind: "bareword", text: "x", quoted });
    expect(firstDifference(word(true), word(false), "")).toMatchObject({ path: "quoted" });
    expect(firstDifference([Number.NaN], [Number.NaN], "")).toBeNull();
  });
});

describe("the command line", () => {
  const log = () => {};

  it("refuses what it cannot run, with a reason", () => {
    expect(() => parseOptions(["--category", "nope"], log)).toThrow(/unknown category 'nope'/);
    expect(() => parseOptions(["--inputs", "-3"], log)).toThrow(UsageError);
    expect(() => parseOptions(["--frobnicate", "1"], log)).toThrow(/unknown option --frobnicate/);
    expect(() => parseOptions(["--seed"], log)).toThrow(/--seed needs a value/);
    expect(() => parseOptions(["--execute", "sqlite,oracle"], log)).toThrow(/unknown engine 'oracle'/);
    expect(() => parseOptions(["--check", "x", "--schema", "nope"], log)).toThrow(/unknown schema 'nope'/);
  });

  it("reads a run", () => {
    const o = parseOptions(["--inputs", "5", "--seed=9", "--category", "soup", "--workers", "2", "--no-shrink"], log);
    expect(o).toMatchObject({ inputs: 5, seed: 9, category: "soup", workers: 2, shrink: false, start: 0 });
    expect(parseOptions(["--time-limit", "3"], log).inputs).toBe(Number.POSITIVE_INFINITY);
    expect(parseOptions(["--execute", "sqlite,duckdb"], log).execute).toEqual(["sqlite", "duckdb"]);
    expect(parseOptions(["--check", "a = 1", "--schema", "hostile"], log).check).toMatchObject({ text: "a = 1", schema: "hostile" });
  });
});

describe("the runner", () => {
  const workerUrl = new URL("./misbehaving-worker.ts", import.meta.url);
  const budget = { baseMs: 50, perMiBMs: 0 };
  const pool = new WorkerPool({ size: 1, maxMemoryMb: 64, workerUrl });
  afterAll(() => pool.close());
  const input = (text: string) => ({ index: 1, text, schema: "rich" as const, now: "2024-01-01T00:00:00Z", pretty: null });

  it("stops a hung worker, names the stage, and goes on with a new one", async () => {
    const hung = await pool.submit({ type: "text", input: input("hang"), budget });
    expect(hung).toMatchObject({ type: "lost", kind: "timeout", stage: "check", index: 1 });
    const next = await pool.submit({ type: "text", input: input("fine"), budget });
    expect(next).toMatchObject({ type: "text", result: { failures: [] } });
  });

  it("reports a worker that runs out of memory, and goes on", async () => {
    // A long budget: near its heap limit a worker collects garbage slowly, and the machine may be busy.
    const dead = await pool.submit({ type: "text", input: input("oom"), budget: { baseMs: 20_000, perMiBMs: 0 } });
    expect(dead).toMatchObject({ type: "lost", kind: "out-of-memory", stage: "check" });
    const next = await pool.submit({ type: "text", input: input("(x"), budget });
    expect(next).toMatchObject({ type: "text", result: { failures: [{ kind: "crash" }] } });
  });

  it("gives workers about the stack of Node's main thread, where stack overflows hit users", async () => {
    const depthIn = async (p: WorkerPool) => {
      const r = await p.submit({ type: "text", input: input("depth"), budget });
      return r.type === "text" ? r.result.stageMs.check! : 0;
    };
    const here = recursionDepth(); // vitest runs this file on a process's main thread
    const inWorker = await depthIn(pool);
    const deep = new WorkerPool({ size: 1, maxMemoryMb: 64, workerUrl, stackMb: 4 });
    try {
      expect(await depthIn(deep)).toBeGreaterThan(inWorker * 2);
    } finally {
      await deep.close();
    }
    expect(inWorker).toBeGreaterThan(here * 0.6);
    expect(inWorker).toBeLessThan(here * 1.6);
  });

  it("a run shrinks what it finds and counts every input", async () => {
    const lines: string[] = [];
    const summary = await runFuzz({
      seed: 1, start: 0, inputs: 60, category: "soup", timeLimitS: null, workers: 1, budget, maxMemoryMb: 256, shrink: true,
      shrinkSeconds: 20, batchSize: 20, log: (t) => lines.push(t), progressEveryS: 0, workerUrl,
    });
    expect(summary.inputs).toBe(60);
    expect(summary.perCategory).toEqual({ soup: 60 });
    expect(summary.findings).toHaveLength(1);
    expect(summary.findings[0]).toMatchObject({ confirmed: true, reproducer: "(" });
    expect(lines.join("\n")).toContain(`replay: npm run fuzz -- --seed 1 --start ${summary.findings[0]!.index} --inputs 1 --category soup`);
  });
});

describe("--execute", () => {
  const input = (text: string) => ({ index: 0, text, schema: "rich" as const, now: "2024-03-31T12:00:00.000Z", pretty: null });

  it("finds nothing when the SQL and the predicate agree, and reports when they do not", async () => {
    await openEngines(["sqlite"]);
    const [agreeing] = check(parse("lifetime_value > 100 or tags has \"vip\"").document, richSchema).segments;
    expect(await executeSegments(input(""), [agreeing!], ["sqlite"])).toEqual([]);
    // A schema whose lifetime_value lives in the `score` column: the SQL reads another column than the
    // predicate's field, as a compiler bug would.
    const skewed = parseSchema(JSON.stringify({ ...RICH_SCHEMA_JSON, fields: { ...RICH_SCHEMA_JSON.fields, lifetime_value: { type: "number", column: "score" } } }));
    const [wrong] = check(parse("lifetime_value > 100").document, skewed).segments;
    const failures = await executeSegments(input(""), [wrong!], ["sqlite"]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ kind: "sql-mismatch", stage: "execute", signature: "sql-mismatch | execute | sqlite" });
  });
});
