/**
 * `npm run bench -- startup`: what a one-shot `segql` command costs over starting Node itself, the way
 * pre-commit hooks, editor save actions and pipeline steps run it (issue 14).
 *
 * Each command runs as a fresh `node` process; its wall time from spawn to exit, minus the median wall
 * time of `node -e 0` measured in the same rounds, is its overhead. Rounds interleave every command (so a
 * change in the machine's load touches all alike); the median of ROUNDS (≥ 9) rounds is reported.
 *
 * Two builds side by side, both from `npm run build`:
 * - bundled: `bin/segql.js`, which runs the esbuild bundle dist/cli/segql.js (scripts/bundle.ts);
 * - unbundled: the same commands through `tsc`'s module-per-file output dist/cli/main.js, as the CLI
 *   shipped before the bundle (hundreds of modules for Node to resolve and load).
 *
 * The language server row starts `segql lsp --stdio`, sends `initialize`, `initialized` and `didOpen` of a
 * document whose segql.json names a schema, and stops the clock when the first `publishDiagnostics`
 * arrives (it includes the analysis worker's start). `npm run build` writes the server's code caches (the
 * worker's and the main thread's; src/lsp/code-cache.ts), so every round runs with both, as an editor's
 * servers do after an install.
 *
 * Goals: check and fmt ≤ 150 ms over `node -e 0`, compile ≤ 200 ms, the language server's first
 * diagnostics ≤ 300 ms after start.
 */
import { execSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ROUNDS = Math.max(9, Number(process.env["BENCH_ROUNDS"] ?? 11));
const SCHEMA = join(root, "data", "telco", "schema.json");
/** The schema of the views' segments (it has events): the golden files' schema. */
const EVENTS_SCHEMA = join(root, "test", "fixtures", "sql", "schema.json");
const EXPRESSION = 'contract = "Two year" and tenure > 12';

/** A segment file of 100 segments for `compile --form views`: rules, event conditions, references. */
export function hundredSegments(): string {
  const out: string[] = [];
  for (let i = 0; i < 100; i++) {
    const parts = [`(status = "Subscribed" or plan_type in ("Pro", "Enterprise")) and lifetime_value > ${i * 10}`];
    if (i % 3 === 0) parts.push(`(performed "Purchase" at least ${1 + (i % 4)} times within last ${7 + i} days where amount > ${i} and channel = "web")`);
    if (i % 5 === 1) parts.push(`not (performed "Refund" with sum of amount > ${100 + i})`);
    if (i % 7 === 2) parts.push(`email ends with "@example.org" and signed_up_at within last ${i} days`);
    if (i % 10 === 9) parts.push(`in segment "S${i - 1}"`);
    out.push(`segment "S${i}" as\n  ${parts.join("\n  and ")};`);
  }
  return `${out.join("\n\n")}\n`;
}

/** A command to time: its node arguments and standard input. */
interface Command {
  name: string;
  args: string[];
  input?: string;
  /** Which goal it has (ms over `node -e 0`), if any. */
  goal?: number;
}

/** How a build is launched: the bundled one through bin/, the unbundled one through a launcher importing dist/cli/main.js. */
function commands(launcher: string[], label: string, views: string): Command[] {
  return [
    { name: `${label} check`, args: [...launcher, "check", "--schema", SCHEMA, EXPRESSION], goal: 150 },
    { name: `${label} fmt`, args: [...launcher, "fmt", "-"], input: `${EXPRESSION} AND (plan_type = "Pro" OR churn)\n`, goal: 150 },
    { name: `${label} compile`, args: [...launcher, "compile", "--schema", SCHEMA, EXPRESSION], goal: 200 },
    { name: `${label} --version`, args: [...launcher, "--version"] },
    { name: `${label} views of 100 segments`, args: [...launcher, "compile", "--schema", EVENTS_SCHEMA, "--form", "views", views] },
  ];
}

/** /usr/bin/time, when present: it reports a child's CPU time, which Node cannot. */
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

/**
 * Wall time of one process from spawn to exit, and its CPU time (user + system, through /usr/bin/time;
 * NaN without it), in ms; throws on a non-zero exit. On a machine shared with other work, wall time
 * includes waiting for a core; CPU time does not.
 */
function timeProcess(c: Command): Promise<{ wall: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = TIME
      ? spawn(TIME, ["-f", "__segql_cpu %U %S", process.execPath, ...c.args], { stdio: ["pipe", "ignore", "pipe"] })
      : spawn(process.execPath, c.args, { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const wall = performance.now() - t0;
      const m = /__segql_cpu (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)/.exec(err);
      const cpu = m ? (Number(m[1]) + Number(m[2])) * 1000 : Number.NaN;
      if (code === 0) resolve({ wall, cpu });
      else reject(new Error(`${c.name} exited ${code}: ${err.slice(0, 300)}`));
    });
    child.stdin.end(c.input ?? "");
  });
}

