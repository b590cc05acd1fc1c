/**
 * What a QA pass found in the segments web app, in real headless Chromium against `segql serve`
 * (in-process, a temporary DuckDB database with the demo):
 * - a double-click on Duplicate (the table's and the segment page's) makes one copy, and one on "Make
 *   static" then on its confirmation converts once; a dialog is not closed by the second click of the
 *   double-click that opened it, nor by any click outside it (Escape and Cancel close it);
 * - a name or description longer than the server takes is said at the field and not sent (it was cut to
 *   200 characters without a word);
 * - a 200-character name without spaces wraps wherever it is printed (the contact's "Saved … It entered …"
 *   note made the page 2,056px wide), and a toast is a few lines high and goes with the page it was about;
 * - a long text scrolls inside its editor, the builder says why it cannot show 3,000 conditions, and follows
 *   a long text once typing pauses rather than on every key;
 * - an empty segment's page says what to do (edit the rules; add contacts to the list), not "No members yet.";
 * - on a 390px phone the segments table's rows are cards with their actions in view, and all six tabs of a
 *   segment's page show.
 * No request leaves the server's origin.
 */
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, openNew, openSegments, openSegmentsSession, typeText, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: what the QA pass found (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;
  /** The writes the page sent (method and path), in order. */
  const writes: string[] = [];

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
    page.on("request", (r: Request) => {
      if (r.method() !== "GET" && r.url().includes("/api/")) writes.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
  });

  afterAll(() => closeSegmentsSession(session));

  const byName = async (name: string) => (await server.store.listSegments({ search: name, limit: 1000 })).items.filter((s) => s.name.startsWith(name));
  /** Pastes `text` into the editor as a paste from the clipboard does (the editor replaces its selection). */
  const paste = (p: Page, text: string) =>
    p.locator(".cm-content").evaluate((content, t) => {
      const data = new DataTransfer();
      data.setData("text/plain", t);
      content.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    }, text);
  const overflow = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  it("makes one copy per double-click on Duplicate, in the table and on a segment's page", async () => {
    const [fiber] = await byName("Fiber churners");
    await openSegments(page, server.url);
    writes.length = 0;
    await page.getByRole("button", { name: "Duplicate Fiber churners", exact: true }).dblclick();
    await page.getByTestId("toast").filter({ hasText: "Duplicated as" }).waitFor();
    expect(writes).toEqual([`POST /api/segments/${fiber!.id}/duplicate`]);
    expect((await byName("Copy of Fiber churners")).map((s) => s.name)).toEqual(["Copy of Fiber churners"]);

    await page.goto(`${server.url}#/segments/${fiber!.id}`);
    await page.getByTestId("segment-member-count").waitFor();
    writes.length = 0;
    await page.getByTestId("duplicate").dblclick();
    await page.waitForURL((u) => !u.hash.endsWith(`/segments/${fiber!.id}`));
    await page.getByTestId("toast").filter({ hasText: "Duplicated as" }).waitFor();
    expect(writes).toEqual([`POST /api/segments/${fiber!.id}/duplicate`]);
    expect((await byName("Copy of Fiber churners")).length).toBe(2);
  });

  it("keeps a dialog opened by a double-click open, closes it by Escape or Cancel only, and converts once per double-click", async () => {
    const [loyal] = await byName("Loyal on contract");
    await page.goto(`${server.url}#/segments/${loyal!.id}`);
    await page.getByTestId("segment-member-count").waitFor();
    // The second click lands on the backdrop of the dialog the first one opened: it stays.
    await page.getByTestId("convert").dblclick();
    const dialog = page.getByTestId("convert-dialog");
    await dialog.waitFor();
    await page.mouse.click(5, 300);
    expect(await dialog.isVisible()).toBe(true);
    await cleanShot(page, "segments-make-static-dblclick");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    // Cancel closes it too; the focus is back on the button that opened it.
    await page.getByTestId("convert").click();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("convert");

    await page.getByTestId("convert").click();
    writes.length = 0;
    await dialog.getByTestId("confirm-convert").dblclick();
    await dialog.waitFor({ state: "detached" });
    await page.getByTestId("toast").filter({ hasText: "is now a static list" }).waitFor();
    expect(writes).toEqual([`POST /api/segments/${loyal!.id}/convert-to-static`]);
    expect((await server.store.getSegment(loyal!.id)).kind).toBe("static");
  });

  it("sends one request per double-click on Restore, Delete forever, Empty the trash and Record the event", async () => {
    const gone = await Promise.all(["Big UK spenders", "Signed up in the last year", "Frequent refunders"].map(async (n) => (await byName(n))[0]!));
    for (const s of gone) await server.store.deleteSegment(s.id, { force: true });
    await page.goto(`${server.url}#/segments/deleted`);
    await page.getByTestId("trash-table").waitFor();
    writes.length = 0;
    await page.getByRole("button", { name: `Restore ${gone[0]!.name}`, exact: true }).dblclick();
    await page.getByTestId("trash-notice").waitFor();
    expect(writes).toEqual([`POST /api/deleted-segments/${gone[0]!.id}/restore`]);

    writes.length = 0;
    await page.getByRole("button", { name: `Delete forever ${gone[1]!.name}`, exact: true }).click();
    await page.getByTestId("confirm-purge").dblclick();
    await page.getByTestId("purge-dialog").waitFor({ state: "detached" });
    expect(writes).toEqual([`DELETE /api/deleted-segments/${gone[1]!.id}`]);

    writes.length = 0;
    await page.getByTestId("empty-trash").click();
    await page.getByTestId("confirm-empty-trash").dblclick();
    await expect.poll(() => page.getByTestId("trash-notice").textContent()).toMatch(/^Emptied the trash/);
    expect(writes).toEqual(["DELETE /api/deleted-segments"]);

    const [fiber] = await byName("Fiber churners");
    const key = String((await server.store.members(fiber!.id, { limit: 1 })).items[0]!["customer_id"]);
    const events = (await server.store.getContact(key)).eventCount;
    await page.goto(`${server.url}#/contacts/${encodeURIComponent(key)}`);
    await page.getByTestId("record-event").click();
    writes.length = 0;
    await page.getByTestId("save-event").dblclick();
    await page.getByTestId("write-news").waitFor();
    expect(writes).toEqual(["POST /api/events"]);
    expect((await server.store.getContact(key)).eventCount).toBe(events + 1);
  });

  it("says a name or description is too long at its field and sends nothing (it was cut to 200 characters)", async () => {
    await openNew(page, server.url);
    const name = "n".repeat(300);
    await page.getByTestId("segment-name").fill(name);
    // The field holds all of it, and says why it cannot be saved.
    expect(await page.getByTestId("segment-name").inputValue()).toBe(name);
    expect(await page.getByTestId("name-error").textContent()).toBe("A name has at most 200 characters (this one has 300).");
    expect(await page.getByTestId("name-error").getAttribute("role")).toBe("alert");
    expect(await page.getByTestId("segment-name").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByTestId("segment-name").getAttribute("aria-describedby")).toBe("name-error");
    await typeText(page, "tenure > 12");
    await page.getByTestId("segment-description").fill("d".repeat(10_001));
    expect(await page.getByTestId("description-error").textContent()).toBe("A description has at most 10,000 characters (this one has 10,001).");
    await cleanShot(page, "segments-name-too-long");
    writes.length = 0;
    await page.getByTestId("save").click();
    // Nothing sent; the name, the first field in the way, has the focus.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("segment-name");
    expect(page.url()).toMatch(/#\/segments\/new$/);
    expect(writes).toEqual([]);
    // Made short enough, it saves as typed.
    await page.getByTestId("segment-name").fill("n".repeat(200));
    expect(await page.getByTestId("name-error").count()).toBe(0);
    await page.getByTestId("segment-description").fill("Short.");
    await page.getByTestId("save").click();
    await page.waitForURL(/#\/segments\/\d+$/);
    expect((await byName("n".repeat(200))).map((s) => s.name)).toEqual(["n".repeat(200)]);
  });

  it("wraps a 200-character name wherever it is printed, keeps a toast a few lines high and drops it with the page it was about", async () => {
    const long = "L".repeat(200);
    const seg = await server.store.createSegment({ name: long, kind: "dynamic", expression: "tenure = 4242" });
    const [fiber] = await byName("Fiber churners");
    const key = String((await server.store.members(fiber!.id, { limit: 1 })).items[0]!["customer_id"]);

    // The contact's note after a save: "Saved tenure. It entered LLLL…".
    await page.goto(`${server.url}#/contacts/${encodeURIComponent(key)}`);
    await page.getByTestId("contact-values").waitFor({ timeout: 30_000 });
    await page.getByTestId("edit-values").click();
    await page.locator('[data-field-input="tenure"]').fill("4242");
    await page.getByTestId("save-values").click();
    await page.getByTestId("news-entered").waitFor();
    expect(await page.getByTestId("news-entered").textContent()).toContain(long);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await cleanShot(page, "segments-contact-long-name");

    // The pages and dialogs that print it, on a desktop and on a phone.
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await openSegments(page, server.url);
      expect(await overflow(page), `the table at ${width}px`).toBeLessThanOrEqual(0);
      await page.goto(`${server.url}#/segments/${seg.id}`);
      await page.getByTestId("segment-member-count").waitFor();
      expect(await overflow(page), `its page at ${width}px`).toBeLessThanOrEqual(0);
      await page.getByRole("button", { name: "Delete", exact: true }).click();
      await page.getByTestId("delete-dialog").waitFor();
      expect(await page.getByTestId("delete-dialog").evaluate((d) => d.scrollWidth - d.clientWidth)).toBeLessThanOrEqual(0);
      await page.keyboard.press("Escape");
      await page.goto(`${server.url}#/segments/${seg.id}/edit`);
      await page.getByTestId("segment-name").waitFor();
      expect(await overflow(page), `its form at ${width}px`).toBeLessThanOrEqual(0);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // A toast with a long name is four lines at most, its whole text still there for screen readers.
    await openSegments(page, server.url);
    await page.getByRole("button", { name: `Duplicate ${long}`, exact: true }).click();
    const toast = page.getByTestId("toast").filter({ hasText: "Duplicated as" });
    await toast.waitFor();
    expect(await toast.textContent()).toContain(`Copy of ${"L".repeat(180)}`);
    const lineHeight = await toast.locator(".toast-text").evaluate((t) => parseFloat(getComputedStyle(t).lineHeight));
    expect((await toast.boundingBox())!.height).toBeLessThan(lineHeight * 4 + 30);
    await page.screenshot({ path: "/tmp/h9/toast.png" });
    // It was about the table: on another page it is gone.
    await page.getByRole("link", { name: "Contacts", exact: true }).click();
    await page.waitForURL(/#\/contacts$/);
    expect(await page.getByTestId("toast").count()).toBe(0);
  });

  it("scrolls a long text inside its editor, says why the builder does not show 3,000 conditions, and reads a long text again once typing pauses", async () => {
    await openNew(page, server.url);
    const text = Array.from({ length: 3000 }, (_, i) => `tenure > ${i}`).join(" or\n");
    await paste(page, text);
    await expect.poll(() => page.getByTestId("builder-paused").textContent()).toBe("The builder shows up to 400 conditions and this expression has 3,000: edit it as text.");
    const box = await page.locator(".editor-card .cm-editor").boundingBox();
    expect(box!.height).toBeLessThanOrEqual((await page.evaluate(() => window.innerHeight)) * 0.7 + 1);
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(3000);
    await cleanShot(page, "segments-long-text");

    // Under 400 conditions the builder shows it, and follows a key typed once typing pauses, not at once.
    const shorter = Array.from({ length: 300 }, (_, i) => `tenure > ${i}`).join(" or\n");
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+a");
    await paste(page, shorter);
    await expect.poll(() => page.getByTestId("builder").getAttribute("data-catching-up")).toBe(null);
    expect(await page.getByTestId("builder-paused").count()).toBe(0);
    // Whether the builder waited for the pause after the key (it is watched, not timed).
    await page.getByTestId("builder").evaluate((b) => {
      const w = window as unknown as { builderWaited: boolean };
      w.builderWaited = false;
      new MutationObserver(() => (w.builderWaited ||= b.getAttribute("data-catching-up") === "true")).observe(b, { attributes: true });
    });
    await page.keyboard.press("Control+End");
    await page.keyboard.type("1");
    await expect.poll(() => page.getByTestId("builder").getAttribute("data-catching-up")).toBe(null);
    expect(await page.evaluate(() => (window as unknown as { builderWaited: boolean }).builderWaited)).toBe(true);
    expect(await page.locator('[data-rule-id] input[aria-label^="Value of tenure"]').last().inputValue()).toBe("2991");
    // A key typed just before a reload, before the pause, is in the draft that comes back.
    await page.keyboard.type("2");
    await page.reload();
    await page.getByTestId("draft-restored").waitFor();
    expect(await page.evaluate(() => (JSON.parse(window.sessionStorage.getItem("segql-draft:new")!) as { text: string }).text)).toBe(`${shorter}12`);
  });

  it("says what to do on an empty segment's page: a dynamic one's rules match no one now, a static list has no one picked", async () => {
    const nobody = await server.store.createSegment({ name: "Nobody yet", kind: "dynamic", expression: "tenure > 100000" });
    const list = await server.store.createSegment({ name: "Empty list", kind: "static" });
    await page.goto(`${server.url}#/segments/${nobody.id}`);
    const empty = page.getByTestId("members-empty");
    await expect.poll(() => empty.textContent()).toContain("No contact matches these rules now; contacts join as soon as they do.");
    expect(await empty.getByRole("link", { name: "Edit the rules" }).getAttribute("href")).toBe(`#/segments/${nobody.id}/edit`);
    await page.goto(`${server.url}#/segments/${list.id}`);
    await expect.poll(() => page.getByTestId("members-empty").textContent()).toContain("No members yet: this is a list you pick.");
    expect(await page.getByTestId("members-empty").getByRole("link", { name: "Add contacts to it" }).getAttribute("href")).toBe(`#/segments/${list.id}/edit`);
  });

  it("lays the segments table out as cards on a 390px phone, with every row's actions in view, and shows all six tabs", async () => {
    const phone = await page.context().newPage();
    const errors = watchErrors(phone);
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await openSegments(phone, server.url);
      expect(await overflow(phone)).toBeLessThanOrEqual(0);
      const rights = await phone.getByTestId("segment-row").evaluateAll((rows) => rows.map((r) => Math.max(...[...r.querySelectorAll("button, a, .badge, td")].map((e) => e.getBoundingClientRect().right))));
      expect(Math.max(...rights)).toBeLessThanOrEqual(390);
      // Sorting is still there, above the cards.
      await phone.getByTestId("sort-name").click();
      const firstByName = (await server.store.listSegments({ orderBy: "name", limit: 1 })).items[0]!.name;
      await expect.poll(() => phone.getByTestId("segment-row").first().getAttribute("data-name")).toBe(firstByName);
      await cleanShot(phone, "segments-list-phone");
      const header = await phone.locator(".app-header").boundingBox();
      expect(header!.height).toBeLessThan(100);

      const [fiber] = await byName("Fiber churners");
      await phone.goto(`${server.url}#/segments/${fiber!.id}`);
      await phone.getByTestId("segment-member-count").waitFor();
      const tabs = await phone.getByRole("tab").evaluateAll((ts) => ts.map((t) => t.getBoundingClientRect()).map((r) => ({ left: r.left, right: r.right })));
      expect(tabs.length).toBe(6);
      for (const t of tabs) expect(t.left >= 0 && t.right <= 390).toBe(true);
      await cleanShot(phone, "segments-tabs-phone");
      expect(errors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
