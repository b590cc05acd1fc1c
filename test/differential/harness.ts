/**
 * Differential testing support: the in-memory predicate's membership is the reference; every executed
 * engine must return exactly the same keys for the SQL `compileSql` writes, inlined and parameterised
 * (plus the `count` form, and the `where` form compiled with a `tableAlias` and embedded in a hand-written
 * SELECT over the aliased contacts table).
 *
 * A mismatch becomes a report with the expression, `now`, both answers (which keys differ), the contacts
 * involved with their events, and the SQL with its parameters.
 */
import { compilePredicate, groupEvents } from "../../src/compiler/predicate/index.js";
import { compileSql } from "../../src/compiler/sql/index.js";
import { toDay, toInstant } from "../../src/compiler/predicate/runtime.js";
import { parseTimestamp } from "../../src/checker/time.js";
import type { TypedQuery } from "../../src/checker/typed-ast.js";
import type { Schema } from "../../src/schema/schema.js";
import { afterAll, beforeAll } from "vitest";
import { openEngine, unavailable, type Engine, type EngineName, type EngineOptions } from "../engines/index.js";

/** Contacts and events as loaded into the engines and handed to the predicate. */
export interface Dataset {
  schema: Schema;
  contacts: Record<string, unknown>[];
  events: Record<string, unknown>[];
}

/** The predicate's view of a dataset: contacts with their events grouped by key. */
export interface PreparedDataset extends Dataset {
  byKey: Map<string, Record<string, unknown>[]>;
}

/**
 * Makes generated data loadable as it is into typed columns, changing the predicate's data the same way:
 * a property stored in its own (typed) column cannot hold a value of another JSON type (the generators
 * sometimes write `sku: 42`), so such a value becomes null on both sides. Mistyped properties inside the
 * JSON properties column are kept: the SQL must treat them as empty, like the predicate.
 */
export function prepareDataset(ds: Dataset): PreparedDataset {
  const ev = ds.schema.events;
  let events = ds.events;
  if (ev) {
    const own = Object.values(ev.properties).filter((p) => p.ownColumn);
    events = ds.events.map((row) => {
      let out = row;
      for (const p of own) {
        const v = row[p.column];
        if (v !== null && v !== undefined && !fitsType(p.type, v)) out = { ...out, [p.column]: null };
      }
      return out;
    });
  }
  return { ...ds, events, byKey: ev ? groupEvents(events, ev.contactKey) : new Map() };
}

function fitsType(type: string, v: unknown): boolean {
  switch (type) {
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return typeof v === "boolean";
    case "list":
      return Array.isArray(v) && v.every((x) => typeof x === "string");
    // A time the predicate reads (years 1-9999), in a form the loaders write into a typed column
    // (fractional epoch ms and bare dates do not fit one).
    case "timestamp":
      return !Number.isNaN(toInstant(v)) && (typeof v === "number" ? Number.isInteger(v) : typeof v !== "string" || "ms" in parseTimestamp(v));
    case "date":
      return typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(toDay(v));
    default:
      return typeof v === "string";
  }
}

