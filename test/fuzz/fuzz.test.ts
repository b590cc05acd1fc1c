/**
 * A short fuzz run in `npm test`: every category in turn for SEGQL_FUZZ_SECONDS (default 60) seconds with a
 * fresh seed each run (printed; SEGQL_FUZZ_SEED replays one). Fails with the minimal reproducers of whatever
 * it found; `npm run fuzz -- --seed S --start I --inputs 1` replays any one input.
 */
import { expect, it } from "vitest";
import { DEFAULT_BUDGET } from "../../fuzz/options.js";
import { countedFindings, formatFinding, formatSummary } from "../../fuzz/report.js";
import { runFuzz } from "../../fuzz/run.js";

const seconds = Number(process.env["SEGQL_FUZZ_SECONDS"] ?? 60);
const seed = process.env["SEGQL_FUZZ_SEED"] !== undefined ? Number(process.env["SEGQL_FUZZ_SEED"]) : Math.floor(Math.random() * 2 ** 31);

it(`a ${seconds} s fuzz run finds nothing (seed ${seed})`, async () => {
  console.log(`segql fuzz: seed ${seed}, ${seconds} s (replay with SEGQL_FUZZ_SEED=${seed})`);
  const summary = await runFuzz({
    seed,
    start: 0,
    inputs: Number.POSITIVE_INFINITY,
    category: null,
    timeLimitS: seconds,
    workers: 1,
    budget: DEFAULT_BUDGET,
    maxMemoryMb: 1024,
    shrink: true,
    shrinkSeconds: 20,
    batchSize: 20,
    log: (text) => console.log(text),
    progressEveryS: 0,
  });
  console.log(formatSummary(summary));
  expect(summary.inputs).toBeGreaterThan(0);
  const found = countedFindings(summary.findings);
  expect(found.map((f, i) => formatFinding(i + 1, f, seed, false)).join("\n\n")).toBe("");
}, (seconds + 240) * 1000);
