/**
 * The SQL of the condition for a dialect picked from the six, with values inlined (escaped) or bound as
 * parameters, and a copy button. Compiled in the page (it needs no data) by the library's `compileSql`.
 */
import { memo, useMemo, useState, type ReactNode } from "react";
import type { TypedQuery } from "../../../src/checker/typed-ast.js";
import { compileSql, DIALECT_NAMES, type DialectName } from "../../../src/compiler/sql/index.js";

export interface SqlPaneProps {
  query: TypedQuery | null;
  /** Why there is no query (the text's first error), when there is none. */
  problem: string | null;
  dialect: DialectName;
  params: boolean;
  onDialect(d: DialectName): void;
  onParams(on: boolean): void;
  /** Shown under the SQL (the DuckDB check). */
  children?: ReactNode;
}

const DIALECT_LABELS: Record<DialectName, string> = {
  duckdb: "DuckDB",
  postgres: "PostgreSQL",
  sqlite: "SQLite",
  mysql: "MySQL",
  bigquery: "BigQuery",
  snowflake: "Snowflake",
};

export const SqlPane = memo(function SqlPane(p: SqlPaneProps) {
  const [copied, setCopied] = useState<string | null>(null);
  const compiled = useMemo(() => {
    if (!p.query) return null;
    try {
      return { ok: true as const, ...compileSql(p.query, { dialect: p.dialect, params: p.params }) };
    } catch (e) {
      return { ok: false as const, message: (e as Error).message };
    }
  }, [p.query, p.dialect, p.params]);

  const copy = async () => {
    if (!compiled?.ok) return;
    try {
      await navigator.clipboard.writeText(compiled.sql);
      setCopied("Copied");
    } catch {
      // Clipboard permission refused (or no secure context): select the text so Ctrl+C copies it.
      const pre = document.getElementById("sql-text");
      if (pre) window.getSelection()?.selectAllChildren(pre);
      setCopied("Selected: press Ctrl+C to copy");
    }
    window.setTimeout(() => setCopied(null), 2000);
  };

  return (
    <section className="pane" aria-labelledby="sql-title">
      <div className="pane-head">
        <h2 id="sql-title">SQL</h2>
        <div className="controls">
          <label>
            Dialect{" "}
            <select value={p.dialect} onChange={(e) => p.onDialect(e.target.value as DialectName)} data-testid="dialect">
              {DIALECT_NAMES.map((d) => (
                <option key={d} value={d}>
                  {DIALECT_LABELS[d]}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input type="checkbox" checked={p.params} onChange={(e) => p.onParams(e.target.checked)} data-testid="params" /> Parameters
          </label>
          <button type="button" onClick={copy} disabled={!compiled?.ok}>
            Copy SQL
          </button>
          <span role="status" className="count-muted">{copied ?? ""}</span>
        </div>
      </div>
      {compiled === null ? (
        <p className="count-muted">{p.problem ?? "Type a condition to see its SQL."}</p>
      ) : !compiled.ok ? (
        <p className="count-error">Cannot write this for {DIALECT_LABELS[p.dialect]}: {compiled.message}</p>
      ) : (
        <>
          <pre id="sql-text" className="sql" data-testid="sql" tabIndex={0} role="region" aria-label={`${DIALECT_LABELS[p.dialect]} SQL`}>
            {compiled.sql}
          </pre>
          {p.params && <Params params={compiled.params} />}
        </>
      )}
      <p className="count-muted help">Relative times read the database's clock when the SQL runs; the counts here use the “Now” of the data panel.</p>
      {p.children}
    </section>
  );
});

function Params({ params }: { params: unknown[] | Record<string, unknown> }) {
  // Positional placeholders differ by dialect ($1, ?, :1): number them; BigQuery's are named (@p1).
  const entries = Array.isArray(params) ? params.map((v, i) => [String(i + 1), v] as const) : Object.entries(params).map(([k, v]) => [`@${k}`, v] as const);
  if (entries.length === 0) return <p className="count-muted">No parameters.</p>;
  return (
    <table className="params" aria-label="Parameters">
      <thead>
        <tr>
          <th scope="col">Parameter</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <td>{k}</td>
            <td>
              <code>{JSON.stringify(v instanceof Date ? v.toISOString() : v)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
