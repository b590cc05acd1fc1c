/**
 * Two things a marketer on a 390 px phone could not see (real headless Chromium against `segql serve` over
 * the demo, DuckDB): that a segment's members table goes on past the right edge (it scrolled sideways with
 * nothing saying so: now a shadow inside each edge it can scroll to), and which field a rule of the builder
 * is about ("Performed a…": the field's select, sharing its line with the operator, cut its name). Near
 * them, the preview's per-condition counts, whose conditions were a column two letters wide on a phone.
 * At 1280×800 a table wider than its card has the shadow too; one that fits has none.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason } from "./harness.js";
import { cleanShot, closeSegmentsSession, openNew, openSegmentsSession, typeText, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

/** The opacity of the shadow drawn at the table's left (`::before`) or right (`::after`) edge; -1 with no frame to draw it. */
function edgeShadow(table: Locator, side: "left" | "right"): Promise<number> {
  return table.evaluate((t, pseudo) => {
    const frame = t.closest(".table-frame");
    return frame ? Number(getComputedStyle(frame, pseudo).opacity) : -1;
  }, side === "left" ? "::before" : "::after");
}

/** The scroll box around the table, scrolled to `x` (its end: Infinity). */
function scrollTable(table: Locator, x: number): Promise<void> {
  return table.evaluate((t, to) => {
    const box = t.parentElement!;
    box.scrollLeft = to === -1 ? box.scrollWidth : to;
  }, Number.isFinite(x) ? x : -1);
}

/**
 * How much narrower each of the builder's field selects is than it needs to be to show the name chosen in
 * it whole (0: shown whole): a copy holding only that name, at its natural width, is what it needs.
 */
function cutFieldNames(page: Page): Promise<{ name: string; short: number }[]> {
  return page.locator(".rule-builder select.rb-field").evaluateAll((selects) =>
    (selects as HTMLSelectElement[]).map((s) => {
      const copy = s.cloneNode(false) as HTMLSelectElement;
      const option = s.selectedOptions[0]!.cloneNode(true);
      copy.append(option);
      copy.style.cssText = "position: absolute; visibility: hidden; width: auto; max-width: none; min-width: 0; flex: none;";
      s.parentElement!.append(copy);
      const needs = copy.getBoundingClientRect().width;
      copy.remove();
      return { name: s.selectedOptions[0]!.textContent ?? "", short: Math.max(0, Math.round(needs - s.getBoundingClientRect().width)) };
    }),
  );
}

