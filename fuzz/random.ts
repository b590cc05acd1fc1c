/**
 * A small seeded random source for the generators. Every input is a pure function of (run seed, input
 * index, category), so one input can be replayed alone (`--seed S --start I --inputs 1`) and workers can
 * generate their share without talking to each other.
 */
import { mulberry32 } from "../src/data/random.js";

/** A 32-bit hash of the run seed and an input index (splitmix-style finaliser), the seed of that input. */
export function inputSeed(runSeed: number, index: number): number {
  let h = (Math.imul(runSeed | 0, 0x9e3779b1) ^ Math.imul(index | 0, 0x85ebca77) ^ Math.floor(index / 2 ** 32)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** A seeded pseudo-random generator (mulberry32): fast, 32-bit state, good enough for fuzzing. */
export class Random {
  /** A float in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** One of several choices, by weight. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of choices) {
      r -= w;
      if (r < 0) return v;
    }
    return choices[choices.length - 1]![1];
  }

  /**
   * A size: usually log-uniform in [min, typicalMax], rarely (probability `rare`) log-uniform up to `max`.
   * Keeps the average input cheap while still reaching the sizes where limits and recursion bite.
   */
  size(min: number, typicalMax: number, max: number, rare = 0.03): number {
    const hi = this.chance(rare) ? max : typicalMax;
    const lo = Math.max(1, min);
    return Math.floor(Math.exp(Math.log(lo) + this.next() * (Math.log(hi + 1) - Math.log(lo))));
  }

  /** A fresh 32-bit seed (for fast-check's `sample`). */
  seed(): number {
    return Math.floor(this.next() * 2 ** 31);
  }
}
