#!/usr/bin/env node
// The installed CLI runs the bundled JavaScript in dist/cli/segql.js (built by `npm run build`, which
// `npm install` runs through `prepare`; see scripts/bundle.ts): a few files for Node to load, not hundreds.
//
// `main` turns every error of a command into an exit code (1 input problems, 2 usage, 3 internal). What
// can still escape it is caught here, so no raw stack reaches the user: dist/ failing to load, or an error
// thrown outside any command's call (a stream error, a rejected promise nobody awaited). Each prints one
// line, `segql: internal error: … — please report this …`, and exits 3; SEGQL_DEBUG=1 adds the stack.
import { createRequire } from "node:module";

function reportTarget() {
  try {
    const pkg = createRequire(import.meta.url)("../package.json");
    const url = typeof pkg.bugs === "string" ? pkg.bugs : pkg.bugs && pkg.bugs.url;
    if (url) return url;
  } catch {
    // No package.json beside bin/: use the words below.
  }
  return "the segql issue tracker";
}

function internalError(e) {
  let message = e instanceof Error ? e.message : String(e);
  if (e && e.code === "ERR_MODULE_NOT_FOUND" && /dist[\\/]cli[\\/]segql\.js/.test(message)) {
    message = "the compiled CLI (dist/cli/segql.js) is missing: run `npm run build` in the segql package";
  }
  process.stderr.write(`segql: internal error: ${message.split(/\r?\n/, 1)[0]} — please report this at ${reportTarget()}, with the command and its input\n`);
  if (process.env.SEGQL_DEBUG === "1" && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
}

// A command that keeps running after a stray error (the language server) installs its own handler; this
// one acts only when no other does.
for (const event of ["uncaughtException", "unhandledRejection"]) {
  process.on(event, (e) => {
    if (process.listenerCount(event) > 1) return;
    internalError(e);
    process.exit(3);
  });
}

// Output piped into a command that stops reading (`segql compile … | head -1`) is not an error. Output that
// cannot be written (a full disk under `> views.sql`, an I/O error) is the machine's problem, not a bug in
// segql: one line naming it, exit 2 (as a file that cannot be read), not "internal error … please report".
process.stdout.on("error", (e) => {
  if (e && e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  if (e && typeof e.code === "string" && e.syscall === "write") {
    process.stderr.write(`segql: cannot write to standard output: ${String(e.message).split(/\r?\n/, 1)[0]}\n`);
    process.exit(2);
  }
  internalError(e);
  process.exit(3);
});

// `segql lsp` (an editor starting the language server): its analysis worker, which takes longer to start
// than everything else the server does, starts now, before the CLI's bundle loads; the server takes it
// (issue 14: the first diagnostics within 300 ms of the start). Anything wrong here is left to the command.
const args = process.argv.slice(2);
if (args[0] === "lsp" && !args.includes("--help") && !args.includes("-h")) {
  try {
    const { startAnalysisWorkerEarly } = await import("../dist/cli/analysis-client.js");
    startAnalysisWorkerEarly();
  } catch {
    // dist/ missing or broken: the import below says so.
  }
}

try {
  const { main } = await import("../dist/cli/segql.js");
  process.exitCode = await main(args);
} catch (e) {
  internalError(e);
  process.exitCode = 3;
}
