/**
 * `segql eval`: evaluates a condition against contacts in a JSONL, JSON or CSV file (and their events),
 * printing the keys of the contacts that match, one per line, each once, in data order.
 */
import { existsSync, statSync } from "node:fs";
import { parseDate, parseTimestamp } from "../../checker/time.js";
import type { TypedEvent, TypedSegment } from "../../checker/typed-ast.js";
import { check } from "../../checker/index.js";
import { compilePredicate, type EventRow } from "../../compiler/predicate/index.js";
import { DataError, loadEventsByKey, readContacts, type ContactFormat } from "../../data/index.js";
import { LineIndex } from "../../diagnostics.js";
import { parse } from "../../parser/index.js";
import { formatFromName } from "../data-formats.js";
import { CliError, didYouMean, EXIT, notFound, parseArgs, type Io } from "../io.js";
import { dataFileNotText } from "../text-files.js";
import { limitsFrom, MAX_INPUT_BYTES_HELP, pickSegment, readInputs, renderForTerminal, takeFiles } from "../inputs.js";
import { resolveSchema, timeZoneOption } from "./check.js";
import { dayStart, fromWallClock, zoneOf, type TimeZone } from "../../checker/zone.js";
import { shownDiagnostics } from "../../parser/recovered.js";

export const help = `usage: segql eval [--schema FILE] --data FILE [--events FILE | --no-events] [--now ISO] [--tz ZONE] [--count]
                  [--segment NAME] [--max-input-bytes N] (-f FILE | EXPRESSION | -)

Evaluates a condition against contacts and prints the keys of those that match, one per line,
each once, in the order of the data file.

  EXPRESSION          the condition, e.g. 'plan_type = "Pro" and lifetime_value > 1000'
                      (an argument naming an existing .segql file is read as that file)
  -                   read the condition from standard input
  -f, --file FILE     read the condition from a file (an expression or segment declarations)
      --segment NAME  with a segment file, the segment to evaluate (required when it has several)
  -s, --schema FILE   the schema (JSON); without it, the one the nearest segql.json names
  -d, --data FILE     the contacts: .jsonl (one object per line), .json (an array of objects) or
                      .csv (a header row naming the fields); values are converted by field type
      --format F      the data file's format when its extension does not say: jsonl, json or csv
  -e, --events FILE   events as JSONL, with the schema's events column names, e.g.
                      {"customer_id": "c1", "event": "Purchase", "occurred_at": "2024-01-01T10:00:00Z",
                       "properties": {"amount": 15.3}}; joined to contacts by key. Required when
                      the condition uses events ('performed …')
      --no-events     evaluate as if no contact had any events (instead of --events)
      --now ISO       the instant relative times are resolved against (default: the current time),
                      e.g. 2026-01-01T00:00:00Z (without an offset: wall-clock time in the zone)
      --tz ZONE       the IANA time zone to count in: today, dates, times without an offset,
                      days/weeks/months/years (default: the schema's "timeZone", else UTC)
      --count         print only the number of matching contacts
      --mode M        codegen (default) or closure (the evaluator that never generates code)
${MAX_INPUT_BYTES_HELP}
  -h, --help          show this help

A value that does not fit its field stops with FILE:LINE: row N, field "NAME": why.
Columns or keys the schema does not know are ignored (with a warning). Event properties are
converted by type too: "12" in a number property counts as 12 (SQL run over the same JSON, where
it is text, reads no number there: compare the two on data whose types are right).

Exit status: 0 evaluated (also when nothing matches), 1 the condition has errors (printed like
segql check; or its -f FILE is not text), 2 usage error, missing file, invalid schema, a data file
that is not UTF-8 text or whose name does not say the format (without --format), a bad value in
the data, or a condition on events without --events (or --no-events), 3 internal error (a bug in
segql: please report it).

Examples:
  segql eval --schema schema.json --data contacts.jsonl 'churn and tenure < 12'
  segql eval -s schema.json -d contacts.csv --count -f segments.segql --segment "High value"
  segql eval -s schema.json -d contacts.jsonl -e events.jsonl --now 2011-12-10T00:00:00Z \\
    'performed "Purchase" at least 3 times within last 30 days'`;

