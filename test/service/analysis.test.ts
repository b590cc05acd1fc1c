import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/index.js";
import { parse } from "../../src/parser/index.js";
import { LanguageService } from "../../src/service/index.js";
import { DocumentAnalysis, PieceCache, splitIntoPieces } from "../../src/service/analysis.js";
import { exprArb, richSchema } from "../helpers/generators.js";

/** Documents built from generated valid expressions, laid out in the ways segment files are written. */
const layoutArb = fc.record({
  exprs: fc.array(exprArb(richSchema, "2024-06-15T12:00:00Z", { depth: 2 }), { minLength: 1, maxLength: 5 }),
  semicolons: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  breakBeforeAs: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  sameLine: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  comments: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  indent: fc.constantFrom("", "  ", "\t"),
  newline: fc.constantFrom("\n", "\r\n"),
});

type Layout = typeof layoutArb extends fc.Arbitrary<infer T> ? T : never;

function layout(l: Layout): string {
  const nl = l.newline;
  let text = l.comments[5] ? `-- header${nl}${nl}` : "";
  l.exprs.forEach((expr, i) => {
    const decl = `${l.indent}segment "S${i}"${l.breakBeforeAs[i] ? `${nl}  ` : " "}as ${expr}${l.semicolons[i] ? ";" : ""}`;
    const sep = i === 0 ? "" : l.sameLine[i] && l.semicolons[i - 1] ? " " : nl;
    text += `${sep}${l.comments[i] ? `-- about S${i}${nl}` : ""}${decl}`;
  });
  return text + nl;
}

