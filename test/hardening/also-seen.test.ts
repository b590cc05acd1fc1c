/**
 * Issue 10's "also seen" list (the `eval` without `--events` case is in test/cli/eval.test.ts), and the
 * lexer's hand-written scanners against the regular expressions they replace.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as api from "../../src/index.js";
import { analyze, checkExpression, compileSql, format, formatExpr, parse, parseSchema, type FormatOptions } from "../../src/index.js";
import { PRETTY_MAX_CHARS } from "../../src/compiler/sql/index.js";
import * as T from "../../src/parser/tokens.js";
import { segql, SCHEMA, tempDir } from "../cli/helpers.js";

const crm = JSON.parse(readFileSync(SCHEMA, "utf8")) as { events: { properties: Record<string, unknown> } };
const schema = parseSchema(JSON.stringify(crm));
// `country` is a contact field; here also a property of every event.
crm.events.properties["country"] = { type: "string" };
const shadowing = parseSchema(JSON.stringify(crm));
const warnings = (text: string, s = shadowing) =>
  analyze(text, s).diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.severity} ${d.code}`);

describe("a filter name that is also a contact field", () => {
  it("past an and/or of the filter, it warns that the event's property is read and how to reach the field", () => {
    const text = 'performed "Purchase" where amount > 50 or country = "France"';
    const d = analyze(text, shadowing).diagnostics;
    expect(d.map((x) => `${x.span.column} ${x.severity} ${x.code}`)).toEqual(["43 warning filter-shadows-field"]);
    expect(d[0]!.message).toBe(
      `country here is the property country of event "Purchase", not the contact field country: a 'where' filter runs to the end of the condition. ` +
        `To test the contact field, put the event condition in parentheses: (performed "Purchase" where …) and country …; ` +
        `to keep the property, put the filter in parentheses: where (…)`,
    );
    // It is a warning: the condition is checked and compiles, reading the event's property.
    expect(analyze(text, shadowing).segments).toHaveLength(1);
  });

  it("does not warn where the name can only be the property: first in the filter, a filter in parentheses, or no such field", () => {
    expect(warnings('performed "Purchase" where country = "France" and amount > 50')).toEqual([]);
    expect(warnings('performed "Purchase" where (amount > 50 or country = "France")')).toEqual([]);
    expect(warnings('(performed "Purchase" where amount > 50) or country = "France"')).toEqual([]);
    expect(warnings('performed "Purchase" where amount > 50 and currency = "EUR"')).toEqual([]);
  });

  it("a contact-only name in a filter is still an error saying to parenthesise the event", () => {
    expect(warnings('performed "Purchase" where amount > 50 and country = "France"', schema)).toEqual(["1:44 error unknown-property"]);
  });
});

describe("'at least 0 times'", () => {
  it("is always true: a warning, with a fix to 'at least 1 time'", () => {
    const d = analyze('performed "Purchase" at least 0 times and tenure > 1', schema).diagnostics;
    expect(d.map((x) => `${x.span.start}-${x.span.end} ${x.severity} ${x.code}`)).toEqual(["21-37 warning always-true"]);
    expect(d[0]!.fix).toMatchObject({ title: "require at least one event (at least 1 time)", edits: [{ text: "at least 1 time" }] });
    expect(warnings('performed "Purchase" at most 0 times', schema)).toEqual([]);
    expect(warnings('performed "Purchase" exactly 0 times', schema)).toEqual([]);
  });

  it("segql check prints the warning and exits 0", async () => {
    const r = await segql(["check", "-s", SCHEMA, 'performed "Purchase" at least 0 times']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1:22: warning: 'at least 0 times' always holds");
    expect(r.stderr).toBe(`ok: 1 input checked against ${SCHEMA}, 1 warning`);
  });
});

describe("segql check on an input with no condition", () => {
  it("is an error, like compile and eval: empty, blank or only comments", async () => {
    expect(await segql(["check", ""])).toEqual({
      code: 1,
      stdout: "1:1: error: the input is empty: there is no condition to check\n   1 | \n     | ^",
      stderr: "1 error in 1 of 1 input, checked for syntax only (no --schema given, no segql.json found)",
    });
    expect((await segql(["check", "  \n\t"])).code).toBe(1);
    const comments = await segql(["check", "-s", SCHEMA, "-"], "-- just a note\n");
    expect(comments.code).toBe(1);
    expect(comments.stdout).toContain("error: the input holds only comments: there is no condition to check");
    const json = JSON.parse((await segql(["check", "--json", ""])).stdout);
    expect(json.valid).toBe(false);
    expect(json.inputs[0].diagnostics[0]).toMatchObject({ code: "no-condition", line: 1, column: 1 });
  });

  it("an empty file among others is reported as that file's error", async () => {
    const tmp = tempDir();
    const empty = tmp.file("empty.segql", "");
    const good = tmp.file("good.segql", 'segment "a" as tenure > 1');
    const r = await segql(["check", "-s", SCHEMA, "-f", good, "-f", empty]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${empty}:1:1: error: the input is empty`);
  });
});

describe("the package exports the formatter", () => {
  it("format, formatExpr and FormatOptions come from the package's entry point", () => {
    const options: FormatOptions = { width: 30 };
    const doc = parse('STATUS IS "Subscribed" AND (plan_type = "Pro" or tenure > 12) and is_verified').document;
    expect(format(doc, options)).toBe('STATUS = "Subscribed"\nand (\n  plan_type = "Pro"\n  or tenure > 12\n)\nand is_verified\n');
    expect(formatExpr(doc.segments[0]!.expr!)).toBe('STATUS = "Subscribed" and (plan_type = "Pro" or tenure > 12) and is_verified');
    expect(typeof api.format).toBe("function");
  });
});

describe("pretty SQL is bounded", () => {
  const longText = `performed "Purchase" where ${Array.from({ length: 1500 }, (_, i) => `amount > ${i}`).join(" or ")}`;
  const long = checkExpression(longText, schema);

  it(`a statement over ${PRETTY_MAX_CHARS.toLocaleString("en-US")} characters stays on one line, with a note saying so`, () => {
    const r = compileSql(long, { dialect: "duckdb" });
    expect(r.sql.length).toBeGreaterThan(PRETTY_MAX_CHARS);
    expect(r.sql).not.toContain("\n");
    expect(r.sql).toBe(compileSql(long, { dialect: "duckdb", pretty: false }).sql);
    expect(r.note).toBe(
      `the statement is ${r.sql.length.toLocaleString("en-US")} characters long, so it is printed on one line (statements up to 100,000 characters are laid out over lines)`,
    );
    const short = compileSql(checkExpression("tenure > 1 and is_verified", schema), { dialect: "duckdb" });
    expect(short.sql).toContain("\n");
    expect(short.note).toBeUndefined();
  });

  it("segql compile prints the note on standard error", async () => {
    const r = await segql(["compile", "-s", SCHEMA, longText]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^segql compile: note: the statement is [\d,]+ characters long, so it is printed on one line/);
  });
});

describe("the lexer's scanners match exactly what the regular expressions they replace matched", () => {
  // A string is the terminated one when there is one (StringLiteral is tried first), else unterminated.
  const scanned = [[T.Identifier], [T.StringLiteral, T.UnterminatedString], [T.QuotedIdentifier]];
  type Pattern = { exec(text: string, offset: number): string[] | null; source: string };
  const first = (patterns: ((offset: number) => string | null)[], offset: number) => {
    for (const p of patterns) {
      const m = p(offset);
      if (m !== null) return m;
    }
    return null;
  };
  const alphabet = fc.constantFrom('"', "'", "\\", "`", "a", "Z", "_", ".", "1", "\n", "\r", " ", "é", "😀", "-");

  it("at every offset of random text (fast-check)", () => {
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }).map((cs) => cs.join("")), (text) => {
        for (const tokens of scanned) {
          const patterns = tokens.map((t) => t.PATTERN as unknown as Pattern);
          const byScan = patterns.map((p) => (offset: number) => p.exec(text, offset)?.[0] ?? null);
          const byRegex = patterns.map((p) => {
            const regex = new RegExp(p.source, "y");
            return (offset: number) => {
              regex.lastIndex = offset;
              return regex.exec(text)?.[0] ?? null;
            };
          });
          for (let offset = 0; offset < text.length; offset++) {
            expect(first(byScan, offset), `${tokens[0]!.name} at ${offset} of ${JSON.stringify(text)}`).toBe(first(byRegex, offset));
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
