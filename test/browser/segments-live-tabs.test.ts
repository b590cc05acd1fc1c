/**
 * Live pages in several tabs of one browser (real headless Chromium against `segql serve` over the demo,
 * DuckDB). The server speaks HTTP/1.1, where Chromium opens at most 6 connections to a host per profile
 * (here: per browser context): six windows each holding a 25 s long poll left a seventh window's requests
 * queued until a poll returned, so its page did not load. The pages now share one poll per browser (one tab
 * leads, through the Web Locks API, and hands the changes to the others over a BroadcastChannel): whatever
 * the number of tabs, at most one `/api/changes` request is pending; a change shows in every tab once;
 * closing the leading tab hands the poll to another, which resumes where it was; with every tab hidden
 * nobody asks. Without BroadcastChannel each tab follows the feed itself, as before. Screenshots go to
 * docs/screenshots/.
 */
import type { BrowserContext, Page, Request, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardedContext, hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

/** Long polls of the change feed. */
const isPoll = (r: Request) => /\/api\/changes\?/.test(r.url());

/**
 * The requests of a context that have not ended, as the browser sees them: the most polls pending at once
 * is the number the connection limit cares about. A tab being closed takes its requests with it.
 */
function watchRequests(context: BrowserContext) {
  const pending = new Set<Request>();
  const closing = new Set<Page>();
  let mostPolls = 0;
  const polls = () => [...pending].filter((r) => isPoll(r) && !closing.has(r.frame().page()));
  context.on("request", (r) => {
    pending.add(r);
    mostPolls = Math.max(mostPolls, polls().length);
  });
  const end = (r: Request) => void pending.delete(r);
  context.on("requestfinished", end);
  context.on("requestfailed", end);
  return {
    /** The polls pending now. */
    polls,
    /** Requests pending now that are not polls (a page still loading). */
    others: () => [...pending].filter((r) => !isPoll(r) && !closing.has(r.frame().page())),
    /** The most polls pending at one time since the last `reset`. */
    mostPolls: () => mostPolls,
    reset: () => void (mostPolls = polls().length),
    /** Closes a tab; its pending requests end with it. */
    async close(page: Page) {
      closing.add(page);
      await page.close();
      for (const r of [...pending]) if (r.frame().page() === page) pending.delete(r);
    },
  };
}

describe.skipIf(!hasChromium)(`segments web app: one change-feed poll for every tab (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let segmentId: number;
  let requests: ReturnType<typeof watchRequests>;
  const tabs: Page[] = [];
  const tabErrors: string[][] = [];

  beforeAll(async () => {
    session = await openSegmentsSession();
    server = session.server;
    requests = watchRequests(session.context);
    // No demo contact has a tenure past 72 months: the segment starts empty.
    segmentId = (await server.store.createSegment({ name: "Tabs: decades of tenure", kind: "dynamic", expression: "tenure > 500" })).id;
  });
  afterAll(async () => {
    if (session) for (const errors of tabErrors) expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await closeSegmentsSession(session);
  });

  /** A new tab of the browser at `hash`, its errors watched. */
  async function openTab(hash: string): Promise<Page> {
    const page = await session.context.newPage();
    tabErrors.push(watchErrors(page));
    tabs.push(page);
    await page.goto(`${server.url}${hash}`);
    return page;
  }

  /** Writes a contact through the HTTP API, as another client would. */
  async function writeContact(key: string, tenure: number): Promise<void> {
    const r = await fetch(`${server.url}api/contacts`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ contacts: [{ customer_id: key, source: "telco", tenure }] }) });
    expect(r.status).toBe(200);
  }

  /** Resolves once the tabs have loaded and only long polls are pending (at least one: the feed is followed). */
  async function settled(): Promise<void> {
    await expect.poll(() => requests.others().length === 0 && requests.polls().length > 0 && server.store.changeWaiters > 0, { timeout: 60_000 }).toBe(true);
  }

  const count = (page: Page) => page.getByTestId("segment-member-count").textContent();
  const tableCount = (page: Page) => page.locator(`[data-testid=segment-row][data-name="Tabs: decades of tenure"]`).getByTestId("member-count").textContent();
  const feedKeys = (page: Page) => page.getByTestId("feed").locator("li .key-cell").allTextContents();

  it("loads a seventh window while six windows of the app follow the feed", async () => {
    // Six windows side by side, opened together: the segments table, and segment pages.
    const six = await Promise.all(["#/segments", "#/segments", "#/segments", `#/segments/${segmentId}?tab=activity`, `#/segments/${segmentId}?tab=activity`, `#/segments/${segmentId}?tab=activity`].map(openTab));
    for (const page of six) await page.getByTestId("live-status").waitFor({ timeout: 60_000 });
    // Pages of one headless context all count as shown: each follows the feed.
    for (const page of six) expect(await page.evaluate(() => document.visibilityState)).toBe("visible");
    await settled();
    process.stderr.write(`six windows follow the feed with ${requests.polls().length} poll(s) pending\n`);
    const started = Date.now();
    const seventh = await session.context.newPage();
    tabErrors.push(watchErrors(seventh));
    tabs.push(seventh);
    const loading = seventh.goto(`${server.url}#/segments`, { timeout: 60_000 }).catch(() => undefined);
    // The polls are held up to 25 s: a page whose requests queue behind them waits that long.
    await seventh.getByTestId("segments-table").waitFor({ timeout: 15_000 });
    await loading;
    process.stderr.write(`seventh window's table after ${Date.now() - started} ms, ${requests.polls().length} poll(s) pending\n`);
  });

  /** The tabs showing the segment's page, and those showing the segments table. */
  const segmentTabs = () => tabs.filter((p) => !p.isClosed() && p.url().includes(`#/segments/${segmentId}`));
  const tableTabs = () => tabs.filter((p) => !p.isClosed() && p.url().endsWith("#/segments"));
  /** The tab whose poll is pending: the leader. */
  const leader = () => {
    const polls = requests.polls();
    expect(polls).toHaveLength(1);
    return polls[0]!.frame().page();
  };

  /** Every open tab shows `members` members of the segment, and the segment pages' feeds exactly `keys` (newest first). */
  async function everyTabShows(members: string, keys: string[]): Promise<void> {
    for (const page of segmentTabs()) {
      await expect.poll(() => count(page), { timeout: 30_000 }).toBe(members);
      await expect.poll(() => feedKeys(page), { timeout: 30_000 }).toEqual(keys);
    }
    for (const page of tableTabs()) await expect.poll(() => tableCount(page), { timeout: 30_000 }).toBe(members);
  }

  /** Makes a tab's document say it is hidden or shown, as a switch of browser tabs does. */
  const setHidden = (page: Page, hidden: boolean) =>
    page.evaluate((h) => {
      Object.defineProperty(document, "visibilityState", { value: h ? "hidden" : "visible", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    }, hidden);

  it("asks the server once however many tabs follow, and shows a change in every tab", async () => {
    expect(segmentTabs()).toHaveLength(3);
    expect(tableTabs()).toHaveLength(4);
    await settled();
    requests.reset();
    // Seven tabs, one request waiting at the server.
    expect(requests.polls()).toHaveLength(1);
    expect(server.store.changeWaiters).toBe(1);
    await writeContact("TABS-0001", 600);
    await everyTabShows("1", ["TABS-0001"]);
    for (const page of tabs) expect(await page.getByTestId("live-status").textContent()).toMatch(/^Live · updated \d\d:\d\d:\d\d$/);
    await settled();
    expect(requests.mostPolls()).toBe(1);
    // Tabs that do not poll, fed by the one that does.
    const lead = leader();
    await cleanShot(segmentTabs().find((p) => p !== lead)!, "segments-live-tabs-segment");
    await cleanShot(tableTabs().find((p) => p !== lead)!, "segments-live-tabs-table");
  });

  it("hands the poll to another tab when the leading tab closes: a change made meanwhile shows once in every other tab", async () => {
    await settled();
    requests.reset();
    const first = leader();
    // The change is committed after the leader went and before the next one asks (its requests held until
    // then): the next leader must ask from where the feed was, not from now.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = 0;
    const hold = (route: Route) => (holding++, held.then(() => route.continue()));
    const asks = /\/api\/(changes\?|health$)/;
    await session.context.route(asks, hold);
    try {
      await requests.close(first);
      // Another tab took the lead and asks.
      await expect.poll(() => holding, { timeout: 30_000 }).toBeGreaterThan(0);
      await writeContact("TABS-0002", 700);
    } finally {
      release();
      await session.context.unroute(asks, hold);
    }
    await everyTabShows("2", ["TABS-0002", "TABS-0001"]);
    await settled();
    expect(leader()).not.toBe(first);
    expect(server.store.changeWaiters).toBe(1);
    // And again, the next change after the hand-over.
    await writeContact("TABS-0003", 800);
    await everyTabShows("3", ["TABS-0003", "TABS-0002", "TABS-0001"]);
    expect(requests.mostPolls()).toBe(1);
  });

  it("hands the poll on when the leading tab is hidden; with every tab hidden nobody asks, and the first shown again catches them all up", async () => {
    await settled();
    requests.reset();
    const first = leader();
    await setHidden(first, true);
    // Another tab, shown, took over.
    await expect.poll(() => requests.polls().map((r) => r.frame().page() !== first), { timeout: 30_000 }).toEqual([true]);
    await settled();
    const open = tabs.filter((p) => !p.isClosed());
    for (const page of open) await setHidden(page, true);
    await expect.poll(() => server.store.changeWaiters, { timeout: 30_000 }).toBe(0);
    await expect.poll(() => requests.polls().length, { timeout: 30_000 }).toBe(0);
    for (const page of segmentTabs()) await expect.poll(() => page.getByTestId("live-status").getAttribute("data-state"), { timeout: 30_000 }).toBe("paused");
    // Made while nobody asks: the tab shown next asks from where the feed was.
    await writeContact("TABS-0004", 900);
    await setHidden(tableTabs()[0]!, false);
    await everyTabShows("4", ["TABS-0004", "TABS-0003", "TABS-0002", "TABS-0001"]);
    for (const page of open) await setHidden(page, false);
    await settled();
    expect(server.store.changeWaiters).toBe(1);
    expect(requests.mostPolls()).toBe(1);
    for (const page of segmentTabs()) await expect.poll(() => page.getByTestId("live-status").getAttribute("data-state")).toBe("live");
  });

  it("without BroadcastChannel, each tab follows the feed by itself, as before (without Web Locks alone they elect a leader over the channel: segments-live-tabs-no-locks.test.ts)", async () => {
    const { context, external } = await guardedContext(session.browser, server.url);
    try {
      await context.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined, configurable: true });
        Object.defineProperty(window, "BroadcastChannel", { value: undefined, configurable: true, writable: true });
      });
      const before = server.store.changeWaiters;
      const pages = await Promise.all([0, 1].map(() => context.newPage()));
      for (const page of pages) {
        tabErrors.push(watchErrors(page));
        await page.goto(`${server.url}#/segments/${segmentId}?tab=activity`);
        await expect.poll(() => count(page), { timeout: 30_000 }).toBe("4");
      }
      expect(await pages[0]!.evaluate(() => "locks" in navigator && navigator.locks !== undefined)).toBe(false);
      await expect.poll(() => server.store.changeWaiters, { timeout: 30_000 }).toBe(before + 2);
      await writeContact("TABS-0005", 950);
      for (const page of pages) {
        await expect.poll(() => count(page), { timeout: 30_000 }).toBe("5");
        await expect.poll(() => feedKeys(page).then((k) => k[0])).toBe("TABS-0005");
      }
      expect(external).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
