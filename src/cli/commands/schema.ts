/**
 * `segql schema infer FILE`: proposes a schema for a contacts file (types, enums for low-cardinality
 * text, lists, dates and timestamps, the key) from its first rows.
 */
import { existsSync } from "node:fs";
import { DataError, readCsv, readJsonArray, readJsonLines } from "../../data/readers.js";
import { inferSchema } from "../../schema/infer.js";
import { CliError, EXIT, notFound, parseArgs, type Io } from "../io.js";
import { dataFileNotText } from "../text-files.js";

export const help = `usage: segql schema infer FILE [--table NAME] [--key COLUMN] [--max-enum N] [--sample N]

Proposes a schema for the contacts in FILE (.csv with a header row, .jsonl, .json, .parquet; .gz for
text), printed as JSON on standard output; notes on what was guessed go to standard error. Review it:
enums, the key and types are guesses from the sample.

      --table NAME    the contacts table (default contacts)
      --key COLUMN    the key column (default: id, key or *_id if present and unique, else the first
                      column present and unique in every row)
      --max-enum N    text columns with at most N distinct values become enums (default 20; 0: never)
      --sample N      rows read (default 10000)
  -h, --help          show this help

Exit status: 0 proposed, 2 usage error or unreadable file, 3 internal error.`;

export async function run(args: string[], io: Io): Promise<number> {
  const [command, ...rest] = args;
  if (command !== "infer") throw new CliError(`expected 'infer', found ${command === undefined ? "nothing" : `'${command}'`} (see segql schema --help)`);
  const { options, positional } = parseArgs(rest, { table: { value: true }, key: { value: true }, "max-enum": { value: true }, sample: { value: true } });
  const [file, extra] = positional;
  if (file === undefined) throw new CliError("missing FILE");
  if (extra !== undefined) throw new CliError(`unexpected argument '${extra}'`);
  const num = (name: string, fallback: number) => {
    const v = options[name];
    if (v === undefined) return fallback;
    if (typeof v !== "string" || !/^\d+$/.test(v)) throw new CliError(`--${name}: expected a whole number, found '${String(v)}'`);
    return Number(v);
  };
  const sample = Math.max(1, num("sample", 10_000));
  const maxEnumValues = num("max-enum", 20);
  if (options["table"] === "") throw new CliError("--table: a table name cannot be empty");
  // A file that is no text (gzip data named .csv, a spreadsheet) is said once, not as columns of garbage.
  if (!/\.parquet$/i.test(file) && existsSync(file)) {
    const notText = await dataFileNotText(file);
    if (notText !== null) throw new CliError(`${file}: ${notText}`);
  }
  const readNotes: string[] = [];
  const { rows, text } = await readSample(file, sample, readNotes);
  if (rows.length === 0) throw new CliError(`${file}: no rows to infer from`);
  // A key that is no column would give a schema that no import of this file can use.
  const key = options["key"];
  if (typeof key === "string" && !rows.some((r) => Object.hasOwn(r, key))) {
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    throw new CliError(`--key: ${file} has no column ${JSON.stringify(key)} (it has ${columns.slice(0, 20).map((c) => JSON.stringify(c)).join(", ")}${columns.length > 20 ? ", …" : ""})`);
  }
  const result = inferSchema(rows, {
    text,
    maxEnumValues,
    ...(typeof options["table"] === "string" ? { table: options["table"] } : {}),
    ...(typeof options["key"] === "string" ? { key: options["key"] } : {}),
  });
  io.out(JSON.stringify(result.schema, null, 2));
  for (const n of [...readNotes, ...result.notes]) io.err(`note: ${n}`);
  io.err(`note: inferred from ${rows.length.toLocaleString("en-US")} row${rows.length === 1 ? "" : "s"} of ${file}`);
  return EXIT.ok;
}

async function readSample(file: string, limit: number, notes: string[]): Promise<{ rows: Record<string, unknown>[]; text: boolean }> {
  const rows: Record<string, unknown>[] = [];
  const plain = file.replace(/\.gz$/i, "").toLowerCase();
  try {
    if (plain.endsWith(".csv")) {
      let header: string[] | null = null;
      for await (const rec of readCsv(file)) {
        if (!header) {
          header = rec.cells.map((c) => c.trim());
          // As segql import reads the header: a column named twice is refused, one without a name left out.
          const twice = header.find((h, i) => h !== "" && header!.indexOf(h) !== i);
          if (twice !== undefined) {
            const at = header.flatMap((h, i) => (h === twice ? [i + 1] : []));
            throw new CliError(`${file}:${rec.line}: the header names the column ${JSON.stringify(twice)} more than once (columns ${at.join(" and ")}): which one holds its values? rename or remove the others`);
          }
          header.forEach((h, i) => {
            if (h === "") notes.push(`column ${i + 1} of the header has no name; left out (name it to have it in the schema)`);
          });
          // A spreadsheet saved with another separator (`;` where the decimal mark is a comma, or tabs) reads
          // as one column named by the whole header line, which the schema would take as its key.
          const other = header.length === 1 ? [";", "\t", "|"].find((sep) => header![0]!.includes(sep)) : undefined;
          if (other !== undefined) {
            notes.push(`the header is one column, ${JSON.stringify(header[0])}, holding ${other === "\t" ? "tabs" : `'${other}'`}: segql reads CSV separated by commas; save the file with commas (a spreadsheet's "CSV UTF-8 (comma delimited)")`);
          }
          continue;
        }
        rows.push(Object.fromEntries(header.flatMap((h, i) => (h === "" ? [] : [[h, rec.cells[i] ?? ""]]))));
        if (rows.length >= limit) break;
      }
      return { rows, text: true };
    }
    if (plain.endsWith(".jsonl") || plain.endsWith(".ndjson") || plain.endsWith(".json")) {
      const source = plain.endsWith(".json") ? readJsonArray(file) : readJsonLines(file);
      for await (const { value, line } of source) {
        if (typeof value !== "object" || value === null || Array.isArray(value)) throw new CliError(`${file}:${line}: expected a JSON object`);
        rows.push(value as Record<string, unknown>);
        if (rows.length >= limit) break;
      }
      return { rows, text: false };
    }
    if (plain.endsWith(".parquet")) {
      const { DuckDBInstance } = await import("@duckdb/node-api");
      const instance = await DuckDBInstance.create(":memory:");
      const con = await instance.connect();
      try {
        const reader = await con.runAndReadAll(`SELECT * FROM read_parquet($1) LIMIT ${Math.trunc(limit)}`, [file]);
        for (const r of reader.getRowObjectsJson()) rows.push(r as Record<string, unknown>);
      } catch (e) {
        throw new CliError(`${file}: not a readable Parquet file (${(e as Error).message.split("\n")[0]})`);
      } finally {
        con.closeSync();
        instance.closeSync();
      }
      return { rows, text: false };
    }
  } catch (e) {
    if (e instanceof DataError) throw new CliError(e.message);
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new CliError(notFound("file", file));
    if ((e as NodeJS.ErrnoException).code === "EISDIR") throw new CliError(`file is a directory: ${file}`);
    throw e;
  }
  throw new CliError(`${file}: cannot tell the format from the extension; use .csv, .jsonl, .json or .parquet`);
}
