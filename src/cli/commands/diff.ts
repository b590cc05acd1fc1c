/**
 * `segql diff`: the logical difference between two versions of a segment: who enters (matched by the new
 * version, not the old) and who leaves, each as a simplified condition.
 */
import { diffSegments, type DiffSide } from "../../analysis/index.js";
import { check } from "../../checker/index.js";
import type { TypedSegment } from "../../checker/typed-ast.js";
import { parse } from "../../parser/index.js";
import type { Schema } from "../../schema/schema.js";
import { CliError, EXIT, type Io } from "../io.js";
import { limitsFrom, MAX_INPUT_BYTES_HELP, pickSegment, readInputs, renderForTerminal } from "../inputs.js";
import { resolveSchema } from "./check.js";
import { parseOperandArgs, parseSteps, readOperands, type Operand } from "./relate.js";
import { shownDiagnostics } from "../../parser/recovered.js";

export const help = `usage: segql diff [--schema FILE] [-f FILE]... [--json] [--steps N] OLD NEW
       segql diff --schema FILE --old FILE --new FILE [--segment NAME] [--json]

Compares two versions of a segment and prints, as simplified conditions, who enters (matched by NEW
and not by OLD) and who leaves (matched by OLD and not by NEW), over every possible contact:

  who enters: tenure > 6 and tenure <= 12
  who leaves: nobody

  OLD, NEW            each an expression, or --segment NAME for a segment of the files given with -f
      --old FILE      the old version: a file holding one condition (or the segment --segment names)
      --new FILE      the new version, likewise
  -s, --schema FILE   the schema (JSON); without it, the one the nearest segql.json names
  -f, --file FILE     segment files: --segment picks from them, and expressions may refer to their
                      segments with 'in segment "Name"'
      --segment NAME  a segment of the files (an operand); with --old/--new, the segment to take
                      from both files
      --json          print {"enters": …, "leaves": …, "same": …, "notes": […]}
      --steps N       reasoning steps allowed (default 200000, at most 10000000)
${MAX_INPUT_BYTES_HELP}
  -h, --help          show this help

Relative times stay as written (30 days ago), so the conditions hold at every 'now'. A difference too
large to simplify within the budget is printed as the plain NEW and not (OLD), with a note.

Exit status: 0 compared, 1 a condition has errors (printed like segql check), 2 usage error,
missing file or invalid schema, 3 internal error (a bug in segql: please report it).

Examples:
  segql diff -s schema.json 'tenure > 12' 'tenure > 6'
  segql diff -s schema.json --old segments-v1.segql --new segments-v2.segql --segment "VIP"`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = parseOperandArgs(args, { json: { value: false }, steps: { value: true }, old: { value: true }, new: { value: true } });
  const str = (name: string): string | undefined => (typeof parsed.options[name] === "string" ? (parsed.options[name] as string) : undefined);
  const chosen = resolveSchema(parsed.options["schema"], io.cwd?.());
  if (!chosen) throw new CliError("--schema FILE is required, or a segql.json naming the schema in this folder or above (see segql diff --help)");
  const steps = parseSteps(str("steps"));
  const oldFile = str("old");
  const newFile = str("new");
  let operands: Operand[] | null;
  const schema = chosen.schema;
  if (oldFile !== undefined || newFile !== undefined) {
    if (oldFile === undefined || newFile === undefined) throw new CliError("--old and --new go together: give both files");
    const names = parsed.positional.filter((p) => p.startsWith("\u0000segment:")).map((p) => p.slice("\u0000segment:".length));
    if (parsed.positional.length > names.length) throw new CliError("with --old and --new, give no expression");
    if (names.length > 1) throw new CliError("with --old and --new, give at most one --segment (the segment taken from both files)");
    operands = await versionOperands(oldFile, newFile, names[0], schema, parsed.options, io);
  } else {
    if (parsed.positional.length !== 2) throw new CliError(`give two conditions, OLD and NEW (each an expression or --segment NAME), or --old FILE --new FILE; found ${parsed.positional.length}`);
    operands = await readOperands(parsed, schema, io, "compare", ["OLD", "NEW"]);
  }
  if (!operands) return EXIT.problems;
  const [older, newer] = operands as [Operand, Operand];
  const diff = diffSegments(older.segment, newer.segment, steps !== undefined ? { steps } : {});
  if (parsed.options["json"]) io.out(JSON.stringify({ old: older.label, new: newer.label, ...diff }, null, 2));
  else io.out([`who enters: ${sideText(diff.enters)}`, `who leaves: ${sideText(diff.leaves)}`].join("\n"));
  for (const note of diff.notes) io.err(`segql diff: note: ${note}`);
  return EXIT.ok;
}

/** One side of a diff as a line says it: nobody, every contact, or the condition. */
export function sideText(side: DiffSide): string {
  if (side.nobody) return "nobody";
  if (side.everybody) return "every contact";
  return side.condition!;
}

/** The same segment in two files (each checked on its own): the one condition, or the one named. */
async function versionOperands(oldFile: string, newFile: string, name: string | undefined, schema: Schema, options: Record<string, string | true>, io: Io): Promise<Operand[] | null> {
  const limits = limitsFrom(options);
  const inputs = await readInputs([oldFile, newFile], [], io);
  const out: Operand[] = [];
  let failed = false;
  for (const input of inputs) {
    const result = parse(input.text, limits ? { limits } : {});
    const checked = check(result.document, schema);
    const errors = shownDiagnostics(result, checked.diagnostics).filter((d) => d.severity === "error");
    if (errors.length > 0) {
      io.err(renderForTerminal(input.text, errors, input.label));
      failed = true;
      continue;
    }
    const segment: TypedSegment = pickSegment(checked.segments, name, "compare", "", input.label);
    out.push({ label: `${input.label}${segment.name !== null ? ` segment ${JSON.stringify(segment.name)}` : ""}`, segment });
  }
  if (failed) {
    io.err("errors: nothing to compare");
    return null;
  }
  return out;
}
