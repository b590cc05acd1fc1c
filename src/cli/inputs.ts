/**
 * Inputs of `segql check` and `segql fmt`: inline expressions, files (`-f FILE`, repeatable) and standard
 * input (`-`), plus the JSON form of diagnostics shared by both commands.
 */
import type { TypedSegment } from "../checker/typed-ast.js";
import { LineIndex, renderDiagnostics, type Diagnostic } from "../diagnostics.js";
import { LIMITS, type Limits } from "../parser/limits.js";
import { CliError, didYouMean, readInputFile, type Io } from "./io.js";

/**
 * `1,000,000`: a whole number with its thousands grouped, as `toLocaleString("en-US")` writes it, for the
 * texts built when a command's module loads: the first `toLocaleString` loads ICU's number formatting
 * (~10-20 ms), which every command would otherwise pay at start (issue 14).
 */
export function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The help line of `--max-input-bytes`, shared by the commands that read segql text. */
export const MAX_INPUT_BYTES_HELP = `      --max-input-bytes N  refuse a text larger than N bytes (default ${groupThousands(LIMITS.maxInputBytes)}: 1 MB)`;

/** The limits a command runs with: `--max-input-bytes N` (a whole number of bytes), else the defaults. */
export function limitsFrom(options: Record<string, string | true>): Partial<Limits> | undefined {
  const value = options["max-input-bytes"];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new CliError(`--max-input-bytes takes a whole number of bytes of at least 1, found '${String(value)}'`);
  }
  return { maxInputBytes: n };
}

/** One text to check or format. */
export interface Input {
  kind: "inline" | "file" | "stdin";
  /** What diagnostics are prefixed with: the file's path, `<stdin>`, or null for an inline expression. */
  label: string | null;
  /** The file's path (files only). */
  path: string | null;
  text: string;
}

/**
 * Takes every `-f FILE`, `--file FILE` and `--file=FILE` out of `args` (the generic parser keeps only the
 * last value of an option; files repeat).
 */
export function takeFiles(args: string[]): { files: string[]; rest: string[] } {
  const files: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      for (const a of args.slice(i)) rest.push(a);
      break;
    }
    if (arg === "-f" || arg === "--file") {
      const value = args[++i];
      if (value === undefined) throw new CliError(`option '${arg}' needs a file name`);
      files.push(value);
    } else if (arg.startsWith("--file=")) {
      files.push(arg.slice("--file=".length));
    } else rest.push(arg);
  }
  return { files, rest };
}

/** Reads the inputs in command-line order: files first, then inline expressions and `-` (stdin, once). */
export async function readInputs(files: string[], positional: string[], io: Io): Promise<Input[]> {
  const inputs: Input[] = [];
  let stdinUsed = false;
  const stdin = async (): Promise<Input> => {
    if (stdinUsed) throw new CliError("standard input ('-') can be read only once");
    stdinUsed = true;
    return { kind: "stdin", label: "<stdin>", path: null, text: await io.readStdin() };
  };
  for (const file of files) {
    inputs.push(file === "-" ? await stdin() : { kind: "file", label: file, path: file, text: readInputFile(file) });
  }
  for (const arg of positional) {
    inputs.push(arg === "-" ? await stdin() : { kind: "inline", label: null, path: null, text: arg });
  }
  return inputs;
}

/** Most diagnostics printed for one input (each takes three or four lines); `--json` lists them all. */
export const MAX_PRINTED_DIAGNOSTICS = 200;

/**
 * `renderDiagnostics` for the terminal: the first MAX_PRINTED_DIAGNOSTICS, then one line saying how many
 * more there are (a megabyte of repeated mistakes would otherwise print tens of megabytes).
 */
export function renderForTerminal(text: string, diagnostics: readonly Diagnostic[], label: string | null | undefined): string {
  const shown = printable(renderDiagnostics(text, diagnostics.slice(0, MAX_PRINTED_DIAGNOSTICS), label ?? undefined));
  const more = diagnostics.length - MAX_PRINTED_DIAGNOSTICS;
  return more > 0 ? `${shown}\n… and ${more.toLocaleString("en-US")} more in ${label ?? "the expression"}, not shown (--json lists them all)` : shown;
}

/**
 * Text for a terminal with the input's control characters shown, not obeyed: the source line under a
 * diagnostic (and the message quoting an unexpected character) would otherwise send a file's ESC
 * sequences to the terminal (clear the screen, retitle the window, hide text). Each C0 control but line
 * feed and tab, DEL and each C1 control becomes one visible character (U+2400 "Control Pictures": ␛ ␀ ␡,
 * U+FFFD for C1), so the carets under the line stay aligned.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 ? String.fromCharCode(0x2400 + code) : code === 0x7f ? "\u2421" : "\ufffd";
  });
}

/** A diagnostic as JSON: 1-based line/column of both ends, 0-based offsets `[start, end)`. */
export interface DiagnosticJson {
  file: string | null;
  severity: Diagnostic["severity"];
  code: string;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  start: number;
  end: number;
  fix?: { title: string; edits: { start: number; end: number; line: number; column: number; text: string }[] };
}

/** Converts diagnostics of one text to their JSON form. */
export function diagnosticsToJson(text: string, diagnostics: readonly Diagnostic[], file: string | null): DiagnosticJson[] {
  const lines = new LineIndex(text);
  return diagnostics.map((d) => {
    const end = lines.locate(d.span.end);
    const out: DiagnosticJson = {
      file,
      severity: d.severity,
      code: d.code,
      message: d.message,
      line: d.span.line,
      column: d.span.column,
      endLine: end.line,
      endColumn: end.column,
      start: d.span.start,
      end: d.span.end,
    };
    if (d.fix) {
      out.fix = {
        title: d.fix.title,
        edits: d.fix.edits.map((e) => ({ start: e.span.start, end: e.span.end, line: e.span.line, column: e.span.column, text: e.text })),
      };
    }
    return out;
  });
}

/** `1 error` / `2 errors`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * The one segment a command works on: the named one, or the only one. `verb` says what the command does
 * with it ("compile"), `alternative` adds another way out to the message (", or use --form views"), `label`
 * names the input (a file, `<stdin>`; null for an expression) when it holds no condition.
 */
export function pickSegment(segments: TypedSegment[], name: string | undefined, verb: string, alternative = "", label: string | null = null): TypedSegment {
  const names = segments.filter((s) => s.name !== null).map((s) => JSON.stringify(s.name)).join(", ");
  if (name !== undefined) {
    const found = segments.find((s) => s.name === name);
    const near = didYouMean(name, segments.flatMap((s) => (s.name !== null ? [s.name] : [])), JSON.stringify);
    if (!found) throw new CliError(`no segment named ${JSON.stringify(name)}${near}${names ? ` (defined: ${names})` : " (the input is one condition, with no segment declarations: leave out --segment)"}`);
    return found;
  }
  if (segments.length === 1) return segments[0]!;
  // Named, so a pipeline compiling many files says which one came out empty.
  if (segments.length === 0) throw new CliError(`${label ?? "the input"} holds no condition to ${verb} (it is empty, or only comments)`);
  throw new CliError(`the file defines ${segments.length} segments: pick one with --segment NAME${alternative} (defined: ${names})`);
}
