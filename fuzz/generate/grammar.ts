/**
 * Grammar-aware inputs: valid expressions and segment files over the rich and hostile schemas (every
 * operator and clause, events, references, comments), random ASTs printed by the formatter, and near-valid
 * variants (one or two small edits, or a prefix, as an editor sees text being typed).
 *
 * Valid text comes from the shared test generators (test/helpers/generators.ts) and AST arbitraries
 * (test/helpers/ast-arbitrary.ts), driven through fast-check's `sample` with a seed from our random source.
 */
import fc from "fast-check";
import { format } from "../../src/parser/format.js";
import type { Schema } from "../../src/schema/schema.js";
import { documentArb } from "../../test/helpers/ast-arbitrary.js";
import { exprArb, NOW_POOL, quoteString, RICH_SEGMENTS, segmentFileText } from "../../test/helpers/generators.js";
import type { Random } from "../random.js";
import { schemaNamed, type SchemaName } from "../schemas.js";
import { isBlank, keywordCase, KEYWORDS, randomToken, splitTokens, STRINGS } from "./vocabulary.js";

/** What a generator returns: the text, the schema to check it against and the `now` to evaluate at. */
export interface Generated {
  text: string;
  schema: SchemaName;
  now: string;
  /** A few words on what was generated (printed with findings). */
  label: string;
}

const arbs = new Map<string, fc.Arbitrary<string>>();

function exprArbFor(schemaName: SchemaName, schema: Schema, now: string, depth: number, segments: readonly string[]): fc.Arbitrary<string> {
  const id = `${schemaName}|${now}|${depth}|${segments.join("\u0000")}`;
  let arb = arbs.get(id);
  if (!arb) {
    arb = exprArb(schema, now, { depth, segments });
    arbs.set(id, arb);
  }
  return arb;
}

/** One sample of an arbitrary, reproducibly from our random source. */
export function sampleOne<T>(arb: fc.Arbitrary<T>, rng: Random): T {
  return fc.sample(arb, { seed: rng.seed(), numRuns: 1 })[0]!;
}

/** A valid expression over a schema (optionally allowed to refer to the rich library's segments). */
export function validExpr(rng: Random, schemaName: SchemaName, now: string, segments: readonly string[] = []): string {
  return sampleOne(exprArbFor(schemaName, schemaNamed(schemaName), now, rng.int(0, 3), segments), rng);
}

/** A segment file of a few declarations with titles, descriptions, comments and references between them. */
function segmentFile(rng: Random, schemaName: SchemaName, now: string): string {
  const n = rng.int(1, 6);
  const names = Array.from({ length: n }, (_, i) => rng.pick([`S${i}`, `Segment ${i}`, `it's ${i}`, `seg_${i}`, `${rng.pick(STRINGS)}${i}`]));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    // Refer only to later segments, usually (a DAG); sometimes to any (cycles, self-references).
    const targets = rng.chance(0.85) ? names.slice(i + 1) : names;
    const head = rng.chance(0.5) ? `segment ${quoteString(names[i]!)}` : `segment ${/^[A-Za-z_]\w*$/.test(names[i]!) ? names[i] : quoteString(names[i]!)}`;
    const title = rng.chance(0.3) ? ` title ${quoteString(rng.pick(STRINGS))}` : "";
    const description = rng.chance(0.3) ? `\n  description ${quoteString(rng.pick(STRINGS))}` : "";
    const comment = rng.chance(0.3) ? `-- ${rng.pick(STRINGS).replace(/[\r\n\u2028\u2029]/g, " ")}\n` : "";
    out.push(`${comment}${head}${title}${description} as ${validExpr(rng, schemaName, now, targets)}${rng.chance(0.5) ? ";" : ""}`);
  }
  return out.join(rng.chance(0.5) ? "\n\n" : "\n");
}

/** Random ASTs (every node kind, odd names and strings) printed by the formatter: valid syntax, mostly type errors. */
function printedAst(rng: Random): string | null {
  try {
    return format(sampleOne(documentArb, rng));
  } catch {
    // The formatter refusing an AST no parser can produce is not ours to judge here; the format laws test does.
    return null;
  }
}

/** Inserts `--` comments and odd line breaks between tokens, which the formatter must keep in place. */
function withComments(rng: Random, text: string): string {
  const tokens = splitTokens(text);
  const out: string[] = [];
  for (const t of tokens) {
    out.push(t);
    if (isBlank(t) && rng.chance(0.15)) {
      out.push(rng.pick([` -- ${rng.pick(KEYWORDS)}\n`, "\n-- note\n", "\n\n", " --\n", "\n  -- (a, b)\n  "]));
    }
  }
  return out.join("") + (rng.chance(0.3) ? "\n-- trailing comment" : "");
}

/** One or two small edits: the kind of mistake an analyst makes, or text cut short while typing. */
export function nearValid(rng: Random, text: string): string {
  let tokens = splitTokens(text);
  const edits = rng.int(1, 2);
  for (let e = 0; e < edits && tokens.length > 0; e++) {
    const i = rng.int(0, tokens.length - 1);
    switch (rng.int(0, 7)) {
      case 0: // cut short, as while typing
        tokens = tokens.slice(0, i);
        break;
      case 1: // a token left out
        tokens.splice(i, 1);
        break;
      case 2: // a token doubled
        tokens.splice(i, 0, tokens[i]!);
        break;
      case 3: // a wrong token
        tokens[i] = randomToken(rng);
        break;
      case 4: // a token added
        tokens.splice(i, 0, randomToken(rng), " ");
        break;
      case 5: { // two neighbours swapped
        const j = Math.min(tokens.length - 1, i + 2);
        [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
        break;
      }
      case 6: // a keyword in another case or misspelt
        tokens[i] = /^[a-z]+$/i.test(tokens[i]!) ? (rng.chance(0.5) ? keywordCase(rng, tokens[i]!) : tokens[i]!.slice(0, -1)) : tokens[i]!;
        break;
      default: // the closing quote or parenthesis dropped
        tokens[i] = tokens[i]!.replace(/["')`]$/, "");
        break;
    }
  }
  return tokens.join("");
}

/** A grammar-aware input: valid or near-valid text over a schema with events. */
export function grammarInput(rng: Random): Generated {
  const schema: SchemaName = rng.chance(0.7) ? "rich" : "hostile";
  const now = rng.pick(NOW_POOL);
  const shape = rng.weighted<"expr" | "library" | "file" | "ast">([[5, "expr"], [2, "library"], [2, "file"], [1, "ast"]]);
  let text: string;
  let label: string;
  switch (shape) {
    case "expr":
      text = validExpr(rng, schema, now);
      label = "expression";
      break;
    case "library":
      text = segmentFileText(validExpr(rng, schema, now, RICH_SEGMENTS.map((s) => s.name)));
      label = "segment file with the rich library";
      break;
    case "file":
      text = segmentFile(rng, schema, now);
      label = "segment file";
      break;
    default:
      text = printedAst(rng) ?? validExpr(rng, schema, now);
      label = "printed random AST";
  }
  if (rng.chance(0.25)) {
    text = withComments(rng, text);
    label += " with comments";
  }
  if (rng.chance(0.4)) {
    text = nearValid(rng, text);
    label = `near-valid ${label}`;
  }
  return { text, schema, now, label };
}
