/**
 * Gaps of the segments web app, in real headless Chromium against `segql serve` (in-process) over a DuckDB
 * database of its own, whose schema has free text, lists and events (the demo has no free-text field):
 * - a contact's page tells empty text (`""`) from no value (null) and an empty list (`[]`), in the words of
 *   its form, and says that rules count them alike (`is empty`);
 * - a right-to-left name or key followed by a number is set apart in what cannot hold markup (the page's
 *   title, `aria-label`s, a table's hidden caption: Unicode isolates U+2068 … U+2069), and in the Import
 *   page's sentences (<bdi>);
 * - a burst of more than a page of changes (1,000) of one segment leaves another segment's page as it is
 *   (one small read asks whether the burst touched it), and the segments table reads its counts again in
 *   one listing, not one request per row;
 * - on a 390px phone, what a fresh-eyes pass found broken: an event rule with a total ran past the window,
 *   the history's "Created" was drawn over its date, the compare tab broke "Only in" as "Onl / y in" and
 *   stood its example contacts' events a word a line, and the Import page broke column names inside words.
 * No request leaves the server's origin. About 30 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSchema } from "../../src/schema/schema.js";
import { startServer } from "../../src/server/index.js";
import { openStore } from "../../src/store/index.js";
import { distDir, ensureBuild, hasChromium, openBrowserSession, skipReason } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegments, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

const SCHEMA = parseSchema(
  JSON.stringify({
    table: "contacts",
    key: "id",
    fields: {
      id: { type: "string" },
      name: { type: "string" },
      nickname: { type: "string" },
      note: { type: "string" },
      ltv: { type: "number" },
      tags: { type: "list" },
      labels: { type: "list" },
      plan: { type: "enum", values: ["Free", "Pro"] },
      preferred_contact_channel: { type: "string" },
    },
    events: { table: "events", contact_key: "id", name: "event", time: "at", properties: { amount: { type: "number" } }, names: ["Purchase"] },
  }),
  "the test schema",
);

/** Unicode's first strong isolate and pop directional isolate. */
const FSI = "\u2068";
const PDI = "\u2069";
/** A contact key and a segment name in right-to-left scripts, each followed by a number. */
const HEBREW_KEY = "דנה כהן 2";
const ARABIC_NAME = "عملاء مخلصون 3";