/** A project directory for the language server: segql.json naming the telco schema, and one document. */
function lspProject(): { dir: string; uri: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), "segql-bench-startup-"));
  writeFileSync(join(dir, "segql.json"), JSON.stringify({ schema: SCHEMA }));
  const file = join(dir, "a.segql");
  const text = `segment "Loyal" as ${EXPRESSION}\nsegment "Bad" as tenure > "x"\n`;
  writeFileSync(file, text);
  return { dir, uri: pathToFileURL(file).href, text };
}

/** Frames a JSON-RPC message as the Language Server Protocol does. */
function frame(message: object): string {
  const body = JSON.stringify({ jsonrpc: "2.0", ...message });
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/**
 * Starts `segql lsp --stdio` and times spawn → the first publishDiagnostics of the opened document
 * (`initialize` answered on the way: its time is returned too). The diagnostics must hold the document's
 * type error, so the schema was loaded and the text checked. Then `shutdown` and `exit` end the server, and
 * its CPU time (user + system, both threads, through /usr/bin/time; NaN without it) is returned: nearly
 * all of it is the start, as the server does nothing else.
 */
function timeLsp(launcher: string[], project: { dir: string; uri: string; text: string }): Promise<{ initialize: number; diagnostics: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const args = [...launcher, "lsp", "--stdio"];
    const child = TIME
      ? spawn(TIME, ["-f", "__segql_cpu %U %S", process.execPath, ...args], { stdio: ["pipe", "pipe", "pipe"] })
      : spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
    let buffer = Buffer.alloc(0);
    let initialize = 0;
    let finished = false;
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`lsp: no diagnostics within 30 s; stderr: ${stderr.slice(0, 300)}`));
    }, 30_000);
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.stdin.on("error", () => undefined); // the server may exit before reading all: its exit says enough
    child.stdout.on("data", (d: Buffer) => {
      buffer = Buffer.concat([buffer, d]);
      for (;;) {
        const headerEnd = buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0) return;
        const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString())?.[1]);
        if (buffer.length < headerEnd + 4 + length) return;
        const message = JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString()) as { id?: number; method?: string; params?: { uri: string; diagnostics: { message: string }[] } };
        buffer = buffer.subarray(headerEnd + 4 + length);
        if (message.id === 1 && initialize === 0) {
          initialize = performance.now() - t0;
          child.stdin.write(frame({ method: "initialized", params: {} }));
          child.stdin.write(frame({ method: "textDocument/didOpen", params: { textDocument: { uri: project.uri, languageId: "segql", version: 1, text: project.text } } }));
        } else if (message.method === "textDocument/publishDiagnostics" && message.params?.uri === project.uri && !finished) {
          finished = true;
          const ms = performance.now() - t0;
          clearTimeout(timer);
          const found = message.params.diagnostics.map((d) => d.message).join("; ");
          child.stdin.write(frame({ id: 2, method: "shutdown" }));
          child.stdin.write(frame({ method: "exit" }));
          if (!/tenure/.test(found)) {
            child.kill();
            reject(new Error(`lsp: the first diagnostics miss the type error: ${found || "(none)"}`));
            return;
          }
          const stop = setTimeout(() => child.kill(), 10_000);
          // "close", not "exit": /usr/bin/time's line on standard error is read by then.
          child.on("close", () => {
            clearTimeout(stop);
            const m = /__segql_cpu (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)/.exec(stderr);
            resolve({ initialize, diagnostics: ms, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : Number.NaN });
          });
          return;
        }
      }
    });
    child.stdin.write(frame({ id: 1, method: "initialize", params: { processId: process.pid, rootUri: pathToFileURL(project.dir).href, capabilities: {}, workspaceFolders: null } }));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the benchmark; returns its Markdown section. */
