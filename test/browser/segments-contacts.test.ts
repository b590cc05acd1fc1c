/**
 * The Contacts page and a contact's page of the segments web app, in real headless Chromium against
 * `segql serve` (in-process, a temporary DuckDB database with the demo):
 * - the Contacts table: its total, a search's and a filter's totals and rows, a sort by a column and the
 *   second page, all equal to the store's `listContacts`; a filter with an error said where, not applied;
 *   the search kept in the address (Back from a contact comes back to it);
 * - a contact's page: its values by field as their types read, the segments it is in now (equal to the
 *   store's `getContact`), its recent events; "Why not in …?" explains a segment it is not in, as the
 *   store's `why` does; a key with spaces, letters outside ASCII and `/` goes there and back; the keys
 *   `..` and `.` (path steps in any URL: the app asks the API with the key in the query) from the table's
 *   link and typed by hand, with their events, segment history and why / why not; a key that is no
 *   contact says so, with the way back;
 * - a member row on a segment's page and a picker row link to the contact (the row's Why? and checkbox
 *   still work);
 * - keyboard only; dark theme; a 390px phone without overflow.
 * Every count and list shown is compared with the store's. No request leaves the server's origin.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, openNew, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

/** 8,127 */
const n = (x: number) => x.toLocaleString("en-US");

/** A key with spaces (two in a row), letters outside ASCII, `/`, `?`, `#` and `%`: what the address must carry. */
const ODD_KEY = "Zoë  Ångström / Ωmega ? #7 100%";

