/**
 * A segment page's Compare tab, in real headless Chromium against `segql serve` (in-process, a temporary
 * DuckDB database with the demo):
 * - on today's contacts: the four counts (in both, only this one, only the other, in either) equal the
 *   store's `preview` of the same `in segment` expressions; a count opens the Contacts page filtered to those
 *   contacts, whose total is the same;
 * - by the rules: the relation said in words is the one `relate` (src/analysis) gives on the store's typed
 *   conditions — one containing the other, a disjoint pair, an overlapping pair whose example contact, put in
 *   the store, `why` confirms is in one and not the other, and an undecided pair said to be undecided;
 * - a static list (what its rules mean said), the segment itself, a segment whose rules have a problem;
 * - keyboard only; a 390px phone in the dark theme without overflow.
 * Names hold quotes and a backslash, so the counts only match when they are quoted as the language wants.
 * No number is written here: each is the store's answer. No request leaves the server's origin.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relate, type RelateResult } from "../../src/analysis/index.js";
import { quoteString } from "../../src/parser/format.js";
import type { Segment } from "../../src/store/index.js";
import { hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

/** 8,127 */
const n = (x: number) => x.toLocaleString("en-US");

/** A name the language must escape: a double quote and a backslash. */
const LONG_FIBER = 'Fiber churners "12+ months" \\ long tenure';

