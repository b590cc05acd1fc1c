/**
 * `segql <command>`: each command lives in `commands/<name>.ts` and is loaded only when run, so a
 * one-shot `segql check` does not pay for the SQL formatter or the language server.
 *
 * Exit status, for every command: 0 ok, 1 problems in the input (printed as diagnostics), 2 usage errors
 * (unknown option, missing file, invalid schema: `CliError`), 3 an internal error — a bug in segql, never
 * the input's fault — printed as one line asking to report it (the stack only with SEGQL_DEBUG=1).
 */
import { CliError, EXIT, internalErrorMessage, type Io, nodeIo } from "./io.js";

/**
 * The commands, in help order. Each module exports `run(args, io): Promise<number>` and `help: string`.
 * Loaders are static imports (not a template path) so Vitest and bundlers can follow them.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<unknown> }> = {
  check: { summary: "validate expressions or segment files against a schema", load: () => import("./commands/check.js") },
  fmt: { summary: "print expressions or segment files in canonical form", load: () => import("./commands/fmt.js") },
  compile: { summary: "compile to SQL for a warehouse dialect", load: () => import("./commands/compile.js") },
  eval: { summary: "evaluate against contacts in JSONL, JSON or CSV files", load: () => import("./commands/eval.js") },
  relate: { summary: "how two conditions relate (=, ⊆, ⊇, disjoint, overlapping), with witnesses", load: () => import("./commands/relate.js") },
  diff: { summary: "who enters and who leaves between two versions of a segment", load: () => import("./commands/diff.js") },
  lsp: { summary: "run the language server (segql lsp --stdio)", load: () => import("./commands/lsp.js") },
  serve: { summary: "serve the segments HTTP API (and the web app)", load: () => import("./commands/serve.js") },
  segments: { summary: "saved segments in a store: list, create, edit, preview, members, …", load: () => import("./commands/segments.js") },
  import: { summary: "import contacts or events into a store (CSV, JSON Lines, JSON, Parquet), list past imports", load: () => import("./commands/import.js") },
  contacts: { summary: "one contact (show), the segments it entered and left (history), delete, export", load: () => import("./commands/contacts.js") },
  schema: { summary: "propose a schema for a contacts file (schema infer FILE)", load: () => import("./commands/schema.js") },
};

/** The column of the commands' summaries: the longest name and two spaces (as `segql <command> --help` lists options). */
const NAME_WIDTH = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;

const USAGE = `segql: a segment language for CRM audiences

usage: segql <command> [options]

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(NAME_WIDTH)}${c.summary}`).join("\n")}

Run 'segql <command> --help' for a command's options.`;

/** Says that `name` is no command, with the nearest one; the usage follows. Exit 2. */
async function unknownCommand(name: string, io: Io): Promise<number> {
  const { closest } = await import("../diagnostics.js");
  const near = name.startsWith("-") ? [] : closest(name, Object.keys(COMMANDS), 1);
  io.err(`segql: unknown command '${name}'${near[0] ? `; did you mean '${near[0]}'?` : ""}\n\n${USAGE}`);
  return EXIT.usage;
}

interface CommandModule {
  run(args: string[], io: Io): Promise<number>;
  help: string;
}

/** Runs the CLI; returns the exit code (see `EXIT`). Never throws: an unexpected error is exit 3. */
export async function main(argv: string[], io: Io = nodeIo()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    // `segql help check` is `segql check --help`.
    if (name === "help" && rest.length === 1 && Object.hasOwn(COMMANDS, rest[0]!)) {
      io.out(((await COMMANDS[rest[0]!]!.load()) as CommandModule).help);
      return EXIT.ok;
    }
    // `segql help NAME` of no command, or of several words, is the slip `segql NAME` would be (exit 2), not help.
    if (name === "help" && rest.length > 0) return await unknownCommand(rest.length === 1 ? rest[0]! : rest.join(" "), io);
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      io.out(USAGE);
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    if (name === "--version" || name === "-V") {
      io.out((await import("../version.js")).VERSION);
      return EXIT.ok;
    }
    if (!Object.hasOwn(COMMANDS, name)) return await unknownCommand(name, io);
    const command = (await COMMANDS[name]!.load()) as CommandModule;
    if (rest.includes("--help") || rest.includes("-h")) {
      io.out(command.help);
      return EXIT.ok;
    }
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`segql ${name}: ${e.message}`);
      return e.status;
    }
    io.err(internalErrorMessage(name === undefined || !Object.hasOwn(COMMANDS, name) ? "segql" : `segql ${name}`, e));
    return EXIT.internal;
  }
}

