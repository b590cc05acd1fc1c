/**
 * mulberry32: a small, fast, seedable generator of floats in [0, 1), for generated data (the playground's
 * sample contacts, the benchmarks' corpora, the tests' and the fuzzer's random inputs): the same seed gives
 * the same sequence on every machine, so a run can be replayed from its seed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
