/**
 * `segql check`: parses and checks expressions and segment files, printing every problem as
 * `file:line:col: error: message` with the source line and a caret under the span.
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { analysisWarnings } from "../../analysis/index.js";
import { check } from "../../checker/index.js";
import { messages } from "../../checker/messages.js";
import { error, type Diagnostic } from "../../diagnostics.js";
import { parse, type ParseResult, type SegmentDeclaration } from "../../parser/index.js";
import { echoZone, withoutEchoes } from "../../parser/recovered.js";
import { parseSchema, SchemaError, type Schema } from "../../schema/schema.js";
import { CliError, didYouMean, EXIT, parseArgs, readInputFile, type Io } from "../io.js";
import { timeZone, TimeZoneError } from "../../checker/zone.js";
import { pathToUri, uriToPath, Workspace } from "../../project/workspace.js";
import { diagnosticsToJson, limitsFrom, MAX_INPUT_BYTES_HELP, plural, readInputs, renderForTerminal, takeFiles, type DiagnosticJson } from "../inputs.js";

export const help = `usage: segql check [--schema FILE] [--json] [--strict] [--no-analysis] [--tz ZONE] [--max-input-bytes N]
                   [-f FILE]... [EXPRESSION | -]...

Checks expressions and segment files. With a schema (--schema, or the one segql.json names), fields,
operators and values are checked against it; without one, only the syntax is checked (plus segment
names and references).

  EXPRESSION          an expression, e.g. 'tenure > 12 and contract = "Month-to-month"'
  -                   read one text from standard input
  -f, --file FILE     check a file: one expression, or segment declarations
                      (segment "Name" as ...); repeat for several files, whose segments
                      may refer to each other with 'in segment "Name"'
  -s, --schema FILE   the schema (JSON) to check against; without it, the schema the nearest
                      segql.json names (this folder or above), as the language server reads it
      --json          print the diagnostics as JSON: "ok" (no errors; with --strict, no
                      warnings either; "valid" is its older name), then each input's diagnostics:
                      line/column 1-based, offsets 0-based (end exclusive), with the fix
                      when there is one
      --strict        warnings fail the check too (exit 1)
      --no-analysis   skip the static analysis's warnings (parts that never match, always hold
                      or add nothing)
      --tz ZONE       the IANA time zone the text will be evaluated in (default: the schema's
                      "timeZone"): warns about times without an offset that a DST change skips
                      or repeats there, e.g. --tz Europe/Berlin
${MAX_INPUT_BYTES_HELP}
  -h, --help          show this help

Problems print as FILE:LINE:COL: error: MESSAGE (no FILE for an inline expression), followed by
the source line and a caret under the problem. With --schema, the static analysis also warns about
parts that can never match, always hold, or add nothing (warning: …); warnings do not change the
exit status unless --strict is given.

An empty input (or one holding only comments) is an error: there is no condition to check.

Exit status: 0 no errors (warnings alone are fine), 1 errors found (or warnings, with --strict; or
a file that is not UTF-8 text, said once), 2 usage error, missing file or invalid schema,
3 internal error (a bug in segql: please report it).

Examples:
  segql check --schema schema.json 'plan_type = "Pro" and lifetime_value > 1000'
  segql check --schema schema.json -f segments.segql -f more.segql
  echo 'status = "Subscribed"' | segql check --schema schema.json -`;

/**
 * `--tz ZONE`: the zone's name when it is one Intl knows (a usage error otherwise); without the option,
 * segql.json's "timeZone" when the schema came from one, else the schema's `timeZone` (undefined: UTC).
 * Shared by check, eval and compile.
 */
export function timeZoneOption(value: string | true | undefined, schema: Schema | null, projectZone?: string): string | undefined {
  if (value === undefined) return projectZone ?? schema?.timeZone;
  if (value === true) throw new CliError("--tz needs a time zone name, e.g. --tz Europe/Berlin");
  try {
    return timeZone(value).name;
  } catch (e) {
    // The nearest of Intl's zone names: Europe/Berln is a typo of Europe/Berlin, named so.
    if (e instanceof TimeZoneError) throw new CliError(`--tz: ${e.message}${didYouMean(value, [...Intl.supportedValuesOf("timeZone"), "UTC"])}`);
    throw e;
  }
}

