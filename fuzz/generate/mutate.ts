/**
 * Mutations of the corpus (examples, README and docs snippets, test fixtures): tokens deleted, duplicated,
 * swapped, replaced or inserted, runs of tokens deleted or repeated, and two texts spliced together at token
 * boundaries.
 */
import { NOW_POOL } from "../../test/helpers/generators.js";
import type { Random } from "../random.js";
import { loadCorpus, schemaOf } from "./corpus.js";
import type { Generated } from "./grammar.js";
import { randomToken, separator, splitTokens } from "./vocabulary.js";

type Mutation = (rng: Random, tokens: string[], other: string[]) => string[];

const MUTATIONS: readonly (readonly [string, Mutation])[] = [
  ["delete", (rng, t) => {
    t.splice(rng.int(0, t.length - 1), 1);
    return t;
  }],
  ["duplicate", (rng, t) => {
    const i = rng.int(0, t.length - 1);
    t.splice(i, 0, t[i]!);
    return t;
  }],
  ["swap", (rng, t) => {
    const i = rng.int(0, t.length - 1);
    const j = rng.int(0, t.length - 1);
    [t[i], t[j]] = [t[j]!, t[i]!];
    return t;
  }],
  ["replace", (rng, t, other) => {
    t[rng.int(0, t.length - 1)] = rng.chance(0.5) && other.length > 0 ? rng.pick(other) : randomToken(rng);
    return t;
  }],
  ["insert", (rng, t) => {
    t.splice(rng.int(0, t.length), 0, separator(rng), randomToken(rng), separator(rng));
    return t;
  }],
  ["delete run", (rng, t) => {
    const i = rng.int(0, t.length - 1);
    t.splice(i, rng.int(1, Math.max(1, Math.floor(t.length / 3))));
    return t;
  }],
  ["repeat run", (rng, t) => {
    const i = rng.int(0, t.length - 1);
    const run = t.slice(i, i + rng.int(1, 12));
    const times = rng.size(2, 20, 2000);
    t.splice(i, 0, ...Array.from({ length: times }, () => run).flat());
    return t;
  }],
  ["splice", (rng, t, other) => {
    if (other.length === 0) return t;
    return [...t.slice(0, rng.int(0, t.length)), ...other.slice(rng.int(0, other.length - 1))];
  }],
  ["insert from other", (rng, t, other) => {
    if (other.length === 0) return t;
    const i = rng.int(0, other.length - 1);
    t.splice(rng.int(0, t.length), 0, ...other.slice(i, i + rng.int(1, 8)));
    return t;
  }],
];

/** A corpus text with one to four random mutations. */
export function mutationInput(rng: Random): Generated {
  const corpus = loadCorpus();
  const base = rng.pick(corpus);
  const other = splitTokens(rng.pick(corpus).text);
  let tokens = splitTokens(base.text);
  const applied: string[] = [];
  const n = rng.weighted([[4, 1], [3, 2], [2, 3], [1, 4]] as const);
  for (let i = 0; i < n; i++) {
    if (tokens.length === 0) tokens = [randomToken(rng)];
    const [name, mutate] = rng.pick(MUTATIONS);
    tokens = mutate(rng, tokens, other);
    applied.push(name);
  }
  return { text: tokens.join(""), schema: schemaOf(base), now: rng.pick(NOW_POOL), label: `${base.source}: ${applied.join(", ")}` };
}
