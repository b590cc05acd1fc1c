/**
 * `npm run fuzz -- --inputs N --seed S [--category C] [--time-limit S] [--workers W] …`: generates inputs
 * and runs each through parse → check → format → compilePredicate → compileSql for every dialect, printing
 * every new kind of failure with a minimal reproducer and, at the end, a summary. Exits 1 when anything was
 * found, 2 on a usage error, 3 when the fuzzer itself could not go on. docs/testing.md ("Fuzzing") describes the categories and checks.
 */
import { writeFileSync } from "node:fs";
import { HELP, parseOptions, UsageError, type CheckOne } from "./options.js";
import { countedFindings, formatSummary, textExpression } from "./report.js";
import { runFuzz, type FuzzOptions } from "./run.js";
import { WorkerPool } from "./runner.js";

async function main(): Promise<number> {
  const log = (text: string) => process.stdout.write(`${text}\n`);
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2), log);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message.trimEnd()}\n`);
    return e.message === HELP ? 0 : 2;
  }
  if (options.check) return checkOne(options, options.check, log);
  log(`segql fuzz: seed ${options.seed}${options.category ? `, category ${options.category}` : ""}, ${Number.isFinite(options.inputs) ? `${options.inputs} inputs` : "no input limit"}${options.timeLimitS ? `, time limit ${options.timeLimitS} s` : ""}, ${options.workers} worker${options.workers === 1 ? "" : "s"}`);
  const summary = await runFuzz(options);
  log(formatSummary(summary));
  if (options.report) {
    const findings = summary.findings.map((f) => ({
      ...f,
      original: f.original.length > 100_000 ? textExpression(f.original) : f.original,
      reproducer: f.reproducer.length > 100_000 ? textExpression(f.reproducer) : f.reproducer,
    }));
    writeFileSync(options.report, `${JSON.stringify({ ...summary, findings }, null, 2)}\n`);
  }
  if (summary.aborted) return 3;
  return countedFindings(summary.findings).length > 0 ? 1 : 0;
}

/** `--check TEXT`: one text through every check (in a worker, so a hang is reported too). */
async function checkOne(options: FuzzOptions, one: CheckOne, log: (text: string) => void): Promise<number> {
  const pool = new WorkerPool({ size: 1, maxMemoryMb: options.maxMemoryMb, stackMb: options.stackMb ?? 1, execute: options.execute ?? [] });
  try {
    await pool.ready();
    const outcome = await pool.submit({ type: "text", input: { index: 0, ...one, pretty: "duckdb" }, budget: options.budget });
    const failures = outcome.type === "text" ? outcome.result.failures : outcome.type === "lost" ? [{ kind: outcome.kind, stage: outcome.stage, message: outcome.message, detail: "" }] : [];
    for (const f of failures) log(`${f.kind} in ${f.stage}: ${f.message}${f.detail ? `\n  ${f.detail}` : ""}`);
    log(failures.length === 0 ? "ok: every check passed" : `${failures.length} failure${failures.length === 1 ? "" : "s"}`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    await pool.close();
  }
}

process.exitCode = await main();
