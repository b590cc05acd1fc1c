/**
 * Changing a contact from its page (#/contacts/{key}), in real headless Chromium against `segql serve`
 * (in-process, a temporary DuckDB database with the demo):
 * - Edit values: only the fields changed are sent; the store then holds them; the note names exactly the
 *   segments the store's change feed says the contact entered and left, and its Segments card is the
 *   store's; an emptied field is cleared;
 * - a value the schema refuses is shown by its field (focused), nothing is written, and the form keeps
 *   what was typed;
 * - Record an event: the store gains it, and the contact enters the segment counting such events;
 * - Escape / Cancel give the focus back; dark theme and a 390px phone.
 * No request leaves the server's origin.
 */
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: editing a contact (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;
  /** The JSON bodies of the writes the page sent. */
  const writes: { url: string; body: unknown }[] = [];

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
    page.on("request", (r: Request) => {
      if (r.method() === "POST" && /\/api\/(contacts|events)$/.test(new URL(r.url()).pathname)) writes.push({ url: new URL(r.url()).pathname, body: r.postDataJSON() });
    });
    await page.goto(`${server.url}#/segments`);
    await page.getByTestId("who").fill("Ines from QA");
  }, 180_000);
  // The 422 asked for on purpose shows as a failed resource; nothing else may.
  afterAll(() => closeSegmentsSession(session));

  const segmentNamed = async (name: string) => (await server.store.listSegments({ search: name })).items.find((s) => s.name === name)!;
  const lastSeq = async () => (await server.store.stats()).lastChangeSeq;
  /** The segments the contact entered and left after `since`, by name, from the store's change feed. */
  async function feedSince(since: number, key: string): Promise<{ entered: string[]; exited: string[] }> {
    const names = new Map((await server.store.listSegments({ limit: 1000 })).items.map((s) => [s.id, s.name]));
    const mine = (await server.store.changes({ since })).items.filter((c) => c.key === key);
    const of = (kind: string) => mine.filter((c) => c.change === kind).map((c) => names.get(c.segmentId)!).sort();
    return { entered: of("entered"), exited: of("exited") };
  }
  const newsLinks = (id: string) => page.getByTestId(id).getByRole("link").allTextContents().then((t) => t.sort());
  const shownSegments = () => page.locator(".contact-segments a").allTextContents().then((t) => t.sort());
  const input = (field: string) => page.locator(`[data-field-input="${field}"]`);

  async function openContact(key: string): Promise<void> {
    await page.goto(`${server.url}#/segments`);
    await page.goto(`${server.url}#/contacts/${encodeURIComponent(key)}`);
    await page.getByTestId("contact-values").waitFor({ timeout: 30_000 });
  }

  it("saves the fields changed, and says which segments the contact entered and left, as the store's feed does", async () => {
    // A member of "Fiber churners" on a month-to-month contract: made loyal, it leaves one and enters the other.
    const churners = await segmentNamed("Fiber churners");
    const key = String((await server.store.members(churners.id, { limit: 1 })).items[0]!["customer_id"]);
    const before = (await server.store.getContact(key)).values;
    await openContact(key);
    await page.getByTestId("edit-values").click();
    // The first input has the focus; every field but the key is there, holding the stored value.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-field-input"))).toBe("source");
    expect(await input("tenure").inputValue()).toBe(String(before["tenure"]));
    expect(await input("customer_id").count()).toBe(0);
    await input("contract").selectOption("Two year");
    await input("tenure").fill("48");
    await input("churn").selectOption("false");
    expect(await page.getByTestId("save-values").textContent()).toBe("Save 3 changes");
    const since = await lastSeq();
    writes.length = 0;
    await page.getByTestId("save-values").click();
    await page.getByTestId("write-news").waitFor();

    // Only the three fields, with their types, and the values the form read for them (see segments-contact-conflicts).
    expect(writes).toEqual([
      { url: "/api/contacts", body: { contacts: [{ customer_id: key, contract: "Two year", tenure: 48, churn: false }], expect: { [key]: { contract: before["contract"], tenure: before["tenure"], churn: before["churn"] } } } },
    ]);
    const after = (await server.store.getContact(key)).values;
    expect(after).toEqual({ ...before, contract: "Two year", tenure: 48, churn: false });
    const feed = await feedSince(since, key);
    expect(feed.entered).toContain("Loyal on contract");
    expect(feed.exited).toContain("Fiber churners");
    expect(await page.getByTestId("write-news").locator("strong").textContent()).toBe("Saved tenure, contract and churn.");
    expect(await newsLinks("news-entered")).toEqual(feed.entered);
    expect(await newsLinks("news-exited")).toEqual(feed.exited);
    // The note has the focus (read next); the Segments card is the store's now.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("write-news");
    await expect.poll(shownSegments).toEqual((await server.store.getContact(key)).segments.map((s) => s.name).sort());
    // Its segment history is the store's log of it, newest first: the entry and the exit on top.
    const log = (await server.store.contactChanges(key, { limit: 20 })).items.map((c) => ({ change: c.change, segment: String(c.segmentId) }));
    await expect
      .poll(() => page.getByTestId("history-change").evaluateAll((rows) => rows.map((r) => ({ change: r.getAttribute("data-change"), segment: r.getAttribute("data-segment") }))))
      .toEqual(log);
    expect(log.slice(0, feed.entered.length + feed.exited.length).map((c) => c.change).sort()).toEqual([...feed.entered.map(() => "entered"), ...feed.exited.map(() => "exited")].sort());
    await cleanShot(page, "segments-contact-edited");
  });

  it("clears an emptied field; a change that moves no segment says so", async () => {
    const key = String((await server.store.listContacts({ filter: 'source = "telco" and gender is not empty', limit: 1 })).items[0]!["customer_id"]);
    await openContact(key);
    await page.getByTestId("edit-values").click();
    await input("gender").selectOption("");
    await page.getByTestId("save-values").click();
    await page.getByTestId("news-unchanged").waitFor();
    expect((await server.store.getContact(key)).values["gender"]).toBeNull();
    await expect.poll(() => page.getByTestId("empty-fields").textContent()).toContain("gender");
    // Nothing changed: nothing sent.
    writes.length = 0;
    await page.getByTestId("edit-values").click();
    await page.getByTestId("save-values").click();
    await page.getByText("Nothing changed.").waitFor();
    expect(writes).toEqual([]);
    await page.keyboard.press("Escape");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("edit-values");
  });

  it("shows a value the schema refuses by its field, focused; nothing is written and what was typed stays", async () => {
    const key = String((await server.store.listContacts({ filter: 'source = "telco"', limit: 1, orderBy: "customer_id", descending: true })).items[0]!["customer_id"]);
    const before = await server.store.getContact(key);
    await openContact(key);
    await page.getByTestId("edit-values").click();
    await input("tenure").fill("twelve");
    await input("signed_up_at").fill("yesterday");
    await page.getByTestId("save-values").click();
    const problems = page.getByTestId("field-problem");
    await problems.first().waitFor();
    const byField = await page.locator(".form-field.has-problem").evaluateAll((fs) => fs.map((f) => [f.getAttribute("data-field"), f.querySelector("[data-testid=field-problem]")!.textContent]));
    expect(byField).toEqual([
      ["tenure", 'expected a number, found "twelve"'],
      ["signed_up_at", expect.stringContaining('found "yesterday"')],
    ]);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-field-input"))).toBe("tenure");
    expect(await input("tenure").getAttribute("aria-invalid")).toBe("true");
    expect(await input("tenure").inputValue()).toBe("twelve");
    expect(await server.store.getContact(key)).toEqual(before);
    await cleanShot(page, "segments-contact-edit-problems");
    await page.getByTestId("cancel-values").click();
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("edit-values");
  });

  it("records an event: the store gains it and the contact enters the segment that counts such events", async () => {
    const refunders = await segmentNamed("Frequent refunders");
    // A shop customer with two refunds: a third makes it a frequent refunder.
    const shop = (await server.store.listContacts({ filter: 'source = "online-retail" and performed "Refund" exactly 2 times', limit: 1 })).items[0];
    expect(shop, "the demo has a customer with two refunds").toBeDefined();
    const key = String(shop!["customer_id"]);
    expect((await server.store.getContact(key)).segments.map((s) => s.id)).not.toContain(refunders.id);
    const events = (await server.store.getContact(key)).eventCount;
    await openContact(key);
    await page.getByTestId("record-event").click();
    await page.getByTestId("event-form").waitFor();
    await input("event").fill("Refund");
    await input("amount").fill("-12.5");
    const since = await lastSeq();
    writes.length = 0;
    await page.getByTestId("save-event").click();
    await page.getByTestId("write-news").waitFor();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ url: "/api/events", body: { events: [{ customer_id: key, event: "Refund", properties: { amount: -12.5 } }] } });
    const stored = await server.store.getContact(key);
    expect(stored.eventCount).toBe(events + 1);
    expect(stored.segments.map((s) => s.id)).toContain(refunders.id);
    const feed = await feedSince(since, key);
    expect(feed.entered).toContain("Frequent refunders");
    expect(await page.getByTestId("write-news").locator("strong").textContent()).toBe("Recorded a “Refund” event.");
    expect(await newsLinks("news-entered")).toEqual(feed.entered);
    // The new event is the first row of the table.
    await expect.poll(() => page.getByTestId("contact-events").locator("tbody tr").first().locator(".event-name").textContent()).toBe("Refund");
    await cleanShot(page, "segments-contact-event-recorded");
  });

  it("refuses an event without a name or with a bad time, by its field", async () => {
    const key = String((await server.store.listContacts({ filter: 'source = "online-retail"', limit: 1 })).items[0]!["customer_id"]);
    const events = (await server.store.getContact(key)).eventCount;
    await openContact(key);
    await page.getByTestId("record-event").click();
    await input("event").fill("");
    await input("occurred_at").fill("31/01/2024");
    await page.getByTestId("save-event").click();
    await page.getByTestId("field-problem").first().waitFor();
    const fields = await page.locator(".form-field.has-problem").evaluateAll((fs) => fs.map((f) => f.getAttribute("data-field")));
    expect(fields).toEqual(["event", "occurred_at"]);
    expect((await server.store.getContact(key)).eventCount).toBe(events);
    await page.getByTestId("cancel-event").click();
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("record-event");
  });

  it("adds a contact from the Contacts page: its page then says which segments it entered; a key taken is refused", async () => {
    const key = `Zoë / new ${Date.now()}`;
    await page.goto(`${server.url}#/contacts`);
    await page.getByTestId("new-contact").click();
    await page.getByTestId("values-form").waitFor();
    // The key has the focus; nothing is sent without one.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-field-input"))).toBe("customer_id");
    writes.length = 0;
    await page.getByTestId("save-values").click();
    expect(await page.getByTestId("field-problem").textContent()).toBe("A contact needs a key.");
    expect(writes).toEqual([]);
    await input("customer_id").fill(key);
    // What was said about the empty key goes once a key is typed.
    expect(await page.getByTestId("field-problem").count()).toBe(0);
    await input("source").selectOption("telco");
    await input("contract").selectOption("One year");
    await input("tenure").fill("30");
    // A list's items one by one, Enter adding each.
    for (const item of ["phone", "streaming_tv"]) {
      await input("services").fill(item);
      await input("services").press("Enter");
    }
    await cleanShot(page, "segments-contact-new");
    const since = await lastSeq();
    await page.getByTestId("save-values").click();
    await page.getByTestId("write-news").waitFor();
    expect(new URL(page.url()).hash).toBe(`#/contacts/${encodeURIComponent(key)}`);
    expect(writes).toEqual([{ url: "/api/contacts", body: { contacts: [{ customer_id: key, source: "telco", contract: "One year", tenure: 30, services: ["phone", "streaming_tv"] }] } }]);
    const stored = await server.store.getContact(key);
    expect(stored.values).toMatchObject({ source: "telco", contract: "One year", tenure: 30, services: ["phone", "streaming_tv"], churn: null });
    const feed = await feedSince(since, key);
    expect(feed.entered).toContain("Loyal on contract");
    expect(await page.getByTestId("write-news").locator("strong").textContent()).toBe("Added this contact.");
    expect(await newsLinks("news-entered")).toEqual(feed.entered);
    expect(await page.getByTestId("contact-key").textContent()).toBe(key);

    // The same key again: refused with a link to it, nothing written.
    await page.goto(`${server.url}#/new-contact`);
    await input("customer_id").fill(key);
    await input("tenure").fill("1");
    writes.length = 0;
    await page.getByTestId("save-values").click();
    const problem = page.getByTestId("field-problem");
    await problem.waitFor();
    expect(await problem.textContent()).toBe("A contact with this key exists already: open it to change its values.");
    expect(writes).toEqual([]);
    expect((await server.store.getContact(key)).values["tenure"]).toBe(30);
    await problem.getByRole("link").click();
    await page.getByTestId("contact-values").waitFor();
    expect(await page.getByTestId("contact-key").textContent()).toBe(key);
  });

  it("deletes a contact after asking: its events go, the toast names the segments it left, as the feed does", async () => {
    const vip = await segmentNamed("VIP list");
    // A hand-picked VIP with events: it leaves the static list and the segments reading it.
    const key = (await server.store.members(vip.id, { limit: 100 })).items.map((c) => String(c["customer_id"])).find((k) => /^\d+$/.test(k))!;
    const before = await server.store.getContact(key);
    expect(before.eventCount).toBeGreaterThan(0);
    const stats = await server.store.stats();
    await openContact(key);
    await page.getByTestId("delete-contact").click();
    const dialog = page.getByTestId("delete-contact-dialog");
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(`and its ${before.eventCount.toLocaleString("en-US")} events go for good: this cannot be undone.`);
    // Cancel has the focus: Enter does not delete.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel");
    await cleanShot(page, "segments-contact-delete");
    await page.keyboard.press("Escape");
    expect((await server.store.findContactKeys([key])).known).toEqual([key]);

    await page.getByTestId("delete-contact").click();
    const since = await lastSeq();
    await page.getByTestId("confirm-delete-contact").click();
    await page.getByTestId("contacts-table").waitFor();
    expect(new URL(page.url()).hash).toMatch(/^#\/contacts/);
    expect((await server.store.findContactKeys([key])).known).toEqual([]);
    expect(await server.store.stats()).toMatchObject({ contacts: stats.contacts - 1, events: stats.events - before.eventCount });
    const feed = await feedSince(since, key);
    expect(feed.entered).toEqual([]);
    expect(feed.exited).toEqual(before.segments.map((s) => s.name).sort());
    const toast = await page.locator(".toast").last().textContent();
    expect(toast).toContain(`Deleted “${key}” and its ${before.eventCount.toLocaleString("en-US")} events; it left `);
    for (const name of feed.exited) expect(toast).toContain(`“${name}”`);
  });

  it("fits a 390px phone, and reads in the dark theme", async () => {
    const key = String((await server.store.listContacts({ filter: 'source = "telco"', limit: 1 })).items[0]!["customer_id"]);
    const phone = await session.context.newPage();
    const errors = watchErrors(phone);
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto(`${server.url}#/contacts/${encodeURIComponent(key)}`);
      await phone.getByTestId("edit-values").click();
      await phone.getByTestId("values-form").waitFor();
      expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      await phone.getByTestId("theme-dark").click();
      const { screenshot } = await import("./harness.js");
      await screenshot(phone, "segments-contact-edit-phone-dark");
      await phone.getByTestId("theme-light").click();
      expect(errors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
