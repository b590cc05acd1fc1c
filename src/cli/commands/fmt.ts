/**
 * `segql fmt`: prints expressions and segment files in canonical form (src/parser/format.ts), rewrites
 * files with --write, or lists unformatted ones with --check. A text with syntax errors is never formatted:
 * its diagnostics are printed and the file is left as it is.
 */
import { chmodSync, realpathSync, renameSync, statSync, writeFileSync } from "node:fs";
import { DEFAULT_WIDTH, format, sameDocument } from "../../parser/format.js";
import { LIMITS, parse, type Limits } from "../../parser/index.js";
import { offsetPastBytes, utf8Length } from "../../parser/limits.js";
import { CliError, EXIT, internalErrorMessage, parseArgs, type Io } from "../io.js";
import { limitsFrom, MAX_INPUT_BYTES_HELP, plural, readInputs, renderForTerminal, takeFiles, type Input } from "../inputs.js";

export const help = `usage: segql fmt [--write | --check] [--width N] [--max-input-bytes N] [-f FILE]... [EXPRESSION | -]...

Prints expressions and segment files in canonical form: keywords in lower case, one spelling per
operator, minimal parentheses, strings in double quotes, one segment declaration per block, and
long conditions broken over lines (see docs/cli-check-fmt.md). Comments are kept.

  EXPRESSION          an expression to format
  -                   read one text from standard input
  -f, --file FILE     format a file; repeat for several files
  -w, --write         rewrite the files in place (only those that change) instead of printing
  -c, --check         print the inputs that are not formatted and exit 1 if there are any
      --width N       preferred line width (default ${DEFAULT_WIDTH})
${MAX_INPUT_BYTES_HELP}
  -h, --help          show this help

A text with syntax errors is not formatted: its errors are printed (FILE:LINE:COL: error: ...),
the file is left untouched, and the exit status is 1.

Exit status: 0 ok, 1 syntax errors, a file that is not UTF-8 text (or, with --check, unformatted
inputs), 2 usage error or missing file, 3 internal error (the formatted text would not read back
as the input: a bug in segql, reported and the input left as it is).

Examples:
  segql fmt 'STATUS IS "Subscribed" AND (plan_type = "Pro")'
  segql fmt --write -f segments.segql
  segql fmt --check -f a.segql -f b.segql`;

export async function run(args: string[], io: Io): Promise<number> {
  const { files, rest } = takeFiles(args);
  const { options, positional } = parseArgs(rest, {
    write: { value: false, short: "w" },
    check: { value: false, short: "c" },
    width: { value: true },
    file: { value: true, short: "f" },
    "max-input-bytes": { value: true },
  });
  const limits = limitsFrom(options);
  if (files.length === 0 && positional.length === 0) {
    throw new CliError("nothing to format: give an expression, -f FILE, or - to read standard input (see segql fmt --help)");
  }
  if (options["write"] && options["check"]) throw new CliError("--write and --check cannot be used together");
  let width = DEFAULT_WIDTH;
  if (options["width"] !== undefined) {
    width = Number(options["width"]);
    if (!Number.isInteger(width) || width < 20 || width > 1000) throw new CliError(`--width takes a whole number from 20 to 1000, found '${options["width"]}'`);
  }
  const inputs = await readInputs(files, positional, io);
  if (options["write"]) {
    const notFiles = inputs.filter((i) => i.kind !== "file" || i.path === "-");
    if (notFiles.length > 0) throw new CliError("--write rewrites files; give them with -f FILE (an expression or standard input can only be printed)");
    // A device or FIFO (-f /dev/stdin) was read once and cannot be rewritten; renamed over, it would be replaced.
    const notPlain = inputs.find((i) => !statSync(i.path!).isFile());
    if (notPlain) throw new CliError(`--write rewrites files; ${notPlain.path} is not a plain file (standard input or a device can only be printed)`);
  }

  let failed = 0;
  let internal = 0;
  let unformatted = 0;
  let rewritten = 0;
  for (const input of inputs) {
    const formatted = formatInput(input, width, io, limits);
    if (formatted === null || formatted === INTERNAL) {
      failed++;
      if (formatted === INTERNAL) internal++;
      continue;
    }
    const changed = !sameText(input, formatted);
    if (options["check"]) {
      if (changed) {
        unformatted++;
        io.out(`${input.label ?? "expression"}: not formatted`);
      }
    } else if (options["write"]) {
      if (changed) {
        writeAtomically(input.path!, formatted);
        rewritten++;
        io.out(`formatted ${input.path}`);
      }
    } else if (formatted !== "") {
      io.out(formatted);
    }
  }
  if (options["check"] && failed === 0) io.err(unformatted > 0 ? `${plural(unformatted, "input")} not formatted` : `ok: ${plural(inputs.length, "input")} formatted`);
  if (options["write"]) io.err(`${plural(rewritten, "file")} rewritten, ${inputs.length - rewritten - failed} already formatted${failed ? `, ${failed} not formatted because of errors` : ""}`);
  if (internal > 0) return EXIT.internal;
  return failed > 0 || unformatted > 0 ? EXIT.problems : EXIT.ok;
}

