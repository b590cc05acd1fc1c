/**
 * `segql segments …`: saved segments in a store (a DuckDB file or PostgreSQL), through the same store
 * code the HTTP API calls. Also the helpers `segql import` shares: opening a store from `--db`/`--schema`
 * and turning store errors into messages and exit codes.
 */
import { existsSync, rmSync } from "node:fs";
import { renderDiagnostics } from "../../diagnostics.js";
import type { ConditionCount, DeletedSegment, FeedInclude, FeedItem, InvalidInputError as InvalidInputErrorType, Store, Segment, StoreError as StoreErrorType } from "../../store/index.js";
import { SqlCompileError } from "../../compiler/sql/index.js";
import { printable } from "../inputs.js";
import { CliError, dbOption, didYouMean, EXIT, parseArgs, readInputFile, type Io, type OptionSpec } from "../io.js";
import { loadSchema } from "./check.js";
import { sideText } from "./diff.js";
import { parseSteps } from "./relate.js";
import { parseAge } from "./serve.js";

export const help = `usage: segql segments <command> [--db FILE|URL] [--json] …

Saved segments in a store: a DuckDB file (default segql.duckdb) or PostgreSQL (--db postgres://…).
A new database needs --schema FILE the first time. SEGMENT is a name (any case) or an id (12 or #12).

commands:
  list [--kind static|dynamic] [--search TEXT] [--failed]
                                         --failed: only segments whose last refresh failed
  show SEGMENT [--versions]              the segment, its references and (with --versions) its history
  create NAME (EXPRESSION | -f FILE)     a dynamic segment
  create NAME --static [--members FILE] [--freeze EXPRESSION]
                                         a static segment: keys from a CSV/JSONL file, or today's matches
  edit SEGMENT [--name N] [--description D] [EXPRESSION | -f FILE] [--expected-version V] [--static]
                                         change it (--static converts a dynamic segment to a static list)
  duplicate SEGMENT [--name N]           "Copy of X" (or N)
  delete SEGMENT [--force]               into the trash; refused while other segments read it, unless --force
  deleted [--search TEXT]                the trash: deleted segments, the latest first
  restore DELETED [--name N]             bring a deleted segment back (same id; N when its name was taken)
  purge (DELETED | --older-than AGE | --all)
                                         remove deleted segments from the trash for good: one, those
                                         deleted more than AGE ago (30d, 12h), or all of them
  members SEGMENT [--limit N] [--sort FIELD] [--desc] [--at ISO]
  members SEGMENT (--add KEY,… | --remove KEY,… | --add-file FILE | --remove-file FILE) [--skip-unknown]
                                         FILE: .jsonl, or .csv with the keys in the column named
                                         like the key (or "key"), else one key per line, no header
  export SEGMENT [--out FILE] [--format csv|jsonl] [--raw]
                                         every member with its fields, as CSV (default; UTF-8, what
                                         segql import reads) or JSON Lines; to stdout or FILE (written
                                         whole or not at all). --raw: text a spreadsheet would run as a
                                         formula (=, +, -, @) as stored, not with a ' before it
  preview (EXPRESSION | -f FILE) [--for SEGMENT] [--limit N] [--sort FIELD] [--desc] [--dialect D]
                                         count, first contacts, SQL, per-condition counts (and impact)
  diff SEGMENT [--from V] [--to W] [EXPRESSION | -f FILE] [--steps N]
                                         who enters and who leaves between two versions, by the rules
                                         (default: the version before the current one → the current);
                                         with EXPRESSION: the current (or --from) → that edit
  why (SEGMENT | --expression EXPRESSION) KEY
  refresh [SEGMENT…] [--relative]        recompute memberships (default: every dynamic segment)
  changes [--since SEQ] [--segment SEGMENT] [--limit N] [--include refresh]
                                         the change feed: who entered and left which segment;
                                         --include refresh: also each segment's refresh failing,
                                         or working again after it failed;
                                         --include segments: also segments created, edited,
                                         deleted and restored (both: --include refresh,segments)

options:
      --db FILE|URL     the store (default segql.duckdb)
  -s, --schema FILE     the schema, to create a new store
      --description D   a segment's description (create, edit)
      --by USER         who makes the change (recorded in the history)
      --json            print JSON
  -h, --help            show this help

Exit status: 0 done, 1 a problem with the input (an expression with errors, a name taken, a stale
version, unknown keys, a refused delete), 2 usage error (unknown option, a bad option value such as
--limit 0 or --sort on no field, missing file, database in use), 3 internal error. create, edit and
preview print the static analysis's warnings on stderr (exit 0).

Examples:
  segql segments create "High value" 'lifetime_value > 1000' --schema schema.json
  segql segments preview 'plan_type = "Pro" and lifetime_value > 100' --sort lifetime_value --desc
  segql segments members "VIP list" --add-file vips.csv
  segql segments export "High value" --out high-value.csv
  segql segments changes --since 120 --json`;

/**
 * Writes chunks to `file` whole or not at all: into a temporary file beside it, renamed over it at the end
 * (a failure halfway leaves any earlier file as it was and no partial one). What is not a plain file (a
 * device such as /dev/stdout or /dev/null, a FIFO) is written to as it is: renamed over, it was replaced by
 * a file (as root, the machine's /dev/null). A symlink's file is replaced, and the link kept.
 */