describe("incremental analysis by declaration", () => {
  it("gives exactly the AST and diagnostics of parsing the whole text, for files without syntax errors", () => {
    fc.assert(
      fc.property(layoutArb, (l) => {
        const text = layout(l);
        const whole = parse(text);
        fc.pre(whole.diagnostics.length === 0);
        const analysis = new DocumentAnalysis(text, new PieceCache());
        expect(analysis.parseDiagnostics).toEqual([]);
        expect(analysis.document).toEqual(whole.document);
      }),
      { numRuns: 150, seed: 20240615 },
    );
  });

  it("after an edit, reusing the pieces of the previous text gives the same result as starting afresh", () => {
    fc.assert(
      fc.property(layoutArb, fc.nat(), fc.nat(), fc.constantFrom("", "x", " and tenure > 1", "\n", "(", ")", '"', "segment \"N\" as email is empty\n"), (l, a, b, insert) => {
        const before = layout(l);
        const from = a % (before.length + 1);
        const to = Math.min(before.length, from + (b % 8));
        const after = before.slice(0, from) + insert + before.slice(to);
        const cache = new PieceCache();
        new DocumentAnalysis(before, cache);
        const reused = new DocumentAnalysis(after, cache);
        const fresh = new DocumentAnalysis(after, new PieceCache());
        expect(reused.document).toEqual(fresh.document);
        expect(reused.parseDiagnostics).toEqual(fresh.parseDiagnostics);
        // Whatever the edit did, a text the whole parser accepts is analysed exactly like the whole parser.
        const whole = parse(after);
        if (whole.diagnostics.length === 0) {
          expect(reused.document).toEqual(whole.document);
          expect(reused.parseDiagnostics).toEqual([]);
        } else {
          expect(reused.parseDiagnostics.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it("splits at declarations that start a line, and re-parses only the piece that changed", () => {
    const cache = new PieceCache();
    const text = 'segment "A" as tenure > 1\nsegment "B" as email is empty;\n-- note\nsegment "C" as tags has "x"\n';
    const first = splitIntoPieces(text, cache);
    expect(first.map((p) => [p.line, p.parse.text])).toEqual([
      [1, 'segment "A" as tenure > 1\n'],
      [2, 'segment "B" as email is empty;\n-- note\n'],
      [4, 'segment "C" as tags has "x"\n'],
    ]);
    const edited = text.replace("tenure > 1", "tenure > 12");
    const second = splitIntoPieces(edited, cache);
    expect(second[1]!.parse).toBe(first[1]!.parse);
    expect(second[2]!.parse).toBe(first[2]!.parse);
    expect(second[0]!.parse).not.toBe(first[0]!.parse);
  });

  it.each([
    ["a field named segment ending a declaration", 'segment "A" as tenure > 1 and\nsegment\nsegment "B" as email is empty'],
    ["a rule on a field named segment", 'segment "A" as tenure > 1 and\nsegment = "x"\nsegment "B" as email is empty'],
    ["an open parenthesis", 'segment "A" as (tenure > 1 or\nsegment "B" as email is empty'],
    ["a bare expression before declarations", 'tenure > 1\nsegment "B" as email is empty'],
    ["a bare expression", "tenure > 1\nand email is empty"],
    ["a comment header", "-- header\n\nsegment \"B\" as email is empty"],
    ["a declaration name on the next line", 'segment\n"B" as email is empty\nsegment "C" as tenure > 1'],
  ])("does not split where the parser would read on: %s", (_, text) => {
    const whole = parse(text);
    const analysis = new DocumentAnalysis(text, new PieceCache());
    if (whole.diagnostics.length === 0) expect(analysis.document).toEqual(whole.document);
    else expect(analysis.parseDiagnostics.length).toBeGreaterThan(0);
  });

  it("keeps a broken declaration's errors inside it when it ends like a declaration can, so the next one still parses", () => {
    const text = 'segment "A" as tenure >> 1\nsegment "B" as email is empty\n';
    const analysis = new DocumentAnalysis(text, new PieceCache());
    expect(analysis.declarations.map((d) => d.name)).toEqual(["A", "B"]);
    expect(analysis.parseDiagnostics.length).toBeGreaterThan(0);
    expect(analysis.parseDiagnostics.every((d) => d.span.line === 1)).toBe(true);
  });

  it("reads on like the whole parser after a declaration that ends in the middle of a condition", () => {
    // `performed` takes a bare word as the event name, so `segment at least 3 times` continues it.
    const text = 'segment "A" as performed\nsegment at least 3 times\n';
    const analysis = new DocumentAnalysis(text, new PieceCache());
    expect(analysis.document).toEqual(parse(text).document);
    expect(analysis.pieces).toHaveLength(1);
  });

  it("finds the piece holding an offset", () => {
    const text = 'segment "A" as tenure > 1\nsegment "B" as email is empty\n';
    const analysis = new DocumentAnalysis(text, new PieceCache());
    expect(analysis.pieceAt(0).line).toBe(1);
    expect(analysis.pieceAt(text.indexOf('"B"')).line).toBe(2);
    expect(analysis.pieceAt(text.length).line).toBe(2);
  });
});

describe("checking without copying the trees", () => {
  /** Generated files with checker errors: misspelt fields and values, unknown and cyclic references, duplicates. */
  const brokenArb = fc.record({
    layout: layoutArb,
    typos: fc.array(fc.nat(), { maxLength: 4 }),
    extra: fc.subarray([
      'segment "S0" as is_vip',
      'segment "Loop" as in segment "Loop2"\nsegment "Loop2" as in segment "Loop"',
      'segment "Ref" as in segment "S1" and not in segment "Nope"',
      'segment "Bad" as statuss = "Pending" and plan_type = "Pr"',
    ]),
  });

  it("reports exactly what analyze() reports on the whole text, at the same places, with the same fixes", () => {
    let withErrors = 0;
    fc.assert(
      fc.property(brokenArb, ({ layout: l, typos, extra }) => {
        let text = layout(l) + extra.join("\n") + (extra.length ? "\n" : "");
        const names = ["status", "plan_type", "lifetime_value", "email", '"Pro"', '"Purchase"', "amount"];
        for (const t of typos) {
          const name = names[t % names.length]!;
          const at = text.indexOf(name, (t * 7919) % Math.max(1, text.length));
          if (at >= 0) text = `${text.slice(0, at + name.length - 1)}x${text.slice(at + name.length - 1)}`;
        }
        fc.pre(parse(text).diagnostics.length === 0);
        const svc = new LanguageService({ project: () => ({ key: "p", schema: richSchema }) });
        svc.setDocument("file:///a.segql", text);
        const expected = analyze(text, richSchema).diagnostics.map((d) => ({
          code: d.code, from: d.span.start, to: d.span.end, message: d.message,
          fix: d.fix?.edits.map((e) => [e.span.start, e.span.end, e.text]),
        }));
        const actual = svc.diagnostics("file:///a.segql").map((d) => ({
          code: d.code, from: d.from, to: d.to, message: d.message,
          fix: d.fix?.edits.map((e) => [e.from, e.to, e.text]),
        }));
        expect(actual).toEqual(expected);
        if (expected.length > 0 && svc.analysisOf("file:///a.segql")!.pieces.length > 1) withErrors++;
      }),
      { numRuns: 150, seed: 99 },
    );
    // The property is only worth something if many files have several pieces and checker errors.
    expect(withErrors).toBeGreaterThan(50);
  });
});
