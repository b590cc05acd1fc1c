/**
 * "Check on DuckDB": runs the compiled DuckDB SQL on the same data in DuckDB-WASM and compares the ids
 * with the predicate's. DuckDB is downloaded (from this site) only when the button is pressed.
 */
import { useEffect, useState } from "react";
import { check } from "../../../src/checker/index.js";
import { compileSql } from "../../../src/compiler/sql/index.js";
import { parse } from "../../../src/parser/index.js";
import type { Schema } from "../../../src/schema/schema.js";
import { ownColumnSchema } from "../duck-schema.js";
import type { DataClient } from "./data-client.js";
import type { EvaluateQuery } from "../worker/protocol.js";
import { formatCount } from "./format-value.js";

export interface DuckDbCheckProps {
  client: DataClient;
  /** The loaded data's schema; the text is checked again against its own-column variant (duck-schema.ts). */
  schema: Schema | null;
  /** False while the text has errors (nothing to check). */
  ready: boolean;
  evaluate: EvaluateQuery;
  /** Changes when the data changes (tables are reloaded). */
  dataVersion: number;
}

type Outcome = { state: "idle" } | { state: "busy"; step: string } | { state: "agree"; count: number; ms: number } | { state: "differ"; onlyDuck: string[]; onlyPredicate: string[]; duck: number; predicate: number } | { state: "error"; message: string };

let loadedVersion = -1;

export function DuckDbCheck({ client, schema, ready, evaluate, dataVersion }: DuckDbCheckProps) {
  const [outcome, setOutcome] = useState<Outcome>({ state: "idle" });
  // A result is about one condition on one dataset: forget it when either changes.
  useEffect(() => setOutcome((o) => (o.state === "busy" ? o : { state: "idle" })), [evaluate.text, evaluate.segment, dataVersion, evaluate.now]);
  const run = async () => {
    if (!schema || !ready) return;
    try {
      const variant = ownColumnSchema(schema);
      const parsed = parse(evaluate.text);
      const checked = check(parsed.document, variant);
      const query = checked.segments.find((s) => s.name === evaluate.segment) ?? checked.segments[checked.segments.length - 1];
      if (!query || checked.diagnostics.some((d) => d.severity === "error")) throw new Error("the text does not check");
      setOutcome({ state: "busy", step: "Loading DuckDB-WASM…" });
      const { openDuckDb, connect, loadTables, firstColumn } = await import("./duckdb.js");
      const db = await openDuckDb();
      const conn = await connect(db);
      try {
        if (loadedVersion !== dataVersion) {
          setOutcome({ state: "busy", step: "Loading the data into DuckDB…" });
          await loadTables(conn, await client.duckTables());
          loadedVersion = dataVersion;
        }
        setOutcome({ state: "busy", step: "Running the SQL…" });
        const { sql } = compileSql(query, { dialect: "duckdb", form: "select", now: evaluate.now });
        const start = performance.now();
        const duckKeys = await firstColumn(conn, sql);
        const ms = performance.now() - start;
        const mine = await client.matchingKeys(evaluate);
        if (!mine.keys) throw new Error(mine.message ?? "the predicate gave no answer");
        const a = new Set(duckKeys);
        const b = new Set(mine.keys);
        const onlyDuck = duckKeys.filter((k) => !b.has(k));
        const onlyPredicate = mine.keys.filter((k) => !a.has(k));
        if (onlyDuck.length === 0 && onlyPredicate.length === 0 && duckKeys.length === mine.keys.length) setOutcome({ state: "agree", count: duckKeys.length, ms });
        else setOutcome({ state: "differ", onlyDuck, onlyPredicate, duck: duckKeys.length, predicate: mine.keys.length });
      } finally {
        await conn.close();
      }
    } catch (e) {
      setOutcome({ state: "error", message: (e as Error).message });
    }
  };
  return (
    <div className="duck">
      <button type="button" onClick={run} disabled={!schema || !ready || outcome.state === "busy"} data-testid="duckdb-check">
        Check on DuckDB
      </button>
      <span role="status" aria-live="polite" data-testid="duckdb-result" className={outcome.state === "differ" || outcome.state === "error" ? "count-error" : outcome.state === "agree" ? "agree" : "count-muted"}>
        {outcome.state === "busy" && outcome.step}
        {outcome.state === "agree" && `DuckDB agrees: the same ${formatCount(outcome.count)} ids as the predicate (${outcome.ms.toFixed(0)} ms in DuckDB).`}
        {outcome.state === "differ" &&
          `DuckDB differs: ${formatCount(outcome.duck)} ids vs the predicate's ${formatCount(outcome.predicate)}; only in DuckDB: ${outcome.onlyDuck.slice(0, 5).join(", ") || "none"}; only in the predicate: ${outcome.onlyPredicate.slice(0, 5).join(", ") || "none"}.`}
        {outcome.state === "error" && `DuckDB check failed: ${outcome.message}`}
      </span>
      {schema?.events && outcome.state !== "idle" ? (
        <span className="count-muted help">Event properties are loaded into their own typed columns for this check (DuckDB-WASM would fetch its JSON extension from the internet).</span>
      ) : null}
    </div>
  );
}
