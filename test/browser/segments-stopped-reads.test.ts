/**
 * The web app stops the reads nobody waits for any more (real headless Chromium against `segql serve` over
 * the demo, DuckDB): a search typed on stops the search before it (the Contacts page, a segment's member
 * search, the segments table's search, the static list's picker), a page left while it loads stops its
 * reads, and a preview still running when the text changes is stopped. The server stops a read whose client went away (docs/api.md, "What bounds each request"): before,
 * the app never went away, and every superseded search ran on to its end or the time limit.
 *
 * The server's reads are held here until the test lets them go (the store's method wrapped: a slow
 * statement without a clock), so each search is seen arriving, then seen stopped: its request aborted in
 * the browser (`requestfailed`) and, for the reads the server stops, the statement's signal aborted and the
 * read ended as cancelled. What the page shows is then the last search's answer, with no error or toast.
 */
import type { Page, Request } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.js";
import { hasChromium, skipReason } from "./harness.js";
import { closeSegmentsSession, openNew, openSegments, openSegmentsSession, typeText, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

/** A read of the store held by the test: what it asked, its signal (the client going away), how it ended. */
interface HeldRead {
  search: string | undefined;
  signal: AbortSignal | undefined;
  /** "answered", or the name of the error that ended it ("CancelledError": the server stopped it). */
  ended: Promise<string>;
  release(): void;
}

/**
 * Holds every call of `store[method]` whose options have a `search` until `release()` or its signal aborts
 * (the server stopping it: the wrapped read then runs with that signal, and stops as a slow one would).
 * `restore()` lets every held read go and puts the method back (the test's own reads are then not held).
 */
function holdSearches(store: Store, method: "listContacts" | "listSegments"): { held: HeldRead[]; restore(): void } {
  return holdReads(store, method, (options: { search?: string; signal?: AbortSignal } = {}) => (options.search ? { search: options.search, signal: options.signal } : null));
}

/** Holds every preview (`store.preview(expression, options)`) as `holdSearches` holds searches; `search` is its expression. */
function holdPreviews(store: Store): { held: HeldRead[]; restore(): void } {
  return holdReads(store, "preview", (expression: string, options: { signal?: AbortSignal } = {}) => ({ search: expression, signal: options.signal }));
}

/** Holds the calls of `store[method]` that `which` picks (it says what they ask and their signal). */
function holdReads<A extends unknown[]>(store: Store, method: string, which: (...args: A) => { search: string; signal: AbortSignal | undefined } | null): { held: HeldRead[]; restore(): void } {
  const held: HeldRead[] = [];
  const target = store as unknown as Record<string, (...args: A) => Promise<unknown>>;
  const original = target[method]!;
  target[method] = function (this: unknown, ...args: A) {
    const asked = which(...args);
    if (!asked) return original.apply(store, args);
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
      if (asked.signal?.aborted) resolve();
      asked.signal?.addEventListener("abort", () => resolve(), { once: true });
    });
    const answer = gate.then(() => original.apply(store, args));
    held.push({ search: asked.search, signal: asked.signal, ended: answer.then(() => "answered", (e: unknown) => (e as Error).constructor.name), release });
    return answer;
  };
  return {
    held,
    restore: () => {
      target[method] = original;
      held.forEach((r) => r.release());
    },
  };
}

