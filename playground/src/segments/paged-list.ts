/**
 * A list the API gives a page at a time: the first page (loaded again when `deps` change), then each next
 * page appended when asked for. A next page still loading when the first page is loaded again (its list
 * changed meanwhile) or when the list goes away is stopped (`signal`): appended, it would mix two answers.
 */
import { useEffect, useRef, useState } from "react";
import { latestRead, wasStopped } from "./api.js";
import { useLoad, type Loaded } from "./ui.js";

export interface PagedList<T> {
  /** The first page's load (its error, Try again). */
  first: Loaded<{ items: T[]; next: string | null }>;
  /** The rows so far; null until the first page is in. */
  rows: T[] | null;
  /** The next page's cursor; null at the end. */
  next: string | null;
  /** The next page's load. */
  more: { loading: boolean; error: unknown };
  loadMore(): Promise<void>;
  /** Takes a row out (it was restored, deleted…: gone from the list) without reading the list again. */
  remove(key: string | number): void;
  /** Shows the list as empty, to its end (everything in it was deleted). */
  clear(): void;
}

export function usePagedList<T>(loadPage: (cursor: string | null, signal: AbortSignal) => Promise<{ items: T[]; next: string | null }>, keyOf: (row: T) => string | number, deps: readonly unknown[]): PagedList<T> {
  const first = useLoad((signal) => loadPage(null, signal), deps);
  const [rows, setRows] = useState<T[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [more, setMore] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  const shownFirst = useRef(first.data);
  const nextPage = useRef(latestRead());
  // Leaving the page stops a next page still loading.
  useEffect(() => () => nextPage.current.stop(), []);
  useEffect(() => {
    // A first page asked again makes a next page still loading another list's: stopped.
    if (first.loading) nextPage.current.stop();
  }, [first.loading]);
  useEffect(() => {
    shownFirst.current = first.data;
    if (!first.data) return;
    setRows(first.data.items);
    setNext(first.data.next);
    setMore({ loading: false, error: null });
  }, [first.data]);
  const loadMore = async () => {
    if (!next) return;
    const base = first.data;
    setMore({ loading: true, error: null });
    try {
      const page = await loadPage(next, nextPage.current.next());
      if (shownFirst.current !== base) return;
      // A row on both pages (the list moved between them) is shown once.
      setRows((r) => [...(r ?? []), ...page.items.filter((x) => !r?.some((y) => keyOf(y) === keyOf(x)))]);
      setNext(page.next);
      setMore({ loading: false, error: null });
    } catch (error) {
      if (wasStopped(error)) setMore((m) => ({ ...m, loading: false }));
      else if (shownFirst.current === base) setMore({ loading: false, error });
    }
  };
  const remove = (key: string | number) => setRows((r) => r && r.filter((x) => keyOf(x) !== key));
  const clear = () => {
    setRows([]);
    setNext(null);
  };
  return { first, rows, next, more, loadMore, remove, clear };
}
