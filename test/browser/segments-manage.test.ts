/**
 * The segments web app in real headless Chromium against `segql serve` (in-process, a temporary DuckDB
 * database with the demo): managing segments.
 * - the table: search, sort by every column (the order the API gives), duplicate;
 * - delete with confirmation, the readers listed, and the refused delete (a reader appeared meanwhile);
 * - the 412 flow with two browser contexts: the second save says "changed by someone else since you
 *   opened it", shows both versions, keeps what was typed, and saving over it keeps the other's change;
 * - creating a segment with the keyboard alone;
 * - the segment page: members searched and sorted, SQL per dialect equal to the API's, why / why not,
 *   version history with diffs, the member count chart and the entered / exited feed;
 * - light and dark themes; the empty state.
 * No request leaves the server's origin. Screenshots of each page go to docs/screenshots/.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffSegments } from "../../src/analysis/index.js";
import { NotFoundError } from "../../src/store/index.js";
import { guardedContext, hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, editorText, openSegments, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

const n = (x: number) => x.toLocaleString("en-US");

describe.skipIf(!hasChromium)(`segments web app: managing segments (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, browser, page } = session);
  });

  // No request left the origin; 404s and 409s the pages asked for on purpose show in the console as failed
  // resources, nothing else may.
  afterAll(() => closeSegmentsSession(session));

  const names = () => page.getByTestId("segment-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")));

  it("lists the segments, searches them by name and sorts by every column as the API does", async () => {
    await openSegments(page, server.url);
    await cleanShot(page, "segments-list");
    // Each header sorts (first click: names A→Z, numbers and dates largest first; again: reversed); the
    // rows are in the order the API gives for the sort the header says it shows.
    const shown = async (column: string) => {
      const dir = await page.locator("th", { has: page.getByTestId(`sort-${column}`) }).getAttribute("aria-sort");
      return { orderBy: column as "name", descending: dir === "descending" };
    };
    for (const column of ["name", "description", "kind", "memberCount", "updatedAt"]) {
      for (let click = 0; click < 2; click++) {
        await page.getByTestId(`sort-${column}`).click();
        const order = await shown(column);
        const want = (await server.store.listSegments(order)).items.map((x) => x.name);
        await expect.poll(names).toEqual(want);
      }
    }
    await page.getByTestId("segment-search").fill("SPEND");
    await expect.poll(names).toEqual((await server.store.listSegments({ search: "spend", ...(await shown("updatedAt")) })).items.map((x) => x.name));
    await page.getByTestId("segment-search").fill("no such segment");
    await page.getByTestId("empty-state").waitFor();
    await page.getByTestId("segment-search").fill("");
    await page.getByTestId("segments-table").waitFor();
    // By type: the rows are the store's segments of that kind, in the same order; with the search too.
    for (const kind of ["static", "dynamic"] as const) {
      await page.getByTestId("segment-kind").selectOption(kind);
      await expect.poll(names).toEqual((await server.store.listSegments({ kind, ...(await shown("updatedAt")) })).items.map((x) => x.name));
    }
    await page.getByTestId("segment-search").fill("VIP");
    await expect.poll(names).toEqual((await server.store.listSegments({ kind: "dynamic", search: "VIP", ...(await shown("updatedAt")) })).items.map((x) => x.name));
    await page.getByTestId("segment-kind").selectOption("static");
    await page.getByTestId("segment-search").fill("spend");
    await expect.poll(() => page.getByTestId("empty-state").locator("h2").textContent()).toBe("No static segment matches “spend”");
    await page.getByTestId("empty-state").getByRole("button", { name: "Show all types" }).click();
    await expect.poll(names).toEqual((await server.store.listSegments({ search: "spend", ...(await shown("updatedAt")) })).items.map((x) => x.name));
    await page.getByTestId("segment-search").fill("");
    await page.getByTestId("segments-table").waitFor();
  });

  it("duplicates a segment from the table", async () => {
    const source = (await server.store.listSegments({ search: "Loyal on contract" })).items[0]!;
    await page.getByRole("button", { name: `Duplicate ${source.name}`, exact: true }).click();
    await expect.poll(names).toContain(`Copy of ${source.name}`);
    const copy = (await server.store.listSegments({ search: `Copy of ${source.name}` })).items[0]!;
    expect(copy.expression).toBe(source.expression);
    expect(copy.memberCount).toBe(source.memberCount);
    expect(await page.getByTestId("toast").last().textContent()).toContain(`Copy of ${source.name}`);
    const row = page.locator(`[data-testid=segment-row][data-name="Copy of ${source.name}"]`);
    expect(await row.getByTestId("member-count").textContent()).toBe(n(source.memberCount));
    // Its history says where it came from.
    await page.goto(`${server.url}#/segments/${copy.id}?tab=history`);
    await expect.poll(() => page.getByText(/^Created as a copy of/).first().textContent()).toBe(`Created as a copy of “${source.name}” (version ${source.version})`);
    await page.goto(`${server.url}#/segments`);
  });

  it("deletes after confirmation, lists the segments that read one, and shows a refused delete", async () => {
    const target = (await server.store.listSegments({ search: "Fiber churners" })).items[0]!;
    await page.getByRole("button", { name: `Delete ${target.name}`, exact: true }).click();
    const dialog = page.getByTestId("delete-dialog");
    await dialog.waitFor();
    await dialog.getByTestId("confirm-delete").click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(names).not.toContain(target.name);
    await expect(server.store.getSegment(target.id)).rejects.toBeInstanceOf(NotFoundError);

    // A segment others read: the dialog lists them, and a plain delete is not offered.
    const vip = (await server.store.listSegments({ search: "VIP list" })).items[0]!;
    await page.getByRole("button", { name: `Delete ${vip.name}`, exact: true }).click();
    await dialog.waitFor();
    expect(await dialog.getByTestId("referenced-by").textContent()).toContain("VIPs and big spenders");
    expect(await dialog.getByTestId("confirm-delete").isDisabled()).toBe(true);
    await cleanShot(page, "segments-delete-referenced");
    await dialog.getByRole("button", { name: "Cancel" }).click();

    // A reader that appears after the table was loaded: the server refuses, and the dialog says so.
    const solo = await server.store.createSegment({ name: "Solo", kind: "dynamic", expression: "tenure > 70" });
    await page.reload();
    await page.getByTestId("segments-table").waitFor();
    await page.getByRole("button", { name: "Delete Solo", exact: true }).click();
    await dialog.waitFor();
    await server.store.createSegment({ name: "Reads solo", kind: "dynamic", expression: 'in segment "Solo" and senior_citizen' });
    await dialog.getByTestId("confirm-delete").click();
    const refused = dialog.getByTestId("delete-refused");
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/Not deleted\. Since this page was loaded, another segment started reading it/);
    expect(await dialog.getByTestId("referenced-by").textContent()).toContain("Reads solo");
    await cleanShot(page, "segments-delete-refused");
    expect((await server.store.getSegment(solo.id)).name).toBe("Solo");
    await dialog.getByRole("button", { name: "Cancel" }).click();
  });

  it("says 'changed by someone else since you opened it' on a stale save (two browser contexts), keeping both changes", async () => {
    const s = (await server.store.listSegments({ search: "Frequent refunders" })).items[0]!;
    const other = await guardedContext(browser, server.url);
    const ana = await other.context.newPage();
    const anaErrors = watchErrors(ana);
    try {
      // Both open the edit form of the same version; Ana signs her changes.
      await ana.goto(`${server.url}#/segments`);
      await ana.getByTestId("who").fill("Ana");
      await ana.goto(`${server.url}#/segments/${s.id}/edit`);
      await page.goto(`${server.url}#/segments/${s.id}/edit`);
      await ana.getByTestId("segment-description").waitFor();
      await page.getByTestId("segment-description").waitFor();
      // Ana changes the description and saves first.
      await ana.getByTestId("segment-description").fill("Shop customers with three refunds or more (checked by Ana).");
      await ana.getByTestId("save").click();
      await ana.waitForURL(/#\/segments\/\d+$/);
      // This one changes the rule and saves over a version that is gone.
      await page.locator(".cm-content").click();
      await page.keyboard.press("Control+a");
      await page.keyboard.insertText('performed "Refund" at least 4 times');
      await page.getByTestId("save").click();
      const dialog = page.getByTestId("conflict-dialog");
      await dialog.waitFor();
      expect(await dialog.getByRole("heading").first().textContent()).toBe("Changed by someone else since you opened it");
      expect(await dialog.textContent()).toMatch(/now at version \d+, saved .* by Ana/);
      expect(await dialog.getByTestId("theirs-description").textContent()).toContain("checked by Ana");
      expect(await dialog.getByTestId("mine-expression").textContent()).toContain("at least 4 times");
      expect(await dialog.getByTestId("theirs-expression").textContent()).toContain("at least 3 times");
      await cleanShot(page, "segments-conflict");
      // Nothing was written, nothing typed was lost.
      expect((await server.store.getSegment(s.id)).expression).toBe(s.expression);
      expect(await editorText(page)).toBe('performed "Refund" at least 4 times');
      await dialog.getByTestId("overwrite").click();
      await page.waitForURL(/#\/segments\/\d+$/);
      const after = await server.store.getSegment(s.id);
      expect(after.expression).toBe('performed "Refund" at least 4 times');
      expect(after.description).toContain("checked by Ana");
      expect(after.version).toBe(s.version + 2);
      expect(anaErrors).toEqual([]);
    } finally {
      await other.context.close();
      expect(other.external).toEqual([]);
    }
  });

  it("creates a segment with the keyboard alone", async () => {
    await openSegments(page, server.url);
    await page.evaluate(() => window.sessionStorage.clear());
    // From the top of the page: the skip link, the brand and nav, the theme switch, then the page.
    await page.locator("body").press("Tab");
    for (let i = 0; i < 12; i++) {
      const focused = await page.evaluate(() => document.activeElement?.getAttribute("data-testid"));
      if (focused === "create-segment") break;
      await page.keyboard.press("Tab");
    }
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("create-segment");
    await page.keyboard.press("Enter");
    await page.getByTestId("segment-name").waitFor();
    // The form: Tab to the name, type; then to "+ Rule", Enter; then field, operator, value by typing.
    for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.id)) !== "segment-name"; i++) await page.keyboard.press("Tab");
    await page.keyboard.type("Long-time customers");
    await page.keyboard.press("Tab");
    await page.keyboard.type("Made with the keyboard only.");
    for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.textContent)) !== "+ Rule"; i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.locator('[data-rule-id="g.0"]').waitFor();
    for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))) !== "Field"; i++) await page.keyboard.press("Tab");
    await page.keyboard.type("tenure");
    await expect.poll(() => editorText(page)).toBe("tenure = 0");
    await page.keyboard.press("Tab");
    await page.keyboard.type("is at least");
    await expect.poll(() => editorText(page)).toBe("tenure >= 0");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Control+a");
    await page.keyboard.type("60");
    await expect.poll(() => editorText(page)).toBe("tenure >= 60");
    // The focused control is visibly outlined.
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe("none");
    await cleanShot(page, "segments-keyboard");
    await page.keyboard.press("Enter");
    await page.waitForURL(/#\/segments\/\d+$/);
    const id = Number(/#\/segments\/(\d+)/.exec(page.url())![1]);
    const saved = await server.store.getSegment(id);
    expect(saved).toMatchObject({ name: "Long-time customers", description: "Made with the keyboard only.", expression: "tenure >= 60", kind: "dynamic" });
  });

  it("shows a segment: members searched and sorted, SQL per dialect, why / why not, history with diffs, activity", async () => {
    const s = (await server.store.listSegments({ search: "Frequent refunders" })).items[0]!;
    await page.goto(`${server.url}#/segments/${s.id}`);
    const table = page.getByTestId("members-table");
    await table.waitFor();
    expect(await page.getByTestId("segment-member-count").textContent()).toBe(n(s.memberCount));
    const keys = () => table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));
    expect(await keys()).toEqual((await server.store.members(s.id, { limit: 25 })).items.map((c) => c["customer_id"]));
    await page.getByTestId("member-search").fill("United Kingdom");
    const found = await server.store.listContacts({ segmentId: s.id, search: "United Kingdom", limit: 25 });
    await expect.poll(() => page.getByTestId("members-total").textContent()).toBe(`${n(found.total)} members match “United Kingdom”`);
    await expect.poll(keys).toEqual(found.items.map((c) => c["customer_id"]));
    await page.getByTestId("member-search").fill("");
    await table.getByRole("button", { name: /first_seen_at/ }).click();
    await table.getByRole("button", { name: /first_seen_at/ }).click();
    const byFirstSeen = await server.store.members(s.id, { limit: 25, orderBy: "first_seen_at", descending: true });
    await expect.poll(keys).toEqual(byFirstSeen.items.map((c) => c["customer_id"]));
    await cleanShot(page, "segments-page-members");

    // Why: a member, from its row.
    const member = String(byFirstSeen.items[0]!["customer_id"]);
    await table.locator(`tr[data-key="${member}"]`).getByRole("button", { name: /^Why is / }).click();
    const why = page.getByTestId("why-result");
    await why.waitFor();
    expect(await why.locator(".verdict").textContent()).toBe(`${member} is in “${s.name}”.`);
    // Why not: a contact that is not a member.
    const outsider = (await server.store.listContacts({ filter: 'source = "online-retail" and not performed "Refund"', limit: 1 })).items[0]!;
    await page.getByTestId("why-key").fill(String(outsider["customer_id"]));
    await page.getByTestId("why-key").press("Enter");
    await expect.poll(() => why.locator(".verdict").textContent()).toBe(`${outsider["customer_id"]} is not in “${s.name}”.`);
    expect(await why.locator(".mark.no").first().textContent()).toContain("false");
    await cleanShot(page, "segments-page-why");

    // SQL per dialect: the API's.
    await page.getByTestId("tab-definition").click();
    for (const dialect of ["postgres", "bigquery", "duckdb"] as const) {
      await page.getByTestId("dialect").selectOption(dialect);
      const want = (await server.store.preview(s.expression!, { dialect, limit: 0, conditionCounts: false })).sql.text;
      await expect.poll(() => page.getByTestId("segment-sql").textContent()).toBe(want);
    }
    await page.getByTestId("dialect").selectOption("postgres");
    await cleanShot(page, "segments-page-sql");

    // History: the versions (this one was edited twice above), the latest diff open.
    await page.getByTestId("tab-history").click();
    const versions = page.getByTestId("versions");
    await versions.waitFor();
    expect(await versions.locator(".version").count()).toBe((await server.store.segmentVersions(s.id)).length);
    const diff = page.getByTestId("version-diff");
    expect(await diff.locator(".diff-line.removed").allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining("at least 3 times")]));
    expect(await diff.locator(".diff-line.added").allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining("at least 4 times")]));
    // And by the rules: from at least 3 refunds to at least 4, nobody enters and those with exactly 3 leave.
    const history = await server.store.segmentVersions(s.id);
    const [older, newer] = history.slice(-2).map((v) => v.expression!);
    const byRules = diffSegments(await server.store.typedCondition({ expression: older! }), await server.store.typedCondition({ expression: newer! }));
    await diff.getByTestId("rules-diff").waitFor();
    expect(await diff.getByTestId("rules-enter").textContent()).toBe("nobody");
    expect(byRules.leaves.condition).toBe('performed "Refund" exactly 3 times');
    expect(await diff.getByTestId("rules-leave").textContent()).toBe(byRules.leaves.condition);
    await cleanShot(page, "segments-page-history");

    // Activity: the count over time and the feed, newest first.
    await page.getByTestId("tab-activity").click();
    await page.getByTestId("count-chart").waitFor();
    const feed = await server.store.segmentChanges(s.id, { limit: 25 });
    await expect.poll(() => page.getByTestId("feed").locator("li").count()).toBe(feed.items.length);
    expect(await page.getByTestId("feed").locator(".key-cell").first().textContent()).toBe(feed.items[0]!.key);
    await cleanShot(page, "segments-page-activity");
  });

  it("history: where the older rules no longer check (a segment they read was deleted), says why instead of who moves", async () => {
    const base = await server.store.createSegment({ name: "Gone soon", kind: "dynamic", expression: "tenure > 60" });
    const reader = await server.store.createSegment({ name: "Reads a gone one", kind: "dynamic", expression: 'in segment "Gone soon" and churn' });
    await server.store.updateSegment(reader.id, { expression: 'in segment "Gone soon" and not churn' });
    await server.store.deleteSegment(base.id, { force: true });
    await page.goto(`${server.url}#/segments/${reader.id}`);
    await page.getByTestId("tab-history").click();
    const diff = page.getByTestId("version-diff");
    await diff.getByTestId("rules-diff-unavailable").waitFor();
    expect(await diff.getByTestId("rules-diff-unavailable").textContent()).toMatch(/^Who enters and leaves by the rules cannot be said here: the expression has an error: 1:12: unknown segment "Gone soon"$/);
    expect(await diff.getByTestId("rules-diff").count()).toBe(0);
    // The line diff is there all the same.
    expect(await diff.locator(".diff-line.added").allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining("not churn")]));
  });

  it("makes a dynamic segment static after confirmation, and not from a page someone else's change made stale", async () => {
    const s = (await server.store.listSegments({ search: "Signed up in the last year" })).items[0]!;
    const before = (await server.store.members(s.id, { limit: 1000 })).items.map((c) => String(c["customer_id"]));
    await page.goto(`${server.url}#/segments/${s.id}`);
    await page.getByTestId("members-table").waitFor();
    // Someone else edits it after the page loaded: the conversion is refused, nothing changes.
    await server.store.updateSegment(s.id, { description: "Edited meanwhile." });
    await page.getByTestId("convert").click();
    const dialog = page.getByTestId("convert-dialog");
    await dialog.getByTestId("confirm-convert").click();
    await expect.poll(() => dialog.getByTestId("convert-stale").textContent()).toMatch(/changed by someone else since you opened it/);
    expect((await server.store.getSegment(s.id)).kind).toBe("dynamic");
    await dialog.getByRole("button", { name: "Reload the segment" }).click();
    await expect.poll(() => page.locator(".lead").textContent()).toBe("Edited meanwhile.");
    // Now it converts: the same members, as a list.
    await page.getByTestId("convert").click();
    await cleanShot(page, "segments-convert");
    await dialog.getByTestId("confirm-convert").click();
    await expect.poll(() => page.locator("h1 .badge").textContent()).toBe("Static");
    expect(await page.getByTestId("convert").count()).toBe(0);
    const after = await server.store.getSegment(s.id);
    expect(after.kind).toBe("static");
    expect(new Set((await server.store.members(s.id, { limit: 1000 })).items.map((c) => String(c["customer_id"])))).toEqual(new Set(before));
  });

  it("looks right in the dark theme", async () => {
    await page.getByTestId("theme-dark").click();
    await cleanShot(page, "segments-page-activity-dark");
    await openSegments(page, server.url);
    await cleanShot(page, "segments-list-dark");
    const s = (await server.store.listSegments({ search: "VIPs and big spenders" })).items[0]!;
    await page.goto(`${server.url}#/segments/${s.id}/edit`);
    await page.getByTestId("builder").waitFor();
    await cleanShot(page, "segments-edit-dark", { fullPage: true });
    await page.getByTestId("theme-light").click();
  });

  it("leads from an empty table to '+ Create segment'", async () => {
    for (const s of (await server.store.listSegments({ limit: 1000 })).items) await server.store.deleteSegment(s.id, { force: true });
    await page.goto(`${server.url}#/segments`);
    const empty = page.getByTestId("empty-state");
    await empty.waitFor();
    expect(await empty.textContent()).toContain("No segments yet");
    await cleanShot(page, "segments-empty");
    await empty.getByRole("link", { name: "+ Create segment" }).click();
    await page.getByTestId("segment-name").waitFor();
    expect(page.url()).toMatch(/#\/segments\/new$/);
  });
});
