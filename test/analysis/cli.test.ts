/**
 * The analysis through the CLI: `segql check` prints its warnings (exit status unchanged unless --strict),
 * `segql relate` prints the relation with witness contacts that `segql eval` confirms (run through the CLI
 * too, from files the test writes), and `segql diff` prints who enters and who leaves.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { relate } from "../../src/analysis/index.js";
import { SCHEMA, segql, tempDir } from "../cli/helpers.js";
import { checkExpression, parseSchema } from "../../src/index.js";
import { readFileSync } from "node:fs";
import { conflictExprArb, leafArb, richSchema } from "./helpers.js";
import { RICH_SCHEMA_JSON } from "../helpers/generators.js";

const tmp = tempDir();
const RICH = tmp.file("rich-schema.json", JSON.stringify(RICH_SCHEMA_JSON));
const crm = parseSchema(readFileSync(SCHEMA, "utf8"));

interface PrintedWitness {
  contact: Record<string, unknown>;
  events: Record<string, unknown>[];
  now: string;
}

/** The witnesses `segql relate` printed: each label line is followed by its JSON line. */
function witnessesOf(stdout: string): { label: string; w: PrintedWitness }[] {
  const lines = stdout.split("\n");
  const out: { label: string; w: PrintedWitness }[] = [];
  lines.forEach((line, i) => {
    if (/^in [AB]/.test(line)) out.push({ label: line, w: JSON.parse(lines[i + 1]!) as PrintedWitness });
  });
  return out;
}

let n = 0;
/** Whether `segql eval` (through the CLI, from files) matches the witness with `expr`. */
async function evalMatches(schema: string, expr: string, w: PrintedWitness, key: string): Promise<boolean> {
  const id = n++;
  const data = tmp.file(`w${id}.jsonl`, `${JSON.stringify(w.contact)}\n`);
  const events = tmp.file(`e${id}.jsonl`, w.events.map((e) => JSON.stringify(e)).join("\n") + (w.events.length ? "\n" : ""));
  const r = await segql(["eval", "-s", schema, "-d", data, "-e", events, "--now", w.now, expr]);
  expect(r.code, `segql eval ${expr} on ${JSON.stringify(w)}: ${r.stderr}`).toBe(0);
  return r.stdout.split("\n").includes(key);
}

/** Runs relate through the CLI and confirms every printed witness with segql eval. */
async function relateAndConfirm(schema: string, keyField: string, a: string, b: string, extra: string[] = []) {
  const r = await segql(["relate", "-s", schema, ...extra, a, b]);
  expect(r.code, r.stderr).toBe(0);
  const witnesses = witnessesOf(r.stdout);
  for (const { label, w } of witnesses) {
    const key = String(w.contact[keyField]);
    const inA = await evalMatches(schema, a, w, key);
    const inB = await evalMatches(schema, b, w, key);
    const expected = label.startsWith("in A and in B") ? [true, true] : label.startsWith("in A") ? [true, false] : [false, true];
    expect([inA, inB], `${label} ${JSON.stringify(w)} for ${a} vs ${b}`).toEqual(expected);
  }
  return { first: r.stdout.split("\n")[0]!, witnesses, stdout: r.stdout, stderr: r.stderr };
}

