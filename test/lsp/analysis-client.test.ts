/**
 * The watchdog around the language server's analyses (src/lsp/analysis-client.ts), in process: a worker
 * thread runs the service; runaway and memory-hungry analyses are injected with `testFaults`.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { CancellationTokenSource } from "vscode-languageserver/node";
import { AnalysisClient, AnalysisStopped, CallCancelled, startAnalysisWorkerEarly, type AnalysisClientOptions } from "../../src/lsp/analysis-client.js";
import { parseSchema } from "../../src/schema/schema.js";
import type { ProjectInfo } from "../../src/service/index.js";

const schema = parseSchema(readFileSync(new URL("../fixtures/crm-schema.json", import.meta.url), "utf8"));
const project: ProjectInfo = { key: "p", schema };
const MAIN = "file:///p/main.segql";
const LIB = "file:///p/lib.segql";
const SLOW = "file:///p/slow.segql";

let clients: AnalysisClient[] = [];
afterEach(() => {
  for (const c of clients) c.dispose();
  clients = [];
});

function client(options: AnalysisClientOptions = {}): { client: AnalysisClient; logs: string[]; stopped: string[] } {
  const logs: string[] = [];
  const stopped: string[] = [];
  const c = new AnalysisClient({ budgetMs: 1500, retryAfterMs: 400, log: (m) => logs.push(m), onStopped: (u) => stopped.push(u), ...options });
  clients.push(c);
  c.setDocument(LIB, 'segment "Paying" as plan_type in ("Pro", "Enterprise")\n', project);
  c.setDocument(MAIN, 'segment "Main" as in segment "Paying" and tenure > 1\n', project);
  return { client: c, logs, stopped };
}

const codes = async (c: AnalysisClient, uri: string) => (await c.call("diagnostics", [uri], uri)).map((d) => `${d.code}: ${d.message}`);

describe("the analysis worker's watchdog", () => {
  it("answers calls in order with the documents as they were when each call was made", async () => {
    const { client: c } = client({ budgetMs: 30_000 });
    const first = c.call("symbols", [MAIN], MAIN);
    c.setDocument(MAIN, 'segment "Renamed" as tenure > 1\n', project);
    const second = c.call("symbols", [MAIN], MAIN);
    expect((await first).map((s) => s.name)).toEqual(["Main"]);
    expect((await second).map((s) => s.name)).toEqual(["Renamed"]);
    expect(await codes(c, MAIN)).toEqual([]);
  });

  it("stops a call past its budget with an error, marks the document it was analysing, and serves the rest", async () => {
    const { client: c, logs, stopped } = client({ testFaults: { hangOn: ["HANG"] } });
    expect(await codes(c, MAIN)).toEqual([]); // the worker is up
    c.setDocument(SLOW, 'segment "Slow" as tenure > 1 -- HANG\n', project);
    await expect(c.call("hover", [SLOW, 20], SLOW)).rejects.toThrow(AnalysisStopped);
    await expect(c.call("hover", [SLOW, 20], SLOW)).resolves.toBeNull(); // stopped: answered at once
    expect(await codes(c, SLOW)).toEqual([
      "internal: the analysis of this document took longer than 1.5 s and was stopped; it is analysed again after you change it (at most every 0.4 s)",
    ]);
    expect(await codes(c, MAIN)).toEqual([]);
    expect(c.restarts).toBe(1);
    expect(stopped).toEqual([SLOW]);
    expect(logs).toEqual([`'hover' took longer than 1.5 s while analysing ${SLOW}: the analysis was stopped and restarted; that document is not analysed until it changes`]);
  }, 30_000);

  it("blames the document being analysed, not the one asked about", async () => {
    const { client: c } = client({ testFaults: { hangOn: ["HANG"] } });
    c.setDocument(SLOW, 'segment "Slow" as tenure > 1 -- HANG\n', project);
    // Checking MAIN analyses the project's other documents (their segments), SLOW among them.
    await expect(c.call("diagnostics", [MAIN], MAIN)).rejects.toThrow(/analysing slow\.segql/);
    expect(await codes(c, MAIN)).toEqual([]);
    expect(c.stoppedReason(SLOW)).toMatch(/took longer than/);
    expect(c.stoppedReason(MAIN)).toBeNull();
  }, 30_000);

  it("analyses a stopped document again once it changed and the retry delay passed", async () => {
    const { client: c, stopped } = client({ testFaults: { hangOn: ["HANG"] } });
    c.setDocument(SLOW, "tenure > 1 -- HANG\n", project);
    await expect(c.call("diagnostics", [SLOW], SLOW)).rejects.toThrow(AnalysisStopped);
    c.setDocument(SLOW, 'tenure > "x"\n', project); // fixed, within the retry delay: still stopped
    expect((await codes(c, SLOW))[0]).toMatch(/^internal: /);
    await new Promise((r) => setTimeout(r, 600));
    expect(stopped).toEqual([SLOW, SLOW]); // stopped, then released for a retry
    expect(await codes(c, SLOW)).toEqual([expect.stringMatching(/^value-type: /)]);
  }, 30_000);

  it("stops an analysis that runs out of memory (the worker's heap is capped), and serves the rest", async () => {
    const { client: c, logs } = client({ budgetMs: 20_000, heapMb: 64, testFaults: { exhaustMemoryOn: ["HOG"] } });
    c.setDocument(SLOW, "tenure > 1 -- HOG\n", project);
    await expect(c.call("diagnostics", [SLOW], SLOW)).rejects.toThrow(/ran out of memory/);
    expect((await codes(c, SLOW))[0]).toMatch(/needed more than 64 MB of memory and was stopped/);
    expect(await codes(c, MAIN)).toEqual([]);
    expect(logs[0]).toMatch(/ran out of memory \(more than 64 MB\) while analysing/);
  }, 30_000);

  it("keeps an exception in one document's analysis inside that document (no restart)", async () => {
    const { client: c, logs } = client({ testFaults: { throwOn: ["BOOM"] } });
    c.setDocument(SLOW, 'segment "X" as tenure > 1 -- BOOM\n', project);
    expect(await codes(c, SLOW)).toEqual([`internal: internal error analysing this document: injected failure for ${SLOW} (please report it)`]);
    expect(await codes(c, MAIN)).toEqual([]);
    expect(c.restarts).toBe(0);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(new RegExp(`^internal error analysing ${SLOW}: Error: injected failure`));
  });

  it("lets a request go before diagnostics waiting to be published, never before a change", async () => {
    const { client: c } = client({ testFaults: { hangOn: ["HANG"] } });
    c.setDocument(SLOW, "tenure > 1 -- HANG\n", project);
    const order: string[] = [];
    const slow = c.call("diagnostics", [SLOW], SLOW).catch(() => order.push("slow stopped"));
    const background = c.timedCall("diagnostics", [MAIN], MAIN, undefined, true).then(() => order.push("background diagnostics"));
    const symbols = c.call("symbols", [MAIN], MAIN).then((s) => order.push(`symbols ${s.map((x) => x.name).join()}`));
    c.setDocument(MAIN, 'segment "Later" as tenure > 1\n', project);
    const after = c.call("symbols", [MAIN], MAIN).then((s) => order.push(`symbols ${s.map((x) => x.name).join()}`));
    await Promise.all([slow, background, symbols, after]);
    expect(order).toEqual(["slow stopped", "symbols Main", "background diagnostics", "symbols Later"]);
  }, 30_000);

  it("answers every call with an error when no worker can start, instead of keeping them waiting", async () => {
    const { client: c, logs } = client({ testFaults: { crashOnStart: true } });
    await expect(c.call("symbols", [MAIN], MAIN)).rejects.toThrow(/before it was up/);
    await expect(c.call("symbols", [MAIN], MAIN)).rejects.toThrow(/three times in a row: the language server cannot analyse/);
    expect(logs.at(-1)).toMatch(/three times in a row/);
  }, 30_000);

  it("answers a call cancelled while it waits at once, without running it", async () => {
    const { client: c } = client({ testFaults: { hangOn: ["HANG"] } });
    c.setDocument(SLOW, "tenure > 1 -- HANG\n", project);
    const slow = c.call("diagnostics", [SLOW], SLOW);
    const source = new CancellationTokenSource();
    const waiting = c.call("complete", [MAIN, 3], MAIN, source.token);
    source.cancel();
    await expect(waiting).rejects.toThrow(CallCancelled);
    await expect(slow).rejects.toThrow(AnalysisStopped);
  }, 30_000);

  it("takes a worker started early for its options, losing nothing it said before (issue 14)", async () => {
    // Started for a 60-byte limit, then left alone long enough to be up: its `ready` came before any
    // client listened. The client for the same options must see it (or its call would wait forever),
    // and analyse with the limit it was started with.
    startAnalysisWorkerEarly({ maxBytes: 60 });
    await new Promise((r) => setTimeout(r, 2000));
    const { client: c } = client({ maxBytes: 60 });
    c.setDocument(SLOW, `segment "Long" as tenure > 1 and ${"tenure > 2 and ".repeat(5)}churn\n`, project);
    expect((await codes(c, SLOW)).join("\n")).toMatch(/larger than 60 bytes/);
    expect(await codes(c, LIB)).toEqual([]);
    expect(c.restarts).toBe(0);
  }, 30_000);

  it("takes a worker started early by another copy of its module, as the built server's bundle does (issue 14)", async () => {
    // Built, the CLI's chunk starts the worker (bin/segql.js, stdio.ts) and the server's CommonJS bundle,
    // with a copy of this module of its own, takes it: the worker waits in one place per process.
    const copy = `${new URL("../../src/lsp/analysis-client.ts", import.meta.url).href}?another-copy`;
    const other = (await import(/* @vite-ignore */ copy)) as typeof import("../../src/lsp/analysis-client.js");
    expect(other.AnalysisClient).not.toBe(AnalysisClient); // a copy indeed
    const slot = Symbol.for("segql.lsp.earlyWorker");
    other.startAnalysisWorkerEarly({ maxBytes: 60 });
    expect((globalThis as Record<symbol, unknown>)[slot]).toBeTruthy();
    const { client: c } = client({ maxBytes: 60 });
    expect((globalThis as Record<symbol, unknown>)[slot]).toBeNull(); // taken, not left to start a second worker
    c.setDocument(SLOW, `segment "Long" as tenure > 1 and ${"tenure > 2 and ".repeat(5)}churn\n`, project);
    expect((await codes(c, SLOW)).join("\n")).toMatch(/larger than 60 bytes/);
    expect(c.restarts).toBe(0);
  }, 30_000);

  it("does not take a worker started early for other options", async () => {
    startAnalysisWorkerEarly({ maxBytes: 20 });
    const { client: c } = client();
    expect(await codes(c, MAIN)).toEqual([]);
    expect(c.restarts).toBe(0);
  }, 30_000);
});