/** The schema a command reads, where it came from (for messages), and the project's time zone. */
export interface SchemaChoice {
  schema: Schema;
  /** The schema file as the user named it, or as the project names it (relative to the working folder). */
  path: string;
  /** For messages: the path, and the segql.json it came from. */
  label: string;
  /** segql.json's "timeZone", when the schema came from one. */
  projectZone?: string;
}

/**
 * `--schema FILE`, else the schema of the nearest segql.json from the working folder upward (the file the
 * language server reads for the same folder); null when there is neither. A segql.json with problems is a
 * usage error listing them (`FILE:LINE:COL: error: MESSAGE`).
 */
export function resolveSchema(option: string | true | undefined, cwd: string = process.cwd()): SchemaChoice | null {
  if (option === true) throw new CliError("--schema needs a file name");
  if (option !== undefined) return { schema: loadSchema(option), path: option, label: option };
  const project = new Workspace().projectOf(pathToUri(join(cwd, "segql-command-line")));
  if (!project.configPath) return null;
  const shown = (path: string) => relative(cwd, path) || path;
  const errors = (project.info.problems ?? []).filter((p) => p.severity === "error");
  if (errors.length > 0) {
    throw new CliError(
      errors
        .map((p) => (p.location ? `${shown(uriToPath(p.location.uri) ?? p.location.uri)}:${p.location.line}:${p.location.column}: error: ${p.message}` : `${shown(project.configPath)}: error: ${p.message}`))
        .join("\n"),
    );
  }
  const schema = project.info.schema;
  if (!schema) return null;
  const path = shown(project.info.schemaSource ? (uriToPath(project.info.schemaSource.uri) ?? "") : "");
  return { schema, path, label: `${path} (from ${shown(project.configPath)})`, ...(project.info.timeZone !== undefined ? { projectZone: project.info.timeZone } : {}) };
}

/** Reads and validates the schema, turning its problems into a usage error: one `FILE:LINE:COL: error: PATH: MESSAGE` line each. */
export function loadSchema(path: string): Schema {
  const text = readInputFile(path, "schema file", EXIT.usage);
  try {
    return parseSchema(text, path);
  } catch (e) {
    if (e instanceof SchemaError) throw new CliError(e.message);
    throw e;
  }
}