/** The server over a new DuckDB file with two contacts (one keyed in Hebrew, with an event). */
async function startGapsServer(): Promise<SegmentsServer> {
  await ensureBuild();
  const dir = mkdtempSync(join(tmpdir(), "segql-gaps-"));
  const store = await openStore({ db: join(dir, "gaps.duckdb"), schema: SCHEMA });
  try {
    await store.upsertContacts([
      // Empty three ways: `""`, null (and left out), `[]`; a list holding an empty item.
      { id: "ada", name: "Ada", nickname: "", note: null, ltv: 12, tags: ["vip", ""], labels: [], plan: "Pro", preferred_contact_channel: "email" },
      { id: HEBREW_KEY, name: "Dana", ltv: 1, tags: ["a"], plan: "Free" },
    ]);
    await store.appendEvents([{ id: HEBREW_KEY, event: "Purchase", at: "2026-01-02T10:00:00Z", properties: { amount: 5 } }]);
    const server = await startServer({ store, port: 0, host: "127.0.0.1", staticDir: distDir, refreshEveryMs: null, log: (l) => process.stderr.write(`${l}\n`) });
    return {
      url: server.url.replace(/\/?$/, "/"),
      store,
      async close() {
        await server.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

describe.skipIf(!hasChromium)(`segments web app: empty kinds, right-to-left labels, bursts (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    server = await startGapsServer();
    try {
      session = { ...(await openBrowserSession(server.url, { viewport: { width: 1280, height: 800 } })), server };
    } catch (e) {
      await server.close();
      throw e;
    }
    page = session.page;
  }, 180_000);
  afterAll(() => closeSegmentsSession(session));

  /** Opens a contact's page from another page (the same address again would not load it anew). */
  async function openContact(key: string): Promise<void> {
    await page.goto(`${server.url}#/contacts`);
    await page.goto(`${server.url}#/contacts/${encodeURIComponent(key)}`);
    await expect.poll(() => page.getByTestId("contact-key").textContent(), { timeout: 30_000 }).toBe(key);
  }

  it("says which fields hold empty text, no value or an empty list, as the form does, and that rules count them alike", async () => {
    await openContact("ada");
    const empty = page.getByTestId("empty-fields");
    // Was "Empty (4): nickname, note, labels" for all three kinds.
    expect(await empty.locator("[data-empty-kind]").evaluateAll((ps) => ps.map((p) => [p.getAttribute("data-empty-kind"), p.textContent]))).toEqual([
      ["no value", "No value (1): note"],
      ["empty text", 'Empty text "" (1): nickname'],
      ["empty list", "Empty list (1): labels"],
    ]);
    expect(await page.getByTestId("empty-fields-rules").textContent()).toBe("In rules, empty text and an empty list count as no value: is empty is true for each. Exports and the API keep them apart.");
    // A list's empty item says so, as the form's chip does (it was an empty chip).
    expect(await page.locator('[data-field="tags"] .value-chip').allTextContents()).toEqual(["vip", "empty text"]);
    await cleanShot(page, "segments-contact-empty-kinds");
    // The form says the same of each field.
    await page.getByTestId("edit-values").click();
    expect(await page.locator('[data-field-input="nickname"]').getAttribute("placeholder")).toBe('empty text ("")');
    expect(await page.locator('[data-field-input="note"]').getAttribute("placeholder")).toBe("no value");
    await page.keyboard.press("Escape");
    // Only no value: no note about rules.
    await openContact(HEBREW_KEY);
    expect(await page.getByTestId("empty-fields").textContent()).toBe("No value (4): nickname, note, labels, preferred_contact_channel");
    expect(await page.getByTestId("empty-fields-rules").count()).toBe(0);
  });

  it("isolates a right-to-left key or name followed by a number in the title, aria-labels and hidden captions", async () => {
    const segment = await server.store.createSegment({ name: ARABIC_NAME, kind: "dynamic", expression: `id = "${HEBREW_KEY}"` });
    try {
      await openContact(HEBREW_KEY);
      expect(await page.title()).toBe(`segql · Contact ${FSI}${HEBREW_KEY}${PDI}`);
      // Its segment's Why?, and its events' caption.
      await page.getByRole("button", { name: `Why is it in ${FSI}${ARABIC_NAME}${PDI}?`, exact: true }).waitFor();
      expect(await page.getByTestId("contact-events").locator("caption").textContent()).toBe(`Recent events of ${FSI}${HEBREW_KEY}${PDI}`);
      // An ASCII key's title is as it was.
      await openContact("ada");
      expect(await page.title()).toBe("segql · Contact ada");
      // The table's actions.
      await openSegments(page, server.url);
      for (const action of ["Edit", "Duplicate", "Delete"]) await page.getByRole(action === "Edit" ? "link" : "button", { name: `${action} ${FSI}${ARABIC_NAME}${PDI}`, exact: true }).waitFor();
      // The segment's members table: its caption.
      await page.goto(`${server.url}#/segments/${segment.id}`);
      await expect.poll(() => page.getByTestId("members-table").locator("caption").textContent(), { timeout: 30_000 }).toBe(`Members of ${FSI}${ARABIC_NAME}${PDI}`);
      // The segment's page is named after it in the browser's tab (it was "segql · Segment" for every one).
      await expect.poll(() => page.title()).toBe(`segql · ${FSI}${ARABIC_NAME}${PDI}`);
    } finally {
      await server.store.deleteSegment(segment.id, { force: true });
    }
    // The contact's history names it as deleted, linked to its page (which says it is in Recently deleted).
    await openContact(HEBREW_KEY);
    const gone = page.getByTestId("contact-history").getByRole("link", { name: `a deleted segment (#${segment.id})` });
    await expect.poll(() => gone.count(), { timeout: 30_000 }).toBe(2);
    expect(await gone.first().getAttribute("href")).toBe(`#/segments/${segment.id}`);
  });

  it("sets a right-to-left file's name apart in the Import page's sentences", async () => {
    await page.goto(`${server.url}#/import`);
    // Refused before sending: the name set apart left to right (its extension at its end, as a file list
    // of a left-to-right page shows it), then "is empty".
    const empty = `${HEBREW_KEY}.csv`;
    await page.getByTestId("import-file").setInputFiles({ name: empty, mimeType: "text/csv", buffer: Buffer.alloc(0) });
    const refusal = page.getByTestId("file-refusal");
    await expect.poll(() => refusal.textContent()).toBe(`${empty} is empty: there is nothing to import.`);
    expect(await refusal.locator("bdi").evaluateAll((bs) => bs.map((b) => [b.textContent, b.getAttribute("dir")]))).toEqual([[empty, "ltr"]]);
    const drawn = await refusal.evaluate((el) => {
      const bdi = el.querySelector("bdi")!;
      const name = bdi.firstChild!;
      const rect = (node: Node, from: number, to: number) => {
        const r = document.createRange();
        r.setStart(node, from);
        r.setEnd(node, to);
        return r.getBoundingClientRect();
      };
      const text = name.textContent!;
      return { firstLetterRight: rect(name, 0, 1).right, dotLeft: rect(name, text.indexOf(".csv"), text.indexOf(".csv") + 1).left, nameRight: bdi.getBoundingClientRect().right, isLeft: rect(bdi.nextSibling!, 1, 3).left };
    });
    // Hebrew runs right to left: the name's first letter is its rightmost, and ".csv" comes after it.
    expect(drawn.dotLeft).toBeGreaterThanOrEqual(drawn.firstLetterRight - 1);
    expect(drawn.isLeft).toBeGreaterThanOrEqual(drawn.nameRight - 1);
    // Imported: the result's heading and the history's row.
    const file = `${HEBREW_KEY}.csv`;
    await page.getByTestId("import-file").setInputFiles({ name: file, mimeType: "text/csv", buffer: Buffer.from(`id,name\nimported-1,Imported\n`) });
    await page.getByTestId("import").click();
    const heading = page.getByTestId("import-result").getByRole("heading", { level: 2 });
    await expect.poll(() => heading.textContent(), { timeout: 30_000 }).toBe(`Imported contacts from ${file}`);
    expect(await heading.locator('bdi[dir="ltr"]').allTextContents()).toEqual([file]);
    const row = page.getByTestId("history-row").first();
    await expect.poll(() => row.locator('bdi[dir="ltr"].import-history-name').textContent(), { timeout: 30_000 }).toBe(file);
    await cleanShot(page, "segments-import-rtl-name");
  });

  /** Resolves once the page's live loop waits on the feed (a write now is one it must be told of). */
  const following = () => expect.poll(() => server.store.changeWaiters, { timeout: 15_000 }).toBeGreaterThan(0);

  /** Contacts that enter "Big spenders" only (ltv past 5,000): more than one page of the feed. */
  async function burst(prefix: string, n: number): Promise<void> {
    const contacts = Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${String(i).padStart(4, "0")}`, name: "Bulk", ltv: 6000 + i }));
    const r = await fetch(`${server.url}api/contacts`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ contacts }) });
    expect(r.status).toBe(200);
  }

  it("leaves a segment's page as it is after a burst of another segment's changes, and follows its own", { timeout: 120_000 }, async () => {
    const big = await server.store.createSegment({ name: "Big spenders", kind: "dynamic", expression: "ltv > 5000" });
    const yvonnes = await server.store.createSegment({ name: "Yvonnes", kind: "dynamic", expression: 'name = "Yvonne"' });
    await page.goto(`${server.url}#/segments/${yvonnes.id}?tab=activity`);
    await expect.poll(() => page.getByTestId("segment-member-count").textContent(), { timeout: 30_000 }).toBe("0");
    await page.getByText("No one has entered or left yet.").waitFor();
    await following();
    const asked: string[] = [];
    const answered: string[] = [];
    const apiPath = (r: Request) => new URL(r.url()).pathname + new URL(r.url()).search;
    const onRequest = (r: Request) => void (r.url().includes("/api/") && asked.push(apiPath(r)));
    const onFinished = (r: Request) => void (r.url().includes("/api/") && answered.push(apiPath(r)));
    page.on("request", onRequest);
    page.on("requestfinished", onFinished);
    try {
      const own = `/api/segments/${yvonnes.id}`;
      // Whether the burst touched it: its newest change (one row).
      const check = (u: string) => u === `${own}/changes?limit=1`;
      // Read afresh (as every open page did): its count, its feed's first page, its chart.
      const afresh = (u: string) => (u.startsWith(`${own}/changes?`) && !check(u)) || u.startsWith(`${own}/member-counts`) || u === own;
      await burst("BIG", 1200);
      await expect.poll(() => asked.find((u) => check(u) || afresh(u)), { timeout: 30_000 }).toBeDefined();
      expect(asked.filter(afresh)).toEqual([]);
      await expect.poll(() => answered.some(check), { timeout: 30_000 }).toBe(true);
      // Its own change comes after (past the burst): it shows, and only it was read for it.
      await following();
      await fetch(`${server.url}api/contacts`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ contacts: [{ id: "yvonne", name: "Yvonne", ltv: 3 }] }) });
      await expect.poll(() => page.getByTestId("segment-member-count").textContent(), { timeout: 15_000 }).toBe("1");
      await expect.poll(() => page.getByTestId("feed").locator("li .key-cell").allTextContents()).toEqual(["yvonne"]);
      // The key opens the contact's page (it was plain text).
      expect(await page.getByTestId("feed").getByRole("link", { name: "yvonne", exact: true }).getAttribute("href")).toBe("#/contacts/yvonne");
      expect(asked.filter((u) => u === own)).toHaveLength(1);
      expect(asked.filter((u) => u.startsWith(`${own}/changes?`) && !check(u))).toEqual([]);
      expect(await page.getByTestId("live-status").getAttribute("data-state")).toBe("live");
      // The burst's own segment reads afresh when it is the one shown.
      await page.goto(`${server.url}#/segments/${big.id}?tab=activity`);
      await expect.poll(() => page.getByTestId("segment-member-count").textContent(), { timeout: 30_000 }).toBe("1,200");
      await expect.poll(() => page.title()).toBe("segql · Big spenders");
      await page.goto(`${server.url}#/segments`);
      await expect.poll(() => page.title()).toBe("segql · Segments");
    } finally {
      page.off("request", onRequest);
      page.off("requestfinished", onFinished);
    }
  });

  it("reads the table's counts again after a burst in one listing, not one request per row", { timeout: 120_000 }, async () => {
    await openSegments(page, server.url);
    const row = page.locator('[data-testid=segment-row][data-name="Big spenders"]');
    await expect.poll(() => row.getByTestId("member-count").textContent(), { timeout: 30_000 }).toBe("1,200");
    const rows = await page.getByTestId("segment-row").count();
    expect(rows).toBeGreaterThan(1);
    await following();
    const asked: string[] = [];
    const onRequest = (r: Request) => void (r.url().includes("/api/segments") && asked.push(new URL(r.url()).pathname + new URL(r.url()).search));
    page.on("request", onRequest);
    try {
      await burst("BIGGER", 1100);
      await expect.poll(() => row.getByTestId("member-count").textContent(), { timeout: 30_000 }).toBe("2,300");
      // One listing of the rows shown; no segment read by itself (was one request per row).
      expect(asked.filter((u) => /^\/api\/segments\/\d+$/.test(u))).toEqual([]);
      expect(asked.filter((u) => u.startsWith("/api/segments?"))).toEqual([expect.stringContaining(`limit=${rows}`)]);
    } finally {
      page.off("request", onRequest);
    }
  });

  it("fits a 390px phone: an event rule with a total, the history's heads, the compare counts, the import's columns", { timeout: 120_000 }, async () => {
    // Saved by someone with a name: the history's head says who, after the time.
    const totals = await server.store.createSegment({ name: "Buyers over 5,000", kind: "dynamic", expression: 'performed "Purchase" with sum of amount > 5000' }, { by: "Marketing team" });
    const other = await server.store.createSegment({ name: "Pro plan", kind: "dynamic", expression: 'plan = "Pro"' });
    await page.setViewportSize({ width: 390, height: 844 });
    const wider = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    try {
      // The rule's sentence wraps within "with a total of amount > 5000" (it ran 150 px past the window).
      await page.goto(`${server.url}#/segments/${totals.id}/edit`);
      await page.getByLabel("Event: compared").waitFor({ timeout: 30_000 });
      expect.soft(await wider()).toBeLessThanOrEqual(0);
      await cleanShot(page, "segments-builder-total-phone", { fullPage: true });
      // The history's head: the time under "Created", not drawn over it.
      await page.goto(`${server.url}#/segments/${totals.id}?tab=history`);
      const head = page.getByTestId("versions").locator(".version-head").first();
      await head.waitFor({ timeout: 30_000 });
      // Where the words are drawn (an overflowing span's box is narrower than its text).
      const [what, when] = await head.locator("> span").evaluateAll((spans) =>
        spans.slice(1).map((e) => {
          const r = document.createRange();
          r.selectNodeContents(e);
          return r.getBoundingClientRect().toJSON() as DOMRect;
        }),
      );
      expect.soft(what!.right <= when!.left || what!.bottom <= when!.top).toBe(true);
      // Compare: "Only in" on one line.
      await page.goto(`${server.url}#/segments/${totals.id}?tab=compare&with=${other.id}`);
      const label = page.getByTestId("count-onlyA").locator("dt");
      await expect.poll(() => label.textContent(), { timeout: 30_000 }).toBe("Only in “Buyers over 5,000”");
      const lines = (locatorText: string) =>
        label.evaluate((dt, word) => {
          const walker = document.createTreeWalker(dt, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const at = n.textContent!.indexOf(word);
            if (at < 0) continue;
            const r = document.createRange();
            r.setStart(n, at);
            r.setEnd(n, at + word.length);
            return new Set([...r.getClientRects()].map((rect) => Math.round(rect.top))).size;
          }
          return -1;
        }, locatorText);
      expect.soft(await lines("Only in")).toBe(1);
      // The example contacts keep the events' sentence readable: rows a few lines high (each stood ~190 px,
      // a word a line), the table scrolling sideways instead.
      const witnesses = page.getByTestId("compare-witnesses");
      await witnesses.waitFor({ timeout: 30_000 });
      const heights = await witnesses.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().height));
      expect(heights.length).toBeGreaterThan(0);
      expect.soft(Math.max(...heights)).toBeLessThan(100);
      expect.soft(await wider()).toBeLessThanOrEqual(0);
      // Import: a column's name breaks after an underscore, never inside a word.
      await page.goto(`${server.url}#/import`);
      const cell = page.locator('[data-testid=column-row][data-name="preferred_contact_channel"] .key-cell');
      await expect.poll(() => cell.textContent(), { timeout: 30_000 }).toBe("preferred_contact_channel");
      const words = await cell.evaluate((td) => {
        const text = td.textContent!;
        const runs: number[] = [];
        // Each word's characters, wherever the <wbr>s split the text nodes: on how many lines they are drawn.
        const nodes: Text[] = [];
        const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
        for (const word of text.split("_")) {
          const node = nodes.find((t) => t.textContent!.includes(word))!;
          const at = node.textContent!.indexOf(word);
          const r = document.createRange();
          r.setStart(node, at);
          r.setEnd(node, at + word.length);
          runs.push(new Set([...r.getClientRects()].map((rect) => Math.round(rect.top))).size);
        }
        return runs;
      });
      expect.soft(words).toEqual([1, 1, 1]);
      expect.soft(await wider()).toBeLessThanOrEqual(0);
      // The table's card says "1 contact" (it said "1 contacts"), and Recently deleted's card what its number
      // is (a bare "1" beside the type).
      await openSegments(page, server.url);
      const one = page.locator('[data-testid=segment-row][data-name="Pro plan"] [data-testid=member-count]');
      await expect.poll(() => one.textContent(), { timeout: 30_000 }).toBe("1");
      expect.soft(await one.evaluate((td) => getComputedStyle(td, "::after").content)).toBe('" contact"');
      await server.store.deleteSegment(other.id, { force: true });
      await page.goto(`${server.url}#/segments/deleted`);
      const count = page.locator('[data-testid=trash-row][data-name="Pro plan"] [data-testid=trash-member-count]');
      await expect.poll(() => count.textContent(), { timeout: 30_000 }).toBe("1");
      expect.soft(await count.evaluate((td) => getComputedStyle(td, "::after").content)).toBe('" member when deleted"');
      await cleanShot(page, "segments-recently-deleted-phone-count");
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
      await server.store.deleteSegment(totals.id, { force: true });
      await server.store.deleteSegment(other.id, { force: true }).catch(() => undefined);
      await server.store.purgeDeletedSegment(other.id).catch(() => undefined);
    }
  });
});
