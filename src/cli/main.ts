/**
 * `segql <command>`: each command lives in `commands/<name>.ts` and is loaded only when run, so a
 * one-shot `segql check` does not pay for the SQL formatter or the language server.
 */
import { CliError, type Io, nodeIo } from "./io.js";

/** The commands, in help order. Each module exports `run(args, io): Promise<number>` and `help: string`. */
const COMMANDS: Record<string, string> = {
  check: "validate expressions or segment files against a schema",
  fmt: "print expressions or segment files in canonical form",
  compile: "compile to SQL for a warehouse dialect",
  eval: "evaluate against contacts in JSONL, JSON or CSV files",
  lsp: "run the language server (segql lsp --stdio)",
};

const USAGE = `segql: a segment language for CRM audiences

usage: segql <command> [options]

commands:
${Object.entries(COMMANDS).map(([name, text]) => `  ${name.padEnd(9)}${text}`).join("\n")}

Run 'segql <command> --help' for a command's options.`;

/**
 * Static loaders where a command exists, so bundlers and Vitest (whose variable dynamic imports look for
 * `.js` files that exist only after a build) can load it; other commands go through the template import.
 */
const LOADERS: Record<string, () => Promise<unknown>> = {
  check: () => import("./commands/check.js"),
  fmt: () => import("./commands/fmt.js"),
  eval: () => import("./commands/eval.js"),
  compile: () => import("./commands/compile.js"),
};

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
  const command = (await (LOADERS[name]?.() ?? import(`./commands/${name}.js`))) as CommandModule;
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
