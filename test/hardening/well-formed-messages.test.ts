/**
 * Every message segql writes about a text is well-formed Unicode, whatever the text holds: an emoji where
 * no token starts, a long string literal cut for a message, half of a surrogate pair. A message holding
 * half an emoji cannot be written as UTF-8 (the terminal shows '�') and strict JSON decoders refuse it
 * (`check --json`, `POST /api/check`, the language server). Property: parse, check and the analysis, on
 * random texts made of segql's words and Unicode, give only well-formed messages, fix titles and fix texts.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clip } from "../../src/diagnostics.js";
import { analyze, parseSchema } from "../../src/index.js";

const schema = parseSchema(readFileSync(join(import.meta.dirname, "..", "..", "data", "telco", "schema.json"), "utf8"));

const wellFormed = (s: string) => !/\p{Cs}/u.test(s);

/** Texts of segql words, field names, odd characters and literals holding them. */
const piece = fc.oneof(
  fc.constantFrom("tenure", ">", "=", "and", "or", "not", "(", ")", "contract", '"Month-to-month"', "in", "12", "customer_id", "contains", "signed_up_at", "within last 3 days", "services", "has", "is empty", ",", "between", "6"),
  fc.constantFrom("🎉", "😀😀😀😀😀😀😀😀😀😀😀😀😀", "\ud83c", "\udf89", "\u200b", "é", "日本", "\u0007", "\ufeff"),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 40 }).map((s) => JSON.stringify(s)),
  fc.string({ unit: "grapheme", minLength: 20, maxLength: 40 }).map((s) => `"${s.replace(/["\\]/g, "")}"`),
);
const text = fc.array(piece, { minLength: 1, maxLength: 12 }).map((ps) => ps.join(" "));

describe("messages are well-formed Unicode", () => {
  it("clip never cuts a surrogate pair", () => {
    expect(clip("ab😀cd", 4)).toBe("ab…");
    expect(clip("abc😀d", 5)).toBe("abc…");
    expect(clip("😀😀😀", 3, "...")).toBe("...");
    expect(clip("short", 10)).toBe("short");
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), fc.integer({ min: 1, max: 30 }), (s, max) => {
        const out = clip(s, max);
        expect(wellFormed(out)).toBe(true);
        if (s.length <= max) expect(out).toBe(s);
        else expect(out.length).toBeLessThanOrEqual(max);
      }),
    );
  });

  it("an emoji where no token starts is named whole; a lone surrogate and invisible characters by code point", () => {
    const message = (t: string) => analyze(t, schema).diagnostics.map((d) => d.message);
    expect(message("🎉 tenure > 1")).toEqual(["unexpected character '🎉'"]);
    expect(message("tenure > 1 \ud83c")).toEqual(["unexpected character U+D83C"]);
    expect(message("tenure\u200b> 1")).toEqual(["unexpected character U+200B (a zero-width space: delete it)"]);
  });

  it("a warning quoting a long part cuts it between characters, wherever the cut falls", () => {
    for (const pad of ["", "a"]) {
      const [warning] = analyze(`customer_id = "${pad}${"😀".repeat(60)}" and customer_id = "b"`, schema).diagnostics;
      expect(warning!.message).toMatch(/^this condition never matches: 'customer_id = "a?😀+…' and 'customer_id = "b"' cannot both hold/u);
      expect(wellFormed(warning!.message)).toBe(true);
    }
  });

  it("parse, check and analysis on random texts: every message, fix title and fix text", () => {
    fc.assert(
      fc.property(text, (t) => {
        for (const d of analyze(t, schema).diagnostics) {
          expect(wellFormed(d.message), `${JSON.stringify(t)} → ${JSON.stringify(d.message)}`).toBe(true);
          if (d.fix) {
            expect(wellFormed(d.fix.title), JSON.stringify(d.fix.title)).toBe(true);
            for (const e of d.fix.edits) expect(wellFormed(e.text) || !wellFormed(t), JSON.stringify(e.text)).toBe(true);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
