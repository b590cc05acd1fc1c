/**
 * Delta debugging (ddmin) of a failing text: remove chunks of lines, then of tokens, then of characters,
 * keeping each removal only while the same failure persists. Bounded by a number of tests and a deadline,
 * since each test runs the pipeline (a test of a hang costs the whole timeout); a reduction that ran out
 * of time is still smaller, and says so.
 */
import { isBlank, splitTokens } from "./generate/vocabulary.js";

/** Answers: does this candidate still fail the same way? */
export type Oracle = (candidate: string) => Promise<boolean>;

/** Limits of one shrink. */
export interface ShrinkLimits {
  maxTests: number;
  /** Epoch ms after which no new test starts. */
  deadline: number;
}

/** The smallest failing text found, and how the search went. */
export interface Shrunk {
  text: string;
  tests: number;
  /** False when the limits stopped the search before it was 1-minimal at character level. */
  complete: boolean;
}

class Budget {
  tests = 0;
  private readonly tried = new Set<string>();

  constructor(
    private readonly limits: ShrinkLimits,
    private readonly oracle: Oracle,
  ) {}

  get exhausted(): boolean {
    return this.tests >= this.limits.maxTests || Date.now() > this.limits.deadline;
  }

  async test(candidate: string): Promise<boolean> {
    // Remember small candidates: ddmin asks the same question again after a reduction elsewhere.
    const small = candidate.length <= 100_000;
    if (small && this.tried.has(candidate)) return false;
    if (small) this.tried.add(candidate);
    this.tests++;
    return this.oracle(candidate);
  }
}

/** ddmin over units: removes ever smaller chunks while the oracle still fails. Returns the units kept. */
async function ddmin(units: string[], budget: Budget): Promise<{ units: string[]; complete: boolean }> {
  let n = 2;
  while (units.length >= 2) {
    if (budget.exhausted) return { units, complete: false };
    const chunk = Math.ceil(units.length / n);
    let reduced = false;
    for (let start = 0; start < units.length; start += chunk) {
      if (budget.exhausted) return { units, complete: false };
      const candidate = [...units.slice(0, start), ...units.slice(start + chunk)];
      if (await budget.test(candidate.join(""))) {
        units = candidate;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= units.length) break;
      n = Math.min(units.length, n * 2);
    }
  }
  // One unit left: try none at all.
  if (units.length === 1 && !budget.exhausted && (await budget.test(""))) return { units: [], complete: true };
  return { units, complete: true };
}

/** Splits text into lines, keeping each line's break with it. */
function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Shrinks `text` while `oracle` holds: lines, then tokens, then characters (texts up to 20,000 characters). */
export async function shrink(text: string, oracle: Oracle, limits: ShrinkLimits): Promise<Shrunk> {
  const budget = new Budget(limits, oracle);
  let current = text;
  let complete = true;
  for (const split of [lines, splitTokens, (t: string) => (t.length <= 20_000 ? [...t] : null)]) {
    const units = split(current);
    if (units === null) {
      complete = false;
      break;
    }
    const r = await ddmin(units, budget);
    current = r.units.join("");
    if (!r.complete) {
      complete = false;
      break;
    }
  }
  if (!budget.exhausted) current = await spaceOut(current, budget);
  return { text: current, tests: budget.tests, complete };
}

/**
 * Character-level removal also removes the spaces between tokens where the lexer does not need them
 * (`performed"Purchase"exactly 3time`); put them back where the failure persists, for a readable reproducer.
 */
async function spaceOut(text: string, budget: Budget): Promise<string> {
  const tokens = splitTokens(text);
  const gaps: number[] = [];
  for (let i = 1; i < tokens.length; i++) {
    const a = tokens[i - 1]!;
    const b = tokens[i]!;
    if (!isBlank(a) && !isBlank(b) && !/^[(),;]$/.test(a) && !/^[(),;]$/.test(b) && !a.startsWith("--")) gaps.push(i);
  }
  if (gaps.length === 0 || gaps.length > 200) return text;
  const spaced = (at: readonly number[]) => tokens.map((t, i) => (at.includes(i) ? ` ${t}` : t)).join("");
  if (await budget.test(spaced(gaps))) return spaced(gaps);
  let kept: number[] = [];
  for (const g of gaps) {
    if (budget.exhausted) break;
    if (await budget.test(spaced([...kept, g]))) kept = [...kept, g];
  }
  return spaced(kept);
}
