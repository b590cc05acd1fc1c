/**
 * Follow-ups of the segments tables (real headless Chromium against `segql serve` over the demo, DuckDB):
 * - a segment deleted by someone else (here the API) while the segments table is open leaves the table
 *   when the change feed shows it (its row stayed, with its old count, until a reload);
 * - a next page still loading ("Show more segments", Recently deleted's "Show more") is stopped in the
 *   browser when a new search supersedes it or its page goes (it ran on for nobody, and could be appended);
 * - on a 390 px phone a long members table keeps its column names over the values as it is read (its header
 *   row scrolled away with the page), its sideways edge shadows still there.
 */
import type { Locator, Page, Request } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.js";
import { hasChromium, skipReason } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegments, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

/** A read of the store held by the test until released (or its signal aborts: the server stopping it). */
interface HeldRead {
  signal: AbortSignal | undefined;
  /** "answered", or the name of the error that ended it ("CancelledError": the server stopped it). */
  ended: Promise<string>;
  release(): void;
}

/** Holds every call of `store[method]` asking for a next page (a `cursor` in its options). */
function holdNextPages(store: Store, method: "listSegments" | "listDeletedSegments"): { held: HeldRead[]; restore(): void } {
  const held: HeldRead[] = [];
  const target = store as unknown as Record<string, (options?: { cursor?: string | null; signal?: AbortSignal }) => Promise<unknown>>;
  const original = target[method]!;
  target[method] = function (options) {
    if (!options?.cursor) return original.call(store, options);
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener("abort", () => resolve(), { once: true });
    });
    const answer = gate.then(() => original.call(store, options));
    held.push({ signal: options.signal, ended: answer.then(() => "answered", (e: unknown) => (e as Error).constructor.name), release });
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