/** Code-unit order, the same on both sides. */
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The keys the predicate selects, sorted (`timeZone`: the evaluation zone, default the schema's, else UTC). */
export function predicateKeys(query: TypedQuery, ds: PreparedDataset, now: string, timeZone?: string): string[] {
  const pred = compilePredicate(query, { now, ...(timeZone !== undefined ? { timeZone } : {}) });
  const key = ds.schema.key;
  const keyField = Object.values(ds.schema.fields).find((f) => f.column === key);
  const keyName = keyField?.name ?? key;
  const out: string[] = [];
  for (const c of ds.contacts) {
    const k = String(c[keyName]);
    if (pred(c, ds.byKey.get(k) ?? [])) out.push(k);
  }
  return out.sort(byCodeUnit);
}

/** One way of running a query on an engine. */
export type Mode = "inline" | "params" | "count" | "where";

/** A disagreement between the predicate and an engine (or a failure to compile/execute). */
export interface Mismatch {
  engine: string;
  mode: Mode;
  sql: string;
  params: unknown;
  expected: string[];
  /** Keys returned (sorted), or the count for `count`. */
  got: string[] | number | null;
  error?: string;
}

/** Quotes an identifier for a hand-written query around the `where` form. */
export function quoteIdent(engine: Engine, name: string): string {
  return engine.dialect === "mysql" ? "`" + name.replace(/`/g, "``") + "`" : `"${name.replace(/"/g, '""')}"`;
}

/** Compiled SQL, memoised per (dialect, form, params, pretty, now, text): pglite and the server share postgres SQL. */
const compiled = new Map<string, { sql: string; params: unknown }>();

/**
 * The alias the contacts table gets around a `where` condition (`tableAlias`), so event conditions and
 * references must refer to the outer row by it rather than by the table's name.
 */
export const WHERE_ALIAS = "c o";

function compile(query: TypedQuery, cacheKey: string | undefined, dialect: Engine["dialect"], form: "select" | "count" | "where", params: boolean, pretty: boolean, now: string, timeZone: string | undefined) {
  const k = cacheKey === undefined ? null : `${dialect}\u0000${form}\u0000${params}\u0000${pretty}\u0000${now}\u0000${timeZone ?? ""}\u0000${cacheKey}`;
  let hit = k === null ? undefined : compiled.get(k);
  if (!hit) {
    if (compiled.size > 20_000) compiled.clear();
    const r = compileSql(query, { dialect, form, params, now, pretty, ...(form === "where" ? { tableAlias: WHERE_ALIAS } : {}), ...(timeZone !== undefined ? { timeZone } : {}) });
    hit = { sql: r.sql, params: r.params };
    if (k !== null) compiled.set(k, hit);
  }
  return hit;
}

/** Options of `checkQuery`. */
export interface CheckOptions {
  /** The modes to run (default: all four). */
  modes?: readonly Mode[];
  /**
   * Modes compiled with the default laid-out output (`pretty`, src/compiler/sql/layout.ts); the others are compiled on one line
   * (`pretty: false`), which is 15x faster to produce. Default: all modes pretty.
   */
  prettyModes?: readonly Mode[];
  /** A key for memoising the compiled SQL (the expression text); none: no memo. */
  cacheKey?: string;
  /** The evaluation time zone (`compileSql`'s `timeZone`; default the schema's, else UTC). */
  timeZone?: string;
}

/**
 * Runs one checked query on an engine in every mode and returns the disagreements with `expected`
 * (the predicate's sorted keys). An engine returning a key twice is a disagreement too.
 */
export async function checkQuery(engine: Engine, query: TypedQuery, ds: Dataset, expected: string[], now: string, options: CheckOptions = {}): Promise<Mismatch[]> {
  const modes = options.modes ?? ["inline", "params", "count", "where"];
  const out: Mismatch[] = [];
  for (const mode of modes) {
    let sql = "";
    let params: unknown = [];
    try {
      const form = mode === "count" ? "count" : mode === "where" ? "where" : "select";
      const pretty = options.prettyModes ? options.prettyModes.includes(mode) : true;
      const c = compile(query, options.cacheKey, engine.dialect, form, mode === "params", pretty, now, options.timeZone);
      sql = c.sql;
      params = c.params;
      if (mode === "where") {
        const alias = quoteIdent(engine, WHERE_ALIAS);
        sql = `SELECT ${alias}.${quoteIdent(engine, ds.schema.key)} FROM ${quoteIdent(engine, ds.schema.table)} AS ${alias} WHERE ${sql}`;
      }
      const bound = Array.isArray(params) ? params : [];
      if (mode === "count") {
        const rows = await engine.keys(sql, bound);
        const n = rows.length === 1 ? Number(rows[0]) : NaN;
        if (n !== expected.length) out.push({ engine: engine.name, mode, sql, params, expected, got: rows.length === 1 ? n : null, error: rows.length === 1 ? undefined : `expected one row, got ${rows.length}` });
      } else {
        const got = (await engine.keys(sql, bound)).sort(byCodeUnit);
        if (got.length !== expected.length || got.some((k, i) => k !== expected[i])) out.push({ engine: engine.name, mode, sql, params, expected, got });
      }
    } catch (e) {
      out.push({ engine: engine.name, mode, sql, params, expected, got: null, error: (e as Error).message });
    }
  }
  return out;
}

const MAX_CONTACTS_SHOWN = 6;

/** A readable report of mismatches for one expression. */
export function describeMismatches(text: string, now: string, ds: PreparedDataset, mismatches: Mismatch[], note = ""): string {
  const lines: string[] = [];
  const keyField = Object.values(ds.schema.fields).find((f) => f.column === ds.schema.key);
  const keyName = keyField?.name ?? ds.schema.key;
  lines.push(`expression: ${text}`);
  if (note) lines.push(note);
  lines.push(`now: ${now}`, `table: ${ds.contacts.length} contacts, ${ds.events.length} events`);
  const involved = new Set<string>();
  for (const m of mismatches) {
    lines.push("", `── ${m.engine}, ${m.mode}${m.error ? `: ERROR ${m.error}` : ""}`);
    lines.push(`predicate (${m.expected.length}): ${JSON.stringify(m.expected)}`);
    if (Array.isArray(m.got)) {
      const exp = new Set(m.expected);
      const got = new Set(m.got);
      const onlyPred = m.expected.filter((k) => !got.has(k));
      const onlyEngine = m.got.filter((k) => !exp.has(k));
      lines.push(`engine    (${m.got.length}): ${JSON.stringify(m.got)}`);
      lines.push(`only in predicate: ${JSON.stringify(onlyPred)}   only in engine: ${JSON.stringify(onlyEngine)}${got.size !== m.got.length ? "   (engine returned duplicates)" : ""}`);
      [...onlyPred, ...onlyEngine].forEach((k) => involved.add(k));
    } else if (typeof m.got === "number") lines.push(`engine count: ${m.got}`);
    lines.push("SQL:", m.sql);
    if (Array.isArray(m.params) ? m.params.length > 0 : m.params && Object.keys(m.params as object).length > 0) lines.push(`params: ${JSON.stringify(m.params)}`);
  }
  const shown = (involved.size > 0 ? ds.contacts.filter((c) => involved.has(String(c[keyName]))) : ds.contacts).slice(0, MAX_CONTACTS_SHOWN);
  lines.push("", involved.size > 0 ? "contacts that differ, with their events:" : `contacts (first ${shown.length}), with their events:`);
  for (const c of shown) {
    lines.push(`  ${JSON.stringify(c)}`);
    for (const e of ds.byKey.get(String(c[keyName])) ?? []) lines.push(`      event ${JSON.stringify(e)}`);
  }
  return lines.join("\n");
}

/**
 * The engines of a file (or suite) whose per-engine suites run at the same time (`{ concurrent: true }`),
 * opened one after the other before any of those suites starts, and closed after them all: a connection
 * made while the other suites load tables waits on a busy thread, and MariaDB's driver gave up after its
 * 10 s connect timeout on a loaded machine. Call it where `beforeAll` may be called; unavailable engines
 * are left out.
 */
export function enginesOpenedFirst(names: readonly EngineName[], options: EngineOptions = {}): Map<EngineName, Engine> {
  const engines = new Map<EngineName, Engine>();
  beforeAll(async () => {
    for (const name of names) if (unavailable(name) === null) engines.set(name, await openEngine(name, options));
  }, 120_000);
  afterAll(async () => {
    const open = [...engines.values()];
    engines.clear();
    for (const e of open) await e.close();
  });
  return engines;
}