/** Output is written in batches of this many keys. */
const BATCH = 4096;

export async function run(args: string[], io: Io): Promise<number> {
  const { files, rest } = takeFiles(args);
  const { options, positional } = parseArgs(rest, {
    schema: { value: true, short: "s" },
    data: { value: true, short: "d" },
    events: { value: true, short: "e" },
    now: { value: true },
    tz: { value: true },
    count: { value: false },
    segment: { value: true },
    format: { value: true },
    mode: { value: true },
    file: { value: true, short: "f" },
    "no-events": { value: false },
    "max-input-bytes": { value: true },
  });
  const limits = limitsFrom(options);
  const str = (name: string): string | undefined => (typeof options[name] === "string" ? (options[name] as string) : undefined);
  const chosen = resolveSchema(options["schema"], io.cwd?.());
  const dataPath = str("data");
  if (!chosen) throw new CliError("--schema FILE is required, or a segql.json naming the schema in this folder or above (see segql eval --help)");
  // An empty name (a variable unset) is given, and said as a missing file is (requireFile).
  if (dataPath === undefined) throw new CliError("--data FILE is required: the contacts to evaluate (.jsonl, .json or .csv)");
  // An argument naming an existing segment file is that file, as for segql compile: a pipeline passes both
  // the same arguments and gets the same segment.
  const inline = positional.filter((p) => !(p.endsWith(".segql") && existsSync(p)));
  const allFiles = [...files, ...positional.filter((p) => !inline.includes(p))];
  if (allFiles.length + inline.length === 0) throw new CliError("no condition: give an expression, -f FILE, or - to read standard input");
  if (allFiles.length + inline.length > 1) throw new CliError("give one condition: an expression, -f FILE or - (for several segments, use a segment file and --segment)");
  const format = str("format");
  if (format !== undefined && format !== "jsonl" && format !== "json" && format !== "csv") throw new CliError(`--format must be jsonl, json or csv, not '${format}'${didYouMean(format, ["jsonl", "json", "csv"])}`);
  const mode = str("mode");
  if (mode !== undefined && mode !== "codegen" && mode !== "closure") throw new CliError(`--mode must be codegen or closure, not '${mode}'${didYouMean(mode, ["codegen", "closure"])}`);
  const schema = chosen.schema;
  const timeZone = timeZoneOption(options["tz"], schema, chosen.projectZone);
  const now = parseNow(str("now"), zoneOf(timeZone));

  const [input] = await readInputs(allFiles, inline, io);
  const { text, label } = { text: input!.text, label: input!.label ?? undefined };

  const parsed = parse(text, limits ? { limits } : {});
  const checked = check(parsed.document, schema, timeZone !== undefined ? { timeZone } : {});
  const diagnostics = shownDiagnostics(parsed, checked.diagnostics);
  if (diagnostics.length > 0) io.err(renderForTerminal(text, diagnostics, label));
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) {
    io.err(`${errors} error${errors === 1 ? "" : "s"}: nothing evaluated`);
    return EXIT.problems;
  }
  const segment = pickSegment(checked.segments, str("segment"), "evaluate", "", label);

  requireFile(dataPath, "data file");
  // Before reading a row: a name that does not say the format (`x.gz`, `contacts.dat`), and a file that
  // is no text, each said once (a bad data file is exit 2 here, as a bad value in it is).
  const dataFormat = (format as ContactFormat | undefined) ?? formatFromName(dataPath, DATA_FORMATS);
  await requireText(dataPath);
  const eventsPath = str("events");
  let events: Map<string, EventRow[]> | null = null;
  const warnUnknown = (file: string, names: string[]) =>
    io.err(`segql eval: warning: ${file}: ignoring ${names.length === 1 ? "a field" : "fields"} not in the schema: ${names.slice(0, 10).join(", ")}${names.length > 10 ? `, … (${names.length})` : ""}`);
  if (eventsPath !== undefined && options["no-events"]) throw new CliError("--events and --no-events cannot be used together");
  if (eventsPath !== undefined) {
    if (!schema.events) throw new CliError(`--events needs a schema with an "events" section (${chosen.label} has none)`);
    requireFile(eventsPath, "events file");
    await requireText(eventsPath);
    events = await dataErrors(() => loadEventsByKey(eventsPath, schema, { onUnknownFields: warnUnknown }));
  } else if (!options["no-events"]) {
    // Without events every `not performed …` would match everyone: a forgotten flag must not give
    // plausible wrong answers.
    const event = firstEvent(segment);
    if (event) {
      const { line, column } = new LineIndex(text).locate(event.span.start);
      throw new CliError(
        `the condition uses events (performed ${JSON.stringify(event.name)} at ${label ? `${label}:` : ""}${line}:${column}) but no events were given: ` +
          `pass them with --events FILE, or --no-events to evaluate as if no contact had any events`,
      );
    }
  }

  const predicate = compilePredicate(segment, { now, ...(timeZone !== undefined ? { timeZone } : {}), ...(mode ? { mode } : {}) });
  const keyName = schema.key;
  const printed = new Set<string>();
  let batch: string[] = [];
  await dataErrors(async () => {
    for await (const contact of readContacts(dataPath, schema, { format: dataFormat, onUnknownFields: warnUnknown })) {
      const key = String(contact[keyName]);
      if (printed.has(key)) continue;
      if (!predicate(contact, events?.get(key))) continue;
      printed.add(key);
      if (!options["count"]) {
        batch.push(key);
        if (batch.length >= BATCH) {
          io.out(batch.join("\n"));
          batch = [];
        }
      }
    }
  });
  if (options["count"]) io.out(String(printed.size));
  else if (batch.length > 0) io.out(batch.join("\n"));
  return EXIT.ok;
}

