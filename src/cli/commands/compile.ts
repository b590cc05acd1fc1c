/**
 * `segql compile`: a condition (or a segment file) → SQL for a warehouse dialect: one statement
 * (`select`, `count`), the condition alone (`where`), or CREATE VIEW statements (`views`).
 */
import { existsSync } from "node:fs";
import { check } from "../../checker/index.js";
import type { TypedSegment } from "../../checker/typed-ast.js";
import { compileSql, compileViews, DIALECT_NAMES, DIALECTS, resolveNowOption, SqlCompileError, type DialectName } from "../../compiler/sql/index.js";
import { parse } from "../../parser/index.js";
import { CliError, didYouMean, EXIT, parseArgs, type Io } from "../io.js";
import { limitsFrom, MAX_INPUT_BYTES_HELP, pickSegment, readInputs, renderForTerminal, takeFiles } from "../inputs.js";
import { resolveSchema, timeZoneOption } from "./check.js";
import { zoneOf } from "../../checker/zone.js";
import { shownDiagnostics } from "../../parser/recovered.js";

export const help = `usage: segql compile [--schema FILE] [--dialect D] [--form select|where|count|views] [--params]
                     [--now ISO] [--tz ZONE] [--json] [--segment NAME] [--max-input-bytes N] (EXPRESSION | -f FILE | -)

Compiles a condition to SQL and prints it.

  EXPRESSION          the condition, e.g. 'plan_type = "Pro" and lifetime_value > 1000'
                      (an argument naming an existing .segql file is read as that file)
  -                   read the condition from standard input
  -f, --file FILE     read a file: one expression, or segment declarations
  -s, --schema FILE   the schema (JSON); without it, the one the nearest segql.json names
  -d, --dialect D     ${DIALECT_NAMES.join(", ")} (default: duckdb)
      --form F        select (default): SELECT <key> FROM <table> WHERE ..., one statement
                      count:  SELECT COUNT(*) FROM <table> WHERE ...
                      where:  the condition alone, for your own query
                      views:  CREATE [OR REPLACE] VIEW per named segment of the file, in dependency
                              order (view names: segment_<name>, see docs/sql.md)
      --segment NAME  the segment to compile (required when the file has several); with
                      --form views, that segment's view and the views it reads
      --params        bind values as parameters ($1, ?, @p1, :1 by dialect) instead of literals;
                      the values follow as a '-- params:' comment (or in --json)
      --now ISO       resolve now, today and 'N days ago' against this instant and write it into
                      the SQL (default: the SQL reads the database's clock)
      --tz ZONE       the IANA time zone to count in: today, dates, times without an offset,
                      days/weeks/months/years (default: the schema's "timeZone", else UTC).
                      Without --now the database converts with its zone functions (DuckDB,
                      PostgreSQL, BigQuery, Snowflake); sqlite and mysql then need --now
      --table-alias A
                      the name the contacts table has in your query (--form where)
      --view-schema S
                      with --form views: the schema (BigQuery: dataset) to create the views in
      --json          print {"sql": ..., "params": ...}
${MAX_INPUT_BYTES_HELP}
  -h, --help          show this help

A statement longer than 100,000 characters is printed on one line (laying it out would take seconds),
with a note on standard error.

Exit status: 0 compiled, 1 the input has errors (printed like segql check) or cannot be expressed
in the dialect, 2 usage error, missing file or invalid schema, 3 internal error (a bug in segql:
please report it).

Examples:
  segql compile -s schema.json -d postgres 'plan_type = "Pro" and lifetime_value > 1000'
  segql compile -s schema.json -d bigquery --params --json -f segments.segql --segment "High value"
  segql compile -s schema.json -d duckdb --form views -f segments.segql`;

