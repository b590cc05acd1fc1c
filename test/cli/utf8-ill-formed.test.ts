/**
 * Bytes that look like UTF-8 sequences but that UTF-8 forbids (an encoded UTF-16 surrogate, as a lone
 * surrogate written by a WTF-8 / CESU-8 encoder; an overlong form; a code point past U+10FFFF) are refused
 * as not UTF-8, naming the line and byte, as a Latin-1 byte is: the CLI's check let them through, the
 * decoder turned each into U+FFFD, and `check` said "unexpected character '�'" (an expression file) or
 * `eval` read a name of replacement characters without a word (a data file).
 */
import { describe, expect, it } from "vitest";
import { notTextReason } from "../../src/cli/text-files.js";
import { SCHEMA, segql, tempDir } from "./helpers.js";

const files = tempDir();

/** Each ill-formed sequence after `ltv > 1 and name = "`, on line 2, with the byte that begins it. */
const ILL_FORMED: [string, number[], string][] = [
  ["a lone surrogate (U+D800 encoded)", [0xed, 0xa0, 0x80], "0xED"],
  ["an overlong '/' (C0 AF)", [0xc0, 0xaf], "0xC0"],
  ["an overlong three-byte form (E0 80 AF)", [0xe0, 0x80, 0xaf], "0xE0"],
  ["a code point past U+10FFFF (F4 90 80 80)", [0xf4, 0x90, 0x80, 0x80], "0xF4"],
];

const withBytes = (bytes: number[]) => Buffer.concat([Buffer.from('ltv > 1\nand name = "'), Buffer.from(bytes), Buffer.from('"\n')]);

describe("ill-formed UTF-8 is not UTF-8 text", () => {
  it.each(ILL_FORMED)("%s: notTextReason names its line and first byte", (_, bytes, hex) => {
    expect(notTextReason(withBytes(bytes))).toMatch(new RegExp(`^not UTF-8 text \\(line 2 has the byte ${hex}, `));
  });

  it.each(ILL_FORMED)("%s in an expression file: check exits 1 with one line, not 'unexpected character'", async (name, bytes, hex) => {
    const path = files.file(`${bytes.join("-")}.segql`, "");
    (await import("node:fs")).writeFileSync(path, withBytes(bytes));
    const r = await segql(["check", "--schema", SCHEMA, "-f", path]);
    expect({ code: r.code, stderr: r.stderr }, name).toEqual({ code: 1, stderr: expect.stringMatching(new RegExp(`^segql check: ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not UTF-8 text \\(line 2 has the byte ${hex}, `)) });
    expect(r.stdout).toBe("");
  });

  it("a well-formed file of every length of character is text (no false alarm), and a character cut by the sniffed part's end is not a fault", () => {
    const text = Buffer.from('name = "é € 𝄞 \u{10FFFF} \uD7FF \uE000"\n');
    expect(notTextReason(text)).toBeNull();
    const cut = Buffer.from("a𝄞").subarray(0, 3);
    expect(notTextReason(cut, true)).toBeNull();
    expect(notTextReason(cut)).toMatch(/^not UTF-8 text \(line 1 has the byte 0xF0, /);
  });
});
