/**
 * Time zones (src/checker/zone.ts and the zone-aware parts of time.ts): offsets from Intl, the rule for
 * wall-clock times a DST change skips or repeats, calendar units on the wall clock, day starts, and UTC
 * left exactly as it was. Each DST case names what it covers.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDate, parseTimestamp, resolveTime, subtractUnits } from "../../src/checker/time.js";
import type { TimeValue } from "../../src/checker/typed-ast.js";
import {
  ceilDay,
  dayStart,
  floorDay,
  formatInZone,
  fromWallClock,
  shiftUnits,
  startOfDay,
  timeZone,
  TimeZoneError,
  UTC,
  wallClock,
  wallClockKind,
  zoneTransitions,
} from "../../src/checker/zone.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const at = (iso: string) => Date.parse(iso);
/** A wall-clock time written `2024-03-31T02:30` as epoch ms read as UTC. */
const wall = (text: string) => Date.parse(`${text}Z`);
const iso = (ms: number) => new Date(ms).toISOString();

const berlin = timeZone("Europe/Berlin");
const newYork = timeZone("America/New_York");
const kolkata = timeZone("Asia/Kolkata");
const chatham = timeZone("Pacific/Chatham");
const lordHowe = timeZone("Australia/Lord_Howe");

/** Zones the property tests draw from: the named ones, southern-hemisphere DST, half-hour and odd offsets, no DST. */
const ZONES = [
  "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Australia/Lord_Howe", "America/Santiago",
  "Asia/Kathmandu", "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Australia/Adelaide", "America/Havana",
  "Europe/London", "Asia/Tokyo", "America/Los_Angeles", "Africa/Casablanca", "Asia/Tehran",
];

/** An independent reading of the offset: Intl's `longOffset` name (`GMT+05:30`), not the formatToParts path. */
function intlOffset(zone: string, ms: number): number {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" }).formatToParts(ms).find((p) => p.type === "timeZoneName")!.value;
  const m = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(name);
  if (!m) throw new Error(`unexpected offset name ${name}`);
  if (!m[1]) return 0;
  return (m[1] === "-" ? -1 : 1) * ((Number(m[2]) * 60 + Number(m[3])) * MINUTE + Number(m[4] ?? 0) * 1000);
}

describe("zone names", () => {
  it("knows IANA names in any case, keeps the spelling Intl lists, and treats UTC aliases as UTC", () => {
    expect(timeZone("europe/berlin").name).toBe("Europe/Berlin");
    expect(timeZone("Asia/Kolkata").name).toBe("Asia/Kolkata");
    expect(timeZone("Etc/UTC").utc).toBe(true);
    expect(timeZone("UTC").utc).toBe(true);
    expect(berlin.utc).toBe(false);
  });

  it("refuses what Intl does not know, saying what to write", () => {
    expect(() => timeZone("Mars/Olympus")).toThrow(TimeZoneError);
    expect(() => timeZone("Mars/Olympus")).toThrow(/unknown time zone 'Mars\/Olympus': expected an IANA time zone name such as Europe\/Berlin/);
    expect(() => timeZone("+05:30")).toThrow(/Etc\/GMT-5/);
    expect(() => timeZone("")).toThrow(TimeZoneError);
    expect(() => timeZone(" Europe/Berlin")).toThrow(TimeZoneError);
  });
});

describe("offsets come from Intl", () => {
  it("agree with Intl's own offset names at random instants in random zones", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: at("1900-01-01T00:00:00Z"), max: at("2100-01-01T00:00:00Z") }), (name, ms) => {
        expect(timeZone(name).offsetAt(ms)).toBe(intlOffset(name, ms));
      }),
      { numRuns: 400 },
    );
  });

  it("a 30-minute zone (Asia/Kolkata +05:30) and a 45-minute zone (Pacific/Chatham +12:45 / +13:45)", () => {
    expect(kolkata.offsetAt(at("2024-06-01T00:00:00Z"))).toBe(5.5 * HOUR);
    expect(chatham.offsetAt(at("2024-06-01T00:00:00Z"))).toBe(12.75 * HOUR); // southern winter
    expect(chatham.offsetAt(at("2024-12-01T00:00:00Z"))).toBe(13.75 * HOUR);
    expect(lordHowe.offsetAt(at("2024-06-01T00:00:00Z"))).toBe(10.5 * HOUR);
    expect(lordHowe.offsetAt(at("2024-12-01T00:00:00Z"))).toBe(11 * HOUR); // Lord Howe's DST is 30 minutes
  });
});

