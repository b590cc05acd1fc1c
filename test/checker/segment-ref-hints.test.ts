/**
 * "unknown segment" suggests other segments, never the one whose condition names it: `segment "Pro big"
 * as in segment "Pro"` said 'did you mean "Pro big"?', a fix that makes the segment read itself (a cycle).
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { analyze, parseSchema } from "../../src/index.js";

const schema = parseSchema(readFileSync(new URL("../fixtures/crm-schema.json", import.meta.url), "utf8"));
const unknownSegment = (text: string) => analyze(text, schema).diagnostics.filter((d) => d.code === "unknown-segment");

describe("unknown segment: what it suggests", () => {
  it("not the segment itself", () => {
    const [d, ...rest] = unknownSegment('segment "Pro big" as in segment "Pro" and tenure > 1\n');
    expect(rest).toEqual([]);
    expect(d!.message).toBe('unknown segment "Pro"');
    expect(d!.fix).toBeUndefined();
  });

  it("another segment of the file, with its fix", () => {
    const text = 'segment "Pro bag" as tenure > 3\nsegment "Pro big" as in segment "Pro ba" and tenure > 1\n';
    const [d] = unknownSegment(text);
    expect(d!.message).toBe('unknown segment "Pro ba"; did you mean "Pro bag"?');
    expect(d!.fix?.edits[0]?.text).toBe('"Pro bag"');
  });
});
