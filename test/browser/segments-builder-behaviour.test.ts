/**
 * The segments web app in real headless Chromium against `segql serve` (in-process, a temporary DuckDB
 * database with the demo): behaviour and membership rules built with the rule builder alone.
 * - "Performed an event": the event, how often and when, as a sentence; the text follows each choice, and
 *   "did not perform" writes `not performed …`; the saved segment's members are what the store counts;
 * - "In a segment": a saved segment picked from a list that leaves out the segment being edited;
 * - an event's `where` filter of tests joined by `and` is rows (property, operator, value) the builder edits,
 *   adds and removes; typed in the text, it is kept as written while the builder changes the rest of the
 *   rule; another filter (an `or`) is shown as written;
 * - how much instead of how often: a total, an average, a minimum or a maximum of a number property; or
 *   when the first or last one was (a test of a time); the events of a period (between two dates);
 * - a total between two numbers (both ends in the controls); event forms without controls here (a total not
 *   between two numbers) stay "Condition as text".
 * No request leaves the server's origin.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason } from "./harness.js";
import { cleanShot, closeSegmentsSession, editorText, groupButton, node, openNew, openSegmentsSession, type SegmentsServer, type SegmentsSession, typeText } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: behaviour and membership in the rule builder (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
  });

  afterAll(() => closeSegmentsSession(session));

  it("builds 'performed Purchase at least 3 times in the last 30 days' and 'is in a segment' from the builder alone, and saves them", async () => {
    await openNew(page, server.url);
    await page.getByTestId("segment-name").fill("Frequent buyers in the UK");
    await groupButton(page, "g", "+ Rule").click();
    const rule = node(page, "g.0");
    await rule.getByLabel("Field", { exact: true }).selectOption({ label: "Performed an event" });
    // A new event rule: the schema's first event, at least once, at any time.
    const names = await rule.getByLabel("Event: name").locator("option").allTextContents();
    expect(names).toEqual(server.store.schema.events!.names);
    await expect.poll(() => editorText(page)).toBe(`performed "${names[0]}"`);
    await rule.getByLabel("Event: name").selectOption("Purchase");
    await rule.getByLabel("Event: how often").selectOption({ label: "at least" });
    await rule.getByLabel("Event: how many times").fill("3");
    await rule.getByLabel("Event: when").selectOption({ label: "in the last" });
    await rule.getByLabel("Event: how many", { exact: true }).fill("30");
    await rule.getByLabel("Event: unit").selectOption("day");
    await expect.poll(() => editorText(page)).toBe('performed "Purchase" at least 3 times within last 30 days');
    // "did not perform" is the negation.
    await rule.getByLabel("Operator for the event").selectOption({ label: "did not perform" });
    await expect.poll(() => editorText(page)).toBe('not performed "Purchase" at least 3 times within last 30 days');
    await rule.getByLabel("Operator for the event").selectOption({ label: "performed" });

    // Membership: the demo's saved segments, by name.
    await groupButton(page, "g", "+ Rule").click();
    const member = node(page, "g.1");
    await member.getByLabel("Field", { exact: true }).selectOption({ label: "In a segment" });
    const saved = (await server.store.listSegments({ limit: 100 })).items.map((s) => s.name);
    expect((await member.getByLabel("Segment", { exact: true }).locator("option").allTextContents()).sort()).toEqual([...saved].sort());
    await member.getByLabel("Segment", { exact: true }).selectOption("Big UK spenders");
    const expected = 'performed "Purchase" at least 3 times within last 30 days and in segment "Big UK spenders"';
    await expect.poll(() => editorText(page)).toBe(expected);
    // The text checks: no error or warning on the rows.
    await expect.poll(() => page.locator('[data-testid="builder-mark"]').count()).toBe(0);
    await cleanShot(page, "segments-builder-behaviour", { fullPage: true });

    await page.getByTestId("save").click();
    await page.waitForURL(/#\/segments\/\d+$/);
    const id = Number(/#\/segments\/(\d+)/.exec(page.url())![1]);
    const segment = await server.store.getSegment(id);
    expect(segment.expression).toBe(expected);
    expect(segment.memberCount).toBe((await server.store.preview(expected, { limit: 0, conditionCounts: false })).count);
    await expect.poll(async () => page.getByTestId("segment-member-count").textContent()).toBe(segment.memberCount.toLocaleString("en-US"));

    // Editing it: the segment list leaves out the segment itself (a segment reading itself is a cycle).
    await page.goto(`${server.url}#/segments/${id}/edit`);
    const options = node(page, "g.1").getByLabel("Segment", { exact: true }).locator("option");
    // Until the segments load, the select holds the rule's name alone.
    await expect.poll(() => options.allTextContents()).toContain("Big UK spenders");
    expect((await options.allTextContents()).sort()).toEqual(saved.sort());
  });

  it("builds how much and when, not how often: 'with a total of amount > 5000', 'with last time before 6 months ago'; a typed total shows in the controls, its spelling kept", async () => {
    await openNew(page, server.url);
    await groupButton(page, "g", "+ Rule").click();
    const rule = node(page, "g.0");
    await rule.getByLabel("Field", { exact: true }).selectOption({ label: "Performed an event" });
    await rule.getByLabel("Event: name").selectOption("Purchase");
    await rule.getByLabel("Event: how often").selectOption({ label: "with a total" });
    // The events' number properties only.
    const numbers = Object.values(server.store.schema.events!.properties).filter((p) => p.type === "number").map((p) => p.name);
    expect(await rule.getByLabel("Event: of which property").locator("option").allTextContents()).toEqual(numbers);
    await rule.getByLabel("Event: of which property").selectOption("amount");
    await rule.getByLabel("Event: compared").selectOption(">");
    await rule.getByLabel("Event: with", { exact: true }).fill("5000");
    await expect.poll(() => editorText(page)).toBe('performed "Purchase" with sum of amount > 5000');
    const count = (await server.store.preview('performed "Purchase" with sum of amount > 5000', { limit: 0, conditionCounts: false })).count;
    expect(count).toBeGreaterThan(0);
    await page.getByRole("button", { name: "Preview matching contacts" }).click();
    await expect.poll(() => page.getByTestId("preview-count").textContent()).toBe(count.toLocaleString("en-US"));
    await cleanShot(page, "segments-builder-total", { fullPage: true });
    // Typed, with the property spelt otherwise: the controls show it, a builder change keeps the spelling.
    await typeText(page, 'performed "Purchase" with AVERAGE of Amount >= 49.5 within last 1 year');
    await expect.poll(() => node(page, "g.0").getByLabel("Event: how often").inputValue()).toBe("avg");
    expect(await node(page, "g.0").getByLabel("Event: of which property").inputValue()).toBe("amount");
    await node(page, "g.0").getByLabel("Event: how many", { exact: true }).fill("2");
    await expect.poll(() => editorText(page)).toBe('performed "Purchase" with average of Amount >= 49.5 within last 2 years');
    // A total between two numbers, both included: the range starts at the number there was.
    await node(page, "g.0").getByLabel("Event: compared").selectOption("between");
    await expect.poll(() => editorText(page)).toBe('performed "Purchase" with average of Amount between 49.5 and 49.5 within last 2 years');
    await node(page, "g.0").getByLabel("Event: total to", { exact: true }).fill("120");
    await expect.poll(() => editorText(page)).toBe('performed "Purchase" with average of Amount between 49.5 and 120 within last 2 years');
    // Typed: the controls show it.
    await typeText(page, 'performed "Purchase" with sum of amount between 100 and 500');
    await expect.poll(() => node(page, "g.0").getByLabel("Event: compared").inputValue()).toBe("between");
    expect(await node(page, "g.0").getByLabel("Event: total from", { exact: true }).inputValue()).toBe("100");
    expect(await node(page, "g.0").getByLabel("Event: total to", { exact: true }).inputValue()).toBe("500");
    const ranged = (await server.store.preview('performed "Purchase" with sum of amount between 100 and 500', { limit: 0, conditionCounts: false })).count;
    await page.getByRole("button", { name: "Preview matching contacts" }).click();
    await expect.poll(() => page.getByTestId("preview-count").textContent()).toBe(ranged.toLocaleString("en-US"));
    await page.keyboard.press("Escape");
    await cleanShot(page, "segments-builder-total-between", { fullPage: true });
    // Back to one comparison: the high end goes.
    await node(page, "g.0").getByLabel("Event: compared").selectOption(">=");
    await expect.poll(() => editorText(page)).toBe('performed "Purchase" with sum of amount >= 100');
    // When the last one was: lapsed buyers, whose last purchase is more than 6 months old.
    await node(page, "g.0").getByLabel("Event: how often").selectOption({ label: "for the last time" });
    await node(page, "g.0").getByLabel("Event: when").selectOption({ label: "at any time" });
    // Only the tests the checker takes on a first or last time (positive ones: over no events it is empty).
    const timeTests = await node(page, "g.0").getByLabel("Event: that time").locator("option").allTextContents();
    expect(timeTests).toContain("is before");
    for (const refused of ["is not", "is not before", "is not between", "is empty", "is not empty"]) expect(timeTests).not.toContain(refused);
    await node(page, "g.0").getByLabel("Event: that time").selectOption({ label: "is before" });
    await node(page, "g.0").getByLabel("Event: time: kind of time").selectOption({ label: "time ago" });
    await node(page, "g.0").getByLabel("Event: time: how many").fill("6");
    await node(page, "g.0").getByLabel("Event: time: unit").selectOption("month");
    await expect.poll(() => editorText(page)).toBe('performed "Purchase" with last time before 6 months ago');
    // Which events count by their time: between two dates (both ends included).
    await node(page, "g.0").getByLabel("Event: how often").selectOption({ label: "at least once" });
    await node(page, "g.0").getByLabel("Event: when").selectOption({ label: "between" });
    await node(page, "g.0").getByLabel("Event: from", { exact: true }).fill("2010-12-01");
    await node(page, "g.0").getByLabel("Event: to", { exact: true }).fill("2010-12-31");
    await expect.poll(() => editorText(page)).toBe('performed "Purchase" between 2010-12-01 and 2010-12-31');
    // No window ahead is offered (events are recorded when they happen: the checker refuses one).
    const whenOptions = () => node(page, "g.0").getByLabel("Event: when").locator("option").allTextContents();
    expect(await whenOptions()).toEqual(["at any time", "in the last", "between"]);
    // A typed one shows as it is, with the checker's error on the rule; turned to the past, the number and
    // unit stay, and the option goes.
    await typeText(page, 'performed "Purchase" within next 2 weeks');
    await expect.poll(() => node(page, "g.0").getByLabel("Event: when").inputValue()).toBe("next");
    expect(await node(page, "g.0").getByLabel("Event: unit").inputValue()).toBe("week");
    await expect.poll(() => page.locator('[data-testid="builder-mark"][data-severity="error"]').allTextContents()).toEqual([expect.stringContaining("looks ahead, and events are in the past")]);
    await node(page, "g.0").getByLabel("Event: when").selectOption({ label: "in the last" });
    await expect.poll(() => editorText(page)).toBe('performed "Purchase" within last 2 weeks');
    expect(await whenOptions()).toEqual(["at any time", "in the last", "between"]);
  });

  it("shows a typed event filter as rows (kept as written while untouched), edits, adds and removes them; an `or` filter stays text", async () => {
    await openNew(page, server.url);
    const filter = "amount > 50 -- big baskets\n  and quantity >= 2";
    await typeText(page, `(performed "Purchase" where ${filter}) or churn`);
    const rule = node(page, "g.0");
    await expect.poll(() => rule.getByLabel("Event filter 1: property").inputValue()).toBe("amount");
    expect(await rule.getByLabel("Event filter 1: operator").inputValue()).toBe(">");
    expect(await rule.getByLabel("Event filter 1: value", { exact: true }).inputValue()).toBe("50");
    expect(await rule.getByLabel("Event filter 2: property").inputValue()).toBe("quantity");
    // A change elsewhere in the rule keeps the filter as written, comment and line break included.
    await rule.getByLabel("Event: how often").selectOption({ label: "exactly" });
    await rule.getByLabel("Event: how many times").fill("2");
    await expect.poll(() => editorText(page)).toBe(`(performed "Purchase" exactly 2 times where ${filter}) or churn`);
    // A row's value; a row added ("+ where") and set; a row removed.
    await rule.getByLabel("Event filter 1: value", { exact: true }).fill("60");
    await expect.poll(() => editorText(page)).toBe('(performed "Purchase" exactly 2 times where amount > 60 and quantity >= 2) or churn');
    await rule.getByRole("button", { name: "+ where" }).click();
    await rule.getByLabel("Event filter 3: property").selectOption("country");
    await rule.getByLabel("Event filter 3: value", { exact: true }).fill("United Kingdom");
    // `country` is a contact field too: the filter goes in parentheses, so it is the event's.
    await expect.poll(() => editorText(page)).toBe('(performed "Purchase" exactly 2 times where (amount > 60 and quantity >= 2 and country = "United Kingdom")) or churn');
    await rule.getByRole("button", { name: "Remove Event filter 2" }).click();
    await expect.poll(() => editorText(page)).toBe('(performed "Purchase" exactly 2 times where (amount > 60 and country = "United Kingdom")) or churn');
    await expect.poll(() => page.locator('[data-testid="builder-mark"]').count()).toBe(0);
    await cleanShot(page, "segments-builder-filter", { fullPage: true });
    // The count the preview gives is the store's for that text.
    const text = await editorText(page);
    await page.getByRole("button", { name: "Preview matching contacts" }).click();
    const count = (await server.store.preview(text, { limit: 0, conditionCounts: false })).count;
    await expect.poll(() => page.getByTestId("preview-count").textContent()).toBe(count.toLocaleString("en-US"));
    for (const name of ["Remove Event filter 2", "Remove Event filter 1"]) await rule.getByRole("button", { name }).click();
    // Without a filter the event needs no parentheses of its own.
    await expect.poll(() => editorText(page)).toBe('performed "Purchase" exactly 2 times or churn');
    // A filter the rows cannot show: its text, and "Edit in text", which selects the rule in the editor.
    await typeText(page, 'performed "Purchase" where amount > 5 or quantity > 10');
    await expect.poll(() => node(page, "g.0").locator(".rb-where code").textContent()).toBe("amount > 5 or quantity > 10");
    await node(page, "g.0").getByRole("button", { name: "Edit in text" }).click();
    expect(await page.evaluate(() => window.getSelection()?.toString() ?? "")).toBe('performed "Purchase" where amount > 5 or quantity > 10');
    // A total outside two numbers has no controls here: it stays a condition as text.
    await typeText(page, 'performed "Purchase" with sum of amount not between 10 and 20 and not in segment "VIP list"');
    await expect.poll(() => node(page, "g.0").locator(".text-rule code").textContent()).toBe('performed "Purchase" with sum of amount not between 10 and 20');
    expect(await node(page, "g.1").getByLabel("Operator for the segment").inputValue()).toBe("notInSegment");
    expect(await node(page, "g.1").getByLabel("Segment", { exact: true }).inputValue()).toBe("VIP list");
  });
});
