/**
 * The ISO-8601 patterns every dialect's JSON time reader checks before it casts
 * (src/compiler/sql/json-time.ts) against the predicate's own reading (`toInstant` / `toDay`): a string is
 * a time for the predicate exactly when it matches, except where a zone offset moves 0001-01-01 or
 * 9999-12-31 out of years 1-9999 (the readers range-check those after casting). The engines' side is
 * tested in test/differential/regressions.test.ts ("JSON timestamps and dates: …") and the differential.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDate } from "../../src/checker/time.js";
import { toDay, toInstant } from "../../src/compiler/predicate/runtime.js";
import { EPOCH_LIMIT_MS, isoPatterns, MAX_INSTANT_MS, MIN_INSTANT_MS } from "../../src/compiler/sql/json-time.js";

const calendar = isoPatterns("calendar");
const shape = isoPatterns("shape");
const whole = (pattern: string) => new RegExp(`^(${pattern})$`);
const CAL = { date: whole(calendar.date), utc: whole(calendar.utc), any: whole(calendar.any) };
const SHAPE = { date: whole(shape.date), utc: whole(shape.utc), any: whole(shape.any) };

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Strings near the grammar: fields around their limits, every zone form, then sometimes one character changed. */
const nearIso: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(fc.constantFrom(0, 1, 4, 100, 400, 1900, 2000, 2023, 2024, 2100, 9999), fc.integer({ min: 0, max: 9999 })),
    fc.integer({ min: 0, max: 13 }),
    fc.oneof(fc.integer({ min: 27, max: 32 }), fc.integer({ min: 0, max: 32 })),
    fc.option(
      fc.tuple(
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.constantFrom("", ".5", ".12", ".123", ".1234", "."))),
        fc.constantFrom("", "Z", "z", "+05", "-0530", "+05:30", "+18:59", "-19:00", "+05:60", "+5", "+05:", " Z", "UTC"),
      ),
    ),
    fc.option(fc.tuple(fc.nat(), fc.constantFrom(" ", "T", "t", "-", ":", ".", "0", "9", "x", "\n", "+"))),
  )
  .map(([y, mo, d, time, mutation]) => {
    let s = `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
    if (time) {
      const [h, mi, sec, zone] = time;
      s += `T${pad(h)}:${pad(mi)}${sec ? `:${pad(sec[0])}${sec[1]}` : ""}${zone}`;
    }
    if (mutation) {
      const i = mutation[0] % (s.length + 1);
      s = s.slice(0, i) + mutation[1] + s.slice(i + 1);
    }
    return s;
  });

/** The offset pushes the instant out of years 1-9999 (the pattern cannot see that; the readers range-check). */
const atRangeEdge = (s: string) => s.startsWith("0001-01-01T") || s.startsWith("9999-12-31T");

describe("JSON time patterns", () => {
  it("match exactly the strings the predicate reads as instants (but for offsets at the range's edges)", () => {
    fc.assert(
      fc.property(nearIso, (s) => {
        const read = !Number.isNaN(toInstant(s));
        const matched = CAL.any.test(s);
        if (read) expect(matched, s).toBe(true);
        else if (matched) expect(atRangeEdge(s), s).toBe(true);
        // toDay reads the same strings (a date is the UTC day of the instant).
        expect(!Number.isNaN(toDay(s)), s).toBe(read);
      }),
      { numRuns: 20_000, seed: 5 },
    );
  });

  it("`utc` is the `…:ss[.fff]Z` part of `any`; `date` the bare dates", () => {
    fc.assert(
      fc.property(nearIso, (s) => {
        if (CAL.utc.test(s)) expect(CAL.any.test(s) && /Z$/.test(s) && s.length >= 20, s).toBe(true);
        if (CAL.date.test(s)) expect(s.length === 10 && CAL.any.test(s), s).toBe(true);
        if (s.length === 10) expect(CAL.date.test(s), s).toBe(CAL.any.test(s));
      }),
      { numRuns: 5_000, seed: 6 },
    );
  });

  it("the shape patterns differ from the calendar ones only on days that do not exist", () => {
    fc.assert(
      fc.property(nearIso, (s) => {
        for (const k of ["date", "utc", "any"] as const) {
          if (CAL[k].test(s)) expect(SHAPE[k].test(s), s).toBe(true);
          else if (SHAPE[k].test(s)) expect(parseDate(s.slice(0, 10)), s).toBeNull();
        }
      }),
      { numRuns: 5_000, seed: 7 },
    );
  });

  it("epoch milliseconds: floored, and only in years 1-9999", () => {
    expect(new Date(MIN_INSTANT_MS).toISOString()).toBe("0001-01-01T00:00:00.000Z");
    expect(new Date(MAX_INSTANT_MS).toISOString()).toBe("9999-12-31T23:59:59.999Z");
    expect(toInstant(1.5)).toBe(1);
    expect(toInstant(-0.5)).toBe(-1);
    expect(toInstant(MIN_INSTANT_MS)).toBe(MIN_INSTANT_MS);
    expect(toInstant(MIN_INSTANT_MS - 0.5)).toBeNaN();
    expect(toInstant(EPOCH_LIMIT_MS - 0.1)).toBe(MAX_INSTANT_MS);
    expect(toInstant(EPOCH_LIMIT_MS)).toBeNaN();
    expect(toInstant(1e20)).toBeNaN();
    expect(toInstant(Number.POSITIVE_INFINITY)).toBeNaN();
    expect(toDay(-0.5)).toBe(-86_400_000);
    expect(toDay(86_399_999.9)).toBe(0);
    expect(toInstant(new Date(Date.UTC(10000, 0, 1)))).toBeNaN();
    expect(toInstant("0000-12-31T23:59:59.999Z")).toBeNaN();
    expect(toInstant("0001-01-01T00:30:00+01:00")).toBeNaN();
    expect(toDay("0000-01-01")).toBeNaN();
  });
});
