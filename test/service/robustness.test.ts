/**
 * What an editor does all day: ask every feature at any offset of half-typed, broken text. For random
 * segment files cut short and spliced with stray pieces, no feature throws, every range lies inside the
 * text, and formatting only ever produces text that parses.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/parser/index.js";
import { LanguageService, type Edit } from "../../src/service/index.js";
import { exprArb, richSchema, segmentFileText } from "../helpers/generators.js";

const URI = "file:///work/fuzz.segql";
const OTHER = "file:///work/other.segql";
const OTHER_TEXT = 'segment "Buyers" as performed "Purchase"\nsegment lapsed as not in segment "Buyers"\n';

/** Pieces people leave half-typed or paste in the wrong place. */
const STRAY = [
  "(", ")", '"', "'", "`", ",", ";", "=", "!", "and", "or ", "not ", "performed ", " where ", "in segment ", "segment x as ",
  "--", "\n", "\r\n", "\t", "😀", "\u0000", "\ufeff", "é", "1e999", "2024-02-30", " within last ", " at least ", " has any (",
  " between 1 and", "is not", "\\", "${", "__proto__",
];

const textArb = fc
  .record({
    expr: exprArb(richSchema, "2024-06-15T12:00:00Z", { depth: 2 }),
    asFile: fc.boolean(),
    cut: fc.double({ min: 0, max: 1, noNaN: true }),
    splices: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), piece: fc.constantFrom(...STRAY) }), { maxLength: 3 }),
  })
  .map(({ expr, asFile, cut, splices }) => {
    let text = asFile ? segmentFileText(expr) : expr;
    text = text.slice(0, Math.round(text.length * cut) + 1);
    for (const s of splices) {
      const at = Math.round(text.length * s.at);
      text = text.slice(0, at) + s.piece + text.slice(at);
    }
    return text;
  });

function inside(text: string, from: number, to: number, what: string): void {
  expect(from >= 0 && from <= to && to <= text.length, `${what} [${from}, ${to}) outside a text of ${text.length}`).toBe(true);
}

function apply(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

describe("the language service on broken text", () => {
  it("answers every request at every kind of offset without throwing, with ranges inside the text", () => {
    fc.assert(
      fc.property(textArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 6 }), (text, picks) => {
        const svc = new LanguageService({ project: () => ({ key: "p", schema: richSchema }) });
        svc.setDocument(OTHER, OTHER_TEXT);
        svc.setDocument(URI, text);
        for (const d of svc.diagnostics(URI)) {
          inside(text, d.from, d.to, `diagnostic "${d.message}"`);
          for (const e of d.fix?.edits ?? []) inside(text, e.from, e.to, "fix edit");
        }
        const offsets = [0, text.length, ...picks.map((p) => Math.round(p * text.length))];
        for (const at of offsets) {
          const completion = svc.complete(URI, at);
          inside(text, completion.from, completion.to, `completion at ${at}`);
          const hover = svc.hover(URI, at);
          if (hover) inside(text, hover.from, hover.to, `hover at ${at}`);
          for (const l of [...svc.definition(URI, at), ...svc.references(URI, at)]) {
            if (l.uri === URI) inside(text, l.from, l.to, `location at ${at}`);
          }
          svc.prepareRename(URI, at);
          svc.rename(URI, at, "renamed");
          for (const a of svc.codeActions(URI, at, at)) for (const e of a.edits) inside(text, e.from, e.to, "code action edit");
        }
        for (const t of svc.semanticTokens(URI)) inside(text, t.from, t.to, "semantic token");
        for (const f of svc.foldingRanges(URI)) inside(text, f.from, f.to, "folding range");
        svc.symbols(URI);
        const edits = svc.format(URI);
        if (edits) {
          const formatted = apply(text, edits);
          expect(parse(formatted).diagnostics.filter((d) => d.severity === "error"), `formatted:\n${formatted}`).toEqual(
            parse(text).diagnostics.filter((d) => d.severity === "error"),
          );
        }
      }),
      { numRuns: Number(process.env["SEGQL_FC_RUNS"] ?? 200) },
    );
  });
});
