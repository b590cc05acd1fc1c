/**
 * The fuzzer's command line: `--inputs N --seed S [--category C] [--time-limit S] [--workers W] …`.
 */
import { readFileSync } from "node:fs";
import { EXECUTABLE, type Executable } from "./execute.js";
import { CATEGORIES, isCategory } from "./generate/index.js";
import { LIMIT_PROFILES, type LimitProfile } from "./pipeline.js";
import type { FuzzOptions } from "./run.js";
import { SCHEMA_NAMES, type SchemaName } from "./schemas.js";

/**
 * The default time budget of a stage call: 2 s plus 30 s per MiB of text (34 KB/s). Generous on purpose: it
 * is wall time on a shared machine (Node 20 has no per-thread CPU clock; parse ran at 75–250 KB/s at load
 * average 15 on two cores, and 8 s/MiB gave false findings there), and what it is for is super-linear cost
 * and hangs (a 55 s completion, a stage that never ends), not a few hundred milliseconds.
 */
export const DEFAULT_BUDGET = { baseMs: 2000, perMiBMs: 30000 } as const;

/** The usage text. */
export const HELP = `usage: npm run fuzz -- [options]

  --inputs N            inputs to run (default 10000; with --time-limit alone: until the time is up)
  --seed S              run seed (default: a fresh one, printed)
  --start I             first input index (default 0); --start I --inputs 1 replays input #I
  --category C          only this category: ${CATEGORIES.join(", ")} (default: all, in turn)
  --time-limit S        stop handing out inputs after S seconds
  --workers W           worker threads (default 1)
  --budget-ms MS        a stage call slower than MS + (budget per MiB) is a finding (default 2000)
  --budget-ms-per-mib MS  allowance per MiB of input text (default 30000)
  --max-memory-mb MB    heap limit of a worker; past it the input is an out-of-memory finding (default 1024)
  --stack-mb MB         stack of a worker (default 1, like Node's main thread; workers get 4 otherwise)
  --execute E[,E…]      also run the SQL on in-process engines (${EXECUTABLE.join(", ")}) and compare with the predicate
  --no-shrink           print findings as generated, without delta debugging
  --shrink-seconds S    time allowed for shrinking one finding (default 60)
  --report FILE         also write the summary and findings as JSON
  --quiet               no progress lines
  --check TEXT          run one text through every check instead (a reproducer); --check-file FILE reads it, with
  --schema NAME         its schema: ${SCHEMA_NAMES.join(", ")} (default rich)
  --now INSTANT         its now (default 2024-03-31T12:00:00.000Z)
  --limits P            its limits: ${Object.keys(LIMIT_PROFILES).join(", ")} (default: default)
`;

/** What `--check` runs. */
export interface CheckOne {
  text: string;
  schema: SchemaName;
  now: string;
  limits: LimitProfile;
}

/** A command line the fuzzer cannot run. */
export class UsageError extends Error {}

/** Parses the command line into run options. */
export function parseOptions(argv: string[], log: (text: string) => void): FuzzOptions & { report: string | null; check: CheckOne | null } {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") throw new UsageError(HELP);
    if (a === "--no-shrink" || a === "--quiet") {
      flags.add(a);
      continue;
    }
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument '${a}'\n\n${HELP}`);
    const [name, inline] = a.split("=", 2) as [string, string | undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    values.set(name, value);
  }
  const known = ["--inputs", "--seed", "--start", "--category", "--time-limit", "--workers", "--budget-ms", "--budget-ms-per-mib", "--max-memory-mb", "--shrink-seconds", "--report", "--check", "--check-file", "--schema", "--now", "--stack-mb", "--execute", "--limits"];
  for (const k of values.keys()) if (!known.includes(k)) throw new UsageError(`unknown option ${k}\n\n${HELP}`);
  const int = (name: string, fallback: number, min = 0): number => {
    const v = values.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer of at least ${min}, not '${v}'`);
    return n;
  };
  const schema = values.get("--schema") ?? "rich";
  if (!(SCHEMA_NAMES as readonly string[]).includes(schema)) throw new UsageError(`unknown schema '${schema}' (expected one of ${SCHEMA_NAMES.join(", ")})`);
  const now = values.get("--now") ?? "2024-03-31T12:00:00.000Z";
  if (!Number.isFinite(Date.parse(now))) throw new UsageError(`--now must be an ISO-8601 instant, not '${now}'`);
  const file = values.get("--check-file");
  const text = file !== undefined ? readFileSync(file, "utf8") : values.get("--check");
  const limits = values.get("--limits") ?? "default";
  if (!(limits in LIMIT_PROFILES)) throw new UsageError(`unknown limits '${limits}' (expected one of ${Object.keys(LIMIT_PROFILES).join(", ")})`);
  const check = text !== undefined ? { text, schema: schema as SchemaName, now, limits: limits as LimitProfile } : null;
  const execute = (values.get("--execute") ?? "").split(",").filter((e) => e !== "");
  for (const e of execute) if (!(EXECUTABLE as readonly string[]).includes(e)) throw new UsageError(`unknown engine '${e}' for --execute (expected ${EXECUTABLE.join(", ")})`);
  const category = values.get("--category") ?? null;
  if (category !== null && !isCategory(category)) throw new UsageError(`unknown category '${category}' (expected one of ${CATEGORIES.join(", ")})`);
  const timeLimitS = values.has("--time-limit") ? int("--time-limit", 0, 1) : null;
  const inputs = values.has("--inputs") ? int("--inputs", 0, 1) : timeLimitS !== null ? Number.POSITIVE_INFINITY : 10_000;
  const seed = values.has("--seed") ? int("--seed", 0) : Math.floor(Math.random() * 2 ** 31);
  return {
    seed,
    start: int("--start", 0),
    inputs,
    category,
    timeLimitS,
    workers: int("--workers", 1, 1),
    budget: { baseMs: int("--budget-ms", DEFAULT_BUDGET.baseMs, 1), perMiBMs: int("--budget-ms-per-mib", DEFAULT_BUDGET.perMiBMs) },
    maxMemoryMb: int("--max-memory-mb", 1024, 64),
    stackMb: int("--stack-mb", 1, 1),
    execute: execute as Executable[],
    shrink: !flags.has("--no-shrink"),
    shrinkSeconds: int("--shrink-seconds", 60, 1),
    batchSize: 20,
    log,
    progressEveryS: flags.has("--quiet") ? 0 : 10,
    report: values.get("--report") ?? null,
    check,
  };
}
