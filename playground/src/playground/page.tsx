/**
 * The playground page: the editor on the language service, and live panes over the loaded data — the
 * count, a page of matching contacts, per-condition counts, why / why not, and the SQL — with the data
 * picker and "Check on DuckDB". The state that makes a view (text, dataset, now, dialect, parameters,
 * picked contact, sort, page) lives in the URL.
 */
import { startTransition, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { flushSync } from "react-dom";
import { check } from "../../../src/checker/index.js";
import type { TypedQuery } from "../../../src/checker/typed-ast.js";
import { parse } from "../../../src/parser/index.js";
import { parseSchema, type Schema } from "../../../src/schema/schema.js";
import { LanguageService, type ProjectInfo } from "../../../src/service/index.js";
import { builtinDataset, DEFAULT_DATASET } from "../datasets.js";
import { replaceRoute, type Route } from "../router.js";
import type { Dataset } from "../worker/evaluate.js";
import type { ConditionsResponse, DatasetInfo, EvaluateQuery, EvaluateResponse, WhyResponse } from "../worker/protocol.js";
import { ConditionsPane } from "./conditions-pane.js";
import { ContactsTable } from "./contacts-table.js";
import { CountPane } from "./count-pane.js";
import { DataClient, type Progress } from "./data-client.js";
import { DataPanel } from "./data-panel.js";
import { DuckDbCheck } from "./duckdb-check.js";
import { Editor, type EditorHandle } from "./editor.js";
import { countLocally, countsLocally, LOCAL_COUNT_TEXT_LIMIT, localDataset } from "./local-count.js";
import { recordKeystrokeTiming } from "./timings.js";
import { SqlPane } from "./sql-pane.js";
import { readState, writeState, type PlaygroundState } from "./url-state.js";
import { WhyPane } from "./why-pane.js";

const URI = "playground.segql";
const NO_KEYS: string[] = [];
const NO_COLUMNS: DatasetInfo["columns"] = [];
const NO_ROWS: Record<string, unknown>[] = [];
const PAGE_SIZE = 50;
/** How long the table waits for typing to pause before showing new rows. */
const TABLE_DELAY_MS = 120;

/** The segment a text's SQL is shown for, checked; or the first error. */
function typedQueryOf(text: string, schema: Schema | null, segment: string | null): { query: TypedQuery | null; problem: string | null } {
  if (!schema) return { query: null, problem: "Loading the schema…" };
  const parsed = parse(text);
  if (parsed.document.segments.length === 0) return { query: null, problem: "Type a condition to see its SQL." };
  const checked = check(parsed.document, schema);
  const errors = [...parsed.diagnostics, ...checked.diagnostics].filter((d) => d.severity === "error").sort((a, b) => a.span.start - b.span.start);
  if (errors.length > 0) return { query: null, problem: `Fix the text first — ${errors[0]!.span.line}:${errors[0]!.span.column}: ${errors[0]!.message}` };
  const s = checked.segments.find((x) => x.name === segment) ?? checked.segments[checked.segments.length - 1] ?? null;
  return { query: s, problem: s ? null : "Nothing to compile." };
}

export interface PlaygroundPageProps {
  route: Route;
  dark: boolean;
}

export function PlaygroundPage({ route, dark }: PlaygroundPageProps) {
  const [state, setState] = useState<PlaygroundState>(() => readState(route.params));
  const [source, setSource] = useState<string>(state.dataset);
  const [info, setInfo] = useState<DatasetInfo | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [dataVersion, setDataVersion] = useState(0);
  const [result, setResult] = useState<EvaluateResponse | null>(null);
  /** The last result that evaluated: the table and the counts stay on it while the text has errors. */
  const [good, setGood] = useState<Extract<EvaluateResponse, { ok: true }> | null>(null);
  const [conditions, setConditions] = useState<ConditionsResponse | null>(null);
  const [why, setWhy] = useState<WhyResponse | null>(null);
  const [segment, setSegment] = useState<string | null>(null);
  const editor = useRef<EditorHandle>(null);

  const client = useMemo(() => new DataClient(), []);
  useEffect(() => () => client.dispose(), [client]);

  // One language service for the page; its project's schema is the loaded dataset's.
  const schema = useMemo(() => {
    if (!info) return null;
    try {
      return parseSchema(info.schemaText, info.name);
    } catch {
      return null;
    }
  }, [info]);
  const project = useRef<ProjectInfo>({ key: "playground", schema: null });
  project.current = { key: "playground", schema };
  const service = useMemo(() => new LanguageService({ project: () => project.current }), []);

  // ---- the URL ------------------------------------------------------------------------------------------
  const stateRef = useRef(state);
  stateRef.current = state;
  useEffect(() => {
    const t = window.setTimeout(() => {
      if (source === "file") return; // a dropped file cannot be linked; keep the last linkable URL
      replaceRoute({ path: "/playground", params: writeState(state) });
    }, 250);
    return () => window.clearTimeout(t);
  }, [state, source]);
  // A link opened in this tab (back/forward, pasted URL): show its state.
  useEffect(() => {
    const next = readState(route.params);
    const cur = stateRef.current;
    if (writeState(next).toString() === writeState(cur).toString()) return;
    setState(next);
    editor.current?.setText(next.text);
    if (next.dataset !== source) setSource(next.dataset);
    // Only a change of the route drives this (not the state it compares with).
  }, [route]);

  const update = useCallback((patch: Partial<PlaygroundState>) => setState((s) => ({ ...s, ...patch })), []);

  // ---- data ---------------------------------------------------------------------------------------------
  useEffect(() => {
    if (source === "file") return;
    const d = builtinDataset(source) ?? DEFAULT_DATASET;
    let cancelled = false;
    setLoadError(null);
    setProgress({ phase: `Loading ${d.label}`, done: 0, total: null });
    client
      .loadBuiltin(d, (p) => !cancelled && setProgress(p))
      .then((i) => {
        if (cancelled) return;
        setInfo(i);
        setProgress(null);
        setDataVersion((v) => v + 1);
      })
      .catch((e: Error) => {
        if (cancelled) return;
        setProgress(null);
        setLoadError(e.message);
      });
    return () => {
      cancelled = true;
    };
  }, [source, client]);

  const onBuiltin = (id: string) => {
    const d = builtinDataset(id);
    if (!d) return;
    const cur = stateRef.current;
    const sameSchema = builtinDataset(cur.dataset)?.files.schema === d.files.schema;
    // A new dataset: its own now and example (unless the text was written for the same fields).
    const patch: Partial<PlaygroundState> = { dataset: d.id, now: d.now, contact: null, sort: null, page: 0 };
    if (!sameSchema) {
      patch.text = d.example;
      editor.current?.setText(d.example);
    }
    update(patch);
    setSource(d.id);
  };

  const onFiles = (contacts: File, events: File | null, schemaFile: File | null) => {
    setSource("file");
    setLoadError(null);
    setProgress({ phase: `Reading ${contacts.name}`, done: 0, total: contacts.size });
    client
      .loadFiles(contacts, events, schemaFile, setProgress)
      .then((i) => {
        setInfo(i);
        setProgress(null);
        update({ contact: null, sort: null, page: 0, now: new Date().toISOString().slice(0, 19) + "Z" });
        setDataVersion((v) => v + 1);
      })
      .catch((e: Error) => {
        setProgress(null);
        setLoadError(e.message);
      });
  };

  // ---- evaluation ---------------------------------------------------------------------------------------
  const lastKeystroke = useRef<{ text: string; at: number; keyAt: number | null } | null>(null);
  const keystrokeOf = useRef(new Map<number, { at: number; keyAt: number | null }>());
  const query: EvaluateQuery = useMemo(
    () => ({ text: state.text, segment, now: state.now, sort: state.sort, page: state.page, pageSize: PAGE_SIZE, contact: state.contact }),
    [state.text, segment, state.now, state.sort, state.page, state.contact],
  );
  const queryRef = useRef(query);
  queryRef.current = query;

  useEffect(() => {
    // The count first, on its own commit. The table follows once results stop coming for a moment
    // (laying out a page of rows costs more than everything else a keystroke does), as a transition
    // React may interrupt; the per-condition counts come later anyway.
    let tableTimer = 0;
    client.onEvaluation({
      evaluated: (r) => {
        // The count is committed at once, in this message's task (not a task later).
        flushSync(() => setResult(r));
        if (!r.ok) return;
        window.clearTimeout(tableTimer);
        tableTimer = window.setTimeout(() => startTransition(() => setGood(r)), TABLE_DELAY_MS);
      },
      conditions: (c) => startTransition(() => setConditions(c)),
      why: setWhy,
    });
  }, [client]);

  // Sends an evaluation unless the same one (same query, same data) was the last sent; returns its id,
  // or null when nothing was sent.
  const lastSent = useRef("");
  const dataVersionRef = useRef(dataVersion);
  dataVersionRef.current = dataVersion;
  const send = useCallback(
    (q: EvaluateQuery): number | null => {
      if (dataVersionRef.current === 0) return null;
      const key = `${dataVersionRef.current}\u0000${JSON.stringify(q)}`;
      if (key === lastSent.current) return null;
      lastSent.current = key;
      const id = client.evaluate(q);
      const k = lastKeystroke.current;
      if (k && k.text === q.text) {
        keystrokeOf.current.set(id, { at: k.at, keyAt: k.keyAt });
        lastKeystroke.current = null;
      }
      return id;
    },
    [client],
  );

  // A small dataset is also counted on this thread as the user types (local-count.ts says why); this is
  // the page's copy of it, for the data version it was taken from.
  const local = useRef<{ version: number; dataset: Dataset } | null>(null);
  useEffect(() => {
    local.current = null;
    if (dataVersion === 0 || !info || !schema || !countsLocally(info)) return;
    let cancelled = false;
    client
      .datasetCopy()
      .then((copy) => {
        if (!cancelled && copy) local.current = { version: dataVersion, dataset: localDataset(info, schema, copy) };
      })
      .catch(() => {
        // No copy: the worker's count alone is shown, as for large datasets.
      });
    return () => {
      cancelled = true;
    };
  }, [client, dataVersion, info, schema]);

  // Everything but typing (which sends at once, below) evaluates through this effect.
  useEffect(() => {
    send(queryRef.current);
  }, [send, dataVersion, query.text, query.segment, query.now, query.sort, query.page]);

  useEffect(() => {
    if (dataVersion === 0) return;
    if (state.contact !== null) client.why(queryRef.current);
    else setWhy(null);
  }, [client, dataVersion, state.contact]);

  const onShown = useCallback((r: EvaluateResponse) => {
    const k = keystrokeOf.current.get(r.id);
    if (k === undefined) return;
    keystrokeOf.current.delete(r.id);
    const now = performance.now();
    recordKeystrokeTiming(now - k.at, r.ok ? r.evalMs : null, k.keyAt === null ? null : now - k.keyAt);
  }, []);

  const onChange = useCallback(
    (text: string, at: number, byUser: boolean, keyAt: number | null) => {
      lastKeystroke.current = { text, at, keyAt };
      update({ text, page: 0 });
      // Straight to the worker, without waiting for React to render and run effects (a frame later).
      const q = { ...queryRef.current, text, page: 0 };
      const id = send(q);
      // A small dataset's count is committed now, in the keystroke's task, before the frame that shows the
      // typed character (the worker's answer, with the rows, lands a frame later and replaces it). Only
      // for the user's own edits: a programmatic change may come from inside React's effects, where
      // flushSync cannot commit. And only for a text short enough to parse well inside a frame.
      const l = local.current;
      if (id !== null && byUser && l && l.version === dataVersionRef.current && text.length <= LOCAL_COUNT_TEXT_LIMIT) {
        let r: EvaluateResponse | null = null;
        try {
          r = countLocally(l.dataset, id, q);
        } catch {
          // A bug in evaluation: the worker's answer to the same request says so where the count goes.
        }
        if (r) {
          const shown = r;
          flushSync(() => setResult(shown));
        }
      }
    },
    [update, send],
  );

  const onCursor = useCallback(
    (pos: number) => {
      const symbols = service.symbols(URI);
      const inside = symbols.find((s) => s.from <= pos && pos <= s.to) ?? symbols[symbols.length - 1];
      setSegment(inside?.name ?? null);
    },
    [service],
  );

  // The SQL follows the text at a lower priority than typing (compiling and formatting SQL takes a while).
  const deferredText = useDeferredValue(state.text);
  const sql = useMemo(() => typedQueryOf(deferredText, schema, segment), [deferredText, schema, segment]);
  const onNow = useCallback((now: string) => update({ now }), [update]);
  const onSelect = useCallback((from: number, to: number) => editor.current?.select(from, to), []);
  const onDialect = useCallback((dialect: PlaygroundState["dialect"]) => update({ dialect }), [update]);
  const onParams = useCallback((params: boolean) => update({ params }), [update]);
  const onPick = useCallback((contact: string | null) => update({ contact }), [update]);
  const onSort = useCallback((sort: PlaygroundState["sort"]) => update({ sort, page: 0 }), [update]);
  const onPage = useCallback((page: number) => update({ page }), [update]);
  const total = result?.total ?? info?.contacts ?? 0;
  const stale = result !== null && !result.ok && good !== null;
  const rows = good?.rows ?? NO_ROWS;
  const count = good?.count ?? 0;

  return (
    <div className="playground">
      {/* The page's title for screen readers and their list of headings (the panes are its h2s); seen, the header says it. */}
      <h1 className="visually-hidden">Playground</h1>
      <div className="column">
        <DataPanel
          source={source}
          info={info}
          progress={progress}
          error={loadError}
          now={state.now}
          onBuiltin={onBuiltin}
          onFiles={onFiles}
          onNow={onNow}
        />
        <section className="pane editor-pane" aria-labelledby="editor-title">
          <div className="pane-head">
            <h2 id="editor-title">Condition</h2>
            <div className="controls">
              <button type="button" onClick={() => editor.current?.format()} title="Format (Shift-Alt-F)" data-testid="format">
                Format
              </button>
            </div>
          </div>
          <Editor ref={editor} initialText={state.text} schema={schema} service={service} uri={URI} dark={dark} onChange={onChange} onCursor={onCursor} />
          <p id="editor-help" className="count-muted help">
            Ctrl-Space completes · Shift-Alt-F formats · Ctrl-/ toggles a comment · Ctrl-Shift-[ folds · Ctrl-Shift-M lists the problems (a fix's
            underlined letter applies it) · Esc then Tab leaves the editor
          </p>
          <CountPane result={result} loading={dataVersion === 0} onShown={onShown} />
        </section>
        <ConditionsPane conditions={conditions} total={total} stale={stale} onSelect={onSelect} />
      </div>
      <div className="column">
        <SqlPane query={sql.query} problem={sql.problem} dialect={state.dialect} params={state.params} onDialect={onDialect} onParams={onParams}>
          <DuckDbCheck client={client} schema={schema} ready={sql.query !== null} evaluate={query} dataVersion={dataVersion} />
        </SqlPane>
        <WhyPane picked={state.contact} why={why} sampleKeys={info?.sampleKeys ?? NO_KEYS} keyField={info?.key ?? "key"} onPick={onPick} />
      </div>
      <div className="wide">
        <ContactsTable
          columns={info?.columns ?? NO_COLUMNS}
          keyField={info?.key ?? ""}
          rows={rows}
          count={count}
          page={state.page}
          pageSize={PAGE_SIZE}
          sort={state.sort}
          picked={state.contact}
          stale={stale}
          text={good?.text ?? ""}
          onSort={onSort}
          onPage={onPage}
          onPick={onPick}
        />
      </div>
    </div>
  );
}
