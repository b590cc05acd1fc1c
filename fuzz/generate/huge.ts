/**
 * Huge literals in places where they are valid: long strings (up to 8 MiB, rarely), numbers beyond what a
 * double holds (1e400, 400-digit integers, 1e-400), huge counts and time amounts, long identifiers and
 * backticked names, long value lists (around and past the list limit), long comments, long event and segment
 * names, and extreme dates and timestamps.
 */
import { NOW_POOL } from "../../test/helpers/generators.js";
import type { Random } from "../random.js";
import type { Generated } from "./grammar.js";
import { quote } from "./vocabulary.js";

function longString(rng: Random, n: number): string {
  const unit = rng.pick(["a", "é", "😀", "\\\\", "\\\"", "%_", "ab c", "\u0301", "\\u0041"]);
  return unit.repeat(Math.max(1, Math.ceil(n / unit.length)));
}

function digits(rng: Random, n: number): string {
  return Array.from({ length: n }, () => rng.int(0, 9)).join("").replace(/^0+(?=\d)/, "") || "0";
}

/** A number literal that is huge, tiny, or long. */
function extremeNumber(rng: Random): string {
  return rng.weighted<() => string>([
    [2, () => rng.pick(["1e400", "-1e400", "1e-400", "1e308", "1.7976931348623159e308", "4.9e-324", "1e999999", "9007199254740993", "-0.0"])],
    [2, () => digits(rng, rng.size(16, 400, 100_000))],
    [1, () => `0.${"0".repeat(rng.size(1, 400, 10_000))}1`],
    [1, () => `${digits(rng, rng.int(1, 30))}e${rng.pick(["", "+", "-"])}${digits(rng, rng.int(1, 12))}`],
  ])();
}

/** A time amount or count: huge, fractional, negative or written with an exponent. */
function extremeAmount(rng: Random): string {
  return rng.pick(["1202412024", "99999999999", "1e20", "1e400", "0", "0.5", "-1", "2147483648", "9007199254740993", "3e5", "100000000", "275760", digits(rng, rng.int(10, 40))]);
}

/** Instants at the edges of what timestamps hold (years 1 and 9999), the epoch, and 1900. */
const EXTREME_NOW: readonly string[] = ["0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z", "1970-01-01T00:00:00.000Z", "1900-01-01T00:00:00.000Z", "0001-03-01T00:00:00.000Z"];

type Shape = (rng: Random, n: number) => string;

const SHAPES: readonly (readonly [number, string, Shape])[] = [
  [3, "long string", (rng, n) => rng.pick([
    `name = "${longString(rng, n)}"`,
    `email contains "${longString(rng, n)}"`,
    `performed "${longString(rng, n)}"`,
    `tags has "${longString(rng, n)}"`,
    `segment "${longString(rng, n)}" as is_vip`,
    `"${longString(rng, n)}`, // unterminated
  ])],
  [3, "extreme number", (rng) => rng.pick([
    `lifetime_value > ${extremeNumber(rng)}`,
    `score between ${extremeNumber(rng)} and ${extremeNumber(rng)}`,
    `score in (${extremeNumber(rng)}, ${extremeNumber(rng)})`,
    `performed "Purchase" with sum of amount > ${extremeNumber(rng)}`,
    `performed "Purchase" where amount = ${extremeNumber(rng)}`,
  ])],
  [3, "extreme amount", (rng) => rng.pick([
    `signed_up_at within last ${extremeAmount(rng)} ${rng.pick(["minutes", "hours", "days", "weeks", "months", "years"])}`,
    `last_seen_at not within last ${extremeAmount(rng)} days`,
    `birthday after ${extremeAmount(rng)} years ago`,
    `signed_up_at before ${extremeAmount(rng)} months ago`,
    `performed "Purchase" at least ${extremeAmount(rng)} times`,
    `performed "Purchase" exactly ${extremeAmount(rng)} times within last ${extremeAmount(rng)} days`,
    `performed "Login" with last time within last ${extremeAmount(rng)} weeks`,
    `performed "Purchase" within last ${extremeAmount(rng)} years where shipped_at after ${extremeAmount(rng)} days ago`,
  ])],
  [2, "extreme time", (rng) => {
    const t = rng.pick(["0000-01-01", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "2024-02-30", "2024-01-01T10:00:00+99:99",
      "275760-09-13", "1969-12-31T23:59:59.999-14:00", "2024-01-01T23:59:60Z", `2024-01-01T10:00:00.${"9".repeat(rng.size(1, 30, 10_000))}Z`]);
    return rng.pick([`signed_up_at before ${t}`, `birthday = ${t}`, `performed "Purchase" between ${t} and ${t}`, `last_seen_at between ${t} and now`]);
  }],
  [2, "long identifier", (rng, n) => {
    const name = rng.chance(0.5) ? `a${"b_1".repeat(Math.ceil(n / 3))}` : `\`${longString(rng, n).replace(/`/g, "")}\``;
    return rng.pick([`${name} = 1`, `${name}`, `performed "Purchase" where ${name} > 1`, `segment ${name} as is_vip`]);
  }],
  [3, "long list", (rng) => {
    const n = rng.weighted<number>([[20, rng.size(1, 200, 30_000, 0.01)], [1, rng.int(9_990, 10_010)]]);
    const item = rng.pick([() => quote(rng.pick(["vip", "a", "é", "it's"])), () => String(rng.int(0, 1e6)), () => "2024-01-01"]);
    const list = `(${Array.from({ length: n }, item).join(", ")})`;
    return rng.pick([`tags has any ${list}`, `name in ${list}`, `score not in ${list}`, `performed "Purchase" where currency in ${list}`, `tags has all ${list}`]);
  }],
  [1, "long comment", (rng, n) => `-- ${longString(rng, n)}\nis_vip -- ${longString(rng, n)}`],
  [1, "many segments", (rng) => {
    const n = rng.size(1, 100, 20_000, 0.005);
    return Array.from({ length: n }, (_, i) => `segment "S${i}" as ${rng.pick(["is_vip", `in segment "S${Math.max(0, i - 1)}"`, "lifetime_value > 1"])}`).join("\n");
  }],
];

/** An input with a huge or extreme literal. */
export function hugeInput(rng: Random): Generated {
  const [, name, shape] = rng.weighted(SHAPES.map((s) => [s[0], s] as const));
  // Strings and names: usually up to 2 KiB, rarely up to 8 MiB (the lexer once failed on an 8 MiB string).
  const n = rng.size(1, 2_048, 8 * 1024 * 1024, 0.01);
  const text = shape(rng, n);
  // Sometimes `now` itself is extreme: relative times then land outside the years SQL and the predicate hold.
  const now = rng.chance(0.2) ? rng.pick(EXTREME_NOW) : rng.pick(NOW_POOL);
  return { text, schema: rng.chance(0.8) ? "rich" : "hostile", now, label: `${name}, ${text.length} chars` };
}
