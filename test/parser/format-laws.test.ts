/**
 * The formatter's laws, over generated ASTs and generated valid texts:
 * - round trip: `parse(format(ast))` has no diagnostics and equals `ast` up to spans;
 * - idempotence: `format(parse(format(ast)))` is `format(ast)`;
 * - comments: comments inserted anywhere between tokens survive formatting (each exactly once), do not
 *   change the AST, and the result is again a fixed point;
 * - width: every line fits the width unless it holds one piece the formatter never breaks (a rule without a
 *   list, the part of a list rule up to its `(`, one list value, `)` with what follows it, an event head
 *   without a list, a declaration's header line), after the `and`/`or`/`not`/`where` that lead it.
 * Besides the general documents (helpers/ast-arbitrary.ts, whose lists hold at most 4 values), the laws run
 * over documents full of long value lists (up to 40 values, in rules, `where` filters and event measures)
 * at widths from 16 to 80, so lists break over many lines.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Span } from "../../src/diagnostics.js";
import type * as A from "../../src/parser/ast.js";
import { forEachExpr } from "../../src/parser/ast.js";
import { format, formatExpr, formatValue, quoteString } from "../../src/parser/format.js";
import { parse } from "../../src/parser/index.js";
import { segqlLexer } from "../../src/parser/tokens.js";
import {
  documentArb, exprArb, fieldArb, stringContentArb, stripSpans, valueArb, windowArb,
} from "../helpers/ast-arbitrary.js";
import { exprArb as validTextArb, richSchema, segmentFileText } from "../helpers/generators.js";

/** Runs per property; raise with SEGQL_FC_RUNS=5000 for a deeper search. */
const RUNS = Number(process.env["SEGQL_FC_RUNS"] ?? 300);