export async function run(args: string[], io: Io): Promise<number> {
  const { files, rest } = takeFiles(args);
  const { options, positional } = parseArgs(rest, {
    schema: { value: true, short: "s" },
    json: { value: false },
    strict: { value: false },
    "no-analysis": { value: false },
    tz: { value: true },
    file: { value: true, short: "f" },
    "max-input-bytes": { value: true },
  });
  if (files.length === 0 && positional.length === 0) {
    throw new CliError("nothing to check: give an expression, -f FILE, or - to read standard input (see segql check --help)");
  }
  const limits = limitsFrom(options);
  const chosen = resolveSchema(options["schema"], io.cwd?.());
  const schema = chosen?.schema ?? null;
  const zone = timeZoneOption(options["tz"], schema, chosen?.projectZone);
  const inputs = await readInputs(files, positional, io);

  // Parse everything first, so a segment of one file can be referred to from another.
  const parsed = inputs.map((input) => ({ input, result: parse(input.text, limits ? { limits } : {}) }));
  const declarations = parsed.map((p) => p.result.document.segments.filter((s) => s.name !== null));

  const json: { file: string | null; diagnostics: DiagnosticJson[] }[] = [];
  const rendered: string[] = [];
  const notes: string[] = [];
  let errors = 0;
  let warnings = 0;
  let failedInputs = 0;
  const strict = options["strict"] === true;
  // A name declared in an earlier input: `in segment` could not tell which of the two is meant.
  const firstDeclared = new Map<string, { label: string; line: number }>();
  const duplicates = declarations.map((ds, i) => {
    const found: Diagnostic[] = [];
    const own = new Set<string>();
    for (const d of ds) {
      const first = firstDeclared.get(d.name!);
      if (first && !own.has(d.name!)) found.push(error("duplicate-segment", d.nameSpan ?? d.span, messages.duplicateSegmentIn(d.name!, first.label, first.line)));
      own.add(d.name!);
    }
    for (const d of ds) if (!firstDeclared.has(d.name!)) firstDeclared.set(d.name!, { label: parsed[i]!.input.label ?? "<expression>", line: d.span.line });
    return found;
  });
  parsed.forEach(({ input, result }, i) => {
    const catalog: SegmentDeclaration[] = declarations.filter((_, j) => j !== i).flat();
    const checked = check(result.document, schema, { catalog, ...(zone !== undefined ? { timeZone: zone } : {}) });
    const checkerDiagnostics = withoutEchoes(checked.diagnostics, result.diagnostics.map((d) => echoZone(d.span, result.tokens)));
    const analysis = options["no-analysis"] ? [] : analysisWarnings(checked.segments, { text: input.text });
    const diagnostics: Diagnostic[] = [...result.diagnostics, ...checkerDiagnostics, ...duplicates[i]!, ...analysis, ...noCondition(input.text, result)].sort((a, b) => a.span.start - b.span.start);
    const nErrors = diagnostics.filter((d) => d.severity === "error").length;
    const nWarnings = diagnostics.filter((d) => d.severity === "warning").length;
    errors += nErrors;
    warnings += nWarnings;
    if (nErrors > 0 || (strict && nWarnings > 0)) failedInputs++;
    if (options["json"]) {
      json.push({ file: input.label, diagnostics: diagnosticsToJson(input.text, diagnostics, input.label) });
      return;
    }
    if (diagnostics.length > 0) rendered.push(renderForTerminal(input.text, diagnostics, input.label));
    if (input.kind === "inline" && looksLikeFile(input.text)) {
      notes.push(`note: '${input.text}' is a file, checked here as an expression; to check the file, write: segql check -f ${input.text}`);
    }
  });

  if (options["json"]) {
    // `ok`, as POST /api/check says it; `valid` is the older name of the same answer, kept for scripts.
    const ok = errors === 0 && !(strict && warnings > 0);
    io.out(JSON.stringify({ ok, valid: ok, syntaxOnly: schema === null, schema: chosen?.path ?? null, inputs: json }, null, 2));
  } else {
    if (rendered.length > 0) io.out(rendered.join("\n\n"));
    for (const note of notes) io.err(note);
    const what = plural(inputs.length, "input");
    const against = chosen ? `against ${chosen.label}` : "for syntax only (no --schema given, no segql.json found)";
    const summary = errors > 0
      ? `${plural(errors, "error")}${warnings ? `, ${plural(warnings, "warning")}` : ""} in ${failedInputs} of ${what}, checked ${against}`
      : strict && warnings > 0
        ? `${plural(warnings, "warning")} in ${failedInputs} of ${what}, checked ${against} (--strict: warnings fail the check)`
        : `ok: ${what} checked ${against}${warnings ? `, ${plural(warnings, "warning")}` : ""}`;
    io.err(summary);
  }
  return errors > 0 || (strict && warnings > 0) ? EXIT.problems : EXIT.ok;
}

/**
 * An input with nothing to check (empty, blank, or only comments) is an error, as `compile` and `eval`
 * refuse it: a check that says "ok" about nothing hides a wrong file or an empty variable.
 */
function noCondition(text: string, result: ParseResult): Diagnostic[] {
  if (result.diagnostics.length > 0) return [];
  const doc = result.document;
  if (!doc.bare || doc.segments.some((s) => s.expr !== null)) return [];
  const span = { start: 0, end: 0, line: 1, column: 1 };
  return [error("no-condition", span, text.trim() === ""
    ? "the input is empty: there is no condition to check"
    : "the input holds only comments: there is no condition to check")];
}

/** An inline "expression" that names an existing file (`segql check x.segql`) probably meant `-f`. */
function looksLikeFile(text: string): boolean {
  return /^[\w./\\-]+\.\w+$/.test(text) && existsSync(text);
}