describe.skipIf(!hasChromium)(`segments web app: Contacts and a contact's page (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
    // A contact whose key needs every kind of escaping, on a static list (so it is in a segment).
    await server.store.upsertContacts([
      { customer_id: ODD_KEY, source: "telco", tenure: 7, services: ["phone", "streaming_tv"], signed_up_at: "2025-06-01T08:30:00Z", churn: false },
      // Keys an address cannot carry as they are: a `%` typed by hand, and the path steps.
      { customer_id: "100% sure", source: "telco" },
      { customer_id: "..", source: "telco", tenure: 3, churn: true },
      { customer_id: ".", source: "telco", tenure: 50 },
    ]);
    const vip = await segmentNamed("VIP list");
    await server.store.addMembers(vip.id, [ODD_KEY, ".."]);
    // More than a page of events for `..`: its page reads the older ones with the key in the query too.
    const ev = server.store.schema.events!;
    await server.store.appendEvents(Array.from({ length: 130 }, (_, i) => ({ [ev.contactKey]: "..", [ev.name]: i % 2 ? "Visit" : "Call", [ev.time]: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString() })));
  });

  // The 404s asked for on purpose (a key that is no contact) show as failed resources; nothing else may.
  afterAll(() => closeSegmentsSession(session));

  const segmentNamed = async (name: string) => (await server.store.listSegments({ search: name })).items.find((s) => s.name === name)!;
  const tableKeys = () => page.getByTestId("contacts-table").locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));
  const keysOf = (items: Record<string, unknown>[]) => items.map((c) => String(c["customer_id"]));
  const count = () => page.getByTestId("contacts-count").textContent();

  async function openContacts(hash = "#/contacts"): Promise<void> {
    await page.goto(`${server.url}${hash}`);
    await page.getByTestId("contacts-table").waitFor({ timeout: 30_000 });
  }

  /** Presses Tab until the focused element matches `test` (at most `max` times); fails saying what had the focus. */
  async function tabTo(test: (el: { tag: string; text: string; testId: string | null; href: string | null; label: string | null }) => boolean, max = 60): Promise<void> {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press("Tab");
      const el = await page.evaluate(() => {
        const a = document.activeElement as HTMLElement | null;
        return { tag: a?.tagName ?? "", text: (a?.textContent ?? "").trim(), testId: a?.getAttribute("data-testid") ?? null, href: a?.getAttribute("href") ?? null, label: a?.getAttribute("aria-label") ?? null };
      });
      if (test(el)) return;
    }
    throw new Error(`Tab did not reach the element within ${max} presses`);
  }

  it("lists the contacts with the store's total; a search, a filter, a sort and the next page show what the store answers", async () => {
    await openContacts();
    // The header's nav has the page, marked current.
    expect(await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Contacts" }).getAttribute("aria-current")).toBe("page");
    const all = await server.store.listContacts({ limit: 25 });
    await expect.poll(count).toBe(`${n(all.total)} contacts`);
    expect(await tableKeys()).toEqual(keysOf(all.items));

    // A search of any field.
    await page.getByTestId("contacts-search").fill("Fiber optic");
    const searched = await server.store.listContacts({ search: "Fiber optic", limit: 25 });
    await expect.poll(count).toBe(`${n(searched.total)} contacts found`);
    await expect.poll(tableKeys).toEqual(keysOf(searched.items));

    // And a filter: both apply.
    const filter = 'contract = "Two year" and tenure >= 70';
    await page.getByTestId("contacts-filter").fill(filter);
    await page.getByTestId("contacts-filter").press("Enter");
    const both = await server.store.listContacts({ search: "Fiber optic", filter, limit: 25 });
    await expect.poll(count).toBe(`${n(both.total)} contacts found`);
    await expect.poll(tableKeys).toEqual(keysOf(both.items));

    // Sorted by a column (twice: descending), then the second page.
    await page.getByTestId("contacts-search").fill("");
    const table = page.getByTestId("contacts-table");
    const filtered = await server.store.listContacts({ filter, limit: 25 });
    await expect.poll(count).toBe(`${n(filtered.total)} contacts found`);
    const tenureHead = table.locator("th", { hasText: /^tenure/ });
    await tenureHead.getByRole("button").click();
    await expect.poll(() => tenureHead.getAttribute("aria-sort")).toBe("ascending");
    await tenureHead.getByRole("button").click();
    await expect.poll(() => tenureHead.getAttribute("aria-sort")).toBe("descending");
    const byTenure = await server.store.listContacts({ filter, orderBy: "tenure", descending: true, limit: 25 });
    await expect.poll(tableKeys).toEqual(keysOf(byTenure.items));
    await page.getByTestId("contacts-table").evaluate((t) => (t.parentElement!.scrollLeft = 0));
    await cleanShot(page, "segments-contacts", { fullPage: true });
    expect(byTenure.next).not.toBeNull();
    await page.getByTestId("contacts-next").click();
    const second = await server.store.listContacts({ filter, orderBy: "tenure", descending: true, limit: 25, cursor: byTenure.next! });
    await expect.poll(tableKeys).toEqual(keysOf(second.items));
    expect(await page.getByTestId("contacts-range").textContent()).toBe(`26–${n(25 + second.items.length)} of ${n(filtered.total)}`);

    // The sort select names every field, also one empty on every row shown (country, for Telco contacts).
    await page.getByTestId("contacts-sort").selectOption("country");
    const byCountry = await server.store.listContacts({ filter, orderBy: "country", descending: true, limit: 25 });
    await expect.poll(tableKeys).toEqual(keysOf(byCountry.items));
    expect(await table.locator("th", { hasText: "country" }).getAttribute("aria-sort")).toBe("descending");
  });

  it("says a filter with an error where it is, and does not apply it", async () => {
    await openContacts();
    await page.getByTestId("contacts-filter").fill("senior_citizen and tenur > 60");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page.locator(".problem", { hasText: "The filter has an error at 1:20: unknown field 'tenur'" }).waitFor();
    await expect.poll(count).toMatch(/^The filter is not applied \(it has an error\)/);
    expect(await page.getByTestId("contacts-filter").getAttribute("aria-invalid")).toBe("true");
    await page.getByTestId("contacts-filter").fill("senior_citizen and tenure > 60");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    const want = await server.store.listContacts({ filter: "senior_citizen and tenure > 60", limit: 25 });
    await expect.poll(count).toBe(`${n(want.total)} contacts found`);
    await expect.poll(tableKeys).toEqual(keysOf(want.items));
  });

  it("shows a contact: values by their types, the store's segments with links, recent events; Back returns to the search", async () => {
    // A shop customer with events, found by a search; its page from the table's link.
    const key = "12346";
    await openContacts();
    await page.getByTestId("contacts-search").fill(key);
    const found = keysOf((await server.store.listContacts({ search: key, limit: 25 })).items);
    await expect.poll(tableKeys).toEqual(found);
    await page.getByTestId("contacts-table").getByRole("link", { name: key, exact: true }).click();
    await page.waitForURL(new RegExp(`#/contacts/${key}$`));
    const record = await server.store.getContact(key);
    await expect.poll(() => page.getByTestId("contact-key").textContent()).toBe(key);

    const segments = page.getByTestId("contact-segments").locator("li");
    expect(await segments.evaluateAll((li) => li.map((l) => ({ id: Number(l.getAttribute("data-id")), name: l.querySelector("a")!.textContent })))).toEqual(record.segments);
    expect(await segments.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")))).toEqual(record.segments.map((s) => `#/segments/${s.id}`));

    // Values: a timestamp in words (UTC), an enum as it is; the empty fields named as empty.
    const values = page.getByTestId("contact-values");
    expect(await values.locator('[data-field="first_seen_at"] dd').textContent()).toBe("18 Jan 2011, 10:01 UTC");
    expect(await values.locator('[data-field="first_seen_at"] time').getAttribute("datetime")).toBe(record.values["first_seen_at"]);
    expect(await values.locator('[data-field="country"] dd').textContent()).toBe(record.values["country"]);
    // Grouped by how they are stored, in the contact form's words (no value, empty text, empty list).
    const fieldsWhere = (test: (v: unknown) => boolean) => Object.entries(record.values).filter(([k, v]) => k !== "customer_id" && test(v)).map(([k]) => k);
    const groups: [string, string[]][] = [
      ["No value", fieldsWhere((v) => v === null || v === undefined)],
      ['Empty text ""', fieldsWhere((v) => v === "")],
      ["Empty list", fieldsWhere((v) => Array.isArray(v) && v.length === 0)],
    ];
    const shown = groups.filter(([, fields]) => fields.length > 0).map(([label, fields]) => `${label} (${fields.length}): ${fields.join(", ")}`);
    expect(shown.length).toBeGreaterThan(0);
    expect(await page.getByTestId("empty-fields").locator("p[data-empty-kind]").allTextContents()).toEqual(shown);

    // Events, newest first, as the store has them.
    const events = page.getByTestId("contact-events").locator("tbody tr");
    expect(await events.count()).toBe(record.recentEvents.length);
    expect(await events.locator(".event-name").allTextContents()).toEqual(record.recentEvents.map((e) => e["event"]));
    expect(await events.first().locator("dd").allTextContents()).toContain("77,183.6");

    // A segment's link opens it.
    await segments.first().locator("a").click();
    await page.waitForURL(new RegExp(`#/segments/${record.segments[0]!.id}$`));
    await page.goBack();
    await page.getByTestId("contact-key").waitFor();
    // Back again: the contacts, still searched for the key.
    await page.goBack();
    await page.getByTestId("contacts-table").waitFor();
    expect(await page.getByTestId("contacts-search").inputValue()).toBe(key);
    await expect.poll(tableKeys).toEqual(found);
  });

  it("shows all of a contact's events: the 100 most recent, then older ones a page at a time, as the store has them", async () => {
    const ev = server.store.schema.events!;
    const key = String((await server.store.listContacts({ search: "Fiber optic", limit: 1 })).items[0]![server.store.schema.key]);
    const before = await server.store.contactEvents(key, { limit: 1000 });
    // 230 old visits, older than anything in the demo: the contact has more than two pages.
    const visits = Array.from({ length: 230 }, (_, i) => ({ [ev.contactKey]: key, [ev.name]: "Old visit", [ev.time]: new Date(Date.UTC(2001, 0, 1) + i * 3_600_000).toISOString() }));
    await server.store.appendEvents(visits);
    const total = before.total + 230;
    const all = (await server.store.contactEvents(key, { limit: 1000 })).items.map((e) => `${e[ev.name]} ${e[ev.time]}`);
    await page.goto(`${server.url}#/contacts/${encodeURIComponent(key)}`);
    const rows = page.getByTestId("contact-events").locator("tbody tr");
    const shown = async () => rows.evaluateAll((trs) => trs.map((tr) => `${tr.querySelector(".event-name")!.textContent} ${tr.querySelector("time")!.getAttribute("datetime")}`));
    await expect.poll(() => rows.count()).toBe(100);
    expect(await page.getByTestId("events-shown").textContent()).toBe(`the 100 most recent of ${total}`);
    const more = page.getByTestId("events-more");
    expect(await more.textContent()).toBe(`Show older events (${total - 100} more)`);
    await more.scrollIntoViewIfNeeded();
    await cleanShot(page, "segments-contact-older-events");
    for (let pages = 2; pages * 100 < total + 100; pages++) {
      await more.click();
      await expect.poll(() => rows.count()).toBe(Math.min(pages * 100, total));
    }
    expect(await more.count()).toBe(0);
    expect(await page.getByTestId("events-shown").textContent()).toBe("newest first");
    expect(await shown()).toEqual(all);
  });

  it("explains why a contact is not in a segment, as the store does, and why it is in one of its own", async () => {
    const key = "7590-VHVEG";
    const record = await server.store.getContact(key);
    const fiber = await segmentNamed("Fiber churners");
    expect(record.segments.map((s) => s.id)).not.toContain(fiber.id);
    await page.goto(`${server.url}#/contacts/${key}`);
    const picker = page.getByTestId("why-not-segment");
    await picker.waitFor();
    await expect.poll(() => picker.isEnabled()).toBe(true);
    // The picker offers the saved segments it is not in, by name.
    const all = (await server.store.listSegments({ orderBy: "name", limit: 1000 })).items;
    const offered = await picker.locator("option").evaluateAll((os) => os.slice(1).map((o) => o.textContent));
    expect(offered).toEqual(all.filter((s) => !record.segments.some((r) => r.id === s.id)).map((s) => s.name));

    await picker.selectOption({ label: fiber.name });
    const why = page.getByTestId("why-result");
    const want = await server.store.why({ segmentId: fiber.id }, key);
    expect(want.matches).toBe(false);
    await expect.poll(() => why.locator(".verdict").textContent()).toBe(`${key} is not in “${fiber.name}”.`);
    // The tree says which condition failed and what it read.
    expect(await why.locator("code").allTextContents()).toEqual([want.root.label, ...want.root.children.map((c) => c.label)]);
    expect(await why.textContent()).toContain('internet_service is "DSL"');
    await cleanShot(page, "segments-contacts-contact", { fullPage: true });

    // Why? beside a segment it is in.
    const vip = record.segments.find((s) => s.name === "VIP list")!;
    await page.getByRole("button", { name: `Why is it in ${vip.name}?` }).click();
    await expect.poll(() => why.locator(".verdict").textContent()).toBe(`${key} is in “${vip.name}”.`);
    expect(await page.getByTestId("contact-why").textContent()).toContain("is a static list");
  });

  it("opens a contact whose key has spaces, letters outside ASCII, / ? # and %, from the table and from its address", async () => {
    const record = await server.store.getContact(ODD_KEY);
    expect(record.segments.map((s) => s.name)).toEqual(["VIP list", "VIPs and big spenders"]);
    await openContacts();
    await page.getByTestId("contacts-search").fill("Ångström");
    await expect.poll(tableKeys).toEqual([ODD_KEY]);
    await page.getByTestId("contacts-table").getByRole("link", { name: ODD_KEY, exact: true }).click();
    await page.waitForURL((u) => u.hash === `#/contacts/${encodeURIComponent(ODD_KEY)}`);
    await expect.poll(() => page.getByTestId("contact-key").textContent()).toBe(ODD_KEY);
    expect(await page.getByTestId("contact-segments").locator("li a").allTextContents()).toEqual(record.segments.map((s) => s.name));
    // Typed values: a list as its items, a timestamp in words, a number, a boolean.
    const values = page.getByTestId("contact-values");
    expect(await values.locator('[data-field="services"] li').allTextContents()).toEqual(["phone", "streaming_tv"]);
    expect(await values.locator('[data-field="signed_up_at"] dd').textContent()).toBe("1 Jun 2025, 08:30 UTC");
    expect(await values.locator('[data-field="tenure"] dd').textContent()).toBe("7");
    expect(await values.locator('[data-field="churn"] dd').textContent()).toBe("false");
    // Why not, for this key too (the key travels in the API's path).
    await page.getByTestId("why-not-segment").selectOption({ label: "Fiber churners" });
    await expect.poll(() => page.getByTestId("why-result").locator(".verdict").textContent()).toBe(`${ODD_KEY} is not in “Fiber churners”.`);
    // The address opened anew (a link someone sent).
    await page.goto(`${server.url}#/contacts/${encodeURIComponent(ODD_KEY)}`);
    await page.reload();
    await expect.poll(() => page.getByTestId("contact-key").textContent()).toBe(ODD_KEY);
    // (A document's title reads with its runs of spaces collapsed.)
    expect(await page.title()).toBe(`segql · Contact ${ODD_KEY.replace(/\s+/g, " ")}`);
  });

  it("opens a key typed into the address with a bare %", async () => {
    // Typed by hand: the browser escapes the space, not the `%` (the router threw "URI malformed": a blank app).
    await page.goto(`${server.url}#/contacts/100% sure`);
    await expect.poll(() => page.getByTestId("contact-key").textContent()).toBe("100% sure");
  });

  it("opens the contacts `..` and `.` (path steps in any URL) from the table's link and typed by hand: values, events, history, why and why not", async () => {
    // Every API request the page makes: `.` and `..` go in the query, any other key stays in the path.
    const asked: string[] = [];
    const onRequest = (r: { url(): string }) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith("/api/")) asked.push(decodeURIComponent(`${u.pathname}${u.search}`));
    };
    page.on("request", onRequest);
    try {
      const record = await server.store.getContact("..");
      await openContacts();
      await page.getByTestId("contacts-search").fill("..");
      const found = keysOf((await server.store.listContacts({ search: "..", limit: 25 })).items);
      expect(found).toContain("..");
      await expect.poll(tableKeys).toEqual(found);
      await page.getByTestId("contacts-table").getByRole("link", { name: "..", exact: true }).click();
      await page.waitForURL((u) => u.hash === "#/contacts/..");
      await expect.poll(() => page.getByTestId("contact-key").textContent()).toBe("..");
      expect(await page.title()).toBe("segql · Contact ..");
      // Its values, its segments (the store's), its events (the 100 most recent, then the older ones).
      const values = page.getByTestId("contact-values");
      expect(await values.locator('[data-field="tenure"] dd').textContent()).toBe("3");
      expect(await values.locator('[data-field="churn"] dd').textContent()).toBe("true");
      expect(await page.getByTestId("contact-segments").locator("li a").allTextContents()).toEqual(record.segments.map((s) => s.name));
      const events = page.getByTestId("contact-events").locator("tbody tr");
      expect(await events.count()).toBe(100);
      expect(await events.locator(".event-name").allTextContents()).toEqual(record.recentEvents.map((e) => e["event"]));
      await page.getByTestId("events-more").click();
      await expect.poll(() => events.count()).toBe(130);
      const all = (await server.store.contactEvents("..", { limit: 1000 })).items;
      expect(await events.locator(".event-name").allTextContents()).toEqual(all.map((e) => e["event"]));
      // Its segment history: the store's log of it, newest first.
      const log = (await server.store.contactChanges("..", { limit: 20 })).items;
      expect(log.length).toBeGreaterThan(0);
      const history = page.getByTestId("contact-history").getByTestId("history-change");
      await expect.poll(() => history.evaluateAll((li) => li.map((l) => `${l.getAttribute("data-change")} ${l.getAttribute("data-segment")}`))).toEqual(log.map((c) => `${c.change} ${c.segmentId}`));
      // Why it is in the list, and why it is not in a segment.
      const vip = record.segments.find((s) => s.name === "VIP list")!;
      await page.getByRole("button", { name: `Why is it in ${vip.name}?` }).click();
      const why = page.getByTestId("why-result");
      await expect.poll(() => why.locator(".verdict").textContent()).toBe(`.. is in “${vip.name}”.`);
      const fiber = await segmentNamed("Fiber churners");
      const want = await server.store.why({ segmentId: fiber.id }, "..");
      await page.getByTestId("why-not-segment").selectOption({ label: fiber.name });
      await expect.poll(() => why.locator(".verdict").textContent()).toBe(`.. is ${want.matches ? "in" : "not in"} “${fiber.name}”.`);
      expect(await why.locator("code").allTextContents()).toEqual([want.root.label, ...want.root.children.map((c) => c.label)]);
      // The top of its page (the events below are 130 rows long).
      await page.evaluate(() => window.scrollTo(0, 0));
      await cleanShot(page, "segments-contact-dot-dot");

      // Typed by hand, percent-encoded: the same contact.
      await page.goto(`${server.url}#/contacts/%2E%2E`);
      await page.reload();
      await expect.poll(() => page.getByTestId("contact-key").textContent()).toBe("..");
      expect(await page.getByTestId("contact-segments").locator("li a").allTextContents()).toEqual(record.segments.map((s) => s.name));
      // And `.`, as typed and encoded; its why not too.
      for (const typed of [".", "%2E"]) {
        await page.goto(`${server.url}#/contacts/${typed}`);
        await page.reload();
        await expect.poll(() => page.getByTestId("contact-key").textContent()).toBe(".");
        expect(await page.getByTestId("contact-values").locator('[data-field="tenure"] dd').textContent()).toBe("50");
      }
      await page.getByTestId("why-not-segment").selectOption({ label: fiber.name });
      const dotWhy = await server.store.why({ segmentId: fiber.id }, ".");
      await expect.poll(() => page.getByTestId("why-result").locator(".verdict").textContent()).toBe(`. is ${dotWhy.matches ? "in" : "not in"} “${fiber.name}”.`);
      const dotLog = (await server.store.contactChanges(".", { limit: 20 })).items;
      if (dotLog.length === 0) await page.getByTestId("contact-history").getByText("It has not entered or left a segment yet.").waitFor();
      else await expect.poll(() => history.count()).toBe(dotLog.length);

      // The query form for the two keys (all four reads), never a path for them.
      const byKey = asked.filter((a) => /^\/api\/(contact\b|segments\/\d+\/why)/.test(a)).map((a) => a.replace(/\/segments\/\d+\//, "/segments/{id}/").replace(/cursor=[^&]*/, "cursor=…"));
      expect(new Set(byKey)).toEqual(
        new Set([
          "/api/contact?key=..",
          "/api/contact/events?cursor=…&limit=100&key=..",
          "/api/contact/changes?limit=20&key=..",
          "/api/segments/{id}/why?key=..",
          "/api/contact?key=.",
          "/api/contact/changes?limit=20&key=.",
          "/api/segments/{id}/why?key=.",
        ]),
      );
      // (Only these two keys: a request of the page the test before left, for its own contact, may still be
      // on its way when this one starts.)
      expect(asked.filter((a) => /^\/api\/contacts\/\.\.?(\/|\?|$)/.test(a))).toEqual([]);
    } finally {
      page.off("request", onRequest);
    }
  });

  it("says a key that is no contact is not found, with the way back", async () => {
    const missing = "no-such/contact ü";
    await page.goto(`${server.url}#/contacts/${encodeURIComponent(missing)}`);
    const notFound = page.getByTestId("no-such-contact");
    await notFound.waitFor();
    expect(await notFound.locator("h1").textContent()).toBe(`No contact “${missing}”`);
    // The search for it finds nothing, and says so.
    await notFound.getByRole("link", { name: /^Search the contacts for/ }).click();
    await page.waitForURL(/#\/contacts\?search=/);
    expect(await page.getByTestId("contacts-search").inputValue()).toBe(missing);
    await page.getByText(`No contact matches “${missing}”.`).waitFor();
    await page.goBack();
    await notFound.getByRole("link", { name: "Back to the contacts" }).click();
    await page.getByTestId("contacts-table").waitFor();
  });

  it("links a member row of a segment's page and a picker row to the contact; Why? and the checkbox still work", async () => {
    const s = await segmentNamed("Frequent refunders");
    await page.goto(`${server.url}#/segments/${s.id}`);
    const table = page.getByTestId("members-table");
    await table.waitFor();
    const member = String((await server.store.members(s.id, { limit: 1 })).items[0]!["customer_id"]);
    // The row's Why? still opens the Why tab.
    await table.locator(`tr[data-key="${member}"]`).getByRole("button", { name: /^Why is / }).click();
    await expect.poll(() => page.getByTestId("why-result").locator(".verdict").textContent()).toBe(`${member} is in “${s.name}”.`);
    await page.getByTestId("tab-members").click();
    await table.locator(`tr[data-key="${member}"]`).getByRole("link", { name: member, exact: true }).click();
    await page.waitForURL(new RegExp(`#/contacts/${member}$`));
    await page.getByTestId("contact-segments").waitFor();
    expect(await page.getByTestId("contact-segments").locator("li a").allTextContents()).toContain(s.name);

    // The picker of a new static list: the key opens the contact in a new tab; the checkbox picks.
    await openNew(page, server.url);
    await page.getByTestId("dynamic-switch").click();
    const picker = page.getByTestId("picker-table");
    await page.getByTestId("picker-search").fill("7590-vhveg");
    await expect.poll(() => picker.locator("tbody tr").count()).toBe(1);
    const link = picker.getByRole("link", { name: "7590-VHVEG (opens in a new tab)" });
    expect(await link.getAttribute("target")).toBe("_blank");
    await picker.getByLabel("Pick 7590-VHVEG").check();
    expect(await page.getByTestId("picked-count").textContent()).toBe("1 contact");
    const [tab] = await Promise.all([page.context().waitForEvent("page"), link.click()]);
    const tabErrors = watchErrors(tab);
    await tab.getByTestId("contact-key").waitFor();
    expect(await tab.getByTestId("contact-key").textContent()).toBe("7590-VHVEG");
    await tab.close();
    expect(tabErrors).toEqual([]);
    // The form kept its pick.
    expect(await page.getByTestId("picked-count").textContent()).toBe("1 contact");
    await page.evaluate(() => window.sessionStorage.clear());
  });

  it("works with the keyboard alone: search, open a contact, ask why not", async () => {
    await openContacts();
    await tabTo((el) => el.testId === "contacts-search");
    await page.keyboard.type("5575-GNVDE");
    await expect.poll(tableKeys).toEqual(["5575-GNVDE"]);
    await tabTo((el) => el.tag === "A" && el.text === "5575-GNVDE");
    await page.keyboard.press("Enter");
    await page.waitForURL(/#\/contacts\/5575-GNVDE$/);
    await page.getByTestId("contact-key").waitFor();
    await expect.poll(() => page.getByTestId("why-not-segment").isEnabled()).toBe(true);
    await tabTo((el) => el.testId === "why-not-segment");
    const record = await server.store.getContact("5575-GNVDE");
    const first = (await server.store.listSegments({ orderBy: "name", limit: 1000 })).items.find((s) => !record.segments.some((r) => r.id === s.id))!;
    await page.keyboard.press("ArrowDown");
    await expect.poll(() => page.getByTestId("why-result").locator(".verdict").textContent()).toBe(`5575-GNVDE ${(await server.store.why({ segmentId: first.id }, "5575-GNVDE")).matches ? "is in" : "is not in"} “${first.name}”.`);
    // The focus is visible where it is.
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe("none");
  });

  it("fits a 390px phone in the dark theme, both pages", async () => {
    const phone = await page.context().newPage();
    const phoneErrors = watchErrors(phone);
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await phone.goto(`${server.url}#/contacts`);
      await phone.getByTestId("contacts-table").waitFor();
      await phone.getByTestId("theme-dark").check();
      expect(await phone.evaluate(() => document.documentElement.dataset["theme"])).toBe("dark");
      expect(await overflow(), "the Contacts page").toBeLessThanOrEqual(0);
      await phone.goto(`${server.url}#/contacts/${encodeURIComponent(ODD_KEY)}`);
      await phone.getByTestId("why-not-segment").selectOption({ label: "Fiber churners" });
      await phone.getByTestId("why-result").waitFor();
      expect(await overflow(), "a contact's page").toBeLessThanOrEqual(0);
      await phone.goto(`${server.url}#/contacts/12346`);
      await phone.getByTestId("contact-events").waitFor();
      expect(await overflow(), "a contact with events").toBeLessThanOrEqual(0);
      await cleanShot(phone, "segments-contacts-phone-dark", { fullPage: true });
      expect(phoneErrors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
