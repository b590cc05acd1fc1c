/**
 * Every message of the static analysis, in one table keyed by what it reports, so wording is reviewed in
 * one place (test/analysis/messages.test.ts snapshots them). Conditions are quoted as canonical text in
 * single quotes, cut at 80 characters.
 */
import { shorten } from "./render.js";

const q = (text: string) => `'${shorten(text)}'`;

/** Most conditions a message quotes; past them it says how many more. */
const MAX_QUOTED = 8;

/**
 * `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`; past MAX_QUOTED, `'a', …, 'h' and 12 more`. Concatenated in a
 * loop (no `slice`, `map`, `join`: their code is cold by the time a warning is written, after a parse and a
 * check, and costs more than the few strings it joins).
 */
function both(items: readonly string[]): string {
  const many = items.length > MAX_QUOTED;
  const n = many ? MAX_QUOTED : items.length;
  let out = "";
  for (let i = 0; i < n; i++) {
    if (i > 0) out += many || i < n - 1 ? ", " : " and ";
    out += q(items[i]!);
  }
  return many ? `${out} and ${items.length - MAX_QUOTED} more` : out;
}

export const analysisMessages = {
  // never-matches
  neverTogether: (items: readonly string[]) =>
    `this condition never matches: ${both(items)} cannot ${items.length === 2 ? "both" : "all"} hold for one contact`,
  neverWith: (others: readonly string[]) =>
    `this never holds together with ${both(others)}, so the condition around it never matches`,
  neverRule: (rule: string, reason: string | null) => `${q(rule)} never holds${reason ? `: ${reason}` : ""}`,
  neverNot: () => "this never holds: the condition inside 'not' holds for every contact",
  neverSegment: (name: string) => `segment "${name}" never matches, so this never holds`,
  neverBranch: (others: readonly string[]) =>
    `this branch never matches: it cannot hold together with ${both(others)}, which the condition also requires`,
  neverFilter: (event: string) => `no event can pass this filter, so performed "${event}" counts no events here`,
  emptyWindow: () => "this window is empty: it ends before it starts, so no event falls in it",
  // always-true
  alwaysTogether: (items: readonly string[]) =>
    `this always holds: ${both(items)} between them cover every contact (those with empty values too)`,
  alwaysRule: (rule: string, reason: string | null) => `${q(rule)} always holds${reason ? `: ${reason}` : ""}`,
  alwaysNot: () => "this always holds: the condition inside 'not' never matches",
  alwaysSegment: (name: string) => `segment "${name}" matches every contact, so this always holds`,
  alwaysAll: () => "this always holds: each of its parts holds for every contact",
  adds: (matchesEveryone: boolean) => (matchesEveryone ? ", so the condition matches every contact" : ", so it adds nothing to the condition"),
  // redundant
  implied: (by: readonly string[]) => `this adds nothing: ${both(by)} already ${by.length === 1 ? "implies" : "imply"} it`,
  duplicate: (of: string, line: number) => `this repeats ${q(of)} (line ${line}): it adds nothing`,
  contained: (by: readonly string[]) =>
    `this branch adds nothing: every contact it matches is also matched by ${both(by)}`,
  // budget
  tooLarge: (rules: number) =>
    `static analysis skipped: this condition holds more than ${rules} rules (counting the segments it reads), so warnings about it are not shown`,
  incomplete: (steps: number) =>
    `static analysis stopped early: this condition needs more than ${steps.toLocaleString("en-US")} reasoning steps, so some warnings may be missing`,
  // fixes
  removeThis: () => "remove it",
  removeBranch: () => "remove this branch",
};

/** Why a single rule never (or always) holds, when there is a simple reason. */
export const reasons = {
  lowAboveHigh: "its low end is above its high end",
  emptyText: 'no contact has "" (an empty text counts as no value)',
  midnight: "a date is a midnight (UTC), and this instant is not one",
  timeInWindow: (which: string) => `the events it takes all lie in its window, and so does their ${which} time`,
  aggregateInFilter: (fn: string, property: string) =>
    `the events it takes all pass its filter, so their ${fn} of ${property} lies within what the filter allows of ${property}`,
  outOfRange: "no time of years 1-9999 passes it",
};
