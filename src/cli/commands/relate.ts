/**
 * `segql relate`: how two conditions relate over every possible contact (A = B, A ⊆ B, A ⊇ B, disjoint,
 * overlapping), with a witness contact as JSON where they differ, which `segql eval` confirms.
 *
 * Also the operand reading shared with `segql diff`: each operand is an expression, or `--segment NAME`
 * from the files given with `-f` (whose segments expressions may also refer to).
 */
import { relate, type RelateResult, type RelateWitness } from "../../analysis/index.js";
import { check } from "../../checker/index.js";
import type { TypedSegment } from "../../checker/typed-ast.js";
import { parseDate, parseTimestamp } from "../../checker/time.js";
import { clip, type Diagnostic } from "../../diagnostics.js";
import { parse, type SegmentDeclaration } from "../../parser/index.js";
import type { Schema } from "../../schema/schema.js";
import { CliError, didYouMean, EXIT, parseArgs, type Io, type OptionSpec, type ParsedArgs } from "../io.js";
import { limitsFrom, MAX_INPUT_BYTES_HELP, readInputs, renderForTerminal, takeFiles, type Input } from "../inputs.js";
import { resolveSchema } from "./check.js";
import { shownDiagnostics } from "../../parser/recovered.js";

export const help = `usage: segql relate [--schema FILE] [-f FILE]... [--now ISO] [--json] [--steps N] A B

Says how two conditions relate over every possible contact, not one data set:
  A = B         they match the same contacts
  A ⊆ B         every contact A matches, B matches (and not the other way)
  A ⊇ B         the other way round
  disjoint      no contact matches both
  overlapping   some contacts match both, some only A, some only B
Where they differ, a witness contact is printed as JSON (with its events, and the 'now' it was
evaluated at): segql eval confirms it (see the example below).

  A, B                each an expression, or --segment NAME for a segment of the files given with -f
  -s, --schema FILE   the schema (JSON); without it, the one the nearest segql.json names
  -f, --file FILE     segment files: --segment picks from them, and expressions may refer to their
                      segments with 'in segment "Name"' (repeat for several files)
      --segment NAME  a segment of the files, as an operand (give it once per operand)
      --now ISO       resolve relative times (30 days ago, today) against this instant; by default
                      the answer holds for every 'now' (in years 1-9999)
      --json          print the result as JSON (relation, what is proved, witnesses, notes)
      --steps N       reasoning steps allowed (default 200000, at most 10000000); past them,
                      what is not proved is reported as undecided
${MAX_INPUT_BYTES_HELP}
  -h, --help          show this help

An inclusion is said only when it is proved, a difference only with a witness the predicate puts on
the right side. What cannot be decided is said to be undecided (events of different names, windows
or filters are taken as unrelated, for one).

Exit status: 0 related (or undecided), 1 a condition has errors (printed like segql check),
2 usage error, missing file or invalid schema, 3 internal error (a bug in segql: please report it).

Examples:
  segql relate -s schema.json 'tenure > 12' 'tenure > 6'
  segql relate -s schema.json -f segments.segql --segment "High value" --segment "VIP"
  segql relate -s schema.json 'tenure > 12' 'tenure > 6' | tail -1 | jq -c .contact > w.jsonl
    (then: segql eval -s schema.json -d w.jsonl --no-events 'tenure > 6' prints the witness's key)`;

/** One condition from the command line. */
export interface Operand {
  /** As written: the expression, or `segment "NAME"`. */
  label: string;
  segment: TypedSegment;
}

/** Options every two-operand command takes. */
export const OPERAND_OPTIONS: OptionSpec = {
  schema: { value: true, short: "s" },
  file: { value: true, short: "f" },
  "max-input-bytes": { value: true },
};

/** Marks a `--segment NAME` operand among the positional arguments (it keeps its place among them). */
const SEGMENT_MARK = "\u0000segment:";

/**
 * Parses a two-operand command's arguments: `-f FILE`s, `--segment NAME`s (in order with the expressions),
 * and the command's other options.
 */
