/**
 * The catalog's `namingStaticSegments`: conditions the analysis writes over the hidden static-segments
 * field, said with `in segment` by name (what `POST /api/diff` answers).
 */
import { describe, expect, it } from "vitest";
import { namingStaticSegments } from "../../src/store/catalog.js";

describe("namingStaticSegments: a condition's tests of the hidden static-segments field, by name", () => {
  const F = "`\u0000segql static segments`";
  const names = new Map([[1, "Picked"], [2, "VIP"]]);
  const nameOf = (id: number) => names.get(id);

  it("writes has / has any / has all / has none as in segment, keeping the rest", () => {
    expect(namingStaticSegments(`${F} has "1" and plan = "Pro"`, nameOf)).toBe('in segment "Picked" and plan = "Pro"');
    expect(namingStaticSegments(`${F} has any ("1", "2") and ltv > 1`, nameOf)).toBe('(in segment "Picked" or in segment "VIP") and ltv > 1');
    expect(namingStaticSegments(`${F} has all ("1", "2") or ltv > 1`, nameOf)).toBe('in segment "Picked" and in segment "VIP" or ltv > 1');
    expect(namingStaticSegments(`${F} has none ("1", "2")`, nameOf)).toBe('not in segment "Picked" and not in segment "VIP"');
    expect(namingStaticSegments(`not (${F} has "2")`, nameOf)).toBe('not in segment "VIP"');
    expect(namingStaticSegments('plan = "Pro"', nameOf)).toBe('plan = "Pro"');
  });

  it("null where a name cannot say it: emptiness of the field, an id without a name", () => {
    expect(namingStaticSegments(`${F} is empty and ltv > 1`, nameOf)).toBeNull();
    expect(namingStaticSegments(`${F} has "7"`, nameOf)).toBeNull();
  });
});
