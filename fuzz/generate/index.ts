/**
 * Input generation by category. Input `index` of a run with seed `seed` is a pure function of both (and of
 * the corpus files), so any input can be generated again alone, in any thread.
 */
import { DIALECT_NAMES, type DialectName } from "../../src/compiler/sql/index.js";
import type { LimitProfile } from "../pipeline.js";
import { inputSeed, Random } from "../random.js";
import type { SchemaName } from "../schemas.js";
import { deepInput } from "./deep.js";
import { grammarInput, type Generated } from "./grammar.js";
import { hugeInput } from "./huge.js";
import { mutationInput } from "./mutate.js";
import { soupInput } from "./soup.js";
import { bytesInput } from "./bytes.js";

/** The input categories, in the order inputs cycle through them. */
export const CATEGORIES = ["grammar", "mutation", "soup", "bytes", "deep", "huge"] as const;
/** An input category. */
export type Category = (typeof CATEGORIES)[number];

const GENERATORS: Record<Category, (rng: Random) => Generated> = {
  grammar: grammarInput,
  mutation: mutationInput,
  soup: soupInput,
  bytes: bytesInput,
  deep: deepInput,
  huge: hugeInput,
};

/** One fuzz input: the text and everything needed to run it through the pipeline. */
export interface FuzzInput {
  index: number;
  category: Category;
  text: string;
  schema: SchemaName;
  /** The instant predicates and parameterised SQL are resolved at. */
  now: string;
  /** The dialect whose pretty-printed SQL (sql-formatter, slow) is also made, on one input in `PRETTY_EVERY`. */
  pretty: DialectName | null;
  /** The limits parse and check run with: raised on one input in 8, all at 1 on another, else the defaults. */
  limits: LimitProfile;
  label: string;
}

/** Pretty SQL costs 1–500 ms per statement, so it is checked on one input in this many, one dialect at a time. */
export const PRETTY_EVERY = 64;

/** The category of input `index`: the one asked for, or the categories in turn. */
export function categoryOf(index: number, only: Category | null): Category {
  return only ?? CATEGORIES[index % CATEGORIES.length]!;
}

/** Generates input `index` of the run with `seed`. */
export function generateInput(seed: number, index: number, only: Category | null): FuzzInput {
  const category = categoryOf(index, only);
  const rng = new Random(inputSeed(seed, index));
  const g = GENERATORS[category](rng);
  const pretty = index % PRETTY_EVERY === 0 ? DIALECT_NAMES[Math.floor(index / PRETTY_EVERY) % DIALECT_NAMES.length]! : null;
  const limits: LimitProfile = index % 8 === 5 ? "raised" : index % 8 === 6 ? "tiny" : "default";
  return { index, category, text: g.text, schema: g.schema, now: g.now, pretty, limits, label: limits === "default" ? g.label : `${g.label}; limits ${limits}` };
}

/** True when `name` is a category. */
export function isCategory(name: string): name is Category {
  return (CATEGORIES as readonly string[]).includes(name);
}