export async function run(args: string[], io: Io): Promise<number> {
  const { files, rest } = takeFiles(args);
  const { options, positional } = parseArgs(rest, {
    schema: { value: true, short: "s" },
    dialect: { value: true, short: "d" },
    form: { value: true },
    params: { value: false },
    now: { value: true },
    tz: { value: true },
    json: { value: false },
    segment: { value: true },
    "table-alias": { value: true },
    "view-schema": { value: true },
    file: { value: true, short: "f" },
    "max-input-bytes": { value: true },
  });
  const limits = limitsFrom(options);
  const str = (name: string): string | undefined => (typeof options[name] === "string" ? (options[name] as string) : undefined);
  const chosen = resolveSchema(options["schema"], io.cwd?.());
  if (!chosen) throw new CliError("--schema FILE is required, or a segql.json naming the schema in this folder or above (see segql compile --help)");
  // DuckDB, the embedded engine, is the default: what runs on a laptop without a warehouse.
  const dialect = str("dialect") ?? "duckdb";
  if (!(DIALECT_NAMES as string[]).includes(dialect)) throw new CliError(`--dialect: unknown dialect '${dialect}'${didYouMean(dialect, DIALECT_NAMES)} (expected one of ${DIALECT_NAMES.join(", ")})`);
  const form = str("form") ?? "select";
  if (!["select", "where", "count", "views"].includes(form)) throw new CliError(`--form must be select, where, count or views, not '${form}'${didYouMean(form, ["select", "where", "count", "views"])}`);
  if (form === "views" && options["params"]) throw new CliError("--params does not apply to --form views (a view cannot take parameters)");
  if (form === "views" && str("table-alias") !== undefined) throw new CliError("--table-alias does not apply to --form views (a view reads the contacts table by its name)");
  if (form !== "views" && str("view-schema") !== undefined) throw new CliError("--view-schema applies to --form views only (the schema to create the views in)");
  // A name on the command line the dialect cannot quote is the option's fault, not the condition's.
  for (const flag of ["table-alias", "view-schema"]) {
    const name = str(flag);
    if (name === undefined) continue;
    try {
      for (const part of flag === "view-schema" ? name.split(".") : [name]) DIALECTS[dialect as DialectName].quoteIdent(part);
    } catch (e) {
      if (e instanceof SqlCompileError) throw new CliError(`--${flag}: ${e.message}`);
      throw e;
    }
  }
  // An argument naming an existing segment file is that file.
  const inline = positional.filter((p) => !(p.endsWith(".segql") && existsSync(p)));
  const allFiles = [...files, ...positional.filter((p) => !inline.includes(p))];
  if (allFiles.length + inline.length === 0) throw new CliError("no condition: give an expression, -f FILE, or - to read standard input");
  if (allFiles.length + inline.length > 1) throw new CliError("give one input: an expression, -f FILE or - (a segment file holds several segments)");

  const schema = chosen.schema;
  const timeZone = timeZoneOption(options["tz"], schema, chosen.projectZone);
  const nowText = str("now");
  let now: number | undefined;
  if (nowText !== undefined) {
    try {
      now = resolveNowOption(nowText, zoneOf(timeZone));
    } catch {
      throw new CliError(`--now: '${nowText}' is not an instant (expected e.g. 2026-01-01T00:00:00Z)`);
    }
  }
  const [input] = await readInputs(allFiles, inline, io);
  const text = input!.text;
  const parsed = parse(text, limits ? { limits } : {});
  const checked = check(parsed.document, schema, timeZone !== undefined ? { timeZone } : {});
  const diagnostics = shownDiagnostics(parsed, checked.diagnostics);
  if (diagnostics.length > 0) io.err(renderForTerminal(text, diagnostics, input!.label));
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) {
    io.err(`${errors} error${errors === 1 ? "" : "s"}: nothing compiled`);
    return EXIT.problems;
  }

  try {
    if (form === "views") {
      const segments = viewsToBuild(checked.segments, str("segment"));
      const viewSchema = str("view-schema");
      const { sql, views, note } = compileViews(segments, {
        dialect: dialect as DialectName,
        ...(now !== undefined ? { now } : {}),
        ...(timeZone !== undefined ? { timeZone } : {}),
        ...(viewSchema !== undefined ? { schemaName: viewSchema } : {}),
      });
      io.out(options["json"] ? JSON.stringify({ sql, views }, null, 2) : sql);
      if (note) io.err(`segql compile: note: ${note}`);
      return EXIT.ok;
    }
    const segment = pickSegment(checked.segments, str("segment"), "compile", ", or use --form views", input!.label);
    const alias = str("table-alias");
    const compiled = compileSql(segment, {
      dialect: dialect as DialectName,
      form: form as "select" | "where" | "count",
      params: options["params"] === true,
      ...(now !== undefined ? { now } : {}),
      ...(timeZone !== undefined ? { timeZone } : {}),
      ...(alias !== undefined ? { tableAlias: alias } : {}),
    });
    if (options["json"]) io.out(JSON.stringify({ sql: compiled.sql, params: compiled.params }, null, 2));
    else {
      const statement = form === "where" ? compiled.sql : `${compiled.sql};`;
      const params = options["params"] ? `\n-- params: ${JSON.stringify(compiled.params)}` : "";
      io.out(`${statement}${params}`);
    }
    if (compiled.note) io.err(`segql compile: note: ${compiled.note}`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof SqlCompileError) {
      // At the condition it came from, like a checker's error: in a file of many segments, which one.
      if (e.span !== undefined) {
        io.err(renderForTerminal(text, [{ code: "sql-unsupported", severity: "error", span: e.span, message: e.message }], input!.label));
        io.err("1 error: nothing compiled");
      } else io.err(`segql compile: error: ${e.message}`);
      return EXIT.problems;
    }
    throw e;
  }
}


/** With --segment, that segment and (transitively) the segments it refers to; else all. */
function viewsToBuild(segments: TypedSegment[], name: string | undefined): TypedSegment[] {
  if (name === undefined) return segments;
  const byName = new Map(segments.filter((s) => s.name !== null).map((s) => [s.name!, s]));
  if (!byName.has(name)) throw new CliError(`no segment named ${JSON.stringify(name)}${didYouMean(name, [...byName.keys()], JSON.stringify)} (defined: ${[...byName.keys()].map((n) => JSON.stringify(n)).join(", ")})`);
  const wanted = new Set<string>();
  const visit = (n: string) => {
    if (wanted.has(n)) return;
    wanted.add(n);
    for (const r of byName.get(n)?.references ?? []) visit(r);
  };
  visit(name);
  return segments.filter((s) => s.name !== null && wanted.has(s.name));
}