export function parseOperandArgs(args: string[], spec: OptionSpec): ParsedArgs & { files: string[] } {
  const { files, rest } = takeFiles(args);
  const marked: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--") {
      marked.push(...rest.slice(i));
      break;
    }
    if (arg === "--segment") {
      const name = rest[++i];
      if (name === undefined) throw new CliError("option '--segment' needs a segment name");
      marked.push(`${SEGMENT_MARK}${name}`);
    } else if (arg.startsWith("--segment=")) marked.push(`${SEGMENT_MARK}${arg.slice("--segment=".length)}`);
    else marked.push(arg);
  }
  return { ...parseArgs(marked, { ...OPERAND_OPTIONS, ...spec }), files };
}

/** `--now ISO` as epoch ms (no zone = UTC; a bare date is its midnight UTC). */
export function parseNowOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = parseTimestamp(text);
  if ("ms" in t) return t.ms;
  const d = parseDate(text);
  if (d !== null) return d;
  throw new CliError(`--now: '${text}' is not an instant (expected e.g. 2026-01-01T00:00:00Z)`);
}

/**
 * Most reasoning steps `--steps` may allow: a step takes microseconds, so this many end within minutes
 * (a mistyped 10^15 would run for days).
 */
export const MAX_STEPS_OPTION = 10_000_000;

/** `--steps N`: a whole number from 1 to MAX_STEPS_OPTION. */
export function parseSteps(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > MAX_STEPS_OPTION) throw new CliError(`--steps takes a whole number from 1 to ${MAX_STEPS_OPTION.toLocaleString("en-US")}, found '${text}'`);
  return n;
}

/**
 * Checks the operands against the schema (with the files' segments as the catalog). Errors are printed
 * like `segql check`; null when there were any.
 */
export async function readOperands(parsed: ParsedArgs & { files: string[] }, schema: Schema, io: Io, verb: string, names: readonly [string, string] = ["A", "B"]): Promise<Operand[] | null> {
  const limits = limitsFrom(parsed.options);
  const parseOptions = limits ? { limits } : {};
  const files = await readInputs(parsed.files, [], io);
  const fileDocs = files.map((input) => ({ input, result: parse(input.text, parseOptions) }));
  const declarations = fileDocs.map((d) => d.result.document.segments.filter((s) => s.name !== null));
  const problems: { input: Input; diagnostics: Diagnostic[] }[] = [];
  const say = (input: Input, diagnostics: Diagnostic[]) => {
    if (diagnostics.length > 0) problems.push({ input, diagnostics });
  };
  // Each file checked once, with the other files as its catalog.
  const checkedFiles = fileDocs.map(({ input, result }, i) => {
    const catalog: SegmentDeclaration[] = declarations.filter((_, j) => j !== i).flat();
    const checked = check(result.document, schema, { catalog });
    say(input, shownDiagnostics(result, checked.diagnostics).filter((d) => d.severity === "error"));
    return checked;
  });
  const operands: Operand[] = [];
  const hints: string[] = [];
  const expressions = parsed.positional.filter((p) => !p.startsWith(SEGMENT_MARK));
  const inputs = await readInputs([], expressions, io);
  let next = 0;
  for (const [position, p] of parsed.positional.entries()) {
    if (p.startsWith(SEGMENT_MARK)) {
      const name = p.slice(SEGMENT_MARK.length);
      const found = checkedFiles.flatMap((c) => c.segments).find((s) => s.name === name);
      const declared = declarations.flat().some((d) => d.name === name);
      if (!found && !declared) {
        const known = declarations.flat().map((d) => JSON.stringify(d.name)).join(", ");
        const near = didYouMean(name, declarations.flat().flatMap((d) => (d.name !== null ? [d.name] : [])), JSON.stringify);
        throw new CliError(`no segment named ${JSON.stringify(name)} in the files given with -f${near}${known ? ` (defined: ${known})` : parsed.files.length === 0 ? " (give the file with -f FILE)" : ""}`);
      }
      if (found) operands.push({ label: `segment ${JSON.stringify(name)}`, segment: found });
      continue;
    }
    const read = inputs[next++]!;
    // Two inline operands both print as 1:1: name them as the usage does (A, B; OLD, NEW).
    const input = read.label === null ? { ...read, label: names[position] ?? null } : read;
    const result = parse(input.text, parseOptions);
    const checked = check(result.document, schema, { catalog: declarations.flat() });
    const errors = shownDiagnostics(result, checked.diagnostics).filter((d) => d.severity === "error");
    say(input, errors);
    if (errors.length > 0) {
      const name = unquoted(input.text.trim());
      if (declarations.flat().some((d) => d.name === name)) hints.push(`hint: ${input.label ?? "an operand"} is read as a condition; for the segment ${JSON.stringify(name)} of the files, give --segment ${JSON.stringify(name)} (or write 'in segment ${JSON.stringify(name)}')`);
      continue;
    }
    if (checked.segments.length !== 1 || !result.document.bare) throw new CliError(`expected a condition, found segment declarations in '${clip(input.text, 60, "")}' (put them in a file, -f, and pick one with --segment)`);
    operands.push({ label: input.text, segment: checked.segments[0]! });
  }
  if (problems.length > 0) {
    for (const p of problems) io.err(renderForTerminal(p.input.text, p.diagnostics, p.input.label));
    const n = problems.reduce((a, p) => a + p.diagnostics.length, 0);
    io.err(`${n} error${n === 1 ? "" : "s"}: nothing to ${verb}`);
    for (const hint of hints) io.err(hint);
    return null;
  }
  return operands;
}

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = parseOperandArgs(args, { now: { value: true }, json: { value: false }, steps: { value: true } });
  const str = (name: string): string | undefined => (typeof parsed.options[name] === "string" ? (parsed.options[name] as string) : undefined);
  const chosen = resolveSchema(parsed.options["schema"], io.cwd?.());
  if (!chosen) throw new CliError("--schema FILE is required, or a segql.json naming the schema in this folder or above (see segql relate --help)");
  if (parsed.positional.length !== 2) {
    throw new CliError(`give two conditions, A and B (each an expression or --segment NAME), found ${parsed.positional.length}`);
  }
  const now = parseNowOption(str("now"));
  const steps = parseSteps(str("steps"));
  const schema = chosen.schema;
  const operands = await readOperands(parsed, schema, io, "relate");
  if (!operands) return EXIT.problems;
  const [a, b] = operands as [Operand, Operand];
  const result = relate(a.segment, b.segment, { ...(now !== undefined ? { now } : {}), ...(steps !== undefined ? { steps } : {}) });
  if (parsed.options["json"]) io.out(JSON.stringify({ a: a.label, b: b.label, ...result }, null, 2));
  else io.out(relationText(result, a, b));
  for (const note of result.notes) io.err(`segql relate: note: ${note}`);
  return EXIT.ok;
}

