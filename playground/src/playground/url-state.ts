/**
 * The playground's state in the URL, so a link reproduces the view: the text, the dataset, `now`, the SQL
 * dialect and parameter mode, the picked contact, the sort and the page. Unknown or bad values fall back to
 * defaults (a link from an older or newer version still opens).
 */
import { DIALECT_NAMES, type DialectName } from "../../../src/compiler/sql/index.js";
import { builtinDataset, DEFAULT_DATASET } from "../datasets.js";
import type { BuiltinId } from "../worker/protocol.js";

/** What the URL holds. */
export interface PlaygroundState {
  text: string;
  /** A built-in dataset; a file the user dropped cannot be in a URL (the view says so). */
  dataset: BuiltinId;
  now: string;
  dialect: DialectName;
  params: boolean;
  contact: string | null;
  sort: { field: string; descending: boolean } | null;
  page: number;
}

/** The state a first visit opens with. */
export function defaultState(dataset = DEFAULT_DATASET.id): PlaygroundState {
  const d = builtinDataset(dataset) ?? DEFAULT_DATASET;
  return { text: d.example, dataset: d.id, now: d.now, dialect: "duckdb", params: false, contact: null, sort: null, page: 0 };
}

/** Reads the state from a route's parameters. */
export function readState(params: URLSearchParams): PlaygroundState {
  const d = builtinDataset(params.get("dataset")) ?? DEFAULT_DATASET;
  const base = defaultState(d.id);
  const text = params.get("text");
  const now = params.get("now");
  const dialect = params.get("dialect");
  const sort = params.get("sort");
  const page = Number(params.get("page"));
  const m = sort ? /^(.+)\.(asc|desc)$/.exec(sort) : null;
  return {
    text: text ?? base.text,
    dataset: d.id,
    now: now && !Number.isNaN(Date.parse(now)) ? now : base.now,
    dialect: DIALECT_NAMES.includes(dialect as DialectName) ? (dialect as DialectName) : base.dialect,
    params: params.get("params") === "1",
    contact: params.get("contact") || null,
    sort: m ? { field: m[1]!, descending: m[2] === "desc" } : null,
    page: Number.isInteger(page) && page >= 0 ? page : 0,
  };
}

/** Writes the state into route parameters (defaults left out, so links stay short). */
export function writeState(s: PlaygroundState): URLSearchParams {
  const p = new URLSearchParams();
  p.set("dataset", s.dataset);
  p.set("text", s.text);
  const d = builtinDataset(s.dataset);
  if (s.now !== d?.now) p.set("now", s.now);
  if (s.dialect !== "duckdb") p.set("dialect", s.dialect);
  if (s.params) p.set("params", "1");
  if (s.contact) p.set("contact", s.contact);
  if (s.sort) p.set("sort", `${s.sort.field}.${s.sort.descending ? "desc" : "asc"}`);
  if (s.page > 0) p.set("page", String(s.page));
  return p;
}
