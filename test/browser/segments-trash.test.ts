/**
 * Deleting and restoring in the segments web app, in real headless Chromium against `segql serve`
 * (in-process, a temporary DuckDB database with the demo):
 * - a delete from the table says "Deleted “X”." with Undo, which brings it back in the table with its
 *   members (a static list's own keys; the segment reading it counts them again), all with the keyboard;
 * - a delete from a segment's page lands on the table with the same Undo, which goes back to the page; its
 *   history names the deleted and restored versions in words;
 * - Recently deleted (linked from the table) lists what was deleted (kind, members when deleted, when, by
 *   whom), restores with a notice linking to the segment, deletes forever after a confirmation naming it,
 *   says what it is for when empty, and pages with "Load more" without skipping a row after a restore;
 * - a restore whose name another segment has taken meanwhile says so and restores under another name
 *   (a name taken too is said under the field);
 * - the page and the notice fit a 390px phone.
 * Every count shown is compared with the store's. No request leaves the server's origin.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/store/index.js";
import { hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegments, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: undo a delete, Recently deleted (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
    // Changes are signed with this name: the trash says who deleted what.
    await page.goto(`${server.url}#/segments`);
    await page.getByTestId("who").fill("Ana from QA");
  });

  // The 409s and 404s asked for on purpose show in the console as failed resources, nothing else may.
  afterAll(() => closeSegmentsSession(session));

  const byName = async (name: string) => (await server.store.listSegments({ search: name })).items.find((s) => s.name === name)!;
  const rowNames = () => page.getByTestId("segment-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")));
  const trashNames = () => page.getByTestId("trash-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")));
  const memberKeys = async (id: number) => (await server.store.members(id, { limit: 1000 })).items.map((c) => String(c[server.store.schema.key])).sort();
  const shownCount = async (row: string) => Number((await page.locator(`[data-testid=segment-row][data-name="${row}"]`).getByTestId("member-count").textContent())!.replace(/,/g, ""));

  it("undoes a delete from the table with the keyboard: the static list is back with its own members, and its reader counts them again", async () => {
    const vip = await byName("VIP list");
    const reader = await byName("VIPs and big spenders");
    const keys = await memberKeys(vip.id);
    expect(keys.length).toBe(vip.memberCount);
    await openSegments(page, server.url);

    // Delete with the keyboard: the row's Delete, then "Delete anyway" (another segment reads it), then confirm.
    await page.getByRole("button", { name: `Delete ${vip.name}`, exact: true }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByTestId("delete-dialog");
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("It moves to Recently deleted with its list of 7 members and its version history");
    await dialog.getByTestId("force-delete").focus();
    await page.keyboard.press("Space");
    await dialog.getByTestId("confirm-delete").focus();
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "detached" });

    const notice = page.getByTestId("undo-notice");
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/^Deleted “VIP list”\.UndoIt is kept in Recently deleted\./);
    await expect.poll(rowNames).not.toContain(vip.name);
    await expect(server.store.getSegment(vip.id)).rejects.toBeInstanceOf(NotFoundError);
    // The notice has the focus (the row whose button had it is gone): Tab reaches Undo next.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("undo-notice");
    await cleanShot(page, "segments-undo-delete");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Undo");
    await page.keyboard.press("Enter");

    await expect.poll(() => notice.textContent()).toMatch(/^Restored “VIP list”\./);
    await expect.poll(rowNames).toContain(vip.name);
    const back = await server.store.getSegment(vip.id);
    expect(back.memberCount).toBe(vip.memberCount);
    expect(await memberKeys(vip.id)).toEqual(keys);
    expect(await shownCount(vip.name)).toBe(back.memberCount);
    // The segment reading it knows it again and counts as before.
    const readerNow = await server.store.getSegment(reader.id);
    expect(readerNow.problems).toEqual([]);
    expect(readerNow.memberCount).toBe(reader.memberCount);
    expect(await shownCount(reader.name)).toBe(reader.memberCount);
    // The notice's link opens it.
    await notice.getByRole("link", { name: "“VIP list”" }).click();
    await page.waitForURL(new RegExp(`#/segments/${vip.id}$`));
  });

  it("undoes a delete made on the segment's page by going back to the page; the history says deleted and restored in words", async () => {
    const loyal = await byName("Loyal on contract");
    await page.goto(`${server.url}#/segments/${loyal.id}`);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByTestId("confirm-delete").click();
    await page.waitForURL(/#\/segments$/);
    const notice = page.getByTestId("undo-notice");
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/^Deleted “Loyal on contract”\./);
    await expect(server.store.getSegment(loyal.id)).rejects.toBeInstanceOf(NotFoundError);

    await notice.getByTestId("undo-delete").click();
    await page.waitForURL(new RegExp(`#/segments/${loyal.id}$`));
    const back = await server.store.getSegment(loyal.id);
    // A dynamic segment's members are recomputed: the same data, the same members.
    expect(back.memberCount).toBe(loyal.memberCount);
    await expect.poll(() => page.getByTestId("segment-member-count").textContent()).toBe(back.memberCount.toLocaleString("en-US"));
    // Back goes to the table, not to a page of a deleted segment.
    await page.goBack();
    await page.getByTestId("segments-table").waitFor();

    await page.goto(`${server.url}#/segments/${loyal.id}?tab=history`);
    const versions = page.getByTestId("versions");
    await versions.locator(".version").first().waitFor();
    const heads = await versions.locator(".version-head").evaluateAll((hs) => hs.map((h) => h.children[1]!.textContent));
    expect(heads.slice(0, 2)).toEqual(["Restored from Recently deleted", "Deleted (moved to Recently deleted)"]);
    expect(await page.getByTestId("version-diff").textContent()).toBe("Back with the name, description and rules it had when it was deleted.");
    await cleanShot(page, "segments-history-restored");
  });

  it("lists deleted segments on Recently deleted and restores one, with a link to it", async () => {
    const churners = await byName("Fiber churners");
    const refunders = await byName("Frequent refunders");
    await openSegments(page, server.url);
    for (const s of [churners, refunders]) {
      await page.getByRole("button", { name: `Delete ${s.name}`, exact: true }).click();
      // "VIPs and big spenders" reads "Frequent refunders".
      if (s.referencedBy.length > 0) await page.getByTestId("force-delete").check();
      await page.getByTestId("confirm-delete").click();
      await page.getByTestId("delete-dialog").waitFor({ state: "detached" });
      await expect.poll(rowNames).not.toContain(s.name);
    }
    // The last delete's notice only.
    expect(await page.getByTestId("undo-notice").count()).toBe(1);
    expect(await page.getByTestId("undo-notice").textContent()).toMatch(/^Deleted “Frequent refunders”\./);

    await page.getByTestId("recently-deleted").click();
    await page.waitForURL(/#\/segments\/deleted$/);
    const table = page.getByTestId("trash-table");
    await table.waitFor();
    // The latest deletion first, as the store lists them.
    const inStore = (await server.store.listDeletedSegments()).items;
    expect(await trashNames()).toEqual(inStore.map((d) => d.name));
    expect((await trashNames()).slice(0, 2)).toEqual(["Frequent refunders", "Fiber churners"]);
    const row = page.locator('[data-testid=trash-row][data-name="Fiber churners"]');
    // The server keeps a deleted segment 30 days (segql serve's default): the row says the day it goes.
    const deletedAt = inStore.find((d) => d.name === "Fiber churners")!.deletedAt;
    const goes = new Intl.DateTimeFormat("en-GB", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(Date.parse(deletedAt) + 30 * 86_400_000));
    expect(await row.locator("td").evaluateAll((tds) => tds.slice(0, 4).map((t) => t.textContent))).toEqual([
      "Fiber churnersTelco customers on fiber who left.",
      "Dynamic",
      churners.memberCount.toLocaleString("en-US"),
      `just now by Ana from QA · goes for good ${goes}`,
    ]);
    expect(await page.getByTestId("trash-intro").textContent()).toContain("each is deleted forever 30 days after it was deleted");
    await cleanShot(page, "segments-recently-deleted");
    await page.getByTestId("theme-dark").click();
    try {
      await cleanShot(page, "segments-recently-deleted-dark");
    } finally {
      await page.getByTestId("theme-light").click();
    }

    await row.getByRole("button", { name: "Restore Fiber churners", exact: true }).click();
    const notice = page.getByTestId("trash-notice");
    await notice.waitFor();
    const back = await server.store.getSegment(churners.id);
    expect(await notice.textContent()).toBe(`Restored “Fiber churners” with ${back.memberCount.toLocaleString("en-US")} members.✕`);
    // The notice has the focus: the row whose Restore had it is gone.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("trash-notice");
    expect(back.memberCount).toBe(churners.memberCount);
    await expect.poll(trashNames).not.toContain("Fiber churners");
    expect((await server.store.listDeletedSegments()).items.map((d) => d.name)).not.toContain("Fiber churners");
    await notice.getByRole("link", { name: "“Fiber churners”" }).click();
    await page.waitForURL(new RegExp(`#/segments/${churners.id}$`));
    await expect.poll(() => page.getByTestId("segment-member-count").textContent()).toBe(back.memberCount.toLocaleString("en-US"));
  });

  it("deletes forever after a confirmation naming it", async () => {
    const refunders = (await server.store.listDeletedSegments()).items.find((d) => d.name === "Frequent refunders")!;
    await page.goto(`${server.url}#/segments/deleted`);
    await page.getByTestId("trash-table").waitFor();
    await page.getByRole("button", { name: "Delete forever Frequent refunders", exact: true }).click();
    const dialog = page.getByTestId("purge-dialog");
    await dialog.waitFor();
    expect(await dialog.getByRole("heading").textContent()).toBe("Delete “Frequent refunders” forever?");
    expect(await dialog.textContent()).toContain("cannot be restored after this");
    await cleanShot(page, "segments-delete-forever");
    // Cancel keeps it.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await trashNames()).toContain("Frequent refunders");
    await page.getByRole("button", { name: "Delete forever Frequent refunders", exact: true }).click();
    await dialog.getByTestId("confirm-purge").click();
    await dialog.waitFor({ state: "detached" });
    expect(await page.getByTestId("trash-notice").textContent()).toBe("Deleted “Frequent refunders” forever.✕");
    await expect.poll(trashNames).not.toContain("Frequent refunders");
    expect((await server.store.listDeletedSegments()).items.map((d) => d.id)).not.toContain(refunders.id);
    await expect(server.store.restoreSegment(refunders.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("says a segment restored or deleted forever by someone else meanwhile is no longer there; a restored segment that reads a gone one needs attention", async () => {
    const s = await server.store.createSegment({ name: "Gone meanwhile", kind: "dynamic", expression: "tenure > 5" });
    await server.store.deleteSegment(s.id);
    // The last test left the page on Recently deleted, empty: a new address would not reload it.
    await page.goto(`${server.url}#/segments/deleted`);
    await page.reload();
    await page.getByTestId("trash-table").waitFor();
    await server.store.purgeDeletedSegment(s.id);
    await page.getByRole("button", { name: "Restore Gone meanwhile", exact: true }).click();
    await expect.poll(() => page.locator(".problem").textContent()).toBe("Not restored“Gone meanwhile” is no longer in Recently deleted: someone restored it or deleted it forever meanwhile.");
    await expect.poll(trashNames).not.toContain("Gone meanwhile");

    // "VIPs and big spenders" reads "Frequent refunders", deleted forever above: it comes back, and says what it misses.
    const vips = await byName("VIPs and big spenders");
    await openSegments(page, server.url);
    await page.getByRole("button", { name: `Delete ${vips.name}`, exact: true }).click();
    await page.getByTestId("confirm-delete").click();
    await page.getByTestId("undo-delete").click();
    await expect.poll(() => page.getByTestId("undo-notice").textContent()).toMatch(/^Restored/);
    const problem = (await server.store.getSegment(vips.id)).problems[0]!.message;
    expect(problem).toContain("Frequent refunders");
    await expect.poll(() => page.getByTestId("undo-notice").textContent()).toBe(`Restored “VIPs and big spenders”. It needs attention: ${problem}.✕`);
  });

  it("says when the name was taken meanwhile and restores under another name", async () => {
    const big = await byName("Big UK spenders");
    await openSegments(page, server.url);
    await page.getByRole("button", { name: `Delete ${big.name}`, exact: true }).click();
    const dialog = page.getByTestId("delete-dialog");
    await dialog.getByTestId("force-delete").check();
    await dialog.getByTestId("confirm-delete").click();
    await dialog.waitFor({ state: "detached" });
    // Meanwhile, someone gives its name to a new segment, and takes the name the app will suggest too.
    const newcomer = await server.store.createSegment({ name: "Big UK spenders", kind: "dynamic", expression: "tenure > 60" });
    await server.store.createSegment({ name: "Big UK spenders (restored)", kind: "dynamic", expression: "tenure > 61" });

    await page.getByTestId("undo-delete").click();
    const ask = page.getByTestId("restore-as-dialog");
    await ask.waitFor();
    expect(await ask.getByTestId("name-taken").textContent()).toBe("Another segment is called “Big UK spenders” now (Big UK spenders). Names are unique, so this one comes back under another name; you can rename either later.");
    expect(await ask.getByTestId("restore-name").inputValue()).toBe("Big UK spenders (restored)");
    await ask.getByTestId("restore-as").click();
    await expect.poll(() => ask.locator(".field-error").textContent()).toBe("“Big UK spenders (restored)” is taken too (by “Big UK spenders (restored)”). Try another name.");
    // Cancelled: the notice says plainly why it is not back, and offers the way on.
    await ask.getByRole("button", { name: "Cancel" }).click();
    const notice = page.getByTestId("undo-notice");
    expect(await notice.textContent()).toBe("“Big UK spenders” is not back: another segment is called that now (Big UK spenders).Restore under another name✕");
    await notice.getByTestId("restore-renamed").click();
    await ask.getByTestId("restore-name").fill("Big UK spenders 2025");
    await cleanShot(page, "segments-restore-name-taken");
    await ask.getByTestId("restore-name").press("Enter");
    await ask.waitFor({ state: "detached" });
    await expect.poll(() => notice.textContent()).toBe("Restored “Big UK spenders 2025” (was “Big UK spenders”).✕");
    const back = await server.store.getSegment(big.id);
    expect([back.name, back.expression, back.memberCount]).toEqual(["Big UK spenders 2025", big.expression, big.memberCount]);
    await expect.poll(rowNames).toContain("Big UK spenders 2025");
    expect((await server.store.getSegment(newcomer.id)).name).toBe("Big UK spenders");
  });

  it("says what Recently deleted is for when it is empty, and pages with Load more without skipping a row after a restore", async () => {
    for (const d of (await server.store.listDeletedSegments({ limit: 1000 })).items) await server.store.purgeDeletedSegment(d.id);
    await page.goto(`${server.url}#/segments/deleted`);
    const empty = page.getByTestId("trash-empty");
    await empty.waitFor();
    expect(await empty.textContent()).toContain("When you delete a segment, it comes here with its rules or member list and its history");

    // 53 deleted segments: a page of 50, then the rest.
    for (let i = 1; i <= 53; i++) {
      const s = await server.store.createSegment({ name: `Trash page ${String(i).padStart(2, "0")}`, kind: "dynamic", expression: `tenure > ${i}` });
      await server.store.deleteSegment(s.id);
    }
    const all = (await server.store.listDeletedSegments({ limit: 1000 })).items.map((d) => d.name);
    await page.reload();
    await page.getByTestId("trash-table").waitFor();
    expect(await trashNames()).toEqual(all.slice(0, 50));
    // A restore moves the rows after it up by one; the next page must still start where this one ends.
    await page.getByRole("button", { name: `Restore ${all[0]}`, exact: true }).click();
    await page.getByTestId("trash-notice").waitFor();
    await page.getByTestId("trash-more").click();
    await expect.poll(trashNames).toEqual(all.slice(1));
    expect(await page.getByTestId("trash-more").count()).toBe(0);

    // The search asks the server: the names containing "page 1" (10-19), as the store finds them.
    await page.getByTestId("trash-search").fill("PAGE 1");
    const matching = (await server.store.listDeletedSegments({ search: "page 1", limit: 1000 })).items.map((d) => d.name);
    expect(matching).toHaveLength(10);
    await expect.poll(trashNames).toEqual(matching);
    await page.getByTestId("trash-search").fill("no such segment");
    await page.getByTestId("trash-no-match").waitFor();
    await page.getByRole("button", { name: "Clear the search" }).click();
    await expect.poll(trashNames).toEqual(all.slice(1, 51));
  });

  it("drops a next page that arrives after the search changed: the rows stay the new search's", async () => {
    await page.goto(`${server.url}#/segments/deleted`);
    await page.reload();
    await page.getByTestId("trash-table").waitFor();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const nextPage = /\/api\/deleted-segments\?.*cursor=/;
    await page.route(nextPage, async (route) => {
      await held;
      // The page stops the next page it no longer wants (paged-list.ts): the request may be gone by now.
      await route.continue().catch(() => undefined);
    });
    try {
      // The next page ends answered, or aborted by the app as the search changes (it is: nobody waits for it).
      const ended = Promise.race([page.waitForResponse(nextPage), page.waitForEvent("requestfailed", (r) => nextPage.test(r.url()))]);
      await page.getByTestId("trash-more").click();
      await page.getByTestId("trash-search").fill("page 1");
      const matching = (await server.store.listDeletedSegments({ search: "page 1", limit: 1000 })).items.map((d) => d.name);
      await expect.poll(trashNames).toEqual(matching);
      release();
      await ended;
      // Give the page the time to (wrongly) append it.
      await page.waitForTimeout(300);
      expect(await trashNames()).toEqual(matching);
    } finally {
      release();
      await page.unroute(nextPage);
    }
    await page.getByTestId("trash-search").fill("");
    await expect.poll(async () => (await trashNames()).length).toBe(50);
  });

  it("empties the trash after a confirmation that counts the rows not loaded yet", async () => {
    await page.goto(`${server.url}#/segments/deleted`);
    await page.getByTestId("trash-table").waitFor();
    const inTrash = (await server.store.listDeletedSegments({ limit: 1000 })).items.length;
    expect(inTrash).toBeGreaterThan(50);
    await page.getByTestId("empty-trash").click();
    const dialog = page.getByTestId("empty-trash-dialog");
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("Every deleted segment, the 50 listed and those further down, goes for good");
    await cleanShot(page, "segments-empty-trash");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect((await server.store.listDeletedSegments({ limit: 1000 })).items.length).toBe(inTrash);
    await page.getByTestId("empty-trash").click();
    await dialog.getByTestId("confirm-empty-trash").click();
    await dialog.waitFor({ state: "detached" });
    expect(await page.getByTestId("trash-notice").textContent()).toBe(`Emptied the trash: ${inTrash} segments deleted forever.✕`);
    expect((await server.store.listDeletedSegments()).items).toEqual([]);
    await page.getByTestId("trash-empty").waitFor();
    expect(await page.getByTestId("empty-trash").count()).toBe(0);
  });

  it("fits a 390px phone: the table page with its notice, Recently deleted", async () => {
    const phone = await session.context.newPage();
    const phoneErrors = watchErrors(phone);
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      const s = await server.store.createSegment({ name: `A-phone-width-name-without-any-spaces-${"x".repeat(40)}`, kind: "dynamic", expression: "tenure > 3" });
      await openSegments(phone, server.url);
      await phone.getByRole("button", { name: `Delete ${s.name}`, exact: true }).click();
      await phone.getByTestId("confirm-delete").click();
      await phone.getByTestId("undo-notice").waitFor();
      expect(await overflow(), "the table with the Undo notice").toBeLessThanOrEqual(0);
      if (process.env["SEGQL_PHONE_SHOTS"]) await phone.screenshot({ path: `${process.env["SEGQL_PHONE_SHOTS"]}/phone-undo.png` });
      await phone.goto(`${server.url}#/segments/deleted`);
      await phone.getByTestId("trash-table").waitFor();
      expect(await overflow(), "Recently deleted").toBeLessThanOrEqual(0);
      if (process.env["SEGQL_PHONE_SHOTS"]) await phone.screenshot({ path: `${process.env["SEGQL_PHONE_SHOTS"]}/phone-trash.png` });
      expect(phoneErrors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