describe("segql check", () => {
  it("prints the analysis's warnings; they do not change the exit status", async () => {
    const r = await segql(["check", "-s", SCHEMA, "tenure > 12 and tenure > 6"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(["1:17: warning: this adds nothing: 'tenure > 12' already implies it", "   1 | tenure > 12 and tenure > 6", "     |                 ^^^^^^^^^^", "     = help: remove it"].join("\n"));
    expect(r.stderr).toBe(`ok: 1 input checked against ${SCHEMA}, 1 warning`);
  });

  it("--strict: warnings fail the check (exit 1), and say so", async () => {
    const r = await segql(["check", "-s", SCHEMA, "--strict", "tenure > 12 and tenure < 6"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("warning: this condition never matches");
    expect(r.stderr).toBe(`1 warning in 1 of 1 input, checked against ${SCHEMA} (--strict: warnings fail the check)`);
    expect((await segql(["check", "-s", SCHEMA, "--strict", "tenure > 12"])).code).toBe(0);
  });

  it("--no-analysis leaves the checker's diagnostics only; --json lists warnings with their fix", async () => {
    expect(await segql(["check", "-s", SCHEMA, "--no-analysis", "tenure > 12 and tenure > 6"])).toEqual({ code: 0, stdout: "", stderr: `ok: 1 input checked against ${SCHEMA}` });
    const r = await segql(["check", "-s", SCHEMA, "--json", "tenure > 12 and tenure > 6"]);
    const json = JSON.parse(r.stdout);
    expect(json.valid).toBe(true);
    expect(json.inputs[0].diagnostics[0]).toMatchObject({ severity: "warning", code: "redundant", start: 16, end: 26, fix: { title: "remove it", edits: [{ start: 11, end: 26, text: "" }] } });
  });

  it("in a segment file, warnings are at their line, and segments referred to from other files count", async () => {
    const lib = tmp.file("lib.segql", 'segment "Big" as tenure > 100\n');
    const main = tmp.file("main.segql", '-- uses Big\nsegment "Main" as in segment "Big" and tenure > 10\n');
    const r = await segql(["check", "-s", SCHEMA, "-f", lib, "-f", main]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${main}:2:40: warning: this adds nothing: 'in segment "Big"' already implies it`);
  });
});

describe("segql relate", () => {
  it("A ⊆ B with a witness in B and not in A, confirmed by segql eval", async () => {
    const r = await relateAndConfirm(SCHEMA, "id", "tenure > 12", "tenure > 6");
    expect(r.first).toBe("A ⊆ B: every contact A matches, B matches too (not the other way)");
    expect(r.witnesses.map((w) => w.label)).toEqual(["in B, not in A (at now = 2026-01-01T00:00:00.000Z):"]);
  });

  it("⊇, =, disjoint and overlapping, each witness confirmed", async () => {
    expect((await relateAndConfirm(SCHEMA, "id", 'plan_type in ("Pro", "Enterprise")', 'plan_type = "Pro"')).first).toMatch(/^A ⊇ B/);
    expect((await relateAndConfirm(SCHEMA, "id", "tenure >= 12.5 or tenure = 12.25 or (tenure > 12 and tenure < 12.5)", "tenure > 12")).first).toMatch(/^A = B/);
    const disjoint = await relateAndConfirm(SCHEMA, "id", "tenure > 12", "tenure < 6 or tenure is empty");
    expect(disjoint.first).toMatch(/^A and B are disjoint/);
    expect(disjoint.witnesses).toHaveLength(2);
    const overlap = await relateAndConfirm(SCHEMA, "id", 'tenure > 12 or country = "FR"', "tenure < 20");
    expect(overlap.first).toMatch(/^A and B overlap/);
    expect(overlap.witnesses.map((w) => w.label.slice(0, 13))).toEqual(["in A, not in ", "in B, not in ", "in A and in B"]);
  });

  it("events and relative times: the witness carries its events and the now to evaluate at", async () => {
    const events = await relateAndConfirm(SCHEMA, "id", 'performed "Purchase" at least 2 times', 'performed "Purchase"');
    expect(events.first).toMatch(/^A ⊆ B/);
    expect(events.witnesses[0]!.w.events).toHaveLength(1);
    const times = await relateAndConfirm(SCHEMA, "id", "signed_up_at within last 1 month", "signed_up_at within last 30 days");
    // 1 month ago is 28-31 days ago: some contacts are in one and not the other, either way.
    expect(times.first).toMatch(/^A and B overlap/);
    expect((await relateAndConfirm(SCHEMA, "id", "signed_up_at within last 1 month", "signed_up_at within last 31 days")).first).toMatch(/^A ⊆ B/);
  });

  it("--now fixes the instant: relative times become absolute, the witness is at that now", async () => {
    const r = await relateAndConfirm(SCHEMA, "id", "signed_up_at within last 30 days", "signed_up_at after 2025-12-15 and signed_up_at before 2025-12-31", ["--now", "2026-01-01T00:00:00Z"]);
    expect(r.first).toMatch(/^A ⊇ B/);
    expect(r.witnesses.every((w) => w.w.now === "2026-01-01T00:00:00.000Z")).toBe(true);
  });

  it("--segment picks segments of -f files; expressions may refer to them", async () => {
    const segs = tmp.file("relate.segql", 'segment "Paying" as plan_type in ("Pro", "Enterprise")\nsegment "Pro" as plan_type = "Pro"\n');
    expect((await relateAndConfirm(SCHEMA, "id", 'plan_type = "Pro"', 'plan_type != "Free"', [])).first).toMatch(/^A ⊆ B/);
    const r = await segql(["relate", "-s", SCHEMA, "-f", segs, "--segment", "Pro", "--segment", "Paying"]);
    expect(r.stdout.split("\n").slice(0, 3)).toEqual(["A ⊆ B: every contact A matches, B matches too (not the other way)", '  A: segment "Pro"', '  B: segment "Paying"']);
    const mixed = await segql(["relate", "-s", SCHEMA, "-f", segs, 'in segment "Pro" or plan_type = "Enterprise"', "--segment", "Paying"]);
    expect(mixed.stdout.split("\n")[0]).toMatch(/^A = B/);
  });

  it("--json prints the result", async () => {
    const r = await segql(["relate", "-s", SCHEMA, "--json", "tenure > 12", "tenure > 6"]);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ a: "tenure > 12", b: "tenure > 6", relation: "subset", symbol: "⊆", aInB: "yes", bInA: "no" });
    expect(json.witnesses[0].matches).toEqual(["B"]);
  });

  it("errors in a condition: printed like check, exit 1; usage errors exit 2", async () => {
    const bad = await segql(["relate", "-s", SCHEMA, "tenur > 1", "tenure > 2"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("1:1: error: unknown field 'tenur'");
    expect(bad.stderr).toContain("1 error: nothing to relate");
    expect((await segql(["relate", "-s", SCHEMA, "tenure > 1"])).code).toBe(2);
    expect((await segql(["relate", "tenure > 1", "tenure > 2"])).stderr).toContain("--schema FILE is required");
    expect((await segql(["relate", "-s", SCHEMA, "--segment", "Nope", "tenure > 2"])).stderr).toContain('no segment named "Nope"');
    expect((await segql(["relate", "-s", SCHEMA, "--now", "yesterday", "a", "b"])).stderr).toContain("--now: 'yesterday' is not an instant");
    expect((await segql(["relate", "-s", SCHEMA, "--steps", "0", "a", "b"])).stderr).toContain("--steps takes a whole number");
    // Bounded: a mistyped huge value is refused at once rather than reasoning for days.
    for (const command of ["relate", "diff"]) {
      const huge = await segql([command, "-s", SCHEMA, "--steps", "10000001", "tenure > 1", "tenure > 2"]);
      expect(huge).toMatchObject({ code: 2, stderr: expect.stringContaining("--steps takes a whole number from 1 to 10,000,000, found '10000001'") });
      expect((await segql([command, "-s", SCHEMA, "--steps", "10000000", "tenure > 1", "tenure > 2"])).code).toBe(0);
    }
  });

  it("undecided stays undecided (events with different filters are unrelated to the analysis)", async () => {
    const r = await segql(["relate", "-s", SCHEMA, 'performed "Purchase" where amount > 10', 'performed "Purchase" where amount > 5']);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("undecided");
    expect(r.stderr).toContain("undecided: A ⊆ B is undecided, B ⊆ A does not hold");
  });

  it("witnesses of random pairs (with events and relative times) are confirmed by segql eval", async () => {
    const pairs = fc.sample(
      fc.oneof(fc.tuple(conflictExprArb({ depth: 2 }), conflictExprArb({ depth: 2 })), fc.tuple(conflictExprArb({ depth: 2 }), leafArb()).map(([a, l]) => [a, `(${a}) and (${l})`] as [string, string])),
      { seed: 16, numRuns: 25 },
    );
    let confirmed = 0;
    for (const [a, b] of pairs) {
      // Witnesses whose enum values the loaders refuse (off the schema's list) cannot be loaded: skip those.
      const result = relate(checkExpression(a, richSchema), checkExpression(b, richSchema), { steps: 20_000 });
      if (result.witnesses.some((w) => w.contact["status"] !== undefined && !RICH_SCHEMA_JSON.fields.status.values.includes(w.contact["status"] as never))) continue;
      const r = await relateAndConfirm(RICH, "id", a, b, ["--steps", "20000"]);
      confirmed += r.witnesses.length;
    }
    expect(confirmed).toBeGreaterThan(20);
  });
});

describe("segql diff", () => {
  it("who enters and who leaves, simplified", async () => {
    expect(await segql(["diff", "-s", SCHEMA, 'tenure > 12 and plan_type = "Pro"', "tenure > 6"])).toEqual({
      code: 0,
      stdout: 'who enters: tenure > 6 and tenure <= 12 or tenure > 6 and plan_type != "Pro"\nwho leaves: nobody',
      stderr: "",
    });
    expect((await segql(["diff", "-s", SCHEMA, 'country in ("FR", "DE")', 'country in ("DE", "ES")'])).stdout).toBe('who enters: country = "ES"\nwho leaves: country = "FR"');
    expect((await segql(["diff", "-s", SCHEMA, "tenure > 1", "tenure >= 1.5 or (tenure > 1 and tenure < 1.5)"])).stdout).toBe("who enters: nobody\nwho leaves: nobody");
  });

  it("relative times stay as written", async () => {
    const r = await segql(["diff", "-s", SCHEMA, "signed_up_at within last 30 days", "signed_up_at within last 60 days"]);
    expect(r.stdout).toBe("who enters: signed_up_at before 30 days ago and signed_up_at >= 60 days ago\nwho leaves: nobody");
  });

  it("--old/--new: the same segment in two files; --json", async () => {
    const v1 = tmp.file("v1.segql", 'segment "VIP" as lifetime_value > 1000\nsegment "Other" as tenure > 1\n');
    const v2 = tmp.file("v2.segql", 'segment "VIP" as lifetime_value > 1000 and is_verified\nsegment "Other" as tenure > 2\n');
    const r = await segql(["diff", "-s", SCHEMA, "--old", v1, "--new", v2, "--segment", "VIP"]);
    expect(r.stdout).toBe("who enters: nobody\nwho leaves: lifetime_value > 1000 and is_verified != true");
    const json = JSON.parse((await segql(["diff", "-s", SCHEMA, "--json", "tenure > 1", "tenure > 2"])).stdout);
    expect(json).toMatchObject({ old: "tenure > 1", new: "tenure > 2", same: false, enters: { nobody: true }, leaves: { condition: "tenure > 1 and tenure <= 2", simplified: true } });
    expect((await segql(["diff", "-s", SCHEMA, "--old", v1, "--new", v2])).stderr).toContain("pick one with --segment NAME");
  });

  it("errors: exit 1 with the diagnostics, usage errors exit 2", async () => {
    const bad = await segql(["diff", "-s", SCHEMA, "tenure > 1", "tenur > 2"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("error: unknown field 'tenur'");
    expect((await segql(["diff", "-s", SCHEMA, "tenure > 1"])).code).toBe(2);
    expect((await segql(["diff", "-s", SCHEMA, "--old", "x.segql"])).stderr).toContain("--old and --new go together");
  });
});

describe("help", () => {
  it("relate and diff are listed and have help", async () => {
    const usage = await segql(["--help"]);
    expect(usage.stdout).toMatch(/^  relate +how two conditions relate/m);
    expect(usage.stdout).toMatch(/^  diff +who enters and who leaves/m);
    expect((await segql(["relate", "--help"])).stdout).toMatch(/^usage: segql relate \[--schema FILE\]/);
    expect((await segql(["diff", "--help"])).stdout).toMatch(/^usage: segql diff \[--schema FILE\]/);
  });

  it("the witness of an example in relate's help is what it says", () => {
    const r = relate(checkExpression("tenure > 12", crm), checkExpression("tenure > 6", crm));
    expect(r.witnesses[0]!.contact).toEqual({ tenure: 7, id: "witness" });
  });
});