export async function run(): Promise<string> {
  console.log("building dist/ (npm run build: tsc, then the bundle)…");
  execSync("npm run -s build", { cwd: root, stdio: "inherit" });
  const tmp = mkdtempSync(join(tmpdir(), "segql-bench-launch-"));
  // The unbundled CLI as bin/segql.js ran it before the bundle: import dist/cli/main.js, run main.
  const unbundled = join(tmp, "unbundled.mjs");
  writeFileSync(unbundled, `const { main } = await import(${JSON.stringify(pathToFileURL(join(root, "dist", "cli", "main.js")).href)});\nprocess.exitCode = await main(process.argv.slice(2));\n`);
  const bundledLauncher = [join(root, "bin", "segql.js")];
  const unbundledLauncher = [unbundled];
  const views = join(tmp, "hundred.segql");
  writeFileSync(views, hundredSegments());
  const all: Command[] = [{ name: "node -e 0", args: ["-e", "0"] }, ...commands(bundledLauncher, "bundled", views), ...commands(unbundledLauncher, "unbundled", views)];
  const project = lspProject();
  const times = new Map<string, number[]>();
  const push = (name: string, ms: number) => times.set(name, [...(times.get(name) ?? []), ms]);
  const loads: number[] = [];
  try {
    // One warm-up round (file system caches), then the measured rounds.
    for (let round = 0; round <= ROUNDS; round++) {
      loads.push(loadavg()[0]!);
      for (const c of all) {
        const { wall, cpu } = await timeProcess(c);
        if (round > 0) {
          push(c.name, wall);
          push(`${c.name} cpu`, cpu);
        }
      }
      for (const [label, launcher] of [["bundled", bundledLauncher], ["unbundled", unbundledLauncher]] as const) {
        const lsp = await timeLsp(launcher, project);
        if (round > 0) {
          push(`${label} lsp initialize`, lsp.initialize);
          push(`${label} lsp first diagnostics`, lsp.diagnostics);
          push(`${label} lsp first diagnostics cpu`, lsp.cpu);
        }
      }
      console.log(`round ${round}/${ROUNDS}${round === 0 ? " (warm-up)" : ""}: ${[...times].filter(([n]) => !n.endsWith(" cpu")).map(([n, xs]) => `${n} ${(xs.at(-1) ?? 0).toFixed(0)}`).join(", ")}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(project.dir, { recursive: true, force: true });
  }

  const node = median(times.get("node -e 0")!);
  const nodeCpu = median(times.get("node -e 0 cpu")!);
  const goals: Record<string, number> = { check: 150, fmt: 150, compile: 200, "views of 100 segments": 1000, "lsp first diagnostics": 300 };
  const cell = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "—" : String(Math.round(ms)));
  const rows = ["check", "fmt", "compile", "--version", "views of 100 segments", "lsp initialize", "lsp first diagnostics"].map((what) => {
    const lsp = what.startsWith("lsp");
    // The language server's and the views' goals are end to end (from start); the one-shot commands' over node -e 0.
    const absolute = lsp || what.startsWith("views");
    const b = median(times.get(`bundled ${what}`)!);
    const u = median(times.get(`unbundled ${what}`)!);
    // The language server's CPU is that of its whole run (start to exit after the first diagnostics).
    const cpuOf = (label: string) => (what === "lsp initialize" ? undefined : median(times.get(`${label} ${what} cpu`)!));
    const bCpu = cpuOf("bundled");
    const uCpu = cpuOf("unbundled");
    const goal = goals[what];
    const overWall = absolute ? b : b - node;
    // The server's CPU adds up two threads: no verdict against a wall-clock goal.
    const overCpu = bCpu === undefined || lsp ? undefined : absolute ? bCpu : bCpu - nodeCpu;
    const verdict = goal === undefined ? "" : `${absolute ? "end to end" : "over node"} ≤ ${goal} ms: wall ${overWall <= goal ? "met" : "NOT met"}${overCpu === undefined || Number.isNaN(overCpu) ? "" : `, CPU ${overCpu <= goal ? "met" : "NOT met"}`}`;
    const over = (ms: number | undefined, base: number) => (ms === undefined || Number.isNaN(ms) ? "—" : absolute ? cell(ms) : cell(ms - base));
    return `| ${what} | ${over(b, node)} | ${over(bCpu, nodeCpu)} | ${over(u, node)} | ${over(uCpu, nodeCpu)} | ${(u / b).toFixed(2)}× | ${verdict} |`;
  });
  const load = `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`;
  return `## Start-up: one-shot commands and the language server (\`bench/startup\`)

Wall time of a fresh \`node\` process per command (spawn to exit; for the language server, spawn to the answer to \`initialize\` and to the first \`publishDiagnostics\` of an opened document, schema loaded from its segql.json), median of ${ROUNDS} rounds after a warm-up round, every command interleaved in each round. The one-shot commands' figures are their overhead: the median minus that of \`node -e 0\` in the same rounds (${Math.round(node)} ms wall, ${cell(nodeCpu)} ms CPU); views and the language server are end to end. CPU is the process's user + system time (/usr/bin/time), which waiting for a core on a busy machine does not inflate; the language server's CPU is that of its whole run, from its start to its exit on \`shutdown\` and \`exit\` right after the first diagnostics (both threads). Bundled: \`bin/segql.js\` running the esbuild bundle dist/cli/segql.js; unbundled: tsc's module-per-file dist/cli/main.js, as shipped before the bundle. Load average (1 min) during the run: ${load} on this machine.

| command | bundled wall ms | bundled CPU ms | unbundled wall ms | unbundled CPU ms | unbundled / bundled (wall) | goal |
|---|---:|---:|---:|---:|---:|---|
${rows.join("\n")}

check: \`segql check --schema telco '${EXPRESSION}'\`; fmt: a condition on standard input; compile: the same check expression to DuckDB SQL; views of 100 segments: \`segql compile --form views\` of a file of 100 segments (rules, event conditions with filters, aggregates, references; bench/startup's \`hundredSegments\`), laid out over lines; lsp: the language server until the first diagnostics of a two-declaration file.
`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await run());
}
