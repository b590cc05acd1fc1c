/**
 * The web app's key batches (playground/src/segments/api.ts `keyBatches`): a pasted or uploaded list of any
 * length is sent in requests the API takes. Laws, for any keys (any Unicode, quotes, backslashes):
 * the batches put back together are the keys in order; none is empty (but the one batch of no keys); each
 * has at most `maxKeys` keys and at most `maxBytes` bytes of JSON unless it is one key larger than that.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyBatches } from "../../playground/src/segments/api.js";

/** The bytes of a value's JSON (UTF-8), as a request body. */
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

describe("keyBatches", () => {
  it("splits keys into batches within the limits, in order, losing and adding nothing", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary", maxLength: 40 }), { maxLength: 300 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 8, max: 400 }), (keys, maxKeys, maxBytes) => {
        const batches = keyBatches(keys, maxKeys, maxBytes);
        expect(batches.flat()).toEqual(keys);
        if (keys.length === 0) expect(batches).toEqual([[]]);
        for (const b of batches) {
          if (keys.length > 0) expect(b.length).toBeGreaterThan(0);
          expect(b.length).toBeLessThanOrEqual(maxKeys);
          // The "[" and "]" around a batch are not counted against the budget: at most 2 bytes over.
          if (b.length > 1) expect(bytes(b)).toBeLessThanOrEqual(maxBytes + 2);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps the defaults within the API's limits (100,000 keys, a 2 MB lookup body)", () => {
    const keys = Array.from({ length: 250_000 }, (_, i) => `KEY-${String(i).padStart(20, "0")}`);
    const batches = keyBatches(keys);
    expect(batches.flat()).toEqual(keys);
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(100_000);
      expect(bytes({ keys: b })).toBeLessThan(2 * 1024 * 1024);
    }
  });
});
