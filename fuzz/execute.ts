/**
 * `--execute sqlite,duckdb,pglite`: the SQL of every compiled segment also runs on in-process engines, over
 * the random contacts and events of its schema, and must select exactly the contacts the predicate selects
 * (inlined and with parameters). The engines and the comparison are the differential tests' own
 * (test/engines, test/differential/harness.ts); the fuzzer brings the inputs they never see (the hostile
 * schema's names, extreme literals, recovered near-valid text, mutated corpus).
 *
 * Findings: `sql-error` (the SQL does not run: it is not SQL the engine accepts) and `sql-mismatch` (it runs
 * and selects other contacts). A `SqlCompileError` (a documented refusal) is not executed.
 */
import type { TypedSegment } from "../src/checker/typed-ast.js";
import { compileSql, SqlCompileError } from "../src/compiler/sql/index.js";
import type { Engine, EngineName } from "../test/engines/index.js";
import type { PreparedDataset } from "../test/differential/harness.js";
import { normaliseMessage, excerpt, type Failure, type PipelineInput } from "./pipeline.js";
import { randomData, schemaNamed, SCHEMA_NAMES } from "./schemas.js";

/** The engines `--execute` can use: in-process ones. */
export const EXECUTABLE = ["sqlite", "duckdb", "pglite"] as const;
/** An engine name `--execute` takes. */
export type Executable = (typeof EXECUTABLE)[number];

/** The data is made for this `now` (the SQL and predicate are still resolved at the input's `now`). */
const DATA_NOW = "2024-03-31T12:00:00.000Z";

interface Loaded {
  engine: Engine;
  dataset: PreparedDataset;
}

const loaded = new Map<string, Loaded>();

/** Opens the engines and loads every schema's data into each (once per thread, before any input). */
export async function openEngines(names: readonly Executable[]): Promise<void> {
  if (names.length === 0) return;
  const { openEngine } = await import("../test/engines/index.js");
  const { prepareDataset } = await import("../test/differential/harness.js");
  for (const name of names) {
    for (const schemaName of SCHEMA_NAMES) {
      const schema = schemaNamed(schemaName);
      const data = randomData(schemaName, DATA_NOW);
      const dataset = prepareDataset({ schema, contacts: data.contacts, events: data.rows });
      // One engine per schema: a load replaces the tables of the previous one.
      const engine = await openEngine(name as EngineName);
      await engine.load(schema, dataset.contacts, schema.events ? dataset.events : undefined);
      loaded.set(`${name} ${schemaName}`, { engine, dataset });
    }
  }
}

/** Runs the segments' SQL on the engines and compares with the predicate; returns what disagreed. */
export async function executeSegments(input: PipelineInput, segments: readonly TypedSegment[], names: readonly Executable[]): Promise<Failure[]> {
  if (names.length === 0 || segments.length === 0) return [];
  const { checkQuery, predicateKeys } = await import("../test/differential/harness.js");
  const failures: Failure[] = [];
  for (const name of names) {
    const target = loaded.get(`${name} ${input.schema}`);
    if (!target) continue;
    const { engine, dataset } = target;
    for (const segment of segments) {
      try {
        compileSql(segment, { dialect: engine.dialect, params: true, now: input.now, pretty: false });
      } catch (e) {
        if (e instanceof SqlCompileError) continue;
        throw e;
      }
      const expected = predicateKeys(segment, dataset, input.now);
      const mismatches = await checkQuery(engine, segment, dataset, expected, input.now, { modes: ["inline", "params"], prettyModes: [] });
      const m = mismatches[0];
      if (!m) continue;
      const detail = `SQL: ${excerpt(m.sql, 400)}; params: ${excerpt(JSON.stringify(m.params) ?? "", 200)}`;
      if (m.got === null || m.error) {
        const message = m.error ?? "no result";
        failures.push({ kind: "sql-error", stage: "execute", message: `${engine.name} (${m.mode}): ${message.split("\n")[0]!.slice(0, 300)}`, detail, signature: `sql-error | execute | ${engine.name}: ${normaliseMessage(message)}` });
      } else if (Array.isArray(m.got)) {
        const got = new Set(m.got);
        const want = new Set(expected);
        const onlySql = m.got.filter((k) => !want.has(k)).slice(0, 5);
        const onlyPredicate = expected.filter((k) => !got.has(k)).slice(0, 5);
        failures.push({
          kind: "sql-mismatch", stage: "execute",
          message: `${engine.name} (${m.mode}): the SQL selects ${m.got.length} contacts, the predicate ${expected.length}; only SQL: ${onlySql.join(", ") || "-"}; only predicate: ${onlyPredicate.join(", ") || "-"}`,
          detail, signature: `sql-mismatch | execute | ${engine.name}`,
        });
      }
      break;
    }
  }
  return failures;
}
