/**
 * Deep nesting: parentheses (balanced, unclosed, or closed too often), `not` chains, long `and`/`or`
 * chains, nested event filters, mixed nesting near the limit, and segment files whose references form long
 * chains or cycles. Sizes are usually moderate (around the nesting limit) and rarely huge, so the average
 * input stays cheap while the sizes where recursion breaks are still reached.
 */
import { NOW_POOL } from "../../test/helpers/generators.js";
import type { Random } from "../random.js";
import type { Generated } from "./grammar.js";
import { keywordCase } from "./vocabulary.js";

/** Small valid conditions over the rich schema (plus one unknown field). */
const LEAVES: readonly string[] = [
  `status = "Subscribed"`, "lifetime_value > 100", "is_vip", `performed "Purchase" within last 30 days`,
  `tags has "vip"`, "churn", `email ends with "@acme.com"`, "signed_up_at within last 7 days", `in segment "S0"`,
  "score between 1 and 2", `name in ("a", "b")`,
];
/** The leaves that check clean over the rich schema, where a compiler must get the input. */
const VALID_LEAVES = LEAVES.filter((l) => l !== "churn" && !l.startsWith("in segment"));
/** Conditions over event properties, for `where` filters. */
const FILTER_LEAVES: readonly string[] = [`amount > 50`, `currency = "EUR"`, "gift", `channel in ("web", "app")`, "shipped_at within last 3 days"];

function repeat(unit: string, n: number): string {
  return unit.repeat(n);
}

type Shape = (rng: Random, n: number) => string;

