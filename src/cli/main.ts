/**
 * `segql <command>`: each command lives in `commands/<name>.ts` and is loaded only when run, so a
 * one-shot `segql check` does not pay for the SQL formatter or the language server.
 */
import { CliError, type Io, nodeIo } from "./io.js";

/**
 * The commands, in help order. Each module exports `run(args, io): Promise<number>` and `help: string`.
 * Loaders are static imports (not a template path) so Vitest and bundlers can follow them.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<unknown> }> = {
  check: { summary: "validate expressions or segment files against a schema", load: () => import("./commands/check.js") },
  fmt: { summary: "print expressions or segment files in canonical form", load: () => import("./commands/fmt.js") },
  compile: { summary: "compile to SQL for a warehouse dialect", load: () => import("./commands/compile.js") },
  eval: { summary: "evaluate against contacts in JSONL, JSON or CSV files", load: () => import("./commands/eval.js") },
  lsp: { summary: "run the language server (segql lsp --stdio)", load: () => import("./commands/lsp.js") },
  serve: { summary: "serve the segments HTTP API (and the web app)", load: () => import("./commands/serve.js") },
};

const USAGE = `segql: a segment language for CRM audiences

usage: segql <command> [options]

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)}${c.summary}`).join("\n")}

Run 'segql <command> --help' for a command's options.`;

interface CommandModule {
  run(args: string[], io: Io): Promise<number>;
  help: string;
}

/** Runs the CLI; returns the exit code (0 ok, 1 problems found, 2 usage or input errors). */
export async function main(argv: string[], io: Io = nodeIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    io.out((await import("../version.js")).VERSION);
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    io.err(`segql: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  const command = (await COMMANDS[name]!.load()) as CommandModule;
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`segql ${name}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
