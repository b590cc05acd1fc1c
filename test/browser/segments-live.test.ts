/**
 * Live membership in the segments web app (real headless Chromium against `segql serve` over the demo,
 * DuckDB): with a segment's page open, a contact written through the API that enters the segment shows
 * in the member count, the entered / exited feed and the members' first page without a reload; the
 * segments table's count follows too; a count change waits while a dialog is open; a hidden tab stops
 * asking (its request ends, the server's wait with it) and catches up when shown; a failing feed is said
 * and tried again; a backlog past a page is skipped to the newest. Screenshots go to docs/screenshots/.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason } from "./harness.js";
import { cleanShot, closeSegmentsSession, failRequests, openSegments, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: live membership (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;
  let segmentId: number;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
    // No demo contact has a tenure past 72 months: the segment starts empty.
    segmentId = (await server.store.createSegment({ name: "Live: decades of tenure", kind: "dynamic", expression: "tenure > 500" })).id;
  });
  afterAll(() => closeSegmentsSession(session));

  /** Writes a contact through the HTTP API, as another client would. */
  async function writeContact(key: string, tenure: number): Promise<void> {
    const r = await fetch(`${server.url}api/contacts`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ contacts: [{ customer_id: key, source: "telco", tenure }] }) });
    expect(r.status).toBe(200);
  }

  /** Resolves once the page's live loop is waiting on the feed (so a write now is one it must be told of). */
  async function following(): Promise<void> {
    await expect.poll(() => server.store.changeWaiters, { timeout: 15_000 }).toBeGreaterThan(0);
  }

  /** Marks the document, so a reload (which would drop the mark) is seen. */
  const mark = () => page.evaluate(() => ((window as unknown as { liveMark: number }).liveMark = 1));
  const marked = () => page.evaluate(() => (window as unknown as { liveMark?: number }).liveMark === 1);

  it("updates the count, the feed and the members of a segment's page when a contact enters it, without a reload", async () => {
    await page.goto(`${server.url}#/segments/${segmentId}?tab=activity`);
    await expect.poll(() => page.getByTestId("segment-member-count").textContent()).toBe("0");
    expect(await page.getByTestId("live-status").textContent()).toMatch(/^Live · updated \d\d:\d\d:\d\d$/);
    expect(await page.getByTestId("segment-member-count").getAttribute("aria-live")).toBe("polite");
    await page.getByText("No one has entered or left yet.").waitFor();
    await mark();
    await following();
    await writeContact("LIVE-0001", 600);
    await expect.poll(() => page.getByTestId("segment-member-count").textContent(), { timeout: 15_000 }).toBe("1");
    await expect.poll(() => page.getByTestId("feed").locator("li").allTextContents()).toEqual([expect.stringMatching(/^entered LIVE-0001/)]);
    // A second one goes on top of the feed.
    await following();
    await writeContact("LIVE-0002", 700);
    await expect.poll(() => page.getByTestId("segment-member-count").textContent(), { timeout: 15_000 }).toBe("2");
    await expect.poll(() => page.getByTestId("feed").locator("li .key-cell").allTextContents()).toEqual(["LIVE-0002", "LIVE-0001"]);
    expect(await marked()).toBe(true);
    await cleanShot(page, "segments-live-activity");
    // The members tab's first page shows them, and follows a third.
    await page.getByTestId("tab-members").click();
    await expect.poll(() => page.getByTestId("members-table").locator("tbody tr").count()).toBe(2);
    await following();
    await writeContact("LIVE-0003", 800);
    await expect.poll(() => page.getByTestId("members-table").locator("tbody tr").count(), { timeout: 15_000 }).toBe(3);
    expect(await page.getByTestId("members-total").textContent()).toBe("3 members");
    expect(await marked()).toBe(true);
    await cleanShot(page, "segments-live-members");
  });

  it("keeps an open dialog as it is, and updates the count once it closes", async () => {
    await page.goto(`${server.url}#/segments/${segmentId}`);
    await expect.poll(() => page.getByTestId("segment-member-count").textContent()).toBe("3");
    await page.getByTestId("convert").click();
    const dialog = page.getByTestId("convert-dialog");
    await dialog.waitFor();
    await expect.poll(() => dialog.textContent()).toContain("3 members");
    await following();
    // The contact leaves: a tenure below 500.
    await writeContact("LIVE-0003", 12);
    // The page has taken the change (the members' first page, behind the dialog, lost the contact), but
    // the count the dialog speaks of stays until it closes.
    await expect.poll(() => page.getByTestId("members-table").locator("tbody tr").count(), { timeout: 15_000 }).toBe(2);
    expect(await page.getByTestId("segment-member-count").textContent()).toBe("3");
    expect(await dialog.textContent()).toContain("3 members");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => page.getByTestId("segment-member-count").textContent(), { timeout: 15_000 }).toBe("2");
  });

  /** Makes the page's document say it is hidden or shown, as a switch of browser tabs does. */
  const setHidden = (hidden: boolean) =>
    page.evaluate((h) => {
      Object.defineProperty(document, "visibilityState", { value: h ? "hidden" : "visible", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    }, hidden);

  it("stops asking while the tab is hidden and catches up when it shows again", async () => {
    await page.goto(`${server.url}#/segments/${segmentId}?tab=activity`);
    await expect.poll(() => page.getByTestId("segment-member-count").textContent()).toBe("2");
    await following();
    await setHidden(true);
    // The request is aborted: the server's wait ends with it.
    await expect.poll(() => server.store.changeWaiters).toBe(0);
    await expect.poll(() => page.getByTestId("live-status").getAttribute("data-state")).toBe("paused");
    await writeContact("LIVE-0005", 650);
    await setHidden(false);
    await expect.poll(() => page.getByTestId("segment-member-count").textContent(), { timeout: 15_000 }).toBe("3");
    await expect.poll(() => page.getByTestId("feed").locator("li .key-cell").first().textContent()).toBe("LIVE-0005");
    expect(await page.getByTestId("live-status").getAttribute("data-state")).toBe("live");
  });

  it("says it is reconnecting while the feed fails, and follows again once it answers", async () => {
    const failing = await failRequests(page, /\/api\/changes\?/);
    try {
      // A new document: the request the page held before the failures began would go on.
      await page.goto(`${server.url}#/segments/${segmentId}`);
      await page.reload();
      await expect.poll(() => page.getByTestId("live-status").textContent(), { timeout: 15_000 }).toMatch(/^Reconnecting… · updated \d\d:\d\d:\d\d$/);
      failing.recover();
      await following();
      await writeContact("LIVE-0006", 660);
      await expect.poll(() => page.getByTestId("segment-member-count").textContent(), { timeout: 15_000 }).toBe("4");
      expect(await page.getByTestId("live-status").getAttribute("data-state")).toBe("live");
    } finally {
      await failing.stop();
    }
  });

  it("updates the count in the segments table without a reload", async () => {
    await openSegments(page, server.url);
    const row = page.locator(`[data-testid=segment-row][data-name="Live: decades of tenure"]`);
    await expect.poll(() => row.getByTestId("member-count").textContent()).toBe("4");
    await mark();
    await following();
    await writeContact("LIVE-0004", 900);
    await expect.poll(() => row.getByTestId("member-count").textContent(), { timeout: 15_000 }).toBe("5");
    expect(await marked()).toBe(true);
    expect(await page.getByTestId("live-status").textContent()).toMatch(/^Live · updated \d\d:\d\d:\d\d$/);
    await cleanShot(page, "segments-live-table");
  });

  it("after a backlog of more changes than a page (an import), shows the count and the newest changes without reading them all", async () => {
    await page.goto(`${server.url}#/segments/${segmentId}?tab=activity`);
    await expect.poll(() => page.getByTestId("segment-member-count").textContent()).toBe("5");
    await following();
    const asked: string[] = [];
    const onRequest = (req: { url(): string }) => void (/\/api\/changes\?/.test(req.url()) && asked.push(req.url()));
    page.on("request", onRequest);
    const many = Array.from({ length: 3500 }, (_, i) => ({ customer_id: `BULK-${String(i).padStart(4, "0")}`, source: "telco", tenure: 1000 + i }));
    const r = await fetch(`${server.url}api/contacts`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ contacts: many }) });
    expect(r.status).toBe(200);
    await expect.poll(() => page.getByTestId("segment-member-count").textContent(), { timeout: 15_000 }).toBe("3,505");
    page.off("request", onRequest);
    // One page of the 3,500 changes was read (the request held when they came), then the next wait began
    // past them: not the four pages walking them would take.
    expect(asked.length).toBeLessThanOrEqual(1);
    // The feed read afresh: newest first, as the store has it.
    const newest = (await server.store.segmentChanges(segmentId, { limit: 3 })).items.map((c) => c.key);
    await expect.poll(() => page.getByTestId("feed").locator("li .key-cell").allTextContents().then((k) => k.slice(0, 3))).toEqual(newest);
    expect(await page.getByTestId("live-status").getAttribute("data-state")).toBe("live");
  });
});
