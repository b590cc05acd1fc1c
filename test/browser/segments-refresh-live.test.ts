/**
 * A refresh that fails in the background shows at once on the pages that show its segment, and goes away as
 * soon as a refresh works again, without a reload (real headless Chromium against `segql serve` over the
 * demo, DuckDB). "Recent fiber" reads "Fiber base" and uses relative times (the scheduler refreshes it);
 * "Fiber base" is deleted with force, then the scheduler's run fails to refresh it: its page, open in one
 * tab, says "This segment stopped updating." with since when its members date and the refresh that failed,
 * and the segments table, open in another tab, marks it. A new "Fiber base" makes it resume at once: both
 * tabs drop the marks. The two tabs share one poll of the change feed, which carries the refresh-status
 * changes (`include=refresh`): never two polls at once.
 */
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRefreshScheduler } from "../../src/store/index.js";
import { hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegments, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

const FIBER = 'internet_service = "Fiber optic" and churn';

/** Long polls of the change feed. */
const isPoll = (r: Request) => /\/api\/changes\?/.test(r.url());

describe.skipIf(!hasChromium)(`segments web app: a background refresh that fails, live (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let list: Page;
  let segmentPage: Page;
  let recentId: number;
  let segmentPageErrors: string[];
  const pending = new Set<Request>();
  const polls: Request[] = [];
  let mostPolls = 0;

  beforeAll(async () => {
    session = await openSegmentsSession();
    server = session.server;
    list = session.page;
    await list.setViewportSize({ width: 1280, height: 800 });
    session.context.on("request", (r) => {
      pending.add(r);
      if (isPoll(r)) polls.push(r);
      mostPolls = Math.max(mostPolls, [...pending].filter(isPoll).length);
    });
    const end = (r: Request) => void pending.delete(r);
    session.context.on("requestfinished", end);
    session.context.on("requestfailed", end);
    await server.store.createSegment({ name: "Fiber base", kind: "dynamic", expression: FIBER });
    recentId = (await server.store.createSegment({ name: "Recent fiber", kind: "dynamic", description: "Fiber churners who signed up in the last ten years.", expression: 'in segment "Fiber base" and signed_up_at within last 10 years' })).id;
    segmentPage = await session.context.newPage();
    segmentPageErrors = watchErrors(segmentPage);
    await segmentPage.setViewportSize({ width: 1280, height: 800 });
  }, 120_000);
  afterAll(async () => {
    if (segmentPageErrors) expect(segmentPageErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await closeSegmentsSession(session);
  });

  /** The row of "Recent fiber" in the segments table. */
  const row = () => list.locator(`[data-testid="segment-row"][data-name="Recent fiber"]`);

  it("a scheduled refresh that fails shows on the segment's page and in the table, without a reload", async () => {
    await openSegments(list, server.url);
    await row().waitFor({ timeout: 15_000 });
    await segmentPage.goto(`${server.url}#/segments/${recentId}`);
    await segmentPage.getByRole("heading", { name: /^Recent fiber/, level: 1 }).waitFor({ timeout: 30_000 });
    // Marks that a reload would wipe.
    for (const p of [list, segmentPage]) await p.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    // Both tabs follow the feed (one polls for both) before anything happens.
    await list.getByText(/^Live · updated/).first().waitFor({ timeout: 15_000 });
    await segmentPage.getByText(/^Live · updated/).first().waitFor({ timeout: 15_000 });
    const before = await server.store.getSegment(recentId);
    expect(await segmentPage.getByRole("alert").filter({ hasText: "This segment stopped updating." }).count()).toBe(0);
    expect(await row().getByText("needs attention").count()).toBe(0);
    expect(await row().getByTestId("refresh-failed-badge").count()).toBe(0);

    await server.store.deleteSegment((await server.store.findSegment("Fiber base")).id, { force: true });
    const scheduler = startRefreshScheduler(server.store, { everyMs: 3_600_000 });
    try {
      const results = await scheduler.runNow();
      expect(results.find((r) => r.segmentId === recentId)?.skipped).toMatch(/^its expression has errors: unknown segment "Fiber base"/);
    } finally {
      await scheduler.stop();
    }
    const failed = await server.store.getSegment(recentId);
    expect(failed.refresh).toMatchObject({ status: "failed", error: { code: "invalid-expression" } });

    // The segment's page: the box that says what broke, with since when its members date and the refresh that failed.
    const problem = segmentPage.getByRole("alert").filter({ hasText: "This segment stopped updating." });
    await problem.waitFor({ timeout: 15_000 });
    const stale = problem.getByTestId("refresh-stale-since");
    expect(await stale.textContent()).toMatch(/^Members last updated .+ UTC \(.+\)\. The refresh at .+ UTC failed: its rules have an error \(unknown segment "Fiber base".*\)\.$/);
    expect(await stale.locator("time").first().getAttribute("datetime")).toBe(before.refreshedAt);
    expect(await stale.locator("time").nth(1).getAttribute("datetime")).toBe(failed.refresh!.triedAt);
    // The table: its row is marked, the others are not.
    const mark = row().getByText("needs attention");
    await mark.waitFor({ timeout: 15_000 });
    expect(await mark.getAttribute("title")).toMatch(/unknown segment "Fiber base"/);
    expect(await list.locator('[data-testid="segment-row"] .badge.bad').count()).toBe(1);
    for (const p of [list, segmentPage]) expect(await p.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await cleanShot(segmentPage, "segments-refresh-failed-live-page");
    await cleanShot(list, "segments-refresh-failed-live-list");
  });

  it("a new segment of the name it reads makes it refresh at once, and both tabs drop the marks", async () => {
    await server.store.createSegment({ name: "Fiber base", kind: "dynamic", expression: FIBER });
    const resumed = await server.store.getSegment(recentId);
    expect(resumed.refresh).toEqual({ status: "ok", triedAt: resumed.refreshedAt });
    expect(resumed.problems).toEqual([]);

    await segmentPage.getByRole("alert").filter({ hasText: "This segment stopped updating." }).waitFor({ state: "detached", timeout: 15_000 });
    expect(await segmentPage.getByTestId("refresh-status").count()).toBe(0);
    await row().getByText("needs attention").waitFor({ state: "detached", timeout: 15_000 });
    expect(await row().getByTestId("refresh-failed-badge").count()).toBe(0);
    for (const p of [list, segmentPage]) expect(await p.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await cleanShot(segmentPage, "segments-refresh-resumed-live-page");
  });

  it("the two tabs shared one poll of the feed, which asked for the refresh-status changes", () => {
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((r) => (new URL(r.url()).searchParams.get("include") ?? "").split(",").includes("refresh"))).toBe(true);
    expect(mostPolls).toBe(1);
  });
});