export async function writeWhole(file: string, chunks: AsyncIterable<string>): Promise<void> {
  const { open, realpath, rename, rm, stat } = await import("node:fs/promises");
  const cannot = (e: unknown) => new CliError(`--out: cannot write ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such folder" : (e as Error).message}`);
  if (file === "") throw new CliError("--out: an empty file name (is a variable unset?)");
  // Through symlinks: what the path names in the end.
  const found = await stat(file).catch(() => null);
  // A folder named as the file: said before a temporary file is made beside it (rename would say EISDIR).
  if (found?.isDirectory()) throw new CliError(`--out: ${file} is a folder; name a file in it`);
  if (found && !found.isFile()) return writeStraight(file, chunks, cannot);
  const real = found ? await realpath(file) : file;
  const tmp = `${real}.${process.pid}.tmp`;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(tmp, "w");
  } catch (e) {
    throw cannot(e);
  }
  // Ctrl-C (or a kill) during a long export leaves neither the file nor the temporary one: removed at once
  // (synchronously: the process ends right after), and the exit status is the signal's.
  const interrupted = (signal: NodeJS.Signals) => {
    rmSync(tmp, { force: true });
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    for await (const chunk of chunks) await handle.write(chunk);
    await handle.sync();
    await handle.close();
    await rename(tmp, real);
  } catch (e) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    // The file system's refusals (a full disk) are said as such; a store's go on to be said as refusals.
    if (isSystemError(e)) throw new CliError(`--out: cannot write ${file}: ${(e as Error).message}`);
    throw e;
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  }
}

/** Writes chunks into a device or FIFO as it is (it cannot be written whole or not at all). */
async function writeStraight(file: string, chunks: AsyncIterable<string>, cannot: (e: unknown) => CliError): Promise<void> {
  const { open } = await import("node:fs/promises");
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "w");
  } catch (e) {
    throw cannot(e);
  }
  try {
    for await (const chunk of chunks) await handle.write(chunk);
  } catch (e) {
    // The device's refusals (a full one) are said as such; a store's go on to be said as refusals.
    if (isSystemError(e)) throw cannot(e);
    throw e;
  } finally {
    await handle.close().catch(() => {});
  }
}

/** An error of the operating system (`ENOSPC`, `EPIPE`, …), not of the store. */
function isSystemError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code);
}

/** The options every store command takes. */
export const STORE_OPTIONS: OptionSpec = {
  db: { value: true },
  schema: { value: true, short: "s" },
  json: { value: false },
  by: { value: true },
};

/** Opens the store of `--db` (with `--schema` for a new one); opening problems are usage errors. */
export async function openCliStore(options: Record<string, string | true>): Promise<Store> {
  const { openStore, StoreError } = await import("../../store/index.js");
  const db = dbOption(options["db"]);
  const schemaPath = typeof options["schema"] === "string" ? options["schema"] : undefined;
  const schema = schemaPath !== undefined ? loadSchema(schemaPath) : undefined;
  // Without a schema a missing DuckDB file cannot become a store: say so before DuckDB creates an empty
  // file there (a mistyped --db would leave one behind).
  const file = db ?? "segql.duckdb";
  if (!schema && file !== ":memory:" && !/^postgres(ql)?:\/\//i.test(file) && !existsSync(file)) {
    throw new CliError(`no database at ${file}: give a schema (--schema FILE) to create one there, or --db the file to use`);
  }
  try {
    // No time limit on reads: one person runs the command and Ctrl-C stops it (the limit keeps one user's
    // read from holding a shared server's connections).
    return await openStore({ ...(db !== undefined ? { db } : {}), ...(schema ? { schema } : {}), queryTimeoutMs: 0 });
  } catch (e) {
    if (e instanceof StoreError) throw new CliError(e.message, { cause: e });
    throw e;
  }
}

/**
 * Runs `fn` with a store and closes it. Store errors become a message and exit 1 (the input's fault), or
 * exit 2 when they are about the database (held by another process, newer, another schema, a write-back
 * journal it refuses), closing included; an expression with errors prints its diagnostics like `segql check`.
 *
 * `flags` maps the store's names for values that came from the command line (`orderBy`, `at`, `limit`)
 * to what the user typed (`--sort`, `--at`, `--limit`, `NAME`): the store's refusal of such a value is a
 * usage error (exit 2) said by its flag, as the CLI's own checks of option values are, never by the API's
 * property name.
 */
export async function withStore(options: Record<string, string | true>, io: Io, fn: (store: Store) => Promise<number>, flags: Readonly<Record<string, string>> = {}): Promise<number> {
  const { StoreError, InvalidExpressionError, InvalidInputError, DeletedSegmentError } = await import("../../store/index.js");
  let store: Store;
  try {
    store = await openCliStore(options);
  } catch (e) {
    // With --json, a database that cannot be opened is said in JSON too, as any later refusal.
    const cause = e instanceof CliError ? e.cause : undefined;
    if (options["json"] !== true || !(cause instanceof StoreError)) throw e;
    io.out(JSON.stringify(errorJson(cause), null, 2));
    return STARTUP_CODES.has(cause.code) ? EXIT.usage : EXIT.problems;
  }
  /** Prints a store's refusal and gives its exit status; anything else is a bug and goes on up. */
  const refused = (e: unknown): number => {
    if (!(e instanceof StoreError)) throw e;
    if (options["json"] === true) {
      io.out(JSON.stringify(errorJson(e), null, 2));
    } else if (e instanceof InvalidExpressionError) {
      io.err(printable(renderDiagnostics(e.text, e.diagnostics.filter((d) => d.severity === "error"), "<expression>")));
    } else if (e instanceof InvalidInputError) {
      io.err(invalidInputText(e));
    } else if (e instanceof DeletedSegmentError) {
      io.err(`error: ${e.message}; restore it with: segql segments restore ${e.deleted.id}`);
    } else {
      io.err(`error: ${e.message}`);
    }
    // The database's state, not the command's input: as when it cannot be opened.
    return STARTUP_CODES.has(e.code) ? EXIT.usage : EXIT.problems;
  };
  /** The store's refusal of values that all came from `flags`, as a usage error naming them; else null. */
  const flagError = (e: unknown): CliError | null => {
    if (!(e instanceof InvalidInputError) || e.problems.length === 0 || !e.problems.every((p) => Object.hasOwn(flags, p.path))) return null;
    const said = e.problems.map((p) => {
      const flag = flags[p.path]!;
      const given = flag.startsWith("--") ? options[flag.slice(2)] : undefined;
      const quoted = typeof given === "string" && (given === "" || p.message.includes(`"${given}"`) || p.message.includes(JSON.stringify(given)));
      const shown = typeof given === "string" && given.length > 40 ? `${given.slice(0, 40)}…` : given;
      return `${flag}: ${p.message}${typeof shown === "string" && !quoted ? `, found '${printable(shown)}'` : ""}`;
    });
    return new CliError(said.join("; "), { cause: e });
  };
  let status: number = EXIT.ok;
  // What goes on up once the store is closed: a usage error, or a bug.
  let thrown: { error: unknown } | null = null;
  try {
    status = await fn(store);
  } catch (e) {
    const usage = flagError(e);
    if (usage) thrown = { error: usage };
    else if (e instanceof StoreError) status = refused(e);
    else if (e instanceof SqlCompileError) {
      // An expression that checks but that SQL cannot hold (before 0000-01-01, within last 99999 years):
      // the input's fault, said as `segql compile` says it.
      if (options["json"] === true) io.out(JSON.stringify({ error: "sql-compile", message: e.message }, null, 2));
      else io.err(`error: the expression cannot be run in SQL: ${e.message}`);
      status = EXIT.problems;
    } else thrown = { error: e };
  }
  // Closing applies what is pending and can be refused too (a write-back journal the database refuses):
  // said like any refusal, never as a crash. The store is closed whatever happened before.
  try {
    await store.close();
  } catch (e) {
    if (!thrown) {
      const closing = refused(e);
      if (status === EXIT.ok) status = closing;
    }
  }
  if (thrown) throw thrown.error;
  return status;
}

