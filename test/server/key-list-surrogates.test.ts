/**
 * A key list uploaded as JSON Lines may spell a lone UTF-16 surrogate (`"\ud800"`): it is refused at its
 * line, as a key holding U+0000 is and as every JSON body's text is, rather than looked up as a key (a 422
 * "not a contact" naming a key that no contact can have, and skipped without a word with skipUnknown).
 */
import { describe, expect, it } from "vitest";
import { readKeyList } from "../../src/server/key-lists.js";

describe("a lone surrogate in an uploaded key list", () => {
  it.each(['{"id":"\\ud800"}\n', '"a\\udc00b"\n'])("%s is a problem at its line", (text) => {
    expect(readKeyList(`"c1"\n${text}`, "jsonl", "id", undefined)).toEqual({
      ok: false,
      problems: [{ line: 2, message: "the key holds a lone UTF-16 surrogate (\\ud800-\\udfff without its pair): it is not Unicode" }],
      total: 1,
    });
  });

  it("a pair (an emoji) is a key like any other", () => {
    expect(readKeyList('"\\ud83c\\udf89"\n', "jsonl", "id", undefined)).toMatchObject({ ok: true, keys: ["🎉"] });
  });
});
