/**
 * What a fresh-eyes QA pass (a marketer's first day with the app) found in the segments web app, in real
 * headless Chromium against `segql serve` (in-process, a temporary DuckDB database with the demo):
 * - a segment whose rules read a deleted segment says so in one sentence, with the way back (edit it, or
 *   restore the deleted one from Recently deleted); the box printed "edit it" and the full stop as lines
 *   of their own;
 * - a page whose code is gone from the server because segql was updated while the tab was open says so
 *   (reload for the new version), not "the server did not answer" when it answers;
 * - a segment or contact name in right-to-left script keeps the words around it in place ("Left <name>
 *   5 min ago" was drawn "Left 5 <name> min ago": the number joined the Arabic name's run);
 * - the wording that assumed a wide screen or several readers.
 * No request leaves the server's origin.
 */
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardedContext, hasChromium, screenshotsDir, skipReason } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: what a fresh-eyes QA pass found (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
  });

  afterAll(() => closeSegmentsSession(session));

  const segmentNamed = async (name: string) => (await server.store.listSegments({ search: name, limit: 1000 })).items.find((s) => s.name === name)!;

  it("says in one sentence that a segment stopped updating because a segment it reads was deleted, with the way back", async () => {
    const reader = await segmentNamed("VIPs and big spenders");
    const read = await segmentNamed("Big UK spenders");
    await server.store.deleteSegment(read.id, { force: true });
    try {
      await page.goto(`${server.url}#/segments/${reader.id}`);
      const box = page.getByTestId("segment-problem");
      await box.waitFor();
      expect(await box.innerText()).toBe('unknown segment "Big UK spenders" — edit it, or restore the segment it reads from Recently deleted if it was deleted.');
      // The link and the message are one line of text, not rows of a column.
      expect(await box.evaluate((e) => e.getClientRects().length)).toBeLessThanOrEqual(2);
      await cleanShot(page, "segments-stopped-updating");
      await box.getByRole("link", { name: "Recently deleted" }).click();
      await page.getByRole("button", { name: "Restore Big UK spenders" }).or(page.getByRole("row", { name: /Big UK spenders/ }).getByRole("button", { name: "Restore" })).first().waitFor();
    } finally {
      await server.store.restoreSegment(read.id);
    }
  });

  it("says segql was updated when a page's code is no longer on a server that answers, and Reload brings the page", async () => {
    // A tab opened before an update: the new build's files have other names, so the old ones are 404s.
    const tab = await session.context.newPage();
    try {
      await tab.goto(`${server.url}#/segments`);
      await tab.getByTestId("segments-table").waitFor({ timeout: 30_000 });
      const gone = /\/assets\/contacts-page-[^/]*\.js$/;
      await tab.route(gone, (r) => r.fulfill({ status: 404, contentType: "text/plain", body: "404 Not Found" }));
      await tab.getByRole("link", { name: "Contacts", exact: true }).click();
      const note = tab.getByTestId("page-not-loaded");
      await expect.poll(() => note.textContent()).toMatch(/^This page could not be loaded: segql was updated since this tab was openedReload to get the new version\.Reload$/);
      expect(await tab.getByText(/did not answer|still running/).count()).toBe(0);
      await cleanShot(tab, "segments-page-updated");
      await tab.unroute(gone);
      await tab.getByRole("button", { name: "Reload" }).click();
      await tab.getByTestId("contacts-table").or(tab.getByRole("heading", { name: "Contacts" })).first().waitFor({ timeout: 30_000 });
      expect(await tab.getByTestId("page-not-loaded").count()).toBe(0);
    } finally {
      await tab.close();
    }
  });

  it("keeps the words after a right-to-left segment name after it (Left <name> 5 min ago)", async () => {
    const arabic = "عملاء مخلصون";
    const key = "7590-VHVEG";
    const segment = await server.store.createSegment({ name: arabic, kind: "dynamic", expression: `customer_id = "${key}"` });
    // Five minutes on, the history says "5 min ago": a number right after the name, where the bidi
    // algorithm pulled it into the Arabic run.
    const { context } = await guardedContext(session.browser, server.url);
    try {
      await context.clock.setFixedTime(Date.now() + 5 * 60_000 + 30_000);
      const tab = await context.newPage();
      await tab.goto(`${server.url}#/contacts/${key}`);
      const entry = tab.getByTestId("contact-history").getByRole("listitem").filter({ hasText: arabic });
      await entry.waitFor({ timeout: 30_000 });
      expect(await entry.innerText()).toMatch(new RegExp(`^Entered ${arabic} 5 min ago$`));
      const drawn = await entry.evaluate((li) => {
        const link = li.querySelector("a")!.getBoundingClientRect();
        const text = li.querySelector("time")!.firstChild!;
        const digit = document.createRange();
        digit.setStart(text, 0);
        digit.setEnd(text, 1);
        return { linkRight: link.right, digitLeft: digit.getBoundingClientRect().left };
      });
      expect(drawn.digitLeft).toBeGreaterThanOrEqual(drawn.linkRight);
      await entry.locator("xpath=ancestor::section[1]").screenshot({ path: join(screenshotsDir, "segments-contact-history-rtl.png") });
    } finally {
      await context.close();
      await server.store.deleteSegment(segment.id);
    }
  });

  it("keeps the number after a right-to-left name in a toast after it (Saved “<name>”: 1 removed)", async () => {
    const hebrew = "לקוחות נאמנים";
    const list = await server.store.createSegment({ name: hebrew, kind: "static", members: ["7590-VHVEG", "5575-GNVDE"] });
    try {
      await page.goto(`${server.url}#/segments/${list.id}/edit`);
      await page.evaluate(() => window.sessionStorage.clear());
      await page.reload();
      await page.getByRole("button", { name: /^Remove/ }).first().click();
      await page.getByTestId("save").click();
      const toast = page.getByTestId("toast").filter({ hasText: "1 removed" });
      await toast.waitFor();
      expect(await toast.innerText()).toBe(`Saved “${hebrew}”: 1 removed`);
      // Where the first letter of the name and the "1" are drawn: the number comes after the whole name.
      const drawn = await toast.evaluate((box, name) => {
        const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
        const rectOf = (match: (text: string) => number) => {
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const at = match(n.textContent ?? "");
            if (at < 0) continue;
            const r = document.createRange();
            r.setStart(n, at);
            r.setEnd(n, at + 1);
            return r.getBoundingClientRect();
          }
          throw new Error("not in the toast");
        };
        const nameStart = rectOf((t) => t.indexOf(name[0]!));
        walker.currentNode = box;
        const one = rectOf((t) => t.indexOf("1"));
        // Hebrew runs right to left: the name's first letter is its rightmost.
        return { nameRight: nameStart.right, oneLeft: one.left };
      }, hebrew);
      expect(drawn.oneLeft).toBeGreaterThan(drawn.nameRight);
      await toast.screenshot({ path: join(screenshotsDir, "segments-toast-rtl.png") });
    } finally {
      await server.store.deleteSegment(list.id);
    }
  });

  it("does not mark a segment's `in segment` rules as errors while the other segments are still loading", async () => {
    const reader = await segmentNamed("VIPs and big spenders");
    const tab = await session.context.newPage();
    // The list of segments the form checks names against answers late (a slow server, many segments).
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    await tab.route(/\/api\/segments\?[^#]*limit=1000/, async (route) => {
      await held;
      await route.continue();
    });
    try {
      const segmentRead = tab.waitForResponse((r) => new URL(r.url()).pathname === `/api/segments/${reader.id}`);
      await tab.goto(`${server.url}#/segments/${reader.id}/edit`);
      await segmentRead;
      // The form used to come up at once, its three rules each "unknown segment": watched for a while.
      const wrong = tab.getByText(/unknown segment|no such segment/);
      await wrong.first().waitFor({ timeout: 3000 }).catch(() => {});
      expect(await wrong.count()).toBe(0);
      release();
      await tab.getByTestId("segment-name").waitFor({ timeout: 30_000 });
      await expect.poll(() => tab.locator(".rule-builder select").count()).toBeGreaterThan(0);
      expect(await tab.getByText(/unknown segment|no such segment/).count()).toBe(0);
      expect(await tab.locator(".rb-summary-error").count()).toBe(0);
    } finally {
      release();
      await tab.close();
    }
  });

  it("says which segment has the name already, with a link to it", async () => {
    const fiber = await segmentNamed("Fiber churners");
    await page.goto(`${server.url}#/segments/new`);
    await page.evaluate(() => window.sessionStorage.clear());
    await page.reload();
    await page.getByTestId("segment-name").fill("fiber CHURNERS");
    await page.getByTestId("dynamic-switch").click();
    await page.getByTestId("save").click();
    const error = page.locator("#name-error");
    await expect.poll(() => error.textContent()).toBe("Another segment is named “Fiber churners” (names are unique, ignoring case): open it, or pick another name.");
    expect(await error.getByRole("link", { name: "open it" }).getAttribute("href")).toBe(`#/segments/${fiber.id}`);
    await cleanShot(page, "segments-name-taken");
  });

  it("keeps a rule's segment select clear of the rule's ✕, for a deleted segment in a group and a long name", async () => {
    const long = `Customers who ${"bought-again-".repeat(12)}end`;
    const longOne = await server.store.createSegment({ name: long, kind: "dynamic", expression: "tenure > 70" });
    const reader = await segmentNamed("VIPs and big spenders");
    const read = await segmentNamed("Big UK spenders");
    await server.store.deleteSegment(read.id, { force: true });
    try {
      await page.goto(`${server.url}#/segments/${reader.id}/edit`);
      await page.evaluate(() => window.sessionStorage.clear());
      await page.reload();
      const ruleOf = (select: Locator) => select.locator("xpath=ancestor::*[contains(concat(' ', @class, ' '), ' rule ')][1]");
      const missingSelects = page.getByLabel("Segment", { exact: true }).filter({ has: page.locator("option", { hasText: "no such segment" }) });
      // Until the segments have loaded, every name is one the form does not know yet.
      await expect.poll(() => missingSelects.count(), { timeout: 30_000 }).toBe(1);
      const missing = ruleOf(missingSelects);
      // The group's third rule reads the long-named segment.
      await page.locator(".ruleGroup .ruleGroup").first().getByRole("button", { name: "+ Rule", exact: true }).click();
      const added = page.locator(".ruleGroup .ruleGroup .rule").last();
      await added.getByLabel("Field", { exact: true }).selectOption({ label: "In a segment" });
      await added.getByLabel("Segment", { exact: true }).selectOption({ label: long });
      for (const rule of [missing, added]) {
        const select = await rule.getByLabel("Segment", { exact: true }).boundingBox();
        const remove = await rule.getByRole("button", { name: "Remove this condition" }).boundingBox();
        expect(select!.x + select!.width).toBeLessThanOrEqual(remove!.x);
      }
      await page.locator(".rule-builder").screenshot({ path: join(screenshotsDir, "segments-builder-long-segment-names.png") });
    } finally {
      await server.store.restoreSegment(read.id);
      await server.store.deleteSegment(longOne.id);
    }
  });

  it("shows a segment's members with the fields its rules test, right after the key", async () => {
    const fiber = await segmentNamed("Fiber churners");
    await page.goto(`${server.url}#/segments/${fiber.id}`);
    const table = page.getByTestId("members-table");
    await table.waitFor({ timeout: 30_000 });
    // The table has nine columns; the schema's first nine had neither internet_service nor churn.
    const headers = (await table.locator("thead th").allInnerTexts()).map((h) => h.replace(/[^A-Za-z_]/g, "").toLowerCase()).filter((h) => h !== "" && h !== "actions");
    expect(headers.slice(0, 3)).toEqual(["customer_id", "internet_service", "churn"]);
    const first = table.locator("tbody tr").first();
    expect(await first.innerText()).toMatch(/Fiber optic\s+true/);
    await cleanShot(page, "segments-page-members-rule-fields");
  });

  it("says what a reader does in the number it has, and where the builder is on a phone", async () => {
    const read = await segmentNamed("Big UK spenders");
    await page.goto(`${server.url}#/segments`);
    await page.getByTestId("segments-table").waitFor({ timeout: 30_000 });
    await page.getByRole("row", { name: /Big UK spenders/ }).getByRole("button", { name: /^Delete/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Another segment reads this one").waitFor();
    expect(await dialog.innerText()).toContain("Edit it first, or delete anyway: it then stops updating and says which segment it misses.");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect((await server.store.getSegment(read.id)).name).toBe("Big UK spenders");

    // The builder is above the text on a phone, beside it on a wide screen: the hint names it instead.
    await page.goto(`${server.url}#/segments/new`);
    await page.evaluate(() => window.sessionStorage.clear());
    await page.reload();
    await page.getByTestId("segment-name").waitFor();
    expect(await page.locator(".cm-placeholder").innerText()).not.toMatch(/on the left/);

    // The contact search's example names no field: the demo has no name, city or tag (it named all three).
    await page.getByTestId("dynamic-switch").click();
    const search = page.getByLabel("Search any field");
    await search.waitFor();
    expect(await search.getAttribute("placeholder")).toBe("a key, any value, or part of one…");
  });
});