describe("wall-clock times a DST change skips or repeats", () => {
  const cases: { name: string; zone: string; local: string; expected: string; kind: "skipped" | "repeated" }[] = [
    { name: "spring forward, Berlin: 02:30 does not exist, read as 03:30 CEST", zone: "Europe/Berlin", local: "2024-03-31T02:30", expected: "2024-03-31T01:30:00.000Z", kind: "skipped" },
    { name: "fall back, Berlin: 02:30 happens twice, the later (CET)", zone: "Europe/Berlin", local: "2024-10-27T02:30", expected: "2024-10-27T01:30:00.000Z", kind: "repeated" },
    { name: "spring forward, New York: 02:30 read as 03:30 EDT", zone: "America/New_York", local: "2024-03-10T02:30", expected: "2024-03-10T07:30:00.000Z", kind: "skipped" },
    { name: "fall back, New York: 01:30 twice, the later (EST)", zone: "America/New_York", local: "2024-11-03T01:30", expected: "2024-11-03T06:30:00.000Z", kind: "repeated" },
    { name: "45-minute zone spring forward, Chatham: 03:00 skipped (02:45 → 03:45)", zone: "Pacific/Chatham", local: "2024-09-29T03:00", expected: "2024-09-28T14:15:00.000Z", kind: "skipped" },
    { name: "45-minute zone fall back, Chatham: 03:00 twice (03:45 → 02:45), the later", zone: "Pacific/Chatham", local: "2024-04-07T03:00", expected: "2024-04-06T14:15:00.000Z", kind: "repeated" },
    { name: "Lord Howe's 30-minute spring forward: 02:15 skipped (02:00 → 02:30)", zone: "Australia/Lord_Howe", local: "2024-10-06T02:15", expected: "2024-10-05T15:45:00.000Z", kind: "skipped" },
    { name: "Lord Howe's 30-minute fall back: 01:45 twice (02:00 → 01:30), the later", zone: "Australia/Lord_Howe", local: "2024-04-07T01:45", expected: "2024-04-06T15:15:00.000Z", kind: "repeated" },
    { name: "a gap that swallows midnight, Santiago: 00:30 read as 01:30", zone: "America/Santiago", local: "2024-09-08T00:30", expected: "2024-09-08T04:30:00.000Z", kind: "skipped" },
    { name: "a repeated midnight, Havana: 00:30 twice, the later", zone: "America/Havana", local: "2024-11-03T00:30", expected: "2024-11-03T05:30:00.000Z", kind: "repeated" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const z = timeZone(c.zone);
      expect(iso(fromWallClock(wall(c.local), z))).toBe(c.expected);
      expect(wallClockKind(wall(c.local), z).kind).toBe(c.kind);
    });
  }

  it("every other wall-clock time maps to the one instant showing it (round trip), at random", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: at("1950-01-01T00:00:00Z"), max: at("2080-01-01T00:00:00Z") }), (name, w) => {
        const z = timeZone(name);
        const kind = wallClockKind(w, z);
        const t = fromWallClock(w, z);
        if (kind.kind === "skipped") {
          // Read with the offset before the change: as far past the change as the time was into the gap.
          expect(t).toBe(kind.instant);
          expect(wallClock(t, z)).toBe(w + kind.gap);
        } else {
          expect(wallClock(t, z)).toBe(w);
          if (kind.kind === "repeated") expect(t).toBeGreaterThan(kind.earlier);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("calendar units on the zone's wall clock", () => {
  it("spring forward: 1 day ago across a 23-hour day is the same local time yesterday", () => {
    const now = at("2024-03-31T10:00:00Z"); // 12:00 CEST, the first day of summer time
    expect(iso(subtractUnits(now, 1, "day", berlin))).toBe("2024-03-30T11:00:00.000Z"); // 12:00 CET
    expect(now - subtractUnits(now, 1, "day", berlin)).toBe(23 * HOUR);
    expect(now - subtractUnits(now, 24, "hour", berlin)).toBe(24 * HOUR); // hours stay exact durations
  });

  it("fall back: 1 day ago across a 25-hour day is the same local time yesterday", () => {
    const now = at("2024-10-27T11:00:00Z"); // 12:00 CET
    expect(iso(subtractUnits(now, 1, "day", berlin))).toBe("2024-10-26T10:00:00.000Z"); // 12:00 CEST
    expect(now - subtractUnits(now, 1, "day", berlin)).toBe(25 * HOUR);
  });

  it("New York: 1 week ago across spring forward keeps the local time", () => {
    const now = at("2024-03-15T13:00:00Z"); // 09:00 EDT
    expect(iso(subtractUnits(now, 1, "week", newYork))).toBe("2024-03-08T14:00:00.000Z"); // 09:00 EST
  });

  it("months clamp to the month's end in the zone (2024-03-31 − 1 month = 2024-02-29, local time kept)", () => {
    const now = at("2024-03-31T08:00:00Z"); // 10:00 CEST on 31 March
    expect(formatInZone(subtractUnits(now, 1, "month", berlin), berlin)).toBe("2024-02-29T10:00:00.000+01:00");
    expect(formatInZone(subtractUnits(now, -1, "month", berlin), berlin)).toBe("2024-04-30T10:00:00.000+02:00");
  });

  it("a result in a gap moves forward by the gap (spring forward, Berlin)", () => {
    const now = at("2024-04-01T00:30:00Z"); // 02:30 CEST on 1 April
    expect(formatInZone(subtractUnits(now, 1, "day", berlin), berlin)).toBe("2024-03-31T03:30:00.000+02:00");
  });

  it("Lord Howe's 30-minute DST: 1 day ago across its change is 23.5 hours", () => {
    const now = at("2024-10-06T01:00:00Z"); // 12:00 +11 on the first day of DST
    expect(now - subtractUnits(now, 1, "day", lordHowe)).toBe(23.5 * HOUR);
  });

  it("Chatham's 45-minute zone: 1 day ago across its fall back is 25 hours", () => {
    const now = at("2024-04-07T00:00:00Z"); // 12:45 +12:45, the first day of standard time
    expect(now - subtractUnits(now, 1, "day", chatham)).toBe(25 * HOUR);
  });

  it("in UTC every unit is what it was: the UTC calendar arithmetic", () => {
    // The reference: the arithmetic time.ts did before zones, written out here.
    const reference = (from: number, amount: number, unit: string): number => {
      const fixed: Record<string, number> = { minute: MINUTE, hour: HOUR, day: DAY, week: 7 * DAY };
      if (fixed[unit] !== undefined) return from - amount * fixed[unit]!;
      const months = unit === "year" ? amount * 12 : amount;
      const d = new Date(from);
      const total = d.getUTCFullYear() * 12 + d.getUTCMonth() - months;
      const y = Math.floor(total / 12);
      const m = total - y * 12;
      const last = new Date(Date.UTC(2000, m + 1, 0)).getUTCDate() - (m === 1 && !((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 1 : 0);
      const out = new Date(0);
      out.setUTCFullYear(y, m, Math.min(d.getUTCDate(), last));
      out.setUTCHours(d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
      return out.getTime();
    };
    fc.assert(
      fc.property(
        fc.integer({ min: at("1000-01-01T00:00:00Z"), max: at("9000-01-01T00:00:00Z") }),
        fc.integer({ min: -500, max: 500 }),
        fc.constantFrom("minute", "hour", "day", "week", "month", "year"),
        (from, amount, unit) => {
          const u = unit as "minute";
          expect(subtractUnits(from, amount, u)).toBe(reference(from, amount, unit));
          expect(subtractUnits(from, amount, u, timeZone("Etc/UTC"))).toBe(reference(from, amount, unit));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("days keep the local time of day unless the result falls in a gap (random zones, instants, amounts)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: at("1970-01-01T00:00:00Z"), max: at("2060-01-01T00:00:00Z") }),
        fc.integer({ min: -800, max: 800 }),
        (name, from, days) => {
          const z = timeZone(name);
          const target = wallClock(from, z) + days * DAY;
          const got = shiftUnits(from, days, "day", z);
          if (wallClockKind(target, z).kind === "skipped") expect(wallClock(got, z)).toBeGreaterThan(target);
          else expect(wallClock(got, z)).toBe(target);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("days start at local midnight", () => {
  it("today in Berlin starts at 22:00 or 23:00 UTC the day before", () => {
    expect(iso(startOfDay(at("2024-03-31T23:30:00Z"), berlin))).toBe("2024-03-31T22:00:00.000Z"); // 1 April, CEST
    expect(iso(startOfDay(at("2024-03-31T21:30:00Z"), berlin))).toBe("2024-03-30T23:00:00.000Z"); // 31 March began in CET
    expect(iso(startOfDay(at("2024-03-31T21:30:00Z"), UTC))).toBe("2024-03-31T00:00:00.000Z");
  });

  it("a 30-minute zone: today in Kolkata starts at 18:30 UTC", () => {
    expect(iso(startOfDay(at("2024-06-01T20:00:00Z"), kolkata))).toBe("2024-06-01T18:30:00.000Z");
  });

  it("a date literal is the start of that day in the zone; an offset-less timestamp is wall-clock time there", () => {
    const date: TimeValue = { kind: "instant", ms: parseDate("2024-03-31")!, date: "2024-03-31", local: true };
    const parsed = parseTimestamp("2024-10-27T02:30");
    if (!("ms" in parsed)) throw new Error("not parsed");
    expect(parsed.local).toBe(true);
    const stamp: TimeValue = { kind: "instant", ms: parsed.ms, local: true };
    expect(iso(resolveTime(date, 0, berlin))).toBe("2024-03-30T23:00:00.000Z");
    expect(iso(resolveTime(date, 0))).toBe("2024-03-31T00:00:00.000Z");
    expect(iso(resolveTime(stamp, 0, berlin))).toBe("2024-10-27T01:30:00.000Z"); // fall back: the later 02:30
    const zoned = parseTimestamp("2024-10-27T02:30+02:00");
    expect("ms" in zoned && zoned.local).toBe(false);
    expect(resolveTime({ kind: "instant", ms: at("2024-10-27T00:30:00Z") }, 0, berlin)).toBe(at("2024-10-27T00:30:00Z"));
  });

  it("today, relative times and the future resolve in the zone", () => {
    const now = at("2024-10-27T11:00:00Z");
    expect(iso(resolveTime({ kind: "today" }, now, berlin))).toBe("2024-10-26T22:00:00.000Z"); // a 25-hour day starts at CEST midnight
    expect(iso(resolveTime({ kind: "relative", amount: -1, unit: "day" }, now, berlin))).toBe("2024-10-28T11:00:00.000Z");
    expect(iso(resolveTime({ kind: "relative", amount: 1, unit: "day" }, now, berlin))).toBe("2024-10-26T10:00:00.000Z");
  });

  it("floorDay and ceilDay bracket an instant by day starts (random zones and instants)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: at("1970-01-01T00:00:00Z"), max: at("2060-01-01T00:00:00Z") }), fc.boolean(), (name, t0, onStart) => {
        const z = timeZone(name);
        const t = onStart ? startOfDay(t0, z) : t0;
        const f = floorDay(t, z);
        const c = ceilDay(t, z);
        expect(dayStart(f, z)).toBeLessThanOrEqual(t);
        expect(dayStart(f + DAY, z)).toBeGreaterThan(t);
        expect(dayStart(c, z)).toBeGreaterThanOrEqual(t);
        expect(dayStart(c - DAY, z)).toBeLessThan(t);
        expect(c === f).toBe(dayStart(f, z) === t);
        if (onStart) expect(c).toBe(f);
      }),
      { numRuns: 400 },
    );
  });
});

describe("formatting in a zone", () => {
  it("writes the local time with its offset, seconds of a local mean time included", () => {
    expect(formatInZone(at("2024-06-01T00:00:00Z"), chatham)).toBe("2024-06-01T12:45:00.000+12:45");
    expect(formatInZone(at("2024-06-01T00:00:00Z"), newYork)).toBe("2024-05-31T20:00:00.000-04:00");
    expect(formatInZone(at("2024-06-01T00:00:00Z"), UTC)).toBe("2024-06-01T00:00:00.000Z");
    expect(formatInZone(at("1890-01-01T00:00:00Z"), berlin)).toBe("1890-01-01T00:53:28.000+00:53:28");
  });
});

describe("transitions", () => {
  it("finds Berlin's two changes of 2024 to the second", () => {
    const ts = zoneTransitions(berlin, at("2024-01-01T00:00:00Z"), at("2025-01-01T00:00:00Z"));
    expect(ts.map((t) => [iso(t.at), t.offsetBefore / HOUR, t.offsetAfter / HOUR])).toEqual([
      ["2024-03-31T01:00:00.000Z", 1, 2],
      ["2024-10-27T01:00:00.000Z", 2, 1],
    ]);
  });

  it("finds Lord Howe's 30-minute changes and none in Kolkata", () => {
    const ts = zoneTransitions(lordHowe, at("2024-01-01T00:00:00Z"), at("2025-01-01T00:00:00Z"));
    expect(ts.map((t) => (t.offsetAfter - t.offsetBefore) / MINUTE)).toEqual([-30, 30]);
    expect(zoneTransitions(kolkata, at("2000-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z"))).toEqual([]);
  });

  it("each change is where the offset changes (random zones and years)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 1990, max: 2040 }), (name, year) => {
        const z = timeZone(name);
        for (const t of zoneTransitions(z, Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1))) {
          expect(z.offsetAt(t.at - 1000)).toBe(t.offsetBefore);
          expect(z.offsetAt(t.at)).toBe(t.offsetAfter);
        }
      }),
      { numRuns: 60 },
    );
  });
});
