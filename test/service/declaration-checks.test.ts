/**
 * The language service checks a document again after an edit by declaration (src/service/
 * declaration-checks.ts, src/checker/reuse.ts) and splits it again only around the change
 * (`splitIntoPieces` with the previous pieces): after every edit of a random sequence, what it shows must
 * be exactly what a service that checks the whole document from scratch shows (`wholeDocumentChecks`, a
 * new service each time): diagnostics with their fixes, hovers, semantic tokens, symbols and folding.
 *
 * The files mix what crosses declarations: references to segments that exist, that are missing or
 * misspelt (suggestions come from every name), cycles, names defined twice (and whole declarations
 * repeated, whose pieces share one parse), a second file of the project that declares and refers too,
 * syntax errors, static-analysis warnings, long conditions (their in-token edits reuse the previous
 * parse), and member lists.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PieceCache, splitIntoPieces, type Piece } from "../../src/service/analysis.js";
import { LanguageService, type ProjectInfo } from "../../src/service/index.js";
import { schema } from "./helpers.js";

const NAMES = ["A", "B", "C", "Ab", "Big spenders"];

/** A condition: valid, broken, warned about, or referring to segments. */
const conditionArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "tenure > 12",
    'status = "Subscribed"',
    'plan_type in ("Pro", "Enterprise")',
    "lifetime_value > 100 and lifetime_value < 50", // never true: a warning
    "tenure > 5 or tenure > 3", // redundant: a warning
    "tenur > 12", // unknown field, with a fix
    'status = "Subscribd"', // unknown value, with a fix
    "tenure > ", // syntax error
    "(tenure > 1", // missing ')'
    "is_verified and not", // syntax error at the end
    'performed "Purchase" at least 2 times within last 30 days where amount > 5',
    'performed "Purchase" where in segment "A"', // a reference in a filter
    "signed_up_at > 2024-03-31T02:30:00",
    "lifetime_value > 1e999",
  ),
  fc.tuple(fc.constantFrom(...NAMES, "Bb", "Missing", "a"), fc.constantFrom("", "not ", "tenure > 1 and ")).map(([name, pre]) => `${pre}in segment "${name}"`),
  fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...NAMES)).map(([a, b]) => `in segment "${a}" or in segment "${b}"`),
  // Long enough for the piece cache to try the previous parse after an edit inside a token.
  fc.integer({ min: 60, max: 90 }).map((n) => Array.from({ length: n }, (_, i) => `tenure > ${i}`).join(" and ")),
);

const declarationArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...NAMES),
    conditionArb,
    fc.constantFrom("", ' title "T"'),
    fc.constantFrom(" as ", "\n  as ", " as\n  "),
    fc.constantFrom("", ";"),
    fc.constantFrom("", "-- a comment\n"),
    fc.constantFrom("\n", "\n\n", "\r\n"),
  )
  .map(([name, cond, title, as, semi, comment, end]) => `${comment}segment "${name}"${title}${as}${cond}${semi}${end}`);

const fileArb = fc.tuple(fc.constantFrom("", "-- header\n\n"), fc.array(declarationArb, { minLength: 0, maxLength: 12 }));

