/**
 * The segments table follows the segments' lifecycle in the change feed (`include=segments`), not only
 * their members (real headless Chromium against `segql serve` over the demo, DuckDB):
 * - a segment nobody is in, deleted through the API while the table is open, leaves the table with the
 *   toast said for the others: the feed's membership changes had nothing of it, so its row stayed until a
 *   reload;
 * - one renamed elsewhere is renamed in its row, in place;
 * - one created elsewhere is not slipped in among the rows being read: a notice says so, and Show it loads it;
 * - a memberless segment's own page, open while it is renamed and then deleted elsewhere, shows the new name,
 *   then that it is in Recently deleted (it showed the segment as it was until a reload);
 * - Recently deleted drops a segment restored elsewhere, and announces one deleted elsewhere (Show it).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason } from "./harness.js";
import { recordAnnouncements, saidSoFar } from "./page-probes.js";
import { cleanShot, closeSegmentsSession, openSegments, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments table: segments deleted, renamed and added elsewhere seen live (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
    // What a screen reader says unasked, from the next page loaded on.
    await page.addInitScript(recordAnnouncements);
  });
  afterAll(() => closeSegmentsSession(session, /Failed to load resource/));

  const shownNames = () => page.getByTestId("segment-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")));
  /** A write by another actor: the API, not this page. */
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}api${path}`, { method, headers: { "Segql-User": "someone else", ...(body ? { "Content-Type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });

  it("a memberless segment deleted through the API leaves the open table, with the toast", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const empty = await server.store.createSegment({ name: "Aaa nobody yet", kind: "static" });
    expect(empty.memberCount).toBe(0);
    await openSegments(page, server.url);
    await expect.poll(shownNames, { timeout: 15_000 }).toContain("Aaa nobody yet");
    await expect.poll(() => page.getByTestId("live-status").getAttribute("data-state")).toBe("live");
    const before = (await shownNames()).length;

    expect((await api("DELETE", `/segments/${empty.id}`)).status).toBe(204);
    await expect.poll(shownNames, { timeout: 20_000 }).not.toContain("Aaa nobody yet");
    expect((await shownNames()).length).toBe(before - 1);
    const toast = page.locator(".toast").filter({ hasText: "was deleted elsewhere" });
    await expect.poll(() => toast.textContent(), { timeout: 5_000 }).toMatch(/“Aaa nobody yet” was deleted elsewhere: see Recently deleted/);
    await cleanShot(page, "segments-lifecycle-deleted");
  });

  it("a segment renamed elsewhere is renamed in its row; one created elsewhere is announced, and shown on Show it", async () => {
    const shown = await server.store.createSegment({ name: "Aab to rename", kind: "static" });
    // A fresh load (the same address again would keep the open table).
    await page.goto("about:blank");
    await openSegments(page, server.url);
    await expect.poll(shownNames, { timeout: 15_000 }).toContain("Aab to rename");
    await expect.poll(() => page.getByTestId("live-status").getAttribute("data-state")).toBe("live");
    const order = await shownNames();

    expect((await api("PATCH", `/segments/${shown.id}`, { name: "Aab renamed" })).status).toBe(200);
    await expect.poll(shownNames, { timeout: 20_000 }).toEqual(order.map((n) => (n === "Aab to rename" ? "Aab renamed" : n)));
    await expect.poll(() => page.getByRole("link", { name: "Aab renamed", exact: true }).count()).toBe(1);

    expect((await api("POST", "/segments", { name: "Aac added elsewhere", kind: "static" })).status).toBe(201);
    const notice = page.getByTestId("added-elsewhere");
    await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toMatch(/A segment was added elsewhere\. Show it/);
    // Said to a screen reader too (its live region was there before the text).
    await expect.poll(() => saidSoFar(page)).toContain("A segment was added elsewhere. Show it");
    // The rows being read stay as they were until asked.
    expect(await shownNames()).not.toContain("Aac added elsewhere");
    await cleanShot(page, "segments-lifecycle-added");
    await notice.getByRole("button", { name: "Show it" }).click();
    await expect.poll(shownNames, { timeout: 15_000 }).toContain("Aac added elsewhere");
    await expect.poll(() => notice.count()).toBe(0);

    // Under a search, one whose name does not match is not announced (Show it would not show it); one that does is.
    await page.getByTestId("segment-search").fill("aae");
    await expect.poll(shownNames, { timeout: 15_000 }).toEqual([]);
    expect((await api("POST", "/segments", { name: "Zzz not matching", kind: "static" })).status).toBe(201);
    expect((await api("POST", "/segments", { name: "Aae matching", kind: "static" })).status).toBe(201);
    await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toMatch(/^A segment was added elsewhere\./);
    await notice.getByRole("button", { name: "Show it" }).click();
    await expect.poll(shownNames, { timeout: 15_000 }).toEqual(["Aae matching"]);
    await page.getByTestId("segment-search").fill("");
  });

  it("a memberless segment's own page follows its rename and its delete elsewhere", async () => {
    const empty = await server.store.createSegment({ name: "Aad page open", kind: "static" });
    await page.goto(`${server.url}#/segments/${empty.id}`);
    await page.getByRole("heading", { level: 1, name: /Aad page open/ }).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId("live-status").getAttribute("data-state"), { timeout: 15_000 }).toBe("live");
    expect((await api("PATCH", `/segments/${empty.id}`, { name: "Aad renamed while open" })).status).toBe(200);
    await page.getByRole("heading", { level: 1, name: /Aad renamed while open/ }).waitFor({ timeout: 20_000 });
    // A keyboard user reading the History tab: its tab has the focus when the page goes.
    await page.getByRole("tab", { name: "History" }).click();
    await page.getByRole("tab", { name: "History" }).focus();
    expect((await api("DELETE", `/segments/${empty.id}`)).status).toBe(204);
    const note = page.getByTestId("segment-deleted");
    await note.waitFor({ timeout: 20_000 });
    expect(await note.textContent()).toContain("Aad renamed while open");
    // The note has the focus (it rested on <body>, the tab gone with the page).
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("segment-deleted");
    await cleanShot(page, "segments-lifecycle-page-deleted");
  });

  it("Recently deleted drops a segment restored elsewhere and announces one deleted elsewhere", async () => {
    const back = await server.store.createSegment({ name: "Aaf to restore", kind: "static" });
    await server.store.deleteSegment(back.id);
    const later = await server.store.createSegment({ name: "Aag deleted later", kind: "static" });
    // The trash page follows the feed once its poll is out (it starts from the feed's newest change).
    const polling = page.waitForRequest((r) => r.url().includes("/api/changes?"), { timeout: 30_000 });
    await page.goto(`${server.url}#/segments/deleted`);
    const trashNames = () => page.getByTestId("trash-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")));
    await expect.poll(trashNames, { timeout: 30_000 }).toContain("Aaf to restore");
    await polling;
    expect((await api("POST", `/deleted-segments/${back.id}/restore`)).status).toBe(200);
    await expect.poll(trashNames, { timeout: 20_000 }).not.toContain("Aaf to restore");
    expect((await api("DELETE", `/segments/${later.id}`)).status).toBe(204);
    const notice = page.getByTestId("deleted-elsewhere");
    await expect.poll(() => notice.textContent(), { timeout: 20_000 }).toMatch(/^A segment was deleted elsewhere\. Show it$/);
    expect(await trashNames()).not.toContain("Aag deleted later");
    await expect.poll(() => saidSoFar(page)).toContain("A segment was deleted elsewhere. Show it");
    await notice.getByRole("button", { name: "Show it" }).click();
    await expect.poll(trashNames, { timeout: 15_000 }).toContain("Aag deleted later");
    await expect.poll(() => notice.count()).toBe(0);
  });

  it("a duplicate made in this table is not announced as added elsewhere", async () => {
    await page.goto("about:blank");
    await openSegments(page, server.url);
    await expect.poll(shownNames, { timeout: 15_000 }).toContain("Aab renamed");
    await page.getByRole("button", { name: "Duplicate Aab renamed" }).click();
    await expect.poll(shownNames, { timeout: 15_000 }).toContain("Copy of Aab renamed");
    // Time for the feed's segment-created item to arrive (it answers the long poll at the commit): this table's own copy.
    await page.waitForTimeout(1500);
    expect(await page.getByTestId("added-elsewhere").count()).toBe(0);
  });
});