describe.skipIf(!hasChromium)(`segments web app on a phone: a table's sideways scroll and the rules' field names (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    server = session.server;
    page = session.page;
  });
  afterAll(() => closeSegmentsSession(session));

  const segmentNamed = async (name: string) => (await server.store.listSegments({ search: name })).items.find((s) => s.name === name)!;

  it("a members table wider than a phone shows a shadow at each edge it can scroll to, and none where it ends", async () => {
    const fiber = await segmentNamed("Fiber churners");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}#/segments/${fiber.id}`);
    const table = page.getByTestId("members-table");
    await table.locator("tbody tr").first().waitFor({ timeout: 15_000 });
    await table.scrollIntoViewIfNeeded();
    // At the start: more to the right, nothing to the left.
    await expect.poll(() => edgeShadow(table, "right"), { timeout: 5_000 }).toBe(1);
    expect(await edgeShadow(table, "left")).toBe(0);
    await cleanShot(page, "segments-members-phone-scroll-cue");
    // The keyboard reaches the box and scrolls it: it is a region named after the table.
    expect(await table.evaluate((t) => t.parentElement!.tabIndex)).toBe(0);
    expect(await table.evaluate((t) => t.parentElement!.getAttribute("aria-label"))).toMatch(/^Members of \u2068?Fiber churners\u2069? \(scrolls sideways\)$/);
    // Half-way: both; at the end: only the left.
    await scrollTable(table, 120);
    await expect.poll(() => edgeShadow(table, "left"), { timeout: 5_000 }).toBe(1);
    expect(await edgeShadow(table, "right")).toBe(1);
    await scrollTable(table, Infinity);
    await expect.poll(() => edgeShadow(table, "right"), { timeout: 5_000 }).toBe(0);
    expect(await edgeShadow(table, "left")).toBe(1);
    await cleanShot(page, "segments-members-phone-scroll-cue-end");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.evaluate(() => document.documentElement.setAttribute("data-theme", "dark"));
    await scrollTable(table, 0);
    await cleanShot(page, "segments-members-phone-scroll-cue-dark");
    await page.evaluate(() => document.documentElement.removeAttribute("data-theme"));
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("at 1280×800 a table too wide has the shadow too, and one that fits has none", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    // The VIP list's members are of both sources: more fields than 1280 px hold.
    const vip = await segmentNamed("VIP list");
    await page.goto(`${server.url}#/segments/${vip.id}`);
    const members = page.getByTestId("members-table");
    await members.locator("tbody tr").first().waitFor({ timeout: 15_000 });
    await expect.poll(() => edgeShadow(members, "right"), { timeout: 5_000 }).toBe(1);
    expect(await edgeShadow(members, "left")).toBe(0);
    await cleanShot(page, "segments-members-desktop-scroll-cue");
    // A shop customer alone: its few fields fit, and nothing says otherwise.
    await page.goto(`${server.url}#/contacts?search=12346`);
    const found = page.getByTestId("contacts-table");
    await found.locator("tbody tr").first().waitFor({ timeout: 15_000 });
    expect(await found.evaluate((t) => t.parentElement!.scrollWidth - t.parentElement!.clientWidth)).toBeLessThanOrEqual(0);
    expect([await edgeShadow(found, "left"), await edgeShadow(found, "right")]).toEqual([0, 0]);
    expect(await found.evaluate((t) => t.parentElement!.hasAttribute("tabindex"))).toBe(false);
  });

  it("on a phone the builder's field selects show the field's name whole (“Performed an event”)", async () => {
    const uk = await segmentNamed("Big UK spenders");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}#/segments/${uk.id}/edit`);
    await page.locator(".rule-builder select.rb-field").nth(1).waitFor({ timeout: 15_000 });
    const cut = await cutFieldNames(page);
    expect(cut.map((c) => c.name)).toEqual(["country", "Performed an event"]);
    expect(cut).toEqual(cut.map((c) => ({ ...c, short: 0 })));
    // Nothing of the rules runs past the window.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.locator(".rule-builder").scrollIntoViewIfNeeded();
    await cleanShot(page, "segments-builder-phone-field-names");
    await page.setViewportSize({ width: 1280, height: 800 });
    expect((await cutFieldNames(page)).every((c) => c.short === 0)).toBe(true);
    await page.locator(".rule-builder").scrollIntoViewIfNeeded();
    await cleanShot(page, "segments-builder-desktop-field-names");
  });

  it("on a phone the preview's conditions are each on a line of their own, their counts under them", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openNew(page, server.url);
    await typeText(page, 'internet_service = "Fiber optic" and churn');
    // The editor's completion list, open after typing, would cover the picture.
    await page.keyboard.press("Escape");
    await page.getByTestId("preview-button").click();
    const conditions = page.getByTestId("condition-counts");
    await conditions.waitFor({ timeout: 15_000 });
    // Each label on one line (it was a letter or two a line: "in / te / rn / et …").
    const lines = await conditions.locator(".condition-label").evaluateAll((labels) => labels.map((l) => [l.textContent, Math.round(l.getBoundingClientRect().height / parseFloat(getComputedStyle(l).lineHeight))]));
    expect(lines).toEqual([
      ["all of", 1],
      ['internet_service = "Fiber optic"', 1],
      ["churn = true", 1],
    ]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await conditions.scrollIntoViewIfNeeded();
    await cleanShot(page, "segments-preview-phone-conditions");
  });
});