/** `--now`: ISO-8601 as literals are written (no offset = wall-clock time in the zone; a bare date is the start of that day there). */
function parseNow(text: string | undefined, zone: TimeZone): number {
  if (text === undefined) return Date.now();
  const t = parseTimestamp(text);
  if ("ms" in t) return t.local ? fromWallClock(t.ms, zone) : t.ms;
  const d = parseDate(text);
  if (d !== null) return dayStart(d, zone);
  throw new CliError(`--now: '${text}' is not an instant: ${t.reason}`);
}


/** The contacts' formats by extension (`.gz` after any of them). */
const DATA_FORMATS = { ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv" } as const;

/** A usage error when the file is not UTF-8 text (gzip data named .jsonl, a spreadsheet, Latin-1). */
async function requireText(path: string): Promise<void> {
  const notText = await dataFileNotText(path);
  if (notText !== null) throw new CliError(`${path}: ${notText}`);
}

function requireFile(path: string, what: string): void {
  if (!existsSync(path)) throw new CliError(notFound(what, path));
  if (statSync(path).isDirectory()) throw new CliError(`${what} is a directory: ${path}`);
}

/** Runs a loader, turning bad data into a usage-level error that names file, line, row and field. */
async function dataErrors<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof DataError) throw new CliError(e.message);
    throw e;
  }
}

/** The first event condition of a segment, in text order, also inside the segments it refers to. */
function firstEvent(segment: TypedSegment): TypedEvent | null {
  const seen = new Set<object>();
  const stack = [segment.expr];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (seen.has(e)) continue;
    seen.add(e);
    if (e.kind === "event") return e;
    // Pushed last to first, so operands come off the stack in text order.
    if (e.kind === "and" || e.kind === "or") for (let i = e.operands.length - 1; i >= 0; i--) stack.push(e.operands[i]!);
    else if (e.kind === "not") stack.push(e.operand);
    else if (e.kind === "segment") stack.push(e.expr);
  }
  return null;
}
