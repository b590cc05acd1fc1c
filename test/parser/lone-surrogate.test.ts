/**
 * Half of a UTF-16 surrogate pair in a string literal is refused where it is written: UTF-8 (the SQL
 * engines' text, the stores') cannot hold it, so `name != "\ud800"` compiled to SQL comparing with U+FFFD
 * while the predicate compared with the half: two memberships for one segment. A whole pair, escaped or
 * written, is one character and reads as before.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "../../src/parser/index.js";
import { formatValue } from "../../src/parser/format.js";

const MESSAGE = "half of a surrogate pair is not a character: write the character itself, or both halves of its pair (as in '\\ud83d\\ude00' for 😀)";
const at = (text: string) => parse(text).diagnostics.map((d) => `${d.span.line}:${d.span.column}-${d.span.end - d.span.start} ${d.message}`);

describe("a lone half of a surrogate pair in a string", () => {
  it("is an error on the escape that makes it: high or low half, alone, after text, or reversed", () => {
    expect(at('name = "\\ud800"')).toEqual([`1:9-6 ${MESSAGE}`]);
    expect(at('name = "ab\\udc00"')).toEqual([`1:11-6 ${MESSAGE}`]);
    expect(at('name = "\\ude00\\ud83d"')).toEqual([`1:9-6 ${MESSAGE}`]);
    expect(at('performed "\\udbff" where x = 1')).toEqual([`1:12-6 ${MESSAGE}`]);
  });

  it("written raw (an editor or an API can send one) is an error on the string", () => {
    expect(at('name = "a\ud800b"')).toEqual([`1:8-5 ${MESSAGE}`]);
  });

  it("a whole pair, escaped, half escaped or written, reads as the character", () => {
    for (const text of ['name = "\\ud83d\\ude00"', 'name = "\ud83d\\ude00"', 'name = "😀"']) {
      const r = parse(text);
      expect(r.diagnostics, text).toEqual([]);
    }
  });

  it("any string: the literal the formatter writes parses without error exactly when the string is well-formed, and back to it", () => {
    const units = fc.string({ maxLength: 8, unit: fc.oneof(fc.integer({ min: 0xd7f0, max: 0xe010 }), fc.integer({ min: 0, max: 0x7f })).map((c) => String.fromCharCode(c)) });
    fc.assert(
      fc.property(units, (value) => {
        const text = `name = ${formatValue({ kind: "string", value, span: { start: 0, end: 0, line: 1, column: 1 } })}`;
        const r = parse(text);
        const wellFormed = !/\p{Cs}/u.test(value);
        expect(r.diagnostics.length === 0, text).toBe(wellFormed);
        if (wellFormed) {
          const rule = r.document.segments[0]!.expr as { test: { value: { value: string } } };
          expect(rule.test.value.value).toBe(value);
        }
      }),
      { numRuns: 500 },
    );
  });
});
