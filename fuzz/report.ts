/**
 * What the fuzzer prints: each finding (seed, category, input, minimal reproducer as a JavaScript string
 * expression with long repetitions folded into `.repeat(n)`), and the summary tables at the end.
 */
import { CATEGORIES, type Category } from "./generate/index.js";
import { FINDING_KINDS, STAGES, type Failure, type FindingKind, type Stage } from "./pipeline.js";

/** A finding: the first input that failed with a signature, its reproducer, and how often the signature came up. */
export interface Finding {
  failure: Failure;
  category: Category;
  index: number;
  label: string;
  schema: string;
  now: string;
  /** The generated text. */
  original: string;
  /** The minimal reproducer (the original when not shrunk). */
  reproducer: string;
  shrinkNote: string;
  /** Whether re-running the original input failed the same way. */
  confirmed: boolean;
  occurrences: Partial<Record<Category, number>>;
}

/** The totals of a run. */
export interface RunSummary {
  seed: number;
  start: number;
  inputs: number;
  perCategory: Partial<Record<Category, number>>;
  stageMs: Partial<Record<Stage, number>>;
  seconds: number;
  workers: number;
  findings: Finding[];
  /** Set when the run stopped at the time limit. */
  timeLimited: boolean;
  /** Why the run stopped early, when the fuzzer itself could not go on. */
  aborted: string | null;
}

/** True for findings that depend on the machine's load (re-checked before they count). */
export function isTimingKind(kind: FindingKind): boolean {
  return kind === "slow" || kind === "timeout" || kind === "out-of-memory";
}

/** Findings that make the run fail: every confirmed one, and unconfirmed ones unless they are about time. */
export function countedFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.confirmed || !isTimingKind(f.failure.kind));
}

/**
 * A text as a JavaScript expression: a JSON string, with any run of 8+ repetitions of a unit (up to 40
 * characters) written as `"unit".repeat(n)`, so a 150,000-term reproducer fits on a line.
 */
export function textExpression(text: string): string {
  if (text.length <= 120) return JSON.stringify(text);
  const parts: string[] = [];
  const run = /([\s\S]{1,40}?)\1{7,}/g;
  let last = 0;
  for (const m of text.matchAll(run)) {
    const unit = m[1]!;
    if (m[0].length < 40) continue;
    if (m.index! > last) parts.push(JSON.stringify(text.slice(last, m.index)));
    parts.push(`${JSON.stringify(unit)}.repeat(${m[0].length / unit.length})`);
    last = m.index! + m[0].length;
  }
  if (last < text.length) parts.push(JSON.stringify(text.slice(last)));
  const out = parts.join(" + ");
  return out.length > 2000 ? `${out.slice(0, 2000)} … (${out.length} characters of expression)` : out;
}

/** The command that generates the same input again. */
export function replayCommand(seed: number, index: number, category: Category, only: boolean): string {
  return `npm run fuzz -- --seed ${seed} --start ${index} --inputs 1${only ? ` --category ${category}` : ""}`;
}

/** A finding as printed when it is found. */
export function formatFinding(n: number, f: Finding, seed: number, only: boolean): string {
  const total = Object.values(f.occurrences).reduce((s, c) => s + (c ?? 0), 0);
  const lines = [
    `FINDING ${n}: ${f.failure.kind} in ${f.failure.stage}${f.confirmed ? "" : " (NOT reproduced on a second run)"}`,
    `  ${f.failure.message}`,
    `  seed ${seed}, category ${f.category}, input #${f.index} (${f.label}); schema ${f.schema}, now ${f.now}`,
    `  replay: ${replayCommand(seed, f.index, f.category, only)}`,
    `  reproducer (${f.reproducer.length} chars${f.reproducer.length < f.original.length ? ` from ${f.original.length}` : ""}; ${f.shrinkNote}):`,
    `    ${textExpression(f.reproducer)}`,
  ];
  if (f.failure.detail) lines.push(`  detail: ${f.failure.detail}`);
  if (total > 1) lines.push(`  seen ${total} times so far`);
  return lines.join("\n");
}

function pad(s: string | number, n: number, right = false): string {
  const t = String(s);
  return right ? t.padStart(n) : t.padEnd(n);
}

/** The summary tables: inputs and findings per category, findings per kind, time per stage, throughput. */
export function formatSummary(s: RunSummary): string {
  const out: string[] = [];
  const counted = countedFindings(s.findings);
  const perCategoryFindings = (c: Category) => counted.filter((f) => (f.occurrences[c] ?? 0) > 0).length;
  out.push("", `segql fuzz: seed ${s.seed}, inputs #${s.start}..#${s.start + s.inputs - 1}${s.timeLimited ? " (stopped at the time limit)" : ""}`, "");
  out.push(`${pad("category", 10)} ${pad("inputs", 10, true)} ${pad("findings", 9, true)}`);
  for (const c of CATEGORIES) {
    if (!s.perCategory[c]) continue;
    out.push(`${pad(c, 10)} ${pad((s.perCategory[c] ?? 0).toLocaleString("en-US"), 10, true)} ${pad(perCategoryFindings(c), 9, true)}`);
  }
  out.push(`${pad("total", 10)} ${pad(s.inputs.toLocaleString("en-US"), 10, true)} ${pad(counted.length, 9, true)}`, "");
  out.push(`${pad("finding kind", 20)} ${pad("distinct", 9, true)} ${pad("inputs", 9, true)}`);
  for (const k of FINDING_KINDS) {
    const of = s.findings.filter((f) => f.failure.kind === k);
    if (of.length === 0) continue;
    const inputs = of.reduce((sum, f) => sum + Object.values(f.occurrences).reduce((a, b) => a + (b ?? 0), 0), 0);
    const unconfirmed = of.filter((f) => !f.confirmed).length;
    out.push(`${pad(k, 20)} ${pad(of.length, 9, true)} ${pad(inputs, 9, true)}${unconfirmed ? `  (${unconfirmed} not reproduced${isTimingKind(k) ? ", not counted" : ""})` : ""}`);
  }
  if (s.findings.length === 0) out.push("(none)");
  const totalMs = Object.values(s.stageMs).reduce((a, b) => a + (b ?? 0), 0) || 1;
  out.push("", "time per stage (all workers): " + STAGES.filter((st) => s.stageMs[st]).map((st) => `${st} ${Math.round((100 * s.stageMs[st]!) / totalMs)}%`).join(", "));
  out.push(`${s.inputs.toLocaleString("en-US")} inputs in ${s.seconds.toFixed(1)} s with ${s.workers} worker${s.workers === 1 ? "" : "s"}: ${Math.round(s.inputs / Math.max(s.seconds, 0.001)).toLocaleString("en-US")} inputs/s`);
  if (s.aborted) out.push(`The run stopped early: ${s.aborted}`);
  out.push(counted.length > 0 ? `${counted.length} finding${counted.length === 1 ? "" : "s"}.` : "No findings.");
  return out.join("\n");
}