describe.skipIf(!hasChromium)(`segments web app: comparing two segments (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;
  let fiber: Segment;
  let longFiber: Segment;
  let loyal: Segment;
  let shortTenure: Segment;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
    fiber = await segmentNamed("Fiber churners");
    loyal = await segmentNamed("Loyal on contract");
    // Inside "Fiber churners" by its rules: the same rules and one more.
    longFiber = await server.store.createSegment({ name: LONG_FIBER, kind: "dynamic", expression: `${fiber.expression} and tenure > 12` });
    // Never sharing a contact with "Loyal on contract" (tenure >= 24).
    shortTenure = await server.store.createSegment({ name: "Short tenure", kind: "dynamic", expression: "tenure < 12" });
  });

  afterAll(() => closeSegmentsSession(session));

  const segmentNamed = async (name: string) => (await server.store.listSegments({ search: name })).items.find((s) => s.name === name)!;

  /** The store's four counts of the pair, from the same expressions written with the language's quoting. */
  async function storeCounts(a: Segment, b: Segment) {
    const inA = `in segment ${quoteString(a.name)}`;
    const inB = `in segment ${quoteString(b.name)}`;
    const count = async (e: string) => (await server.store.preview(e, { limit: 0 })).count;
    return { both: await count(`${inA} and ${inB}`), onlyA: await count(`${inA} and not ${inB}`), onlyB: await count(`${inB} and not ${inA}`), either: await count(`${inA} or ${inB}`) };
  }

  /** `relate` of the two saved segments, as the server reads them (the store's typed conditions). */
  async function storeRelation(a: Segment, b: Segment): Promise<RelateResult> {
    return relate(await server.store.typedCondition({ segmentId: a.id }), await server.store.typedCondition({ segmentId: b.id }), { steps: 50_000 });
  }

  /** Opens `a`'s Compare tab and picks `b` by searching part of its name. */
  async function compare(a: Segment, b: Segment, search = b.name.slice(0, 6)): Promise<void> {
    await page.goto(`${server.url}#/segments/${a.id}`);
    await page.getByTestId("tab-compare").click();
    await page.getByTestId("compare-search").fill(search);
    await page.getByTestId("compare-with").selectOption(String(b.id));
    await page.getByTestId("compare-relation").waitFor({ timeout: 30_000 });
    await page.getByTestId("count-either").waitFor({ timeout: 30_000 });
  }

  /** The test id of the focused element. */
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName ?? null);

  /** Presses Tab until the element with this test id has the focus (at most `max` times); fails saying where the focus went. */
  async function tabTo(testId: string, max = 20): Promise<void> {
    const seen: (string | null)[] = [];
    for (let i = 0; i < max; i++) {
      await page.keyboard.press("Tab");
      const now = await focused();
      if (now === testId) return;
      seen.push(now);
    }
    throw new Error(`Tab did not reach ${testId}: the focus went to ${seen.join(", ")}`);
  }

  /** The four counts the page shows. */
  async function shownCounts() {
    const read = async (k: string) => Number((await page.getByTestId(`count-${k}-link`).textContent())!.replace(/,/g, ""));
    return { both: await read("both"), onlyA: await read("onlyA"), onlyB: await read("onlyB"), either: await read("either") };
  }

  it("one containing the other: today's counts are the store's, the relation is relate's in words, and a count opens those contacts", async () => {
    await compare(fiber, longFiber, "12+");
    // The search narrows the options to the match (and the current segment is never offered).
    const options = await page.getByTestId("compare-with").locator("option").allTextContents();
    expect(options.slice(1)).toEqual([`${LONG_FIBER} (dynamic)`]);
    await page.getByTestId("compare-search").fill("");
    expect(await page.getByTestId("compare-with").locator(`option[value="${fiber.id}"]`).count()).toBe(0);

    expect(await shownCounts()).toEqual(await storeCounts(fiber, longFiber));
    const expected = await storeRelation(fiber, longFiber);
    expect(expected.relation).toBe("superset");
    expect(await page.getByTestId("compare-relation").getAttribute("data-relation")).toBe(expected.relation);
    expect(await page.getByTestId("compare-relation").textContent()).toContain(`Every contact in “${LONG_FIBER}” is also in “Fiber churners”, whatever the data.`);
    // The example contact: one in "Fiber churners" only, as relate found it.
    const rows = page.getByTestId("compare-witnesses").locator("tbody tr");
    expect(await rows.count()).toBe(expected.witnesses.length);
    expect(await rows.first().locator("th").textContent()).toBe("Only “Fiber churners”");
    // Its columns: the fields either segment's rules read (tenure, what tells them apart, among them), each
    // showing the example's value as relate gave it, a dash where it gave none (an empty field).
    const headers = await page.getByTestId("compare-witnesses").locator("thead th").allTextContents();
    expect(headers.slice(1)).toEqual(["internet_service", "churn", "tenure"]);
    const witness = expected.witnesses[0]!.contact;
    const cells = await rows.first().locator("td").allTextContents();
    expect(cells[2]).toBe(witness["tenure"] === undefined || witness["tenure"] === null ? "–" : String(witness["tenure"]));
    // The picked segment is kept in the address: a reload shows the same comparison.
    expect(page.url()).toContain(`?tab=compare&with=${longFiber.id}`);
    await cleanShot(page, "segments-compare", { fullPage: true });

    // "Only in Fiber churners" opens the Contacts page filtered to them: the same total.
    const onlyA = (await shownCounts()).onlyA;
    await page.getByTestId("count-onlyA-link").click();
    await page.getByTestId("contacts-table").waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId("contacts-count").textContent()).toBe(`${n(onlyA)} contacts found`);
    const filter = new URL(page.url()).hash.replace(/^#\/contacts\?/, "");
    expect(new URLSearchParams(filter).get("filter")).toBe(`in segment "Fiber churners" and not in segment ${quoteString(LONG_FIBER)}`);
  });

  it("a disjoint pair: they can never share a contact, and none is in both today", async () => {
    await compare(shortTenure, loyal);
    const expected = await storeRelation(shortTenure, loyal);
    expect(expected.relation).toBe("disjoint");
    expect(await page.getByTestId("compare-relation").getAttribute("data-relation")).toBe("disjoint");
    expect(await page.getByTestId("compare-relation").textContent()).toContain("They can never share a contact");
    const counts = await storeCounts(shortTenure, loyal);
    expect(counts.both).toBe(0);
    expect(await shownCounts()).toEqual(counts);
    await cleanShot(page, "segments-compare-disjoint");
  });

  it("an overlapping pair: neither contains the other, and the example contact only in one is so for the store's why", async () => {
    await compare(fiber, loyal);
    const expected = await storeRelation(fiber, loyal);
    expect(expected.relation).toBe("overlapping");
    expect(await page.getByTestId("compare-relation").textContent()).toContain("Neither contains the other");
    expect(await shownCounts()).toEqual(await storeCounts(fiber, loyal));

    // The row "Only “Fiber churners”" shows the example's values, as relate made it.
    const onlyFiber = expected.witnesses.find((w) => w.matches.join() === "A")!;
    const row = page.getByTestId("compare-witnesses").locator('tbody tr[data-matches="A"]');
    expect(await row.locator("th").textContent()).toBe("Only “Fiber churners”");
    for (const v of Object.values(onlyFiber.contact).filter((v) => typeof v === "string" && v !== "witness")) expect(await row.textContent()).toContain(v);

    // Put in the database as a contact, the store's why says it is in one and not the other.
    const key = "compare-witness";
    await server.store.upsertContacts([{ ...onlyFiber.contact, customer_id: key, source: "telco" }]);
    expect((await server.store.why({ segmentId: fiber.id }, key)).matches).toBe(true);
    expect((await server.store.why({ segmentId: loyal.id }, key)).matches).toBe(false);
  });

  it("undecided is said as such, with what could be decided and the analysis's notes", async () => {
    // Events of different filters are unrelated to the analysis (docs/analysis.md): it cannot prove the inclusion.
    const over10 = await server.store.createSegment({ name: "Bought over 10", kind: "dynamic", expression: 'performed "Purchase" where amount > 10' });
    const over5 = await server.store.createSegment({ name: "Bought over 5", kind: "dynamic", expression: 'performed "Purchase" where amount > 5' });
    await compare(over10, over5, "over 5");
    const expected = await storeRelation(over10, over5);
    expect(expected.relation).toBe("unknown");
    const words = page.getByTestId("compare-relation");
    expect(await words.getAttribute("data-relation")).toBe("unknown");
    expect(await words.textContent()).toContain("Undecided: the analysis could not settle how they relate.");
    expect(await words.textContent()).toContain("What is undecided is no claim either way");
    expect(await shownCounts()).toEqual(await storeCounts(over10, over5));
    if (expected.notes.length > 0) expect(await page.getByTestId("compare-notes").locator("li").count()).toBe(expected.notes.length);
    await cleanShot(page, "segments-compare-undecided", { fullPage: true });
  });

  it("a static list says what its rules mean; the segment itself and a segment whose rules have a problem are said so", async () => {
    const vip = await segmentNamed("VIP list");
    const readers = await segmentNamed("VIPs and big spenders");
    await compare(vip, readers);
    expect(await page.getByTestId("compare-static-note").textContent()).toContain("“VIP list” is a static list: its rules are its list");
    const expected = await storeRelation(vip, readers);
    expect(await page.getByTestId("compare-relation").getAttribute("data-relation")).toBe(expected.relation);
    expect(await shownCounts()).toEqual(await storeCounts(vip, readers));
    await cleanShot(page, "segments-compare-static", { fullPage: true });

    // The segment itself, asked by the address.
    await page.goto(`${server.url}#/segments/${vip.id}?tab=compare&with=${vip.id}`);
    await page.getByTestId("compare-same").waitFor();
    expect(await page.getByTestId("compare-relation").count()).toBe(0);

    // A segment reading one deleted since: its rules have a problem, said with the way to edit it.
    const gone = await server.store.createSegment({ name: "Soon gone", kind: "dynamic", expression: "tenure > 60" });
    const broken = await server.store.createSegment({ name: "Reads a gone one", kind: "dynamic", expression: 'in segment "Soon gone" or tenure > 70' });
    await server.store.deleteSegment(gone.id, { force: true });
    const reread = await server.store.getSegment(broken.id);
    expect(reread.problems.length).toBeGreaterThan(0);
    await page.goto(`${server.url}#/segments/${fiber.id}?tab=compare&with=${broken.id}`);
    const note = page.getByTestId("compare-broken");
    await note.waitFor({ timeout: 30_000 });
    expect(await note.textContent()).toContain("“Reads a gone one” cannot be compared: its rules have a problem.");
    expect(await note.textContent()).toContain(reread.problems[0]!.message);
    // Neither answer is asked for (both would refuse it): no count, no relation, no second problem.
    expect(await page.getByTestId("compare-today").count()).toBe(0);
    expect(await page.getByTestId("compare-rules").count()).toBe(0);
    expect(await note.getByRole("link").getAttribute("href")).toBe(`#/segments/${broken.id}/edit`);
    await cleanShot(page, "segments-compare-problem");
  });

  it("works with the keyboard alone: the tab, the search, the pick and a count's link", async () => {
    await page.goto(`${server.url}#/segments/${fiber.id}`);
    await page.getByTestId("tab-members").waitFor();
    await page.getByTestId("tab-members").focus();
    await page.keyboard.press("End");
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("tab-compare");
    await page.getByTestId("compare-search").waitFor();
    await tabTo("compare-search");
    await page.keyboard.type("loyal");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("compare-with");
    await page.keyboard.press("ArrowDown");
    await page.getByTestId("count-both-link").waitFor({ timeout: 30_000 });
    expect(page.url()).toContain(`with=${loyal.id}`);
    const both = (await storeCounts(fiber, loyal)).both;
    // Tab on to "In both" and open it.
    await tabTo("count-both-link");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe("none");
    await page.keyboard.press("Enter");
    await page.getByTestId("contacts-table").waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId("contacts-count").textContent()).toBe(`${n(both)} contacts found`);
  });

  it("fits a 390px phone in the dark theme", async () => {
    const phone = await page.context().newPage();
    const phoneErrors = watchErrors(phone);
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto(`${server.url}#/segments/${fiber.id}?tab=compare&with=${loyal.id}`);
      await phone.getByTestId("compare-witnesses").waitFor({ timeout: 30_000 });
      await phone.getByTestId("theme-dark").check();
      expect(await phone.evaluate(() => document.documentElement.dataset["theme"])).toBe("dark");
      expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      // The tabs scroll sideways on a phone: the selected one (the last) is in view, inside the strip.
      const inView = () =>
        phone.getByTestId("tab-compare").evaluate((tab) => {
          const strip = tab.parentElement!.getBoundingClientRect();
          const r = tab.getBoundingClientRect();
          return r.left >= strip.left - 1 && r.right <= strip.right + 1;
        });
      expect(await inView()).toBe(true);
      await cleanShot(phone, "segments-compare-phone-dark", { fullPage: true });
      expect(phoneErrors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