/** An edit of a file made of declarations: of a whole declaration, or of characters anywhere. */
type Edit =
  | { kind: "replace" | "insert"; at: number; declaration: string }
  | { kind: "delete" | "duplicate"; at: number }
  | { kind: "rename"; at: number; name: string }
  | { kind: "type"; at: number; text: string }
  | { kind: "erase"; at: number; length: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constantFrom("replace" as const, "insert" as const), at: fc.nat(), declaration: declarationArb }),
  fc.record({ kind: fc.constantFrom("delete" as const, "duplicate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("rename" as const), at: fc.nat(), name: fc.constantFrom(...NAMES, "Bb", "Missing") }),
  fc.record({ kind: fc.constant("type" as const), at: fc.nat(), text: fc.constantFrom("7", "x", " ", "\n", "(", ")", '"', "segment ", "\nsegment \"N\" as tenure > 3\n", "-- ", ";", "\r") }),
  fc.record({ kind: fc.constant("erase" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
);

/** The declarations of a file as written (its head, then one string each), for edits of whole ones. */
interface File {
  head: string;
  declarations: string[];
  /** Set once a character edit made the text something else than head + declarations. */
  raw: string | null;
}

const textOf = (f: File) => f.raw ?? f.head + f.declarations.join("");

function applyEdit(f: File, e: Edit): File {
  const text = textOf(f);
  if (e.kind === "type" || e.kind === "erase") {
    const at = e.at % (text.length + 1);
    const raw = e.kind === "type" ? text.slice(0, at) + e.text + text.slice(at) : text.slice(0, at) + text.slice(at + e.length);
    return { ...f, raw };
  }
  if (f.raw !== null) {
    // Declaration edits on a text changed by characters: on its lines that start a declaration.
    const starts = [...text.matchAll(/^segment /gm)].map((m) => m.index);
    if (starts.length === 0) return f;
    const i = e.at % starts.length;
    const start = starts[i]!;
    const end = starts[i + 1] ?? text.length;
    const decl = text.slice(start, end);
    const replaced = e.kind === "replace" ? e.declaration : e.kind === "insert" ? e.declaration + decl : e.kind === "delete" ? "" : e.kind === "duplicate" ? decl + decl : decl.replace(/^segment "[^"]*"/, `segment "${(e as { name: string }).name}"`);
    return { ...f, raw: text.slice(0, start) + replaced + text.slice(end) };
  }
  const ds = [...f.declarations];
  const i = ds.length === 0 ? 0 : e.at % ds.length;
  if (e.kind === "insert") ds.splice(i, 0, e.declaration);
  else if (ds.length === 0) return f;
  else if (e.kind === "replace") ds[i] = e.declaration;
  else if (e.kind === "delete") ds.splice(i, 1);
  else if (e.kind === "duplicate") ds.splice(i, 0, ds[i]!);
  else ds[i] = ds[i]!.replace(/segment "[^"]*"/, `segment "${(e as { name: string }).name}"`);
  return { ...f, declarations: ds };
}

const A = "file:///p/a.segql";
const B = "file:///p/b.segql";

/** Everything the service shows for a document that a per-declaration check could get wrong. */
function shown(svc: LanguageService, uri: string, text: string) {
  const offsets = [0, Math.floor(text.length / 3), Math.floor(text.length / 2), text.length - 1].filter((o) => o >= 0);
  return {
    diagnostics: svc.diagnostics(uri),
    tokens: svc.semanticTokens(uri),
    symbols: svc.symbols(uri),
    folding: svc.foldingRanges(uri),
    hovers: offsets.map((o) => svc.hover(uri, o)),
  };
}

describe("checking again only what an edit changed", () => {
  it("shows after every edit what a check of the whole document from scratch shows", () => {
    fc.assert(
      fc.property(
        fileArb,
        fc.array(declarationArb, { maxLength: 3 }),
        fc.array(fc.tuple(fc.boolean(), editArb), { minLength: 1, maxLength: 12 }),
        fc.constantFrom<ReadonlySet<string> | undefined>(undefined, new Set(["B"])),
        (start, other, edits, memberLists) => {
          const project: ProjectInfo = { key: "p", schema, timeZone: "Europe/Paris", ...(memberLists ? { memberLists } : {}) };
          const now = () => Date.parse("2026-01-01T00:00:00Z");
          const kept = new LanguageService({ project: () => project, now });
          let a: File = { head: start[0], declarations: start[1], raw: null };
          let b: File = { head: "", declarations: other, raw: null };
          kept.setDocument(A, textOf(a));
          kept.setDocument(B, textOf(b));
          const compare = () => {
            const whole = new LanguageService({ project: () => project, now, wholeDocumentChecks: true });
            whole.setDocument(A, textOf(a));
            whole.setDocument(B, textOf(b));
            expect(shown(kept, A, textOf(a))).toEqual(shown(whole, A, textOf(a)));
            expect(kept.diagnostics(B)).toEqual(whole.diagnostics(B));
          };
          compare();
          for (const [inOther, edit] of edits) {
            if (inOther) {
              b = applyEdit(b, edit);
              kept.setDocument(B, textOf(b));
            } else {
              a = applyEdit(a, edit);
              kept.setDocument(A, textOf(a));
            }
            compare();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("splits again around the change into the pieces a split from scratch gives", () => {
    fc.assert(
      fc.property(fileArb, fc.array(editArb, { minLength: 1, maxLength: 10 }), (start, edits) => {
        let f: File = { head: start[0], declarations: start[1], raw: null };
        const cache = new PieceCache();
        let previous = { text: textOf(f), pieces: splitIntoPieces(textOf(f), cache) as readonly Piece[] };
        cache.retain(previous.pieces);
        for (const edit of edits) {
          f = applyEdit(f, edit);
          const text = textOf(f);
          const again = splitIntoPieces(text, cache, previous);
          cache.retain(again);
          const fresh = splitIntoPieces(text, new PieceCache());
          const view = (ps: readonly Piece[]) => ps.map((p) => ({ start: p.start, end: p.end, line: p.line, text: p.parse.text, diagnostics: p.parse.diagnostics }));
          expect(view(again)).toEqual(view(fresh));
          previous = { text, pieces: again };
        }
      }),
      { numRuns: 300 },
    );
  });

  it("checks again only the edited declaration and those that refer to it", () => {
    // Chains of ten references, as in bench/lsp.
    const block = (i: number) => `segment "S${i}" as (status = "Subscribed" or plan_type in ("Pro", "Enterprise")) and lifetime_value > ${i * 10}${i % 10 > 0 ? ` and not in segment "S${i - 1}"` : ""}\n\n`;
    let text = "";
    for (let i = 0; i < 300; i++) text += block(i);
    const svc = new LanguageService({ project: () => ({ key: "p", schema }) });
    svc.setDocument(A, text);
    svc.diagnostics(A);
    const counts = () => ({ ...(svc as unknown as { docs: Map<string, { checks: { counts: { checked: number; reused: number } } }> }).docs.get(A)!.checks.counts });
    const before = counts();
    // S155 is read by S156 … S159 (chains of ten).
    const at = text.indexOf("lifetime_value > 1550") + "lifetime_value > 1550".length;
    const edited = `${text.slice(0, at)}7${text.slice(at)}`;
    svc.setDocument(A, edited);
    const whole = new LanguageService({ project: () => ({ key: "p", schema }), wholeDocumentChecks: true });
    whole.setDocument(A, edited);
    expect(svc.diagnostics(A)).toEqual(whole.diagnostics(A));
    const after = counts();
    expect(after.checked - before.checked).toBe(5);
    expect(after.reused - before.reused).toBe(295);
  });

  it("keeps the size limit through edits: its UTF-8 length follows each change, surrogate pairs included", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom("a", "é", "😀", "segment \"Z\" as tenure > 1\n", "")), { minLength: 1, maxLength: 15 }), (edits) => {
        const project: ProjectInfo = { key: "p", schema };
        const kept = new LanguageService({ project: () => project, maxBytes: 120 });
        let text = 'segment "A" as tenure > 1\nsegment "B" as in segment "A"\n-- 😀😀\nsegment "C" as tenure < 2\n';
        kept.setDocument(A, text);
        kept.diagnostics(A);
        for (const [at, length, insert] of edits) {
          const from = at % (text.length + 1);
          text = text.slice(0, from) + insert + text.slice(from + length);
          kept.setDocument(A, text);
          const fresh = new LanguageService({ project: () => project, maxBytes: 120, wholeDocumentChecks: true });
          fresh.setDocument(A, text);
          expect(kept.diagnostics(A)).toEqual(fresh.diagnostics(A));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("shows a repeated declaration's problems on each copy (their pieces share one parse)", () => {
    const d = 'segment "A" as tenur > 1\n\n';
    const svc = new LanguageService({ project: () => ({ key: "p", schema }) });
    svc.setDocument(A, d + d);
    // Was [15, 20] twice: the copy's diagnostic found by its span's identity in the first piece.
    expect(svc.diagnostics(A).map((x) => [x.code, x.from, x.to])).toEqual([
      ["unknown-field", 15, 20],
      ["duplicate-segment", 34, 37],
      ["unknown-field", 41, 46],
    ]);
  });
});