/** The requests of the page whose address matches, failed ones (aborted: `net::ERR_ABORTED`) apart. */
function watchRequests(page: Page, url: RegExp): { asked: string[]; aborted: string[]; stop(): void } {
  const asked: string[] = [];
  const aborted: string[] = [];
  const onRequest = (r: Request) => void (url.test(r.url()) && asked.push(r.url()));
  const onFailed = (r: Request) => void (url.test(r.url()) && aborted.push(`${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("request", onRequest);
  page.on("requestfailed", onFailed);
  return {
    asked,
    aborted,
    stop: () => {
      page.off("request", onRequest);
      page.off("requestfailed", onFailed);
    },
  };
}

/** `search=Fib` in an address, decoded. */
const searchOf = (url: string) => new URL(url).searchParams.get("search");

describe.skipIf(!hasChromium)(`segments web app: reads nobody waits for are stopped (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
  });
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  afterAll(() => closeSegmentsSession(session));

  /** Types the searches one after the other, each once the server has it (so each is sent, none only typed over). */
  async function typeSearches(testId: string, texts: string[], held: HeldRead[]): Promise<void> {
    const before = held.length;
    for (const [i, text] of texts.entries()) {
      await page.getByTestId(testId).fill(text);
      await expect.poll(() => held.length, { timeout: 15_000 }).toBe(before + i + 1);
      expect(held[before + i]!.search).toBe(text);
    }
  }

  /** Nothing of a stopped read is said: no alert, no toast, no "could not be loaded". */
  async function expectNothingSaid(): Promise<void> {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(await page.locator(".toast").count()).toBe(0);
    expect(await page.textContent("body")).not.toMatch(/cancelled|could not be loaded|did not answer|stopped/i);
  }

  it("a contact search typed on stops the searches before it, on the server too, and shows the last one's contacts", async () => {
    await page.goto(`${server.url}#/contacts`);
    await page.getByTestId("contacts-table").waitFor({ timeout: 15_000 });
    const hold = holdSearches(server.store, "listContacts");
    cleanups.push(hold.restore);
    const requests = watchRequests(page, /\/api\/contacts\?.*search=/);
    cleanups.push(requests.stop);
    await typeSearches("contacts-search", ["Fi", "Fib", "Fiber"], hold.held);
    const [first, second, last] = hold.held;
    // The two superseded searches: their requests aborted, their statements stopped by the server.
    await expect.poll(() => requests.aborted.length, { timeout: 15_000 }).toBe(2);
    expect(requests.aborted.map(searchOf)).toEqual(["Fi", "Fib"]);
    expect(requests.aborted.every((r) => r.includes("ERR_ABORTED"))).toBe(true);
    expect(first!.signal?.aborted).toBe(true);
    expect(second!.signal?.aborted).toBe(true);
    expect(await first!.ended).toBe("CancelledError");
    expect(await second!.ended).toBe("CancelledError");
    expect(last!.signal?.aborted).toBe(false);
    last!.release();
    expect(await last!.ended).toBe("answered");
    hold.restore();
    const fiber = await server.store.listContacts({ search: "Fiber", limit: 25 });
    await expect.poll(() => page.getByTestId("contacts-count").textContent(), { timeout: 15_000 }).toBe(`${fiber.total.toLocaleString("en-US")} contacts found`);
    const keys = await page.getByTestId("contacts-table").locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));
    expect(keys).toEqual(fiber.items.map((c) => String(c["customer_id"])));
    expect(requests.asked.map(searchOf)).toEqual(["Fi", "Fib", "Fiber"]);
    await expectNothingSaid();
  });

  it("a member search typed on stops the one before it", async () => {
    const segment = (await server.store.listSegments({ limit: 1000 })).items.find((s) => s.kind === "dynamic" && s.memberCount > 100)!;
    await page.goto(`${server.url}#/segments/${segment.id}`);
    await page.getByTestId("members-table").waitFor({ timeout: 15_000 });
    const hold = holdSearches(server.store, "listContacts");
    cleanups.push(hold.restore);
    const requests = watchRequests(page, /\/members\?.*search=/);
    cleanups.push(requests.stop);
    await typeSearches("member-search", ["Ma", "Male"], hold.held);
    await expect.poll(() => requests.aborted.map(searchOf), { timeout: 15_000 }).toEqual(["Ma"]);
    expect(hold.held[0]!.signal?.aborted).toBe(true);
    expect(await hold.held[0]!.ended).toBe("CancelledError");
    expect(hold.held[1]!.signal?.aborted).toBe(false);
    hold.restore();
    const male = await server.store.listContacts({ segmentId: segment.id, search: "Male", limit: 25 });
    await expect.poll(() => page.getByTestId("members-total").textContent(), { timeout: 15_000 }).toContain(male.total.toLocaleString("en-US"));
    await expectNothingSaid();
  });

  it("the segments table's search typed on aborts the request before it", async () => {
    await openSegments(page, server.url);
    // The browser aborts the superseded request (seen here); the server stops its read too (test/server/stopped-segment-lists.test.ts).
    const hold = holdSearches(server.store, "listSegments");
    cleanups.push(hold.restore);
    const requests = watchRequests(page, /\/api\/segments\?.*search=/);
    cleanups.push(requests.stop);
    await typeSearches("segment-search", ["Fi", "Fiber"], hold.held);
    await expect.poll(() => requests.aborted.map(searchOf), { timeout: 15_000 }).toEqual(["Fi"]);
    hold.restore();
    const churn = (await server.store.listSegments({ search: "Fiber", limit: 1000 })).items.map((s) => s.name);
    expect(churn.length).toBeGreaterThan(0);
    await expect
      .poll(async () => (await page.getByTestId("segments-table").locator("tbody tr").count()) === churn.length && (await page.getByTestId("segments-table").textContent())!.includes(churn[0]!), { timeout: 15_000 })
      .toBe(true);
    await expectNothingSaid();
  });

  it("a page left while it loads stops its reads and says nothing of them on the next page", async () => {
    const hold = holdSearches(server.store, "listContacts");
    cleanups.push(hold.restore);
    const requests = watchRequests(page, /\/api\/contacts\?.*search=/);
    cleanups.push(requests.stop);
    // The Contacts page opened with a search in its address: its first read is held.
    await page.goto(`${server.url}#/contacts?search=Fiber`);
    await expect.poll(() => hold.held.length, { timeout: 15_000 }).toBe(1);
    await page.getByRole("link", { name: "Segments", exact: true }).first().click();
    await page.getByTestId("segments-table").waitFor({ timeout: 15_000 });
    await expect.poll(() => requests.aborted.map(searchOf), { timeout: 15_000 }).toEqual(["Fiber"]);
    expect(hold.held[0]!.signal?.aborted).toBe(true);
    expect(await hold.held[0]!.ended).toBe("CancelledError");
    await expectNothingSaid();
  });

  it("the static list's picker: a search typed on stops the one before it", async () => {
    await openNew(page, server.url);
    await page.getByTestId("dynamic-switch").click();
    await page.getByTestId("picker-table").locator("tbody tr").first().waitFor({ timeout: 15_000 });
    const hold = holdSearches(server.store, "listContacts");
    cleanups.push(hold.restore);
    const requests = watchRequests(page, /\/api\/contacts\?.*search=/);
    cleanups.push(requests.stop);
    await typeSearches("picker-search", ["Two", "Two year"], hold.held);
    await expect.poll(() => requests.aborted.map(searchOf), { timeout: 15_000 }).toEqual(["Two"]);
    expect(await hold.held[0]!.ended).toBe("CancelledError");
    hold.restore();
    const found = await server.store.listContacts({ search: "Two year", limit: 20 });
    await expect.poll(() => page.getByTestId("picker-count").textContent(), { timeout: 15_000 }).toBe(`${found.total.toLocaleString("en-US")} contacts found`);
    await expectNothingSaid();
  });

  it("a preview still running when the text changes is stopped, and the form says nothing of it", async () => {
    await openNew(page, server.url);
    await typeText(page, "tenure > 60");
    const hold = holdPreviews(server.store);
    cleanups.push(hold.restore);
    const requests = watchRequests(page, /\/api\/preview$/);
    cleanups.push(requests.stop);
    await page.getByTestId("preview-button").click();
    await expect.poll(() => hold.held.length, { timeout: 15_000 }).toBe(1);
    expect(hold.held[0]!.search).toBe("tenure > 60");
    // An edit while it runs: its answer would be about a text no longer there.
    await typeText(page, "tenure > 61");
    await expect.poll(() => requests.aborted.length, { timeout: 15_000 }).toBe(1);
    expect(hold.held[0]!.signal?.aborted).toBe(true);
    expect(await hold.held[0]!.ended).toBe("CancelledError");
    await expect.poll(() => page.getByTestId("preview-button").textContent()).toBe("Preview matching contacts");
    expect(await page.getByTestId("preview").count()).toBe(0);
    await expectNothingSaid();
    // The next preview is of the text now.
    hold.restore();
    await page.getByTestId("preview-button").click();
    const count = (await server.store.preview("tenure > 61", { limit: 0 })).count;
    await expect.poll(() => page.getByTestId("preview-count").textContent(), { timeout: 15_000 }).toBe(count.toLocaleString("en-US"));
  });
});
