/**
 * A small seeded random source for the generators. Every input is a pure function of (run seed, input
 * index, category), so one input can be replayed alone (`--seed S --start I --inputs 1`) and workers can
 * generate their share without talking to each other.
 */

/** A 32-bit hash of the run seed and an input index (splitmix-style finaliser), the seed of that input. */
export function inputSeed(runSeed: number, index: number): number {
  let h = (Math.imul(runSeed | 0, 0x9e3779b1) ^ Math.imul(index | 0, 0x85ebca77) ^ Math.floor(index / 2 ** 32)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** A seeded pseudo-random generator (mulberry32): fast, 32-bit state, good enough for fuzzing. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
