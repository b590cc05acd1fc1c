/**
 * One change-feed poll for every tab also where the browser has no Web Locks (real headless Chromium
 * against `segql serve` over the demo, DuckDB). Web Locks exist only in a secure context: on a team's LAN
 * server (`http://10.0.0.5:8080`) each tab polled by itself, and six tabs held HTTP/1.1's six connections to
 * the host. The tabs now elect a leader over a BroadcastChannel (playground/src/segments/feed-leader.ts).
 * `navigator.locks` is removed from every page, as on such an address: several tabs make one long-poll
 * request at a time; closing the leader hands the poll over, and a change made meanwhile shows once in every
 * other tab; a leader that stops (its script paused, as a hung or frozen tab's) is taken over, and when it
 * goes on only one tab stays leader.
 */
import type { BrowserContext, Page, Request, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

const isPoll = (r: Request) => /\/api\/changes\?/.test(r.url());

/** The long polls of a context pending now (as the browser sees them), and the most pending at once. */
function watchPolls(context: BrowserContext) {
  const pending = new Set<Request>();
  const gone = new Set<Page>();
  let most = 0;
  const polls = () => [...pending].filter((r) => isPoll(r) && !gone.has(r.frame().page()));
  context.on("request", (r) => {
    pending.add(r);
    most = Math.max(most, polls().length);
  });
  const end = (r: Request) => void pending.delete(r);
  context.on("requestfinished", end);
  context.on("requestfailed", end);
  return {
    polls,
    others: () => [...pending].filter((r) => !isPoll(r) && !gone.has(r.frame().page())),
    most: () => most,
    reset: () => void (most = polls().length),
    /** A page closed or frozen: its requests do not count (a frozen page's poll stays open until it wakes). */
    leave(page: Page) {
      gone.add(page);
      for (const r of [...pending]) if (r.frame().page() === page) pending.delete(r);
    },
    back: (page: Page) => void gone.delete(page),
  };
}

describe.skipIf(!hasChromium)(`segments web app: one change-feed poll for every tab without Web Locks (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let segmentId: number;
  let polls: ReturnType<typeof watchPolls>;
  const tabs: Page[] = [];
  const tabErrors: string[][] = [];

  beforeAll(async () => {
    session = await openSegmentsSession();
    server = session.server;
    // As on a page served over plain HTTP from a LAN address: no Web Locks.
    await session.context.addInitScript(() => Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined, configurable: true }));
    polls = watchPolls(session.context);
    segmentId = (await server.store.createSegment({ name: "No locks: decades of tenure", kind: "dynamic", expression: "tenure > 500" })).id;
  });
  afterAll(async () => {
    if (session) for (const errors of tabErrors) expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await closeSegmentsSession(session);
  });

  async function openTab(hash: string): Promise<Page> {
    const page = await session.context.newPage();
    tabErrors.push(watchErrors(page));
    tabs.push(page);
    await page.goto(`${server.url}${hash}`);
    return page;
  }

  async function writeContact(key: string, tenure: number): Promise<void> {
    const r = await fetch(`${server.url}api/contacts`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ contacts: [{ customer_id: key, source: "telco", tenure }] }) });
    expect(r.status).toBe(200);
  }

  /** Loaded, and exactly one poll pending in the browser and waiting at the server. */
  async function onePoll(): Promise<void> {
    await expect.poll(() => polls.others().length === 0 && polls.polls().length === 1 && server.store.changeWaiters === 1, { timeout: 30_000 }).toBe(true);
  }

  const open = () => tabs.filter((p) => !p.isClosed());
  const leader = () => polls.polls()[0]!.frame().page();
  const count = (page: Page) => page.getByTestId("segment-member-count").textContent();
  const feedKeys = (page: Page) => page.getByTestId("feed").locator("li .key-cell").allTextContents();
  const tableCount = (page: Page) => page.locator(`[data-testid=segment-row][data-name="No locks: decades of tenure"]`).getByTestId("member-count").textContent();

  /** Every tab but `except` shows `keys` (newest first) exactly: the segment pages in their feed, the tables as a count. */
  async function everyTabShows(keys: string[], except: Page[] = []): Promise<void> {
    for (const page of open().filter((p) => !except.includes(p))) {
      if (page.url().includes(`#/segments/${segmentId}`)) {
        await expect.poll(() => count(page), { timeout: 20_000 }).toBe(String(keys.length));
        await expect.poll(() => feedKeys(page), { timeout: 20_000 }).toEqual(keys);
      } else await expect.poll(() => tableCount(page), { timeout: 20_000 }).toBe(String(keys.length));
    }
  }

  it("makes one long-poll request however many tabs follow, and shows a change in every tab", async () => {
    const started = Date.now();
    await Promise.all(["#/segments", "#/segments", `#/segments/${segmentId}?tab=activity`, `#/segments/${segmentId}?tab=activity`].map(openTab));
    expect(await tabs[0]!.evaluate(() => (navigator as { locks?: unknown }).locks)).toBeUndefined();
    for (const page of tabs) await page.getByTestId("live-status").waitFor({ timeout: 30_000 });
    await onePoll();
    polls.reset();
    await writeContact("NOLOCK-1", 600);
    await everyTabShows(["NOLOCK-1"]);
    await onePoll();
    expect(polls.most()).toBe(1);
    const lead = leader();
    await cleanShot(open().find((p) => p !== lead && p.url().includes("?tab=activity"))!, "segments-live-tabs-no-locks");
    process.stderr.write(`no locks: four tabs, one poll, a change in each: ${Date.now() - started} ms\n`);
  });

  it("hands the poll over when the leading tab closes: a change made meanwhile shows once in every other tab", async () => {
    const started = Date.now();
    const first = leader();
    polls.reset();
    // Committed after the leader went and before the next one asks (its requests held): the next leader
    // must ask from where the feed was.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = 0;
    const hold = (route: Route) => (holding++, held.then(() => route.continue()));
    const asks = /\/api\/(changes\?|health$)/;
    await session.context.route(asks, hold);
    try {
      polls.leave(first);
      await first.close({ runBeforeUnload: true });
      await expect.poll(() => holding, { timeout: 15_000 }).toBeGreaterThan(0);
      await writeContact("NOLOCK-2", 700);
    } finally {
      release();
      await session.context.unroute(asks, hold);
    }
    await everyTabShows(["NOLOCK-2", "NOLOCK-1"]);
    await onePoll();
    expect(leader()).not.toBe(first);
    expect(polls.most()).toBe(1);
    process.stderr.write(`no locks: hand-over on close: ${Date.now() - started} ms\n`);
  });

  it("takes over from a leader that stops (its script paused, as a hung or frozen tab's), and one tab stays leader when it goes on", async () => {
    const started = Date.now();
    const frozen = leader();
    // Its script stops where it is (no heartbeat, no message handled): what a tab frozen in the background
    // or hung does. (CDP's Page.setWebLifecycleState "frozen" left a shown page's timers running.)
    const cdp = await session.context.newCDPSession(frozen);
    await cdp.send("Debugger.enable");
    await cdp.send("Debugger.pause");
    // Its poll stays open at the server; another tab, hearing no heartbeat, takes over.
    polls.leave(frozen);
    await expect.poll(() => server.store.changeWaiters, { timeout: 15_000 }).toBe(2);
    await writeContact("NOLOCK-3", 800);
    await everyTabShows(["NOLOCK-3", "NOLOCK-2", "NOLOCK-1"], [frozen]);
    await cdp.send("Debugger.resume");
    polls.back(frozen);
    // Going on, it hears the other leader (or is heard): one of the two steps down, and it catches up too.
    await everyTabShows(["NOLOCK-3", "NOLOCK-2", "NOLOCK-1"]);
    await onePoll();
    await writeContact("NOLOCK-4", 900);
    await everyTabShows(["NOLOCK-4", "NOLOCK-3", "NOLOCK-2", "NOLOCK-1"]);
    await onePoll();
    await cdp.detach();
    process.stderr.write(`no locks: take-over from a frozen leader: ${Date.now() - started} ms\n`);
  });

  it("with every tab hidden nobody asks and every tab says it is paused; the first shown again catches them all up", async () => {
    const started = Date.now();
    const setHidden = (page: Page, hidden: boolean) =>
      page.evaluate((h) => {
        Object.defineProperty(document, "visibilityState", { value: h ? "hidden" : "visible", configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
      }, hidden);
    for (const page of open()) await setHidden(page, true);
    await expect.poll(() => server.store.changeWaiters, { timeout: 15_000 }).toBe(0);
    for (const page of open()) await expect.poll(() => page.getByTestId("live-status").getAttribute("data-state"), { timeout: 15_000 }).toBe("paused");
    await writeContact("NOLOCK-5", 950);
    await setHidden(open()[0]!, false);
    await everyTabShows(["NOLOCK-5", "NOLOCK-4", "NOLOCK-3", "NOLOCK-2", "NOLOCK-1"]);
    for (const page of open()) await setHidden(page, false);
    await onePoll();
    for (const page of open()) await expect.poll(() => page.getByTestId("live-status").getAttribute("data-state"), { timeout: 15_000 }).toBe("live");
    process.stderr.write(`no locks: all hidden, then shown: ${Date.now() - started} ms\n`);
  });
});
