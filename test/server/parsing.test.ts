/**
 * The server's own small parsers, with their laws: key lists (CSV written by any RFC 4180 writer and JSON
 * Lines read back to the same keys), If-Match (tags we write parse back to the versions), cursors (only
 * cursors we made are accepted).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { offsetCursor, readOffsetCursor } from "../../src/server/cursor.js";
import { parseIfMatch, segmentEtag, versionOfTag } from "../../src/server/etag.js";
import { keyListFormat, readKeyList } from "../../src/server/key-lists.js";
import { ProblemError } from "../../src/server/problems.js";
import { instantOf } from "../../src/server/schemas.js";

const keyArb = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).filter((k) => k.trim() !== "" && k !== "id" && k.toLowerCase() !== "key");

/** A CSV cell as a careful writer quotes it. */
function csvCell(s: string, alwaysQuote: boolean): string {
  return alwaysQuote || /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

describe("key lists", () => {
  it("CSV: keys written with a header, quoting and either line ending read back as written", () => {
    fc.assert(
      fc.property(fc.array(keyArb, { minLength: 1, maxLength: 20 }), fc.boolean(), fc.constantFrom("\n", "\r\n"), fc.boolean(), fc.boolean(), (keys, quote, eol, header, extraColumn) => {
        const rows = keys.map((k) => (extraColumn ? `${csvCell("x,y", quote)},${csvCell(k, quote)}` : csvCell(k, quote)));
        const head = extraColumn ? "note,id" : "id";
        const text = [...(header ? [head] : []), ...rows].join(eol) + (eol.length % 2 === 0 ? eol : "");
        const r = readKeyList(text, "csv", "id", header ? undefined : false);
        if (!header && extraColumn) return true; // without a header the first column is the key: not this shape
        expect(r).toEqual({ ok: true, keys });
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it("JSON Lines: strings, numbers and objects keyed by the key column or `key` read back", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(keyArb, fc.constantFrom("string", "object", "key")), { minLength: 1, maxLength: 20 }), (entries) => {
        const text = entries.map(([k, how]) => JSON.stringify(how === "string" ? k : how === "object" ? { id: k, other: 1 } : { key: k })).join("\n");
        expect(readKeyList(`${text}\n\n`, "jsonl", "id", undefined)).toEqual({ ok: true, keys: entries.map(([k]) => k) });
        return true;
      }),
      { numRuns: 200 },
    );
    expect(readKeyList("12\n3.5", "jsonl", "id", undefined)).toEqual({ ok: true, keys: ["12", "3.5"] });
  });

  it("reports each bad line by number and keeps nothing", () => {
    const r = readKeyList('"a"\n{"id": 1e999}\n[1]\nnot json\n{"name": "x"}\n""', "jsonl", "id", undefined);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6]);
    expect(r.total).toBe(5);
    const csv = readKeyList('id\n"open', "csv", "id", undefined);
    expect(csv).toMatchObject({ ok: false, problems: [{ line: 2, message: "a quoted cell is not closed" }] });
    expect(readKeyList('id\n"a"b', "csv", "id", undefined)).toMatchObject({ ok: false, problems: [{ line: 2 }] });
    expect(readKeyList("name,email\nx,y", "csv", "id", true)).toMatchObject({ ok: false, problems: [{ line: 1 }] });
    expect(readKeyList("\ufeffid\na\n\nb\n", "csv", "id", undefined)).toEqual({ ok: true, keys: ["a", "b"] });
    expect(readKeyList("id,x\na\n", "csv", "id", undefined)).toEqual({ ok: true, keys: ["a"] });
    expect(readKeyList("x,id\na\n", "csv", "id", undefined)).toMatchObject({ ok: false, problems: [{ line: 2, message: "the row has no column 2" }] });
  });

  it("keeps at most 100 problems but counts them all", () => {
    const r = readKeyList(Array.from({ length: 250 }, () => "[]").join("\n"), "jsonl", "id", undefined);
    expect(r).toMatchObject({ ok: false, total: 250 });
    if (!r.ok) expect(r.problems).toHaveLength(100);
  });

  it("knows the media types", () => {
    expect(keyListFormat("text/csv; charset=utf-8")).toBe("csv");
    expect(keyListFormat("Application/X-NDJSON")).toBe("jsonl");
    expect(keyListFormat("application/jsonl")).toBe("jsonl");
    expect(keyListFormat("application/json")).toBeNull();
    expect(keyListFormat(undefined)).toBeNull();
  });
});

describe("If-Match", () => {
  it("tags the server writes parse back to their versions, in any list", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { minLength: 1, maxLength: 5 }), fc.constantFrom(",", ", ", " ,  "), (versions, sep) => {
        const parsed = parseIfMatch(versions.map(segmentEtag).join(sep));
        expect(parsed.any).toBe(false);
        if (!parsed.any) expect(parsed.tags.map(versionOfTag)).toEqual(versions);
        return true;
      }),
    );
  });

  it("* matches anything; weak tags never match; tags we never make name no version; junk is a 400", () => {
    expect(parseIfMatch(" * ")).toEqual({ any: true });
    expect(parseIfMatch('W/"v3"')).toEqual({ any: false, tags: [] });
    expect(parseIfMatch('W/"v3", "v4"')).toEqual({ any: false, tags: ['"v4"'] });
    expect(versionOfTag('"abc"')).toBeNull();
    expect(versionOfTag('"v0"')).toBeNull();
    expect(versionOfTag('"v01"')).toBeNull();
    for (const junk of ["v3", '"v3', "'v3'", '"v3" "v4"', "", '"a\\"b"']) {
      expect(() => parseIfMatch(junk), junk).toThrow(ProblemError);
    }
  });
});

describe("cursors", () => {
  it("accept what they made and refuse anything else with a 400 problem", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), fc.constantFrom("contacts", "segments-desc-memberCount"), (offset, list) => {
        expect(readOffsetCursor(list, offsetCursor(list, offset))).toBe(offset);
        return true;
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (junk) => {
        try {
          const offset = readOffsetCursor("contacts", junk);
          // Only the empty cursor or one that really encodes this list may pass.
          expect(junk === "" || Buffer.from(junk, "base64url").toString("utf8").startsWith("contacts:")).toBe(true);
          expect(Number.isInteger(offset)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(ProblemError);
          expect((e as ProblemError).problem.status).toBe(400);
        }
        return true;
      }),
      { numRuns: 500 },
    );
    expect(() => readOffsetCursor("contacts", offsetCursor("segments-id", 3))).toThrow(ProblemError);
  });
});

describe("instants in query strings", () => {
  it("read ISO-8601 (no zone: UTC) and epoch milliseconds, and nothing looser", () => {
    expect(instantOf("2026-01-31")).toBe(Date.UTC(2026, 0, 31));
    expect(instantOf("2026-01-31T10:20")).toBe(Date.UTC(2026, 0, 31, 10, 20));
    expect(instantOf("2026-01-31 10:20:30.5")).toBe(Date.UTC(2026, 0, 31, 10, 20, 30, 500));
    expect(instantOf("2026-01-31T10:20:30+02:00")).toBe(Date.UTC(2026, 0, 31, 8, 20, 30));
    expect(instantOf("1767225600000")).toBe(1767225600000);
    for (const bad of ["yesterday", "1 2 3", "2026-13-01", "2026-01-31T25:00", "2026-01-31T10:20+0200", "", "-5"]) expect(instantOf(bad), bad).toBeNaN();
    fc.assert(
      fc.property(fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }), (d) => instantOf(d.toISOString()) === d.getTime()),
    );
  });
});