function reparse(text: string) {
  const result = parse(text);
  if (result.diagnostics.length > 0) {
    throw new Error(`formatted text does not parse:\n${text}\n${result.diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`).join("\n")}`);
  }
  return result.document;
}

describe("format round trip over generated ASTs", () => {
  for (const width of [80, 40, 20]) {
    it(`parse(format(ast)) equals ast up to spans (width ${width})`, () => {
      fc.assert(
        fc.property(documentArb, (doc) => {
          const text = format(doc, { width });
          expect(stripSpans(reparse(text))).toEqual(stripSpans(doc));
        }),
        { numRuns: RUNS },
      );
    });

    it(`format is idempotent (width ${width})`, () => {
      fc.assert(
        fc.property(documentArb, (doc) => {
          const text = format(doc, { width });
          expect(format(reparse(text), { width })).toBe(text);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it("formatExpr of an expression parses back to it", () => {
    fc.assert(
      fc.property(exprArb, (expr) => {
        const text = formatExpr(expr);
        const doc = reparse(text);
        expect(stripSpans(doc.segments[0]!.expr)).toEqual(stripSpans(expr));
      }),
      { numRuns: RUNS },
    );
  });
});

describe("format over generated valid texts", () => {
  it("formatting keeps the AST of valid expressions and segment files", () => {
    const now = "2024-06-15T12:00:00.000Z";
    fc.assert(
      fc.property(validTextArb(richSchema, now), fc.boolean(), (expr, asFile) => {
        const text = asFile ? segmentFileText(expr) : expr;
        const before = reparse(text);
        const formatted = format(before);
        expect(stripSpans(reparse(formatted))).toEqual(stripSpans(before));
        expect(format(reparse(formatted))).toBe(formatted);
      }),
      { numRuns: 150 },
    );
  });
});

/** Inserts `-- cN` comments (each ending its line) after some of the tokens of `text`. */
function withComments(text: string, picks: number[]): { text: string; comments: string[] } {
  const tokens = segqlLexer.tokenize(text).tokens;
  if (tokens.length === 0) return { text, comments: [] };
  const ends = [...new Set(picks.map((p) => tokens[p % tokens.length]!.endOffset! + 1))].sort((a, b) => b - a);
  let out = text;
  const comments: string[] = [];
  ends.forEach((end, i) => {
    const comment = `-- c${i}${i % 3 === 0 ? " and (x or" : ""}`;
    comments.push(comment);
    out = `${out.slice(0, end)} ${comment}\n${out.slice(end)}`;
  });
  return { text: out, comments };
}

/**
 * Formats `doc`, puts comments into the text at `picks`, and formats that: the comments do not change the
 * AST, each is printed exactly once, the AST survives and the result is a fixed point.
 */
function formatWithComments(doc: A.SegqlDocument, picks: number[], width: number) {
  const plain = format(doc, { width });
  const { text, comments } = withComments(plain, picks);
  const parsed = reparse(text);
  expect(stripSpans(parsed)).toEqual(stripSpans(reparse(plain)));
  const formatted = format(parsed, { width });
  for (const c of comments) expect(formatted.split(c).length - 1, `${c} in:\n${formatted}`).toBe(1);
  const again = reparse(formatted);
  expect(stripSpans(again)).toEqual(stripSpans(parsed));
  expect(format(again, { width })).toBe(formatted);
  return { text, comments, parsed, formatted, again };
}

describe("comments survive formatting", () => {
  it("every comment is printed exactly once, the AST is unchanged and the result is a fixed point", () => {
    fc.assert(
      fc.property(documentArb, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.constantFrom(80, 40, 20), (doc, picks, width) => {
        const { comments, again } = formatWithComments(doc, picks, width);
        expect(again.comments.map((c) => c.text).sort()).toEqual([...comments].sort());
      }),
      { numRuns: RUNS },
    );
  });

  it("a comment ending the line of a rule or of a declaration's name, title or description stays on that line", () => {
    fc.assert(
      fc.property(documentArb, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.constantFrom(80, 40, 20), (doc, picks, width) => {
        const { text, parsed, formatted, again } = formatWithComments(doc, picks, width);
        const before = trailingPlaces(parsed, text, false);
        const after = trailingPlaces(again, formatted, true);
        for (const [comment, place] of before) expect(after.get(comment), `${comment} in:\n${text}\n→\n${formatted}`).toBe(place);
      }),
      { numRuns: RUNS },
    );
  });

  it("examples: after a declaration's name, title and description, and after 'as'", () => {
    const cases: [string, string][] = [
      ['segment "A" -- the A\n  title "x" -- t\n  description "d" -- d\nas tenure > 1\n', 'segment "A" -- the A\n  title "x" -- t\n  description "d" -- d\nas tenure > 1\n'],
      ['segment "A" as -- why\n  tenure > 1\n', 'segment "A" as -- why\n  tenure > 1\n'],
      ['segment "A" -- why\nas tenure > 1 and status = "x"\n', 'segment "A" -- why\nas tenure > 1 and status = "x"\n'],
    ];
    for (const [input, output] of cases) {
      expect(format(reparse(input))).toBe(output);
      expect(format(reparse(output))).toBe(output);
    }
  });
});

/**
 * The comments of `doc` (parsed from `text`) that end the line on which a rule or a part of a declaration's
 * head (name, title, description) ends, right after it (the last such on the line), by what they follow:
 * `rule 3` (the fourth rule, segment reference or event head, in text order), `name 0`, `title 1`, `as 0`.
 * `afterParens`: also with `)` between (the formatter prints a comment after a rule after the `)`s that close
 * on its line); a comment after a `)` stays after that `)` (format-comment-places.test.ts).
 */
function trailingPlaces(doc: A.SegqlDocument, text: string, afterParens: boolean): Map<string, string> {
  const ends: { end: number; place: string }[] = [];
  const anchors: A.Expr[] = [];
  doc.segments.forEach((d, k) => {
    if (d.nameSpan && !doc.bare) ends.push({ end: d.nameSpan.end, place: `name ${k}` });
    if (d.title) ends.push({ end: d.title.span.end, place: `title ${k}` });
    if (d.description) ends.push({ end: d.description.span.end, place: `description ${k}` });
    if (d.expr) forEachExpr(d.expr, (e) => {
      if (e.kind === "rule" || e.kind === "segmentRef") anchors.push(e);
    });
  });
  anchors.sort((a, b) => a.span.start - b.span.start);
  anchors.forEach((a, i) => ends.push({ end: a.span.end, place: `rule ${i}` }));
  const places = new Map<string, string>();
  for (const c of doc.comments) {
    const lineStart = text.lastIndexOf("\n", c.span.start - 1) + 1;
    // What ends last before the comment on its line, with only blanks and ')' between (or a name's 'as').
    let best: { end: number; place: string } | null = null;
    for (const e of ends) if (e.end >= lineStart && e.end <= c.span.start && (!best || e.end > best.end)) best = e;
    const between = text.slice(best?.end ?? 0, c.span.start);
    // After a name's `as`: the comment follows `as` (on the name's line or on a line of its own).
    if (best && (afterParens ? /^[\s)]*(?:as\s*)?$/i : /^\s*(?:as\s*)?$/i).test(between)) places.set(c.text.trimEnd(), /as\s*$/i.test(between) ? best.place.replace("name", "as") : best.place);
    else if (!doc.bare && /^\s*as\s*$/i.test(text.slice(lineStart, c.span.start))) {
      places.set(c.text.trimEnd(), `as ${doc.segments.findIndex((d) => d.span.start <= c.span.start && c.span.start < d.span.end)}`);
    }
  }
  return places;
}

// ---- long value lists ----------------------------------------------------------------------------

const span: Span = { start: 0, end: 0, line: 1, column: 1 };

/** A list test (`in`, `not in`, `has any|all|none`) with 0-40 values. */
const listTestArb: fc.Arbitrary<A.Test> = fc
  .tuple(fc.constantFrom("in", "not in", "any", "all", "none"), fc.array(valueArb, { maxLength: 40 }))
  .map(([op, values]): A.Test =>
    op === "in" || op === "not in" ? { op: "in", negated: op === "not in", values, span } : { op: "has", quantifier: op as "any" | "all" | "none", values, span },
  );

const listRuleArb: fc.Arbitrary<A.Expr> = fc.tuple(fieldArb, listTestArb).map(([field, test]) => ({ kind: "rule", field, test, span }));

function junction(kind: "and" | "or", operands: A.Expr[]): A.Expr {
  return { kind, operands: operands.flatMap((o) => (o.kind === kind ? o.operands : [o])), span };
}

type ListyKinds = { expr: A.Expr; and: A.Expr; or: A.Expr; not: A.Expr; event: A.Expr };

/** Expressions (parser normal form) where most rules hold long lists, also in `where` filters and measures. */
const listyExprArb: fc.Arbitrary<A.Expr> = fc.letrec<ListyKinds>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", maxDepth: 4, withCrossShrink: true },
    { weight: 5, arbitrary: listRuleArb },
    { weight: 2, arbitrary: exprArb },
    { weight: 2, arbitrary: tie("event") },
    { weight: 2, arbitrary: tie("and") },
    { weight: 2, arbitrary: tie("or") },
    { weight: 1, arbitrary: tie("not") },
  ),
  and: fc.array(tie("expr"), { minLength: 2, maxLength: 3 }).map((ops) => junction("and", ops)),
  or: fc.array(tie("expr"), { minLength: 2, maxLength: 3 }).map((ops) => junction("or", ops)),
  not: tie("expr").map((operand): A.Expr => ({ kind: "not", operand, span })),
  event: fc
    .record({
      name: stringContentArb.map((value): A.Value => ({ kind: "string", value, span })),
      measure: fc.option(
        fc.oneof(
          fc.tuple(fc.constantFrom<A.AggregateFn>("sum", "avg", "min", "max"), fieldArb, listTestArb).map(
            ([fn, property, test]): A.Measure => ({ kind: "aggregate", fn, property, test, span }),
          ),
          fc.tuple(fc.constantFrom<"first" | "last">("first", "last"), listTestArb).map(([kind, test]): A.Measure => ({ kind, test, span })),
        ),
        { nil: null },
      ),
      window: fc.option(windowArb, { nil: null }),
      filter: fc.option(tie("expr"), { nil: null, freq: 3 }),
    })
    .map((e): A.Expr => ({ kind: "event", ...e, span })),
})).expr;

const listyDocumentArb: fc.Arbitrary<A.SegqlDocument> = fc.oneof(
  listyExprArb.map((expr): A.SegqlDocument => ({
    kind: "document",
    segments: [{ kind: "segment", name: null, nameSpan: null, title: null, description: null, expr, span }],
    bare: true,
    comments: [],
    span,
  })),
  fc
    .array(
      fc.record({ name: stringContentArb, title: fc.option(stringContentArb, { nil: null }), expr: listyExprArb }).map(
        ({ name, title, expr }): A.SegmentDeclaration => ({
          kind: "segment", name, nameSpan: span, title: title === null ? null : { kind: "string", value: title, span }, description: null, expr, span,
        }),
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((segments): A.SegqlDocument => ({ kind: "document", segments, bare: false, comments: [], span })),
);

const widthArb = fc.integer({ min: 16, max: 80 });

/** The list of a list test with at least one value, else null. */
function listValues(test: A.Test): A.Value[] | null {
  return (test.op === "in" || (test.op === "has" && test.quantifier !== "one")) && test.values.length > 0 ? test.values : null;
}

/** Replaces the values of a list test by none, so the printed text holds `()` where the list goes. */
function emptied(test: A.Test): A.Test {
  return test.op === "in" || test.op === "has" ? { ...test, values: [] } : test;
}

const FLAT = { width: Number.MAX_SAFE_INTEGER };

/**
 * The pieces of `doc` the formatter never breaks, as they are printed. A list rule `f in (v1, v2)` gives
 * `f in (`, each value with and without its comma, and `)`; an event head with a measure list gives the head
 * up to `(` and `)` with the window after it.
 */
function unbreakable(doc: A.SegqlDocument): Set<string> {
  const atoms = new Set<string>([")", "(", "where", "as"]);
  const addValues = (values: A.Value[]) => {
    for (const v of values) atoms.add(formatValue(v)).add(`${formatValue(v)},`);
  };
  for (const d of doc.segments) {
    if (d.name !== null) {
      atoms.add(`segment ${quoteString(d.name)}`).add(`segment ${quoteString(d.name)} as`);
      if (d.title) atoms.add(`title ${quoteString(d.title.value)}`);
    }
    if (!d.expr) continue;
    forEachExpr(d.expr, (e) => {
      if (e.kind === "rule") {
        const values = listValues(e.test);
        if (!values) atoms.add(formatExpr(e, FLAT));
        else {
          atoms.add(formatExpr({ ...e, test: emptied(e.test) }, FLAT).slice(0, -1));
          addValues(values);
        }
      } else if (e.kind === "segmentRef") atoms.add(formatExpr(e, FLAT));
      else if (e.kind === "event") {
        const head: A.EventExpr = { ...e, filter: null };
        const m = e.measure;
        const values = m && m.kind !== "count" ? listValues(m.test) : null;
        if (!m || m.kind === "count" || !values) atoms.add(formatExpr(head, FLAT));
        else {
          const measure = { ...m, test: emptied(m.test) };
          const before = formatExpr({ ...head, measure, window: null }, FLAT);
          const whole = formatExpr({ ...head, measure }, FLAT);
          atoms.add(before.slice(0, -1)).add(`)${whole.slice(before.length)}`);
          addValues(values);
        }
      }
    });
  }
  return atoms;
}

/** The lines of `text` longer than `width` that are not one unbreakable piece after leading operators. */
function linesTooLong(text: string, width: number, atoms: Set<string>): string[] {
  return text.split("\n").filter((line) => {
    if (line.length <= width) return false;
    let rest = line.trimStart();
    for (;;) {
      if (atoms.has(rest)) return false;
      const m = /^(and|or|not|where) /.exec(rest);
      if (!m) return true;
      rest = rest.slice(m[0].length);
    }
  });
}

describe("format laws over documents with long value lists", () => {
  it("round trip, idempotence, and every line fits unless it is one unbreakable piece", () => {
    fc.assert(
      fc.property(listyDocumentArb, widthArb, (doc, width) => {
        const text = format(doc, { width });
        const back = reparse(text);
        expect(stripSpans(back)).toEqual(stripSpans(doc));
        expect(format(back, { width })).toBe(text);
        expect(linesTooLong(text, width, unbreakable(doc)), text).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("the width law can fail: a list kept on one overlong line is reported", () => {
    const doc = reparse('zip in ("10001", "10002", "10003")');
    expect(linesTooLong('zip in ("10001", "10002", "10003")', 20, unbreakable(doc))).toHaveLength(1);
    expect(linesTooLong('zip in (\n  "10001", "10002",\n  "10003"\n)', 20, unbreakable(doc))).toEqual([]);
    expect(linesTooLong('zip in (\n  "10001", "10002", "10003"\n)', 20, unbreakable(doc))).toHaveLength(1);
  });

  it("comments inserted anywhere (also between list values) survive, stay put, and give a fixed point", () => {
    fc.assert(
      fc.property(listyDocumentArb, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), widthArb, (doc, picks, width) => {
        const { text, comments, parsed, formatted, again } = formatWithComments(doc, picks, width);
        const before = commentPlaces(parsed);
        const after = commentPlaces(again);
        for (const c of comments) {
          const was = before.get(c)!;
          const is = after.get(c)!;
          const where = `${c} in:\n${text}\n→\n${formatted}`;
          if (was.inList) expect(is, where).toEqual(was);
          else expect([was.rank - 1, was.rank], where).toContain(is.rank);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/**
 * Where each comment of `doc` is relative to its rules: `rank`, how many rules (segment references, event
 * heads) start before it; `inList`, for a comment after the first value of a list, the value it follows and
 * whether it is on that value's line. Formatting may move a comment inside a rule (before its list) to just
 * before the rule, so rank may drop by one; a comment in a list must stay after the same value.
 */
function commentPlaces(doc: A.SegqlDocument): Map<string, { rank: number; inList: string | null }> {
  const anchors: A.Expr[] = [];
  for (const d of doc.segments) {
    if (d.expr) forEachExpr(d.expr, (e) => {
      if (e.kind !== "and" && e.kind !== "or" && e.kind !== "not") anchors.push(e);
    });
  }
  anchors.sort((a, b) => a.span.start - b.span.start);
  const places = new Map<string, { rank: number; inList: string | null }>();
  for (const c of doc.comments) {
    const at = c.span.start;
    const rank = anchors.filter((a) => a.span.start < at).length;
    const a = anchors[rank - 1];
    let inList: string | null = null;
    const values = a?.kind === "rule" ? listValues(a.test) : null;
    if (a && values && at < a.span.end && at > values[0]!.span.start) {
      const i = values.filter((v) => v.span.start < at).length - 1;
      inList = `${rank}:${i}:${values[i]!.span.line === c.span.line ? "same" : "own"}`;
    }
    places.set(c.text.trimEnd(), { rank, inList });
  }
  return places;
}
