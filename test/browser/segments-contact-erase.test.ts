/**
 * Erasing a contact from its page (#/contacts/{key}: Delete contact, "Also erase its history"), in real
 * headless Chromium against `segql serve` (in-process, a temporary DuckDB database with the demo):
 * - the dialog offers the checkbox, unchecked, with a line saying what is lost (its description);
 * - checked, the confirm button says so, and the store then holds nothing of the contact's history: its
 *   change-feed rows are there without the key (same numbers), its log is empty; the toast says it erased;
 * - the segment page's feed shows such a row as "erased contact";
 * - unchecked (the default), a deletion keeps the history, as before;
 * - it fits a 390px phone. Screenshots: desktop and phone, the box checked.
 */
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, screenshot, screenshotOf, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: erasing a contact (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;
  /** The bodies of the deletions the page sent. */
  const deletions: unknown[] = [];

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
    page.on("request", (r: Request) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === "/api/contacts/delete") deletions.push(r.postDataJSON());
    });
    await page.goto(`${server.url}#/segments`);
  }, 180_000);
  afterAll(() => closeSegmentsSession(session));

  const segmentNamed = async (name: string) => (await server.store.listSegments({ search: name })).items.find((s) => s.name === name)!;
  /** A member of "VIP list" (hand-picked, so it is in segments reading it too) that has a feed history. */
  async function vipWithHistory(skip: readonly string[]): Promise<string> {
    const vip = await segmentNamed("VIP list");
    const key = (await server.store.members(vip.id, { limit: 100 })).items.map((c) => String(c["customer_id"])).find((k) => /^\d+$/.test(k) && !skip.includes(k))!;
    expect((await server.store.contactChanges(key)).items.length).toBeGreaterThan(0);
    return key;
  }
  async function openDeleteDialog(p: Page, key: string) {
    await p.goto(`${server.url}#/segments`);
    await p.goto(`${server.url}#/contacts/${encodeURIComponent(key)}`);
    await p.getByTestId("contact-values").waitFor({ timeout: 30_000 });
    await p.getByTestId("delete-contact").click();
    const dialog = p.getByTestId("delete-contact-dialog");
    await dialog.waitFor();
    return dialog;
  }

  it("erases the contact's history when the box is ticked: the feed keeps its rows without the key, the toast says so", async () => {
    const key = await vipWithHistory([]);
    const before = await server.store.getContact(key);
    const ownRows = (await server.store.changes({ since: 0, limit: 10_000 })).items.filter((c) => c.key === key);
    const dialog = await openDeleteDialog(page, key);
    const box = page.getByRole("checkbox", { name: "Also erase its history (for an erasure request)" });
    expect(await box.isChecked()).toBe(false);
    // What is lost, read with the box (its description).
    const note = await page.locator(`#${await box.getAttribute("aria-describedby")}`).textContent();
    expect(note).toContain("without its key");
    expect(await page.getByTestId("confirm-delete-contact").textContent()).toBe("Delete contact");
    await box.check();
    expect(await page.getByTestId("confirm-delete-contact").textContent()).toBe("Delete and erase");
    expect(await dialog.textContent()).toContain("its history cannot be looked up again");
    await cleanShot(page, "segments-contact-erase");

    await page.getByTestId("confirm-delete-contact").click();
    await page.getByTestId("contacts-table").waitFor();
    expect(deletions.at(-1)).toEqual({ keys: [key], erase: true });
    expect((await server.store.findContactKeys([key])).known).toEqual([]);
    expect(await server.store.contactChanges(key)).toEqual({ items: [], next: null });
    // Every row it had, and one exit per segment it was in, are in the feed with the same numbers and no key.
    const feed = await server.store.changes({ since: 0, limit: 10_000 });
    const erased = feed.items.filter((c) => c.key === "");
    expect(erased.slice(0, ownRows.length)).toEqual(ownRows.map((c) => ({ ...c, key: "" })));
    expect(erased.length).toBe(ownRows.length + before.segments.length);
    const toast = await page.locator(".toast").last().textContent();
    expect(toast).toContain(`Deleted “${key}” and its ${before.eventCount.toLocaleString("en-US")} events, and erased its history; it left `);

    // The segment's feed shows the exit without a key.
    const vip = await segmentNamed("VIP list");
    await page.goto(`${server.url}#/segments/${vip.id}?tab=activity`);
    const first = page.getByTestId("feed").locator("li").first();
    await first.waitFor({ timeout: 30_000 });
    expect(await first.textContent()).toMatch(/^exited erased contact/);
    await page.mouse.move(1, 1);
    await screenshotOf(page.locator("section[aria-labelledby=feed-title]"), "segments-contact-erase-feed");
  });

  it("without the box, the deletion keeps the contact's history, as before", async () => {
    const key = await vipWithHistory([]);
    await openDeleteDialog(page, key);
    await page.getByTestId("confirm-delete-contact").click();
    await page.getByTestId("contacts-table").waitFor();
    expect(deletions.at(-1)).toEqual({ keys: [key] });
    expect((await server.store.contactChanges(key)).items.length).toBeGreaterThan(0);
  });

  it("fits a 390px phone", async () => {
    const key = await vipWithHistory([]);
    const phone = await session.context.newPage();
    const errors = watchErrors(phone);
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await openDeleteDialog(phone, key);
      await phone.getByTestId("erase-contact").check();
      expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      await phone.mouse.move(1, 1);
      await screenshot(phone, "segments-contact-erase-phone");
      await phone.keyboard.press("Escape");
      expect((await server.store.findContactKeys([key])).known).toEqual([key]);
      expect(errors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
