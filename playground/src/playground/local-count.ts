/**
 * The count of a small dataset on the page's own thread, in the keystroke's task.
 *
 * Why: the data worker answers in ~1.5 ms on Telco, but Chromium runs the frame that follows a keystroke
 * (CodeMirror's measure, layout, paint, commit: ~6 ms) and the remaining input events before it
 * delivers the worker's message, so a worker's count always lands after that frame — about 17 ms after
 * the keystroke, a frame late. Counting a dataset this small here (same `prepare` and `matchAll` as the
 * worker, so the same semantics and the same count) puts the count in the DOM before that frame. Larger
 * datasets (or many events) stay in the worker only, so typing never waits on them; the worker still
 * computes the rows, per-condition counts and why / why not for every dataset.
 */
import type { Schema } from "../../../src/schema/schema.js";
import { makeDataset, matchAll, prepare, type Dataset } from "../worker/evaluate.js";
import type { DatasetCopy, DatasetInfo, EvaluateQuery, EvaluateResponse } from "../worker/protocol.js";

/**
 * Up to how many contacts plus events the page counts on its own thread. Telco (7,043 contacts) counts in
 * ~1.5 ms; at this size a count stays within a few ms on a slow machine, well inside one frame.
 */
export const LOCAL_COUNT_LIMIT = 20_000;

/**
 * Up to how long a text the page counts on its own thread. Parsing, checking and compiling a text costs
 * about 1 ms per KB (a 50 KB `or` of 3,000 conditions took ~75 ms of every keystroke, before the frame
 * that shows the key); a longer text is counted by the worker alone, its count a frame later.
 */
export const LOCAL_COUNT_TEXT_LIMIT = 4_000;

/** True when the page should keep its own copy of a dataset to count it. */
export function countsLocally(info: DatasetInfo): boolean {
  return info.contacts + info.events <= LOCAL_COUNT_LIMIT;
}

/** The page's copy of a small dataset. */
export function localDataset(info: DatasetInfo, schema: Schema, copy: DatasetCopy): Dataset {
  return makeDataset({
    name: info.name,
    schema,
    schemaText: info.schemaText,
    inferred: info.inferred,
    notes: info.notes,
    contacts: copy.contacts,
    events: copy.events,
    eventCount: copy.eventCount,
    ignored: info.ignored,
  });
}

/**
 * The count (no rows: the worker's answer to the same request brings them) of a query, as the worker's
 * answer `id` would give it.
 */
export function countLocally(dataset: Dataset, id: number, q: EvaluateQuery): EvaluateResponse {
  const start = performance.now();
  const prepared = prepare(dataset, q);
  const total = dataset.contacts.length;
  if (!prepared.ok) return { type: "evaluated", id, ok: false, text: q.text, message: prepared.message, total };
  const { count } = matchAll(dataset, prepared.predicate);
  return { type: "evaluated", id, ok: true, text: q.text, segment: prepared.segment, count, total, rows: [], evalMs: performance.now() - start };
}