/** What `formatInput` returns when the formatter failed its own round-trip check (a bug). */
const INTERNAL = Symbol("internal error");

/**
 * The canonical text of an input; null (after printing why) when it has syntax errors; INTERNAL (after
 * printing the internal-error line) when the output would not read back as the input.
 */
function formatInput(input: Input, width: number, io: Io, limits: Partial<Limits> | undefined): string | null | typeof INTERNAL {
  const parsed = parse(input.text, limits ? { limits } : {});
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    io.err(renderForTerminal(input.text, errors, input.label));
    io.err(`segql fmt: ${input.label ?? "the expression"} has ${plural(errors.length, "syntax error")}; not formatted`);
    return null;
  }
  const formatted = format(parsed.document, { width });
  // The output can be a little longer than the input (spaces and line breaks added): it must still be
  // within the size limit, or checking the formatted file would refuse it.
  const maxBytes = limits?.maxInputBytes ?? LIMITS.maxInputBytes;
  if (offsetPastBytes(formatted, maxBytes) >= 0) {
    io.err(`segql fmt: ${input.label ?? "the expression"}: formatted, it would be ${utf8Length(formatted).toLocaleString("en-US")} bytes, ` +
      `more than the limit of ${maxBytes.toLocaleString("en-US")}; not formatted (raise the limit with --max-input-bytes)`);
    return null;
  }
  // Never lose text: the output must parse back to the same document, comments included.
  const again = parse(formatted, limits ? { limits } : {});
  if (again.diagnostics.length > 0 || !sameDocument(parsed.document, again.document)) {
    io.err(internalErrorMessage("segql fmt", new Error(`formatting ${input.label ?? "the expression"} would change it, so it was left as it is`)));
    return INTERNAL;
  }
  return formatted;
}

/** Whether the input already reads as `formatted`; an expression on the command line needs no final newline. */
function sameText(input: Input, formatted: string): boolean {
  if (input.kind === "file") return input.text === formatted;
  return input.text.replace(/\r?\n$/, "") === formatted.replace(/\n$/, "");
}

/**
 * Writes through a temporary file and a rename, so an interrupted write never leaves half a file. A
 * symlink's file is the one replaced (renamed over, the link itself became a formatted copy and the file it
 * points to stayed as it was).
 */
function writeAtomically(path: string, text: string): void {
  const real = realpathSync(path);
  const tmp = `${real}.segql-fmt-${process.pid}.tmp`;
  writeFileSync(tmp, text);
  try {
    chmodSync(tmp, statSync(real).mode);
  } catch {
    // Keep the default mode when the original's cannot be read.
  }
  renameSync(tmp, real);
}