/** An `InvalidInputError` for the terminal: `error: PATH: why`, or `error: N problems:` and one line each. */
export function invalidInputText(e: InvalidInputErrorType): string {
  // The store's `id` and `kind` are the segment the command names, which the message names too
  // ("segment #1 … is dynamic"): the API's property names would only puzzle here.
  const shownPath = (path: string) => (path === "id" || path === "kind" ? "" : path);
  const line = (p: (typeof e.problems)[number]) => `${shownPath(p.path) ? `${p.path}: ` : ""}${p.field !== undefined && !p.path.endsWith(p.field) ? `field ${JSON.stringify(p.field)}: ` : ""}${p.message}`;
  if (e.total === 1 && e.problems.length === 1) return `error: ${line(e.problems[0]!)}`;
  return [`error: ${e.total} problems${e.problems.length < e.total ? ` (the first ${e.problems.length})` : ""}:`, ...e.problems.map((p) => `  ${line(p)}`)].join("\n");
}

/** Store error codes that are about the database rather than the command (exit status 2, as at open). */
const STARTUP_CODES = new Set(["database-in-use", "newer-database", "schema-mismatch", "journal-apply-failed"]);

function errorJson(e: StoreErrorType): Record<string, unknown> {
  const out: Record<string, unknown> = { error: e.code, message: e.message };
  for (const k of ["diagnostics", "problems", "keys", "referencedBy", "current", "existing", "failure", "deleted"]) {
    const v = (e as unknown as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** A segment by name or id. */
async function find(store: Store, ref: string | undefined, what = "SEGMENT"): Promise<Segment> {
  if (ref === undefined) throw new CliError(`missing ${what} (a name or an id)`);
  return store.findSegment(ref);
}

/** Every deleted segment (whose name contains `search`), the latest deletion first. */
async function allDeleted(store: Store, search: string | undefined): Promise<DeletedSegment[]> {
  const items: DeletedSegment[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listDeletedSegments({ ...(search !== undefined ? { search } : {}), limit: 1000, cursor });
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return items;
}

/** A deleted segment by id (`12`, `#12`) or name (ignoring case; several deleted under one name: say which ids). */
async function findDeleted(store: Store, ref: string | undefined): Promise<DeletedSegment> {
  if (ref === undefined) throw new CliError("missing DELETED (a deleted segment's name or id; segql segments deleted lists them)");
  const trash = await allDeleted(store, undefined);
  const byName = trash.filter((d) => d.name.toLowerCase() === ref.toLowerCase());
  if (byName.length > 1) throw new CliError(`${byName.length} deleted segments are named ${JSON.stringify(ref)}: give the id (${byName.map((d) => `#${d.id}`).join(", ")})`);
  const id = /^#?(\d{1,15})$/.exec(ref.trim());
  const found = byName[0] ?? (id ? trash.find((d) => d.id === Number(id[1])) : undefined);
  if (!found) {
    const { NotFoundError } = await import("../../store/index.js");
    throw new NotFoundError("deleted segment", id ? Number(id[1]) : ref);
  }
  return found;
}

function deletedSummary(d: DeletedSegment): string {
  const count = `${d.memberCount.toLocaleString("en-US")} member${d.memberCount === 1 ? "" : "s"}`;
  return `#${d.id}  ${d.name}  [${d.kind}, ${count}]  deleted ${d.deletedAt}${d.deletedBy !== null ? ` by ${d.deletedBy}` : ""}`;
}

/** An expression from the positional argument or `-f FILE`. */
function expressionOf(options: Record<string, string | true>, positional: string | undefined, required: boolean): string | undefined {
  const file = typeof options["file"] === "string" ? options["file"] : undefined;
  if (file !== undefined && positional !== undefined) throw new CliError("give the expression either inline or with -f FILE, not both");
  if (file !== undefined) return readInputFile(file, "expression file").replace(/\s+$/, "");
  if (positional === undefined && required) throw new CliError("missing EXPRESSION (inline, or -f FILE)");
  return positional;
}

function intOption(options: Record<string, string | true>, name: string): number | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^\d+$/.test(v)) throw new CliError(`--${name}: expected a whole number, found '${String(v)}'`);
  return Number(v);
}

function str(options: Record<string, string | true>, name: string): string | undefined {
  return typeof options[name] === "string" ? (options[name] as string) : undefined;
}

function summary(s: Segment): string {
  const count = `${s.memberCount.toLocaleString("en-US")} member${s.memberCount === 1 ? "" : "s"}`;
  const problems = s.problems.length > 0 ? `  (broken: ${s.problems[0]!.message})` : "";
  // A failed refresh says so once: a broken segment's refresh fails for the problem already shown.
  const stale = s.refresh?.status === "failed" && s.problems.length === 0 ? `  (last refresh failed ${s.refresh.triedAt}: ${s.refresh.error.message})` : "";
  return `#${s.id}  ${s.name}  [${s.kind}, v${s.version}, ${count}]${s.expression !== null ? `  ${s.expression}` : ""}${problems}${stale}`;
}

/**
 * What to do about a failed refresh, by its kind: a refresh again helps only when the expression has no
 * problem now (refreshes skip one with errors until it is fixed), and the CLI runs one with no time limit.
 */
function retryHint(s: Segment): string {
  if (s.problems.length > 0) return "refreshes skip it until the problem below is fixed";
  if (s.refresh?.status === "failed" && s.refresh.error.code === "query-timeout") {
    return `segql segments refresh ${s.id} runs it with no time limit; or simplify its expression, or raise segql serve --query-timeout`;
  }
  return `segql segments refresh ${s.id} tries again`;
}

/**
 * Reads contact keys from a CSV or JSON Lines file (the format the API accepts for uploads). `isContact`
 * tells a CSV's first row of several columns, none named like the key, from a header: a row whose first
 * cell is a contact's key is data (a list of keys with notes beside them); otherwise it is a header that
 * lacks the key column, refused (exit 2) rather than read as a key and then refused as no contact.
 */
export async function keysFromFile(file: string, keyName: string, isContact: (key: string) => Promise<boolean>): Promise<string[]> {
  const { readKeyList } = await import("../../server/key-lists.js");
  const text = readInputFile(file, "keys file", EXIT.usage);
  const format = /\.(jsonl|ndjson)$/i.test(file) ? "jsonl" : /\.csv$/i.test(file) ? "csv" : null;
  if (!format) throw new CliError(`${file}: expected a .csv or .jsonl file of keys`);
  if (format === "csv") await refuseHeaderWithoutKey(file, text, keyName, isContact);
  const result = readKeyList(text, format, keyName, undefined);
  if (!result.ok) throw new CliError(`${file}: ${result.total} problem${result.total === 1 ? "" : "s"}:\n${result.problems.map((p) => `  ${file}:${p.line}: ${p.message}`).join("\n")}`);
  return result.keys;
}

/** Whether a key is a contact's in the store: `keysFromFile`'s test of a CSV's first row. */
export function isContactOf(store: Store): (key: string) => Promise<boolean> {
  return async (key) => (await store.findContactKeys([key])).known.length > 0;
}

/** A usage error when a CSV's first row looks like a header (several columns) but none is the key column. */
async function refuseHeaderWithoutKey(file: string, text: string, keyName: string, isContact: (key: string) => Promise<boolean>): Promise<void> {
  const { csvRows, Problems } = await import("../../server/key-lists.js");
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (const row of csvRows(body, new Problems())) {
    if (row.cells.length === 1 && row.cells[0] === "") continue; // blank lines before it, as the reader skips them
    const names = row.cells.map((c) => c.trim());
    const named = names.some((c) => c.toLowerCase() === keyName.toLowerCase() || c.toLowerCase() === "key");
    if (row.cells.length < 2 || named || (await isContact(row.cells[0]!))) return;
    const shown = names.slice(0, 10).map((c) => JSON.stringify(printable(c))).join(", ") + (names.length > 10 ? `, … (${names.length} columns)` : "");
    throw new CliError(
      `${file}:${row.line}: this looks like a header, with columns ${shown}, but none is the key column: ` +
        `name the column of contact keys ${JSON.stringify(keyName)} (or "key"), or give one key per line without a header`,
    );
  }
}

const COMMAND_OPTIONS: Record<string, OptionSpec> = {
  list: { kind: { value: true }, search: { value: true }, failed: { value: false } },
  show: { versions: { value: false } },
  create: { file: { value: true, short: "f" }, static: { value: false }, members: { value: true }, freeze: { value: true }, description: { value: true } },
  edit: { file: { value: true, short: "f" }, name: { value: true }, description: { value: true }, "expected-version": { value: true }, static: { value: false } },
  duplicate: { name: { value: true } },
  delete: { force: { value: false }, "expected-version": { value: true } },
  deleted: { search: { value: true } },
  restore: { name: { value: true } },
  purge: { "older-than": { value: true }, all: { value: false } },
  members: {
    limit: { value: true },
    sort: { value: true },
    desc: { value: false },
    at: { value: true },
    add: { value: true },
    remove: { value: true },
    "add-file": { value: true },
    "remove-file": { value: true },
    "skip-unknown": { value: false },
  },
  preview: { file: { value: true, short: "f" }, for: { value: true }, limit: { value: true }, sort: { value: true }, desc: { value: false }, dialect: { value: true } },
  diff: { from: { value: true }, to: { value: true }, file: { value: true, short: "f" }, steps: { value: true } },
  export: { out: { value: true, short: "o" }, format: { value: true }, raw: { value: false } },
  why: { expression: { value: true } },
  refresh: { relative: { value: false } },
  changes: { since: { value: true }, segment: { value: true }, limit: { value: true }, include: { value: true } },
};

/**
 * Per command, the store's names for values given on the command line (its errors say `orderBy`, the user
 * typed `--sort`): see `withStore`.
 */
const STORE_NAMES_OF_FLAGS: Record<string, Record<string, string>> = {
  list: { kind: "--kind", search: "--search" },
  create: { name: "NAME", description: "--description" },
  edit: { name: "--name", description: "--description", expectedVersion: "--expected-version" },
  duplicate: { name: "--name" },
  delete: { expectedVersion: "--expected-version" },
  deleted: { search: "--search" },
  restore: { name: "--name" },
  purge: { olderThanMs: "--older-than" },
  members: { orderBy: "--sort", limit: "--limit", at: "--at" },
  preview: { orderBy: "--sort", limit: "--limit", dialect: "--dialect" },
  diff: { "old.version": "--from", "new.version": "--to" },
  changes: { since: "--since", limit: "--limit", include: "--include" },
  why: { key: "KEY" },
};

/**
 * The static analysis's warnings about an expression just saved or previewed (parts that never match,
 * always hold or add nothing), on stderr as `segql check` prints them; they do not change the exit status.
 */
async function warnAbout(store: Store, expression: string, segmentId: number | undefined, io: Io): Promise<void> {
  const checked = await store.checkExpression(expression, segmentId !== undefined ? { segmentId } : {});
  const warnings = checked.diagnostics.filter((d) => d.severity === "warning");
  if (warnings.length > 0) io.err(printable(renderDiagnostics(expression, warnings, "<expression>")));
}

export async function run(args: string[], io: Io): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined) throw new CliError("missing command: list, show, create, edit, duplicate, delete, deleted, restore, purge, members, export, preview, diff, why, refresh or changes (see segql segments --help)");
  const spec = COMMAND_OPTIONS[command];
  if (!spec || !Object.hasOwn(COMMAND_OPTIONS, command)) throw new CliError(`unknown command '${command}' (see segql segments --help)`);
  const { options, positional } = parseArgs(rest, { ...STORE_OPTIONS, ...spec });
  const json = options["json"] === true;
  const by = str(options, "by") ?? null;
  const print = (value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());
  const tooMany = (max: number) => {
    if (positional.length > max) throw new CliError(`unexpected argument '${positional[max]}'`);
  };
  const withFlaggedStore = (fn: (store: Store) => Promise<number>) => withStore(options, io, fn, { by: "--by", ...STORE_NAMES_OF_FLAGS[command] });

  switch (command) {
    case "list":
      tooMany(0);
      return withFlaggedStore(async (store) => {
        const kind = str(options, "kind");
        if (kind !== undefined && kind !== "static" && kind !== "dynamic") throw new CliError("--kind: static or dynamic");
        const items: Segment[] = [];
        let cursor: string | null = null;
        do {
          const page = await store.listSegments({ ...(kind ? { kind } : {}), ...(str(options, "search") !== undefined ? { search: str(options, "search")! } : {}), ...(options["failed"] === true ? { refresh: "failed" as const } : {}), limit: 1000, cursor });
          items.push(...page.items);
          cursor = page.next;
        } while (cursor);
        print(items, () => (items.length === 0 ? (options["failed"] === true ? "no segments whose last refresh failed" : "no segments") : items.map(summary).join("\n")));
        return EXIT.ok;
      });
    case "show":
      tooMany(1);
      return withFlaggedStore(async (store) => {
        const s = await find(store, positional[0]);
        const versions = options["versions"] === true ? await store.segmentVersions(s.id) : undefined;
        print(versions ? { ...s, versions } : s, () => {
          const lines = [
            summary(s),
            ...(s.description ? [`  description: ${s.description}`] : []),
            `  created ${s.createdAt}${s.createdBy ? ` by ${s.createdBy}` : ""}; updated ${s.updatedAt}${s.updatedBy ? ` by ${s.updatedBy}` : ""}`,
            ...(s.refreshedAt ? [`  refreshed ${s.refreshedAt}${s.relativeTime ? " (uses relative times: refreshed on a schedule)" : ""}`] : []),
            ...(s.refresh?.status === "failed" ? [`  last refresh failed ${s.refresh.triedAt}: ${s.refresh.error.message}; its members are ${s.refreshedAt ? `as of ${s.refreshedAt}` : "as they were"} (${retryHint(s)})`] : []),
            ...(s.references.length ? [`  reads: ${s.references.map((r) => r.name).join(", ")}`] : []),
            ...(s.referencedBy.length ? [`  read by: ${s.referencedBy.map((r) => r.name).join(", ")}`] : []),
            ...s.problems.map((d) => `  problem: ${d.message}`),
            ...(versions ?? []).map((v) => {
              const copy = v.copiedFrom ? ` (a copy of #${v.copiedFrom.id} ${v.copiedFrom.name}, v${v.copiedFrom.version})` : "";
              return `  v${v.version} ${v.at}${v.by ? ` by ${v.by}` : ""}: ${v.changed.join(", ")}${copy}${v.expression !== null ? `  ${v.expression}` : ""}`;
            }),
          ];
          return lines.join("\n");
        });
        return EXIT.ok;
      });
    case "create": {
      tooMany(2);
      const name = positional[0];
      if (name === undefined) throw new CliError("missing NAME");
      const isStatic = options["static"] === true;
      const expression = isStatic ? undefined : expressionOf(options, positional[1], true);
      if (isStatic && positional[1] !== undefined) throw new CliError("a static segment has no expression (use --members FILE or --freeze EXPRESSION)");
      if (options["members"] !== undefined && options["freeze"] !== undefined) throw new CliError("give --members FILE or --freeze EXPRESSION, not both");
      if (!isStatic && (options["members"] !== undefined || options["freeze"] !== undefined)) throw new CliError(`--${options["members"] !== undefined ? "members" : "freeze"} is for a static segment: add --static`);
      return withFlaggedStore(async (store) => {
        const members = str(options, "members") !== undefined ? await keysFromFile(str(options, "members")!, store.schema.key, isContactOf(store)) : undefined;
        const description = str(options, "description");
        const s = await store.createSegment(
          {
            name,
            kind: isStatic ? "static" : "dynamic",
            ...(expression !== undefined ? { expression } : {}),
            ...(description !== undefined ? { description } : {}),
            ...(members ? { members } : {}),
            ...(str(options, "freeze") !== undefined ? { freeze: str(options, "freeze")! } : {}),
          },
          { by },
        );
        print(s, () => `created ${summary(s)}`);
        if (expression !== undefined) await warnAbout(store, expression, s.id, io);
        return EXIT.ok;
      });
    }
    case "edit":
      tooMany(2);
      return withFlaggedStore(async (store) => {
        let s = await find(store, positional[0]);
        const expression = expressionOf(options, positional[1], false);
        const expectedVersion = intOption(options, "expected-version");
        const changes = {
          ...(str(options, "name") !== undefined ? { name: str(options, "name")! } : {}),
          ...(str(options, "description") !== undefined ? { description: str(options, "description")! } : {}),
          ...(expression !== undefined ? { expression } : {}),
        };
        if (Object.keys(changes).length === 0 && options["static"] !== true) throw new CliError("nothing to change: give --name, --description, an expression or --static");
        if (Object.keys(changes).length > 0) s = await store.updateSegment(s.id, changes, { by, ...(expectedVersion !== undefined ? { expectedVersion } : {}) });
        if (options["static"] === true) s = await store.convertToStatic(s.id, { by });
        print(s, () => `saved ${summary(s)}`);
        if (expression !== undefined && s.kind === "dynamic") await warnAbout(store, expression, s.id, io);
        return EXIT.ok;
      });
    case "duplicate":
      tooMany(1);
      return withFlaggedStore(async (store) => {
        const s = await find(store, positional[0]);
        const copy = await store.duplicateSegment(s.id, { by, ...(str(options, "name") !== undefined ? { name: str(options, "name")! } : {}) });
        print(copy, () => `created ${summary(copy)}`);
        return EXIT.ok;
      });
    case "delete":
      tooMany(1);
      return withFlaggedStore(async (store) => {
        const s = await find(store, positional[0]);
        const expectedVersion = intOption(options, "expected-version");
        await store.deleteSegment(s.id, { force: options["force"] === true, by, ...(expectedVersion !== undefined ? { expectedVersion } : {}) }).catch((e: unknown) => {
          // The store says "delete with force" (the API's force=true): here it is a flag.
          if ((e as StoreErrorType).code === "referenced") (e as Error).message = (e as Error).message.replace("delete with force", "delete with --force");
          throw e;
        });
        print({ deleted: { id: s.id, name: s.name } }, () => `deleted #${s.id} ${s.name} (in the trash: segql segments restore ${s.id} brings it back)`);
        return EXIT.ok;
      });
    case "deleted":
      tooMany(0);
      return withFlaggedStore(async (store) => {
        const items = await allDeleted(store, str(options, "search"));
        print(items, () => (items.length === 0 ? "the trash is empty" : items.map(deletedSummary).join("\n")));
        return EXIT.ok;
      });
    case "restore":
      tooMany(1);
      return withFlaggedStore(async (store) => {
        const d = await findDeleted(store, positional[0]);
        const name = str(options, "name");
        const s = await store.restoreSegment(d.id, { by, ...(name !== undefined ? { name } : {}) }).catch((e: unknown) => {
          if ((e as StoreErrorType).code === "name-taken") (e as Error).message += "; restore it under another name with --name";
          throw e;
        });
        print(s, () => `restored ${summary(s)}`);
        return EXIT.ok;
      });
    case "purge":
      tooMany(1);
      {
        const olderThan = str(options, "older-than");
        const all = options["all"] === true;
        const given = [positional[0] !== undefined && "DELETED", olderThan !== undefined && "--older-than", all && "--all"].filter((g) => g !== false);
        if (given.length > 1) throw new CliError(`give one of DELETED, --older-than AGE or --all (found ${given.join(" and ")})`);
        if (given.length === 1 && given[0] !== "DELETED") {
          const olderThanMs = olderThan !== undefined ? parseAge(olderThan, "--older-than")! : undefined;
          return withFlaggedStore(async (store) => {
            const purged = await store.emptyTrash({ by, ...(olderThanMs !== undefined ? { olderThanMs } : {}) });
            const ids = purged.map((d) => ({ id: d.id, name: d.name }));
            print({ purged: ids }, () => (purged.length === 0 ? `nothing to purge${olderThan !== undefined ? ` (nothing deleted more than ${olderThan} ago)` : " (the trash is empty)"}` : purged.map((d) => `purged #${d.id} ${d.name} for good`).join("\n")));
            return EXIT.ok;
          });
        }
        return withFlaggedStore(async (store) => {
          const d = await findDeleted(store, positional[0]);
          await store.purgeDeletedSegment(d.id, { by });
          print({ purged: [{ id: d.id, name: d.name }] }, () => `purged #${d.id} ${d.name} for good`);
          return EXIT.ok;
        });
      }
    case "members":
      tooMany(1);
      return withFlaggedStore(async (store) => {
        const s = await find(store, positional[0]);
        const edits = (["add", "remove", "add-file", "remove-file"] as const).filter((k) => options[k] !== undefined);
        if (edits.length > 1) throw new CliError(`give one of --add, --remove, --add-file, --remove-file (found ${edits.map((e) => `--${e}`).join(", ")})`);
        if (edits.length === 1) {
          const edit = edits[0]!;
          const value = str(options, edit)!;
          const keys = edit.endsWith("-file") ? await keysFromFile(value, store.schema.key, isContactOf(store)) : value.split(",").map((k) => k.trim()).filter((k) => k !== "");
          const opts = { by, skipUnknown: options["skip-unknown"] === true };
          const result = edit.startsWith("add") ? await store.addMembers(s.id, keys, opts) : await store.removeMembers(s.id, keys, opts);
          print(result, () => {
            const verb = edit.startsWith("add") ? ["added", "already members"] : ["removed", "not members"];
            return `${verb[0]} ${count(result.changed)}, ${verb[1]} ${count(result.unchanged)}${result.unknown.length ? `, not contacts (skipped) ${count(result.unknown.length)}: ${result.unknown.slice(0, 10).join(", ")}` : ""}; ${count(result.memberCount)} members`;
          });
          return EXIT.ok;
        }
        const at = str(options, "at");
        if (at !== undefined) {
          const keys = await store.membersAt(s.id, at);
          // The keys alone on standard output (for a pipe); none is said on standard error, not as an empty line.
          if (!json && keys.length === 0) io.err(`#${s.id} ${s.name} had no members at ${at}`);
          else print({ segment: s.id, at, keys }, () => keys.join("\n"));
          return EXIT.ok;
        }
        const limit = intOption(options, "limit") ?? 50;
        const page = await store.members(s.id, { limit, ...(str(options, "sort") !== undefined ? { orderBy: str(options, "sort")! } : {}), descending: options["desc"] === true });
        print(page, () => [`${count(page.total)} member${page.total === 1 ? "" : "s"}${page.items.length < page.total ? ` (first ${page.items.length})` : ""}`, ...page.items.map((c) => contactLine(c, store.schema.key))].join("\n"));
        return EXIT.ok;
      });
    case "preview": {
      tooMany(1);
      const expression = expressionOf(options, positional[0], true)!;
      return withFlaggedStore(async (store) => {
        const target = str(options, "for") !== undefined ? await find(store, str(options, "for")) : null;
        const dialect = str(options, "dialect");
        const { DIALECT_NAMES } = await import("../../compiler/sql/index.js");
        if (dialect !== undefined && !(DIALECT_NAMES as string[]).includes(dialect)) throw new CliError(`--dialect: one of ${DIALECT_NAMES.join(", ")}`);
        const p = await store.preview(expression, {
          limit: intOption(options, "limit") ?? 10,
          impactKeys: 5,
          ...(str(options, "sort") !== undefined ? { orderBy: str(options, "sort")! } : {}),
          descending: options["desc"] === true,
          ...(dialect !== undefined ? { dialect: dialect as never } : {}),
          ...(target ? { segmentId: target.id } : {}),
        });
        print(p, () => {
          const lines = [`${p.count.toLocaleString("en-US")} ${p.count === 1 ? "contact matches" : "contacts match"} (now = ${p.now})`, "", "conditions:"];
          lines.push(...conditionLines(p.conditions));
          const n = (x: number) => x.toLocaleString("en-US");
          if (p.impact) lines.push("", `if saved as "${target!.name}": ${n(p.impact.before)} → ${n(p.impact.after)} members; +${n(p.impact.entering)} entering${p.impact.enteringKeys.length ? ` (${p.impact.enteringKeys.join(", ")}${p.impact.entering > p.impact.enteringKeys.length ? ", …" : ""})` : ""}, -${n(p.impact.leaving)} leaving${p.impact.leavingKeys.length ? ` (${p.impact.leavingKeys.join(", ")}${p.impact.leaving > p.impact.leavingKeys.length ? ", …" : ""})` : ""}`);
          if (p.contacts.length) lines.push("", `first ${p.contacts.length}:`, ...p.contacts.map((c) => `  ${contactLine(c, store.schema.key)}`));
          lines.push("", `SQL (${p.sql.dialect}):`, p.sql.text);
          return lines.join("\n");
        });
        await warnAbout(store, expression, target?.id, io);
        return EXIT.ok;
      });
    }
    case "export": {
      tooMany(1);
      const out = str(options, "out");
      const format = str(options, "format") ?? (out !== undefined && /\.(jsonl|ndjson)$/i.test(out) ? "jsonl" : "csv");
      if (format !== "csv" && format !== "jsonl") throw new CliError(`--format: csv or jsonl, found '${format}'`);
      if (format === "jsonl" && options["raw"] === true) throw new CliError("--raw is for CSV (JSON Lines is always as stored)");
      return withFlaggedStore(async (store) => {
        const s = await find(store, positional[0]);
        const { exportMembers } = await import("../../store/index.js");
        let members = 0;
        const chunks = exportMembers(store, s.id, { format, spreadsheetSafe: options["raw"] !== true, onRows: (n) => (members += n) });
        if (out === undefined) {
          for await (const chunk of chunks) io.out(chunk);
          return EXIT.ok;
        }
        await writeWhole(out, chunks);
        const summaryLine = `exported ${members.toLocaleString("en-US")} member${members === 1 ? "" : "s"} of #${s.id} ${s.name} to ${out} (${format === "csv" ? "CSV" : "JSON Lines"})`;
        if (json) io.out(JSON.stringify({ segment: s.id, file: out, format, members }, null, 2));
        else io.err(summaryLine);
        return EXIT.ok;
      });
    }
    case "diff": {
      tooMany(2);
      const expression = expressionOf(options, positional[1], false);
      if (expression !== undefined && options["to"] !== undefined) throw new CliError("give --to or an EXPRESSION to compare with, not both");
      const steps = parseSteps(str(options, "steps"));
      return withFlaggedStore(async (store) => {
        const s = await find(store, positional[0]);
        const to = intOption(options, "to");
        const given = intOption(options, "from");
        const from = given ?? (expression !== undefined ? s.version : (to ?? s.version) - 1);
        // (A --from of 0 goes on to the store, which says what a version number is.)
        if (given === undefined && from < 1) {
          throw new CliError(
            s.version === 1
              ? `#${s.id} "${s.name}" has one version: nothing before it to compare with (give an EXPRESSION to compare with)`
              : `version 1 of #${s.id} "${s.name}" is its first: nothing before it to compare with (give --from V, or an EXPRESSION)`,
          );
        }
        const older = { segmentId: s.id, version: from };
        const newer = expression !== undefined ? { expression } : { segmentId: s.id, version: to ?? s.version };
        const diff = await store.diff(older, newer, steps !== undefined ? { steps } : {});
        const label = (v: { version?: number; expression?: string }) => (v.expression !== undefined ? v.expression : `version ${v.version}`);
        print({ segment: s.id, old: label(older), new: label(newer), ...diff }, () =>
          [`#${s.id} ${s.name}: ${label(older)} → ${label(newer)}`, `who enters: ${sideText(diff.enters)}`, `who leaves: ${sideText(diff.leaves)}`].join("\n"),
        );
        for (const note of diff.notes) io.err(`segql segments diff: note: ${note}`);
        return EXIT.ok;
      });
    }
    case "why":
      return withFlaggedStore(async (store) => {
        const expression = str(options, "expression");
        const key = expression !== undefined ? positional[0] : positional[1];
        if (expression === undefined) tooMany(2);
        else tooMany(1);
        if (key === undefined) throw new CliError("missing KEY: the contact to explain");
        const target = expression !== undefined ? { expression } : { segmentId: (await find(store, positional[0])).id };
        const w = await store.why(target, key);
        print(w, () => {
          const lines = [`${key} ${w.matches ? "matches" : "does not match"} (now = ${w.now})`];
          const stack: { n: typeof w.root; depth: number }[] = [{ n: w.root, depth: 0 }];
          while (stack.length > 0) {
            const { n, depth } = stack.pop()!;
            lines.push(`  ${"  ".repeat(depth)}${n.value ? "✓" : "✗"} ${n.label}${readText(n.read)}`);
            for (let i = n.children.length - 1; i >= 0; i--) stack.push({ n: n.children[i]!, depth: depth + 1 });
          }
          return lines.join("\n");
        });
        return EXIT.ok;
      });
    case "refresh":
      return withFlaggedStore(async (store) => {
        const ids: number[] = [];
        for (const ref of positional) ids.push((await find(store, ref)).id);
        const results = await store.refresh({ by, ...(ids.length ? { ids } : {}), relativeOnly: options["relative"] === true });
        print(results, () => (results.length === 0 ? "nothing to refresh" : results.map((r) => `#${r.segmentId} ${r.name}: ${r.skipped ? `skipped (${r.skipped})` : `+${count(r.entered)} -${count(r.exited)}, ${count(r.memberCount)} members (${r.ms} ms)`}`).join("\n")));
        return results.some((r) => r.skipped) ? EXIT.problems : EXIT.ok;
      });
    case "changes":
      tooMany(0);
      return withFlaggedStore(async (store) => {
        const segment = str(options, "segment") !== undefined ? await find(store, str(options, "segment")) : null;
        const include = includeOption(options);
        const page = await store.changes({ since: intOption(options, "since") ?? 0, limit: intOption(options, "limit") ?? 1000, ...(segment ? { segmentId: segment.id } : {}), ...(include ? { include } : {}) });
        print(page, () => [...page.items.map(feedLine), `next: --since ${page.next}`].join("\n"));
        return EXIT.ok;
      });
  }
  throw new CliError(`unknown command '${command}'`);
}

/** What `--include` of `changes` asks the feed for besides membership changes (the API's `include`). */
const FEED_INCLUDES: readonly FeedInclude[] = ["refresh", "segments"];

/** `--include refresh`, `--include segments` or both, comma-separated as the API's `include`. */
function includeOption(options: Record<string, string | true>): FeedInclude[] | undefined {
  const given = str(options, "include");
  if (given === undefined) return undefined;
  const kinds = given.split(",").map((k) => k.trim());
  for (const v of kinds) {
    if (!(FEED_INCLUDES as readonly string[]).includes(v)) throw new CliError(`--include: expected ${FEED_INCLUDES.map((k) => `'${k}'`).join(" or ")}, found '${v}'${didYouMean(v, FEED_INCLUDES)}`);
  }
  return [...new Set(kinds)] as FeedInclude[];
}

/**
 * A feed item as a tab-separated line: seq, time, segment, change, then the contact's key, or for a
 * refresh-status change (no key) why it failed, in parentheses as an erased contact's missing key is.
 */
function feedLine(c: FeedItem): string {
  const head = `${c.seq}\t${c.at}\t#${c.segmentId}\t${c.change}\t`;
  // An erased contact's rows keep their place in the feed without its key (deleteContacts erase).
  if ("key" in c) return head + (c.key === "" ? "(erased contact)" : c.key);
  // A segment's lifecycle change (the API's include=segments): its name then.
  if ("name" in c) return head + c.name;
  return head + (c.refresh.status === "failed" ? `(${c.refresh.error.code}: ${c.refresh.error.message})` : "(refreshed again)");
}

/**
 * Preview's count per condition, as a tree: the counts right-aligned in one column, the tree's indent on
 * the conditions (an indent before the numbers put them out of line). A group is said as "all of" / "any
 * of" (a negation as "not") with its parts beneath it, as the web app says it: its own text would repeat them.
 */
function conditionLines(conditions: readonly ConditionCount[]): string[] {
  const counts = conditions.map((c) => c.count.toLocaleString("en-US"));
  const width = Math.max(0, ...counts.map((c) => c.length));
  return conditions.map((c, i) => {
    const what = c.kind === "and" ? "all of" : c.kind === "or" ? "any of" : c.kind === "not" ? "not" : printable(c.text.replace(/\s+/g, " "));
    return `  ${counts[i]!.padStart(width)}  ${"  ".repeat(c.depth)}${what}`;
  });
}

/** A count as the rest of the output writes it: 1,297. */
function count(n: number): string {
  return n.toLocaleString("en-US");
}

function contactLine(c: Record<string, unknown>, key: string): string {
  const rest = Object.entries(c)
    .filter(([k, v]) => k !== key && v !== null)
    .slice(0, 6)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(",")}]` : String(v)}`);
  return `${String(c[key])}  ${rest.join(" ")}`;
}

function readText(read: unknown): string {
  if (!read || typeof read !== "object") return "";
  const r = read as Record<string, unknown>;
  if (r["kind"] === "field") return `   (${String(r["field"])} = ${JSON.stringify(r["value"])})`;
  if (r["kind"] === "events") {
    const m = r["measure"] as Record<string, unknown>;
    const seen = m["kind"] === "count" ? `count ${String(m["count"])}` : m["kind"] === "aggregate" ? `${String(m["fn"])} of ${String(m["property"])} = ${JSON.stringify(m["value"])}` : `${String(m["kind"])} time ${JSON.stringify(m["time"])}`;
    return `   (${String(r["named"])} "${String(r["name"])}" events, ${String(r["inWindow"])} in the window, ${String(r["matching"])} matching: ${seen})`;
  }
  if (r["kind"] === "filter") return `   (${String(r["matching"])} of ${String(r["of"])} events)`;
  return "";
}
