/**
 * What CLI commands need from the outside world, injectable so tests can run commands in-process.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { closest } from "../diagnostics.js";
import { notTextReason } from "./text-files.js";

/** Output streams and stdin of a command. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Reads all of standard input. */
  readStdin(): Promise<string>;
  /** The working folder, where the nearest segql.json is looked up from (default: the process's). */
  cwd?(): string;
}

/** Exit codes of every command. */
export const EXIT = {
  /** Done, and the input has no errors. */
  ok: 0,
  /** Problems in the input (syntax, schema, data the condition cannot be evaluated on): printed as diagnostics. */
  problems: 1,
  /** A usage error: unknown option, missing value, missing file, invalid schema. */
  usage: 2,
  /** An internal error: a bug in segql (reported as one line asking to report it). */
  internal: 3,
} as const;

/**
 * A problem said in one message, printed as `segql <command>: message`: a usage error (exit code 2) unless
 * `status` says otherwise (a file that is not text is a problem of the input: 1).
 */
export class CliError extends Error {
  /** The command's exit status. */
  readonly status: number;

  constructor(message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options);
    this.status = options?.status ?? EXIT.usage;
  }
}

let stderrGuarded = false;

/** The process's streams (standard error closed by its reader is not a crash: see below). */
export function nodeIo(): Io {
  if (!stderrGuarded) {
    stderrGuarded = true;
    // Standard error piped into a reader that stopped (`segql check … 2>&1 | head -1`): what is left to
    // say there has nowhere to go, and the command goes on to its own exit status. Without a listener the
    // EPIPE was an uncaught error: "internal error: write EPIPE", exit 3. (Standard output's EPIPE is
    // bin/segql.js's.) Any other error of the stream is still one.
    process.stderr.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
    });
  }
  return {
    out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return stdinText(Buffer.concat(chunks));
    },
  };
}

/** Option specs: name → takes a value? Flags (`--json`) take none. */
export type OptionSpec = Record<string, { value: boolean; short?: string }>;

/** Parsed options and positional arguments. */
export interface ParsedArgs {
  options: Record<string, string | true>;
  positional: string[];
}

/**
 * Parses `--name value`, `--name=value`, `-x value` and flags; `-` alone and everything after `--` are
 * positional. Unknown options are errors that name the option and list the known ones.
 */
export function parseArgs(args: string[], spec: OptionSpec): ParsedArgs {
  const options: Record<string, string | true> = {};
  const positional: string[] = [];
  const byShort = new Map(Object.entries(spec).flatMap(([name, s]) => (s.short ? [[s.short, name] as const] : [])));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      for (const a of args.slice(i + 1)) positional.push(a);
      break;
    }
    if (arg === "-" || !arg.startsWith("-") || /^-\d/.test(arg)) {
      positional.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else {
      const short = byShort.get(arg.slice(1));
      if (!short) throw new CliError(`unknown option '${arg}' (known: ${known(spec)})`);
      name = short;
    }
    const s = spec[name];
    if (!s) throw new CliError(`unknown option '--${name}'${didYouMean(`--${name}`, Object.keys(spec).map((n) => `--${n}`))} (known: ${known(spec)})`);
    if (s.value) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new CliError(`option '--${name}' needs a value`);
      options[name] = value;
    } else {
      if (inline !== undefined) throw new CliError(`option '--${name}' takes no value`);
      options[name] = true;
    }
  }
  return { options, positional };
}

/**
 * `; did you mean 'x'?` naming the one candidate nearest to a mistyped word (an option, a dialect), or ""
 * when none is near: a script's typo is then fixed from the message alone.
 */
export function didYouMean(word: string, candidates: readonly string[], quote: (near: string) => string = (near) => `'${near}'`): string {
  const [near] = closest(word, candidates, 1);
  return near !== undefined ? `; did you mean ${quote(near)}?` : "";
}

function known(spec: OptionSpec): string {
  return Object.entries(spec).map(([n, s]) => `--${n}${s.short ? `/-${s.short}` : ""}`).join(", ");
}

/**
 * `--db` as given: an empty one (a variable unset) is refused, said as such: the store would take it for
 * some database ("no database at : …"), or serve open one.
 */
export function dbOption(value: string | true | undefined): string | undefined {
  if (value === "") throw new CliError("--db: an empty name (is a variable unset?): give a DuckDB file, :memory: or a postgres:// URL");
  return typeof value === "string" ? value : undefined;
}

/**
 * `FILE not found: PATH`; an empty PATH is quoted and explained, as `-f "$SEGMENT_FILE"` with the variable
 * unset gives it (a bare "file not found: " reads as a message cut short).
 */
export function notFound(what: string, path: string): string {
  return path === "" ? `${what} not found: '' (an empty file name: is a variable unset?)` : `${what} not found: ${path}`;
}

/**
 * Reads a text file for a command, turning "not found" into a clear CLI error, and a file that is not
 * UTF-8 text (gzip data, a spreadsheet, Latin-1) into one message, `FILE: not a text file (gzip data?)`,
 * with the exit status `notTextStatus` (default 1, a problem of the input; a schema's is a usage error).
 */
export function readInputFile(path: string, what = "file", notTextStatus: number = EXIT.problems): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CliError(notFound(what, path));
    if (code === "EISDIR") throw new CliError(`${what} is a directory: ${path}`);
    throw new CliError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  const notText = notTextReason(bytes);
  if (notText !== null) throw new CliError(`${path}: ${notText}`, { status: notTextStatus });
  return bytes.toString("utf8");
}

/**
 * Standard input's bytes as text; bytes that are not UTF-8 text are refused as a file's are (one line, exit 1),
 * not decoded to U+FFFD and reported as an 'unexpected character' the user never typed.
 */
export function stdinText(bytes: Buffer): string {
  const notText = notTextReason(bytes);
  if (notText !== null) throw new CliError(`<stdin>: ${notText}`, { status: EXIT.problems });
  return bytes.toString("utf8");
}

/**
 * The one line printed for an internal error: `segql check: internal error: <message> — please report this
 * at <issues>`, then the stack when the environment sets SEGQL_DEBUG=1.
 */
export function internalErrorMessage(who: string, e: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const message = e instanceof Error ? e.message : String(e);
  // One line: a message with line breaks (a stack overflow's never has; others may) keeps its first line.
  const line = `${who}: internal error: ${message.split(/\r?\n/, 1)[0]} — please report this at ${reportTarget()}, with the command and its input`;
  if (env["SEGQL_DEBUG"] === "1" && e instanceof Error && e.stack) return `${line}\n${e.stack}`;
  return line;
}

/** Where to report bugs: package.json's `bugs` URL when the package declares one. */
function reportTarget(): string {
  try {
    const pkg = createRequire(import.meta.url)("../../package.json") as { bugs?: string | { url?: string } };
    const url = typeof pkg.bugs === "string" ? pkg.bugs : pkg.bugs?.url;
    if (url) return url;
  } catch {
    // No package.json next to the code (a bundle): fall back to the words below.
  }
  return "the segql issue tracker";
}