const SHAPES: readonly (readonly [number, string, (rng: Random) => number, Shape])[] = [
  [3, "parentheses", (rng) => rng.size(1, 320, 100_000), (rng, n) => {
    const close = rng.weighted<number>([[3, n], [2, 0], [1, rng.int(0, n)], [1, n + rng.int(1, 5)]]);
    return `${repeat("(", n)}${rng.pick(LEAVES)}${repeat(")", close)}`;
  }],
  [2, "not chain", (rng) => rng.size(1, 320, 100_000), (rng, n) =>
    `${repeat(rng.chance(0.5) ? `${keywordCase(rng, "not")} ` : "not (", n)}${rng.pick(LEAVES)}${rng.chance(0.5) ? "" : ")".repeat(n)}`],
  [3, "and/or chain", (rng) => rng.size(2, 300, 200_000, 0.005), (rng, n) => {
    const parts: string[] = [rng.pick(LEAVES)];
    const mixed = rng.chance(0.5);
    const op = rng.pick(["and", "or"]);
    for (let i = 1; i < n; i++) parts.push(mixed ? rng.pick(["and", "or", "and not"]) : op, rng.pick(LEAVES));
    return parts.join(" ");
  }],
  [2, "nested event filters", (rng) => rng.size(1, 250, 20_000), (rng, n) => {
    if (rng.chance(0.5)) {
      // `performed … where performed … where …` (the checker refuses nested events; it must still answer).
      return `${repeat(`performed "Purchase" where `, n)}${rng.pick(FILTER_LEAVES)}`;
    }
    let inner = rng.pick(FILTER_LEAVES);
    const opens = Array.from({ length: n }, () => rng.pick(["(", "not (", `${rng.pick(FILTER_LEAVES)} and (`, `${rng.pick(FILTER_LEAVES)} or (`]));
    inner = `${opens.join("")}${inner}${repeat(")", rng.chance(0.8) ? n : rng.int(0, n))}`;
    return `performed "Purchase" within last 30 days where ${inner}`;
  }],
  [2, "mixed nesting", (rng) => rng.size(1, 260, 50_000), (rng, n) => {
    const opens: string[] = [];
    let closes = 0;
    for (let i = 0; i < n; i++) {
      const level = rng.weighted<string>([[3, "("], [2, "not "], [1, `performed "Purchase" where (`], [1, `${rng.pick(LEAVES)} and (`], [1, `${rng.pick(LEAVES)} or not (`]]);
      opens.push(level);
      closes += (level.match(/\(/g) ?? []).length;
    }
    return `${opens.join("")}${rng.pick(LEAVES)}${repeat(")", rng.chance(0.85) ? closes : rng.int(0, closes))}`;
  }],
  [2, "segment reference chain", (rng) => rng.size(2, 150, 6_000, 0.02), (rng, n) => {
    const cycle = rng.chance(0.4);
    const withRules = rng.chance(0.5);
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const next = i + 1 < n ? `in segment "S${i + 1}"` : cycle ? `in segment "S0"` : rng.pick(LEAVES.slice(0, 3));
      lines.push(`segment "S${i}" as ${withRules ? `${rng.pick(LEAVES.slice(0, 3))} and ` : ""}${next}`);
    }
    // Declared in order, reversed or shuffled: the checker must not depend on the order.
    if (rng.chance(0.3)) lines.reverse();
    return lines.join("\n");
  }],
  [2, "at the limit inside a group", (rng) => rng.weighted<number>([[3, rng.int(56, 72)], [2, rng.int(92, 108)], [1, rng.int(1, 20)]]), (rng, n) => {
    // Nesting right at the limit (64 by default, 100 raised) in an operand of an `and` inside an `or`: the
    // formatter breaks a long group over lines and may add parentheses around it, one level more.
    const group = Array.from({ length: rng.int(1, 10) }, () => rng.pick(LEAVES)).join(" and ");
    const leaf = rng.pick(VALID_LEAVES);
    const deepPart = rng.pick([
      `${"not ".repeat(n)}${leaf}`,
      `${"(".repeat(n)}${leaf}${")".repeat(n)}`,
      `${"not (".repeat(n)}${leaf}${")".repeat(n)}`,
      `(performed "Purchase" where ${"not ".repeat(n)}${rng.pick(FILTER_LEAVES)})`,
    ]);
    const parts = rng.chance(0.5) ? [group, deepPart] : [deepPart, group];
    return rng.pick([
      `${parts.join(" and ")} or ${rng.pick(LEAVES)}`,
      `${rng.pick(LEAVES)} or ${parts.join(" and ")}`,
      `not (${parts.join(" and ")} or ${rng.pick(LEAVES)})`,
      `segment "S0" as ${parts.join(" and ")} or ${rng.pick(LEAVES)}`,
    ]);
  }],
  [1, "nesting through references", (rng) => rng.int(2, 12), (rng, n) => {
    // Each segment nests some levels and refers to the next: the checker counts a reference as the
    // referred segment's nesting plus one, and the compilers inline it, so the depths add up (around 64).
    const lines: string[] = [];
    let left = rng.weighted<number>([[3, rng.int(56, 72)], [1, rng.int(92, 108)]]);
    for (let i = 0; i < n; i++) {
      const depth = i === n - 1 ? Math.max(0, left) : rng.int(0, Math.max(0, Math.floor(left / 2)));
      left -= depth + 1;
      const inner = i === n - 1 ? rng.pick(VALID_LEAVES) : `in segment "S${i + 1}"`;
      const wrapped = rng.chance(0.5) ? `${"(".repeat(depth)}${inner}${")".repeat(depth)}` : `${"not ".repeat(depth)}${inner}`;
      lines.push(`segment "S${i}" as ${rng.pick(VALID_LEAVES)} and ${wrapped}`);
    }
    return lines.join("\n");
  }],
  [1, "many nested declarations", (rng) => rng.size(2, 30, 2_000, 0.01), (rng, n) => {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(`segment "S${i}" as ${repeat("(", 150)}${rng.pick(LEAVES)}${repeat(")", 150)}`);
    return lines.join("\n");
  }],
];

/** A deeply nested or very long input. */
export function deepInput(rng: Random): Generated {
  const [, name, sizeOf, shape] = rng.weighted(SHAPES.map((s) => [s[0], s] as const));
  const n = sizeOf(rng);
  return { text: shape(rng, n), schema: "rich", now: rng.pick(NOW_POOL), label: `${name}, n = ${n}` };
}