/** The relation as lines: the verdict, what A and B are, and each witness as one JSON line. */
export function relationText(result: RelateResult, a: Operand, b: Operand): string {
  const verdict: Record<RelateResult["relation"], string> = {
    equal: "A = B: they match the same contacts",
    subset: "A ⊆ B: every contact A matches, B matches too (not the other way)",
    superset: "A ⊇ B: every contact B matches, A matches too (not the other way)",
    disjoint: "A and B are disjoint: no contact matches both",
    overlapping: "A and B overlap: some contacts match both, some only one",
    unknown: "undecided",
  };
  const lines = [verdict[result.relation], `  A: ${operandName(a.label)}`, `  B: ${operandName(b.label)}`];
  for (const w of result.witnesses) lines.push(`${witnessLabel(w)} (at now = ${w.now}):`, JSON.stringify({ contact: w.contact, events: w.events, now: w.now }));
  return lines.join("\n");
}

/**
 * An operand's text as its name under the verdict: without the newline standard input ends with, and a
 * condition written over several lines indented under "  A: " (a line of its own read as something else).
 */
function operandName(text: string): string {
  return text.trim().split(/\r?\n/).join("\n     ");
}

function witnessLabel(w: RelateWitness): string {
  if (w.matches.length === 2) return "in A and in B";
  return w.matches[0] === "A" ? "in A, not in B" : "in B, not in A";
}

/** `"VIP"` or `VIP` → `VIP`: what a user typing a segment's name as an operand meant. */
function unquoted(text: string): string {
  return /^"[^"\\]*"$/.test(text) ? text.slice(1, -1) : text;
}