/** The failed (aborted) requests of the page whose address matches. */
function watchAborted(page: Page, url: RegExp): { aborted: string[]; stop(): void } {
  const aborted: string[] = [];
  const onFailed = (r: Request) => void (url.test(r.url()) && aborted.push(`${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("requestfailed", onFailed);
  return { aborted, stop: () => page.off("requestfailed", onFailed) };
}

/** Whether the element's middle point is drawn on screen, not covered (by the sticky app header) nor scrolled off. */
function seenAtItsMiddle(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x > window.innerWidth || y > window.innerHeight) return false;
    const top = document.elementFromPoint(x, y);
    return top !== null && (el === top || el.contains(top));
  });
}

describe.skipIf(!hasChromium)(`segments tables: deletions seen live, next pages stopped, a phone's column names (Chromium) ${hasChromium ? "" : skipReason}`, () => {
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
  afterAll(() => closeSegmentsSession(session, /Failed to load resource/));

  const segmentNamed = async (name: string) => (await server.store.listSegments({ search: name })).items.find((s) => s.name === name)!;
  const shownNames = () => page.getByTestId("segment-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")));

  it("a segment deleted through the API while the table is open leaves the table, and a toast says where it went", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await openSegments(page, server.url);
    const fiber = await segmentNamed("Fiber churners");
    expect(fiber.memberCount).toBeGreaterThan(0);
    await expect.poll(shownNames, { timeout: 15_000 }).toContain("Fiber churners");
    const before = (await shownNames()).length;
    // Another actor: the API, not this page.
    const res = await fetch(`${server.url}api/segments/${fiber.id}`, { method: "DELETE", headers: { "Segql-User": "someone else" } });
    expect(res.status).toBe(204);
    // The feed logs its members as exited; the row's read answers 404: the row goes, without a reload.
    await expect.poll(shownNames, { timeout: 20_000 }).not.toContain("Fiber churners");
    expect((await shownNames()).length).toBe(before - 1);
    const toast = page.locator(".toast").filter({ hasText: "was deleted elsewhere" });
    await expect.poll(() => toast.textContent(), { timeout: 5_000 }).toMatch(/“Fiber churners” was deleted elsewhere: see Recently deleted/);
    await cleanShot(page, "segments-table-deleted-elsewhere");
    // The count above the table says so too.
    expect(await page.getByTestId("segments-table").locator("xpath=ancestor::div[contains(@class,'page')]").locator(".toolbar").textContent()).toContain(`${before - 1} segments`);
    // Put back for the tests below.
    await server.store.restoreSegment(fiber.id);
  });

  it("“Show more segments” still loading is stopped by a new search or the page going; the new search's rows are shown", async () => {
    // More segments than a page (50) holds.
    for (let i = 1; i <= 51; i++) await server.store.createSegment({ name: `Batch ${String(i).padStart(2, "0")}`, kind: "static", members: [] });
    await page.goto(`${server.url}#/contacts`);
    await openSegments(page, server.url);
    const hold = holdNextPages(server.store, "listSegments");
    cleanups.push(hold.restore);
    const requests = watchAborted(page, /\/api\/segments\?.*cursor=/);
    cleanups.push(requests.stop);
    await page.getByRole("button", { name: "Show more segments" }).click();
    await expect.poll(() => hold.held.length, { timeout: 15_000 }).toBe(1);
    await page.getByTestId("segment-search").fill("Fiber");
    await expect.poll(() => requests.aborted.length, { timeout: 15_000 }).toBe(1);
    expect(requests.aborted[0]).toContain("ERR_ABORTED");
    await expect.poll(shownNames, { timeout: 15_000 }).toEqual(["Fiber churners"]);
    expect(await page.getByRole("alert").count()).toBe(0);

    // A next page still loading when the page goes is stopped too.
    await page.getByTestId("segment-search").fill("");
    await expect.poll(async () => (await shownNames()).length, { timeout: 15_000 }).toBe(50);
    await page.getByRole("button", { name: "Show more segments" }).click();
    await expect.poll(() => hold.held.length, { timeout: 15_000 }).toBe(2);
    await page.getByRole("link", { name: "Contacts" }).first().click();
    await expect.poll(() => requests.aborted.length, { timeout: 15_000 }).toBe(2);
    expect(requests.aborted[1]).toContain("ERR_ABORTED");
    // (The server does not pass the client's going away to this listing: it ran on there. Not the app's.)
  });

  it("Recently deleted's next page still loading is stopped when the page goes", async () => {
    for (const s of (await server.store.listSegments({ search: "Batch ", limit: 100 })).items) await server.store.deleteSegment(s.id);
    await page.goto(`${server.url}#/segments/deleted`);
    const hold = holdNextPages(server.store, "listDeletedSegments");
    cleanups.push(hold.restore);
    const requests = watchAborted(page, /\/api\/deleted-segments\?.*cursor=/);
    cleanups.push(requests.stop);
    await page.getByTestId("trash-more").click({ timeout: 15_000 });
    await expect.poll(() => hold.held.length, { timeout: 15_000 }).toBe(1);
    await page.getByRole("link", { name: "Segments" }).first().click();
    await expect.poll(() => requests.aborted.length, { timeout: 15_000 }).toBe(1);
    expect(requests.aborted[0]).toContain("ERR_ABORTED");
    // (The server does not pass the client's going away to this listing: it runs on to its end there.)
  });

  for (const scheme of ["light", "dark"] as const) {
    it(`on a 390 px phone (${scheme}) a long members table keeps its column names over the values it shows, and its edge shadow`, async () => {
      const loyal = await segmentNamed("Loyal on contract");
      await page.setViewportSize({ width: 390, height: 844 });
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${server.url}#/segments/${loyal.id}`);
      const table = page.getByTestId("members-table");
      await table.locator("tbody tr").nth(20).waitFor({ timeout: 15_000 });
      // Reading down to the last row of the page: the column names are still over it (they scrolled away).
      // A marketer scrolls to the table, then reads down it with the wheel over it, to its last row: the
      // column names are still over the values (they scrolled away with the page).
      await table.evaluate((t) => t.closest(".table-scroll")!.scrollIntoView({ block: "start" }));
      const box = await table.evaluate((t) => {
        const r = t.closest(".table-scroll")!.getBoundingClientRect();
        return { x: r.left + r.width / 2, y: r.top + Math.min(r.height, window.innerHeight - r.top) / 2 };
      });
      await page.mouse.move(box.x, box.y);
      const rows = table.locator("tbody tr");
      const lastKey = rows.last().locator("td").nth(1);
      for (let i = 0; i < 40 && !(await seenAtItsMiddle(lastKey)); i++) {
        await page.mouse.wheel(0, 100);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      }
      expect(await seenAtItsMiddle(lastKey)).toBe(true);
      const headers = table.locator("thead th");
      expect(await seenAtItsMiddle(headers.nth(1))).toBe(true);
      expect(await seenAtItsMiddle(headers.nth(2))).toBe(true);
      // The header's row is drawn over the rows, not beside them: the first row went under it.
      expect(await seenAtItsMiddle(rows.first().locator("td").nth(1))).toBe(false);
      // Sideways, the shadow still says more columns are to the right.
      expect(await table.evaluate((t) => t.closest(".table-frame")!.hasAttribute("data-more-right"))).toBe(true);
      await cleanShot(page, `segments-members-phone-sticky-header${scheme === "dark" ? "-dark" : ""}`);
      await page.emulateMedia({ colorScheme: "light" });
    });
  }
});
