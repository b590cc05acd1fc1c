/**
 * A list of the segments web app whose request fails (the server answers 503, or does not answer at all),
 * in real headless Chromium against `segql serve` (in-process, a temporary DuckDB database with the demo):
 * on the Contacts page, the segments table, Recently deleted, a segment's members and the static list form's
 * members, the failure is said where the rows were — none of the rows of the search before stay under it
 * as if they were its answer, and no count describes them — and Try again asks the same request again,
 * showing its rows once the server answers. A next page that fails says so under the rows, with Try again;
 * one that arrives after the search changed is dropped.
 * The rows shown after recovering are compared with the store's. No request leaves the server's origin.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, failRequests, openSegments, openSegmentsSession, type FailingRequests, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: a list whose request fails, and Try again (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
  });

  // The failed requests show in the console as failed resources (503) or failed fetches; nothing else may.
  afterAll(() => closeSegmentsSession(session, /Failed to load resource/));

  const keyOf = (c: Record<string, unknown>) => String(c[server.store.schema.key]);
  const rowKeys = (testId: string) => page.getByTestId(testId).locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));
  const segmentNamed = async (name: string) => (await server.store.listSegments({ search: name })).items.find((s) => s.name === name)!;

  /**
   * With the requests still failing, Try again asks again (the same address) and says it failed again; once
   * the server answers, Try again brings the rows.
   */
  async function tryAgain(failing: FailingRequests, failed = page.getByTestId("load-failed")): Promise<void> {
    const button = failed.getByRole("button", { name: "Try again" });
    const asked = failing.urls.length;
    await button.click();
    await expect.poll(() => failing.urls.length).toBe(asked + 1);
    await expect.poll(() => button.isEnabled()).toBe(true);
    expect(await failed.isVisible()).toBe(true);
    failing.recover();
    await button.click();
    await failed.waitFor({ state: "detached" });
    expect(failing.urls.length).toBe(asked + 2);
    // Every request of the search, failed or answered, asked the same.
    expect(new Set(failing.urls)).toEqual(new Set([failing.urls[0]]));
  }

  it("Contacts: a failed search shows no rows from before and no count, says why, and Try again finds them", async () => {
    await page.goto(`${server.url}#/contacts`);
    const table = page.getByTestId("contacts-table");
    await table.waitFor({ timeout: 30_000 });
    const failing = await failRequests(page, /\/api\/contacts\?.*search=fiber/);
    try {
      await page.getByTestId("contacts-search").fill("fiber");
      const failed = page.getByTestId("load-failed");
      await failed.waitFor();
      expect(await failed.textContent()).toBe("The contacts could not be loaded. Unavailable: the database did not answerTry again");
      expect(await table.count()).toBe(0);
      expect(await page.getByTestId("contacts-count").textContent()).toBe("");
      expect(await page.getByTestId("contacts-range").textContent()).toBe("");
      expect(await page.getByTestId("contacts-next").isDisabled()).toBe(true);
      await tryAgain(failing);
    } finally {
      await failing.stop();
    }
    const found = await server.store.listContacts({ search: "fiber", limit: 25 });
    expect(found.items.length).toBeGreaterThan(0);
    await expect.poll(() => rowKeys("contacts-table")).toEqual(found.items.map(keyOf));
    expect(await page.getByTestId("contacts-count").textContent()).toBe(`${found.total.toLocaleString("en-US")} contacts found`);
  });

  it("a contact's page and the Compare tab: a load that fails says so where its result goes, and Try again gets it", async () => {
    const key = keyOf((await server.store.listContacts({ limit: 1 })).items[0]!);
    const failing = await failRequests(page, new RegExp(`/api/contacts/${encodeURIComponent(key)}$`));
    try {
      await page.goto(`${server.url}#/contacts/${encodeURIComponent(key)}`);
      const failed = page.getByTestId("load-failed");
      await failed.waitFor();
      expect(await failed.textContent()).toBe("This contact could not be loaded. Unavailable: the database did not answerTry again");
      await tryAgain(failing);
    } finally {
      await failing.stop();
    }
    await expect.poll(() => page.getByTestId("contact-key").textContent()).toContain(key);

    const [a, b] = [await segmentNamed("VIP list"), await segmentNamed("Fiber churners")];
    const relating = await failRequests(page, /\/api\/relate$/, "unreachable");
    try {
      await page.goto(`${server.url}#/segments/${a.id}?tab=compare&with=${b.id}`);
      const rules = page.getByTestId("compare-rules");
      const failed = rules.getByTestId("load-failed");
      await failed.waitFor();
      expect(await failed.textContent()).toMatch(/^The comparison by the rules could not be loaded\. .*Try again$/);
      await tryAgain(relating, failed);
    } finally {
      await relating.stop();
    }
    // The relation the API gives for the two, shown once it answers.
    const api = await page.evaluate(
      async ([a, b]) => (await (await fetch("/api/relate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ a: { segmentId: a }, b: { segmentId: b } }) })).json()) as { relation: string },
      [a.id, b.id],
    );
    expect(api.relation).toMatch(/^(equal|subset|superset|disjoint|overlapping|unknown)$/);
    await expect.poll(() => page.getByTestId("compare-relation").getAttribute("data-relation")).toBe(api.relation);
  });

  it("the segments table: a search that gets no answer shows no rows from before, says so, and Try again finds them", async () => {
    await openSegments(page, server.url);
    const count = page.locator(".toolbar [aria-live=polite]");
    await expect.poll(() => count.textContent()).toMatch(/^\d+ segments$/);
    const failing = await failRequests(page, /\/api\/segments\?.*search=VIP/, "unreachable");
    try {
      await page.getByTestId("segment-search").fill("VIP");
      const failed = page.getByTestId("load-failed");
      await failed.waitFor();
      expect(await failed.textContent()).toMatch(/^The segments matching “VIP” could not be loaded\. The server did not answer: the segments API did not answer \(.+\); is segql serve running\?Try again$/);
      expect(await page.getByTestId("segment-row").count()).toBe(0);
      expect(await page.getByTestId("empty-state").count()).toBe(0);
      expect(await count.textContent()).toBe("");
      await cleanShot(page, "segments-load-failed");
      await tryAgain(failing);
    } finally {
      await failing.stop();
    }
    const found = (await server.store.listSegments({ search: "VIP" })).items.map((s) => s.name);
    await expect.poll(async () => (await page.getByTestId("segment-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")))).sort()).toEqual(found.sort());
    expect(await count.textContent()).toBe(`${found.length} segment${found.length === 1 ? "" : "s"} match “VIP”`);
  });

  it("the segments table: 'Show more segments' that fails says so under the rows, and Try again shows the rest", async () => {
    for (let i = 1; i <= 51; i++) await server.store.createSegment({ name: `Many ${String(i).padStart(2, "0")}`, kind: "dynamic", expression: `tenure > ${i}` });
    const names = () => page.getByTestId("segment-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")));
    const all = (await server.store.listSegments({ search: "Many", limit: 1000 })).items.map((s) => s.name).sort();
    await openSegments(page, server.url);
    await page.getByTestId("segment-search").fill("Many");
    await expect.poll(async () => (await names()).length).toBe(50);
    const shown = await names();
    const paging = await failRequests(page, /\/api\/segments\?.*cursor=/);
    try {
      await page.getByRole("button", { name: "Show more segments" }).click();
      const failed = page.getByTestId("more-failed");
      await failed.waitFor();
      expect(await failed.textContent()).toBe("More segments could not be loaded. Unavailable: the database did not answerTry again");
      // The rows above are this search's own: they stay.
      expect(await names()).toEqual(shown);
      await tryAgain(paging, failed);
    } finally {
      await paging.stop();
    }
    await expect.poll(async () => (await names()).sort()).toEqual(all);
    expect(await page.getByRole("button", { name: "Show more segments" }).count()).toBe(0);

    // A next page that arrives after the search changed is the old search's: it is dropped.
    await page.reload();
    await page.getByTestId("segment-search").fill("Many");
    await expect.poll(async () => (await names()).length).toBe(50);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const nextPage = /\/api\/segments\?.*cursor=/;
    await page.route(nextPage, async (route) => {
      await held;
      // The table stops the next page it no longer wants (list-page.tsx): the request may be gone by now.
      await route.continue().catch(() => undefined);
    });
    try {
      // The next page ends answered, or aborted by the app as the search changes (it is: nobody waits for it).
      const ended = Promise.race([page.waitForResponse(nextPage), page.waitForEvent("requestfailed", (r) => nextPage.test(r.url()))]);
      await page.getByRole("button", { name: "Show more segments" }).click();
      await page.getByTestId("segment-search").fill("Many 1");
      const narrower = (await server.store.listSegments({ search: "Many 1", limit: 1000 })).items.map((s) => s.name).sort();
      await expect.poll(async () => (await names()).sort()).toEqual(narrower);
      release();
      await ended;
      await page.waitForTimeout(300);
      expect((await names()).sort()).toEqual(narrower);
    } finally {
      release();
      await page.unroute(nextPage);
    }
  });

  it("Recently deleted: a failed search and a failed next page, each with Try again", async () => {
    for (let i = 1; i <= 52; i++) {
      const s = await server.store.createSegment({ name: `Gone ${String(i).padStart(2, "0")}`, kind: "dynamic", expression: `tenure > ${i}` });
      await server.store.deleteSegment(s.id);
    }
    const trashNames = () => page.getByTestId("trash-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")));
    const count = page.locator(".toolbar [aria-live=polite]");
    await page.goto(`${server.url}#/segments/deleted`);
    await page.getByTestId("trash-table").waitFor();
    const searching = await failRequests(page, /\/api\/deleted-segments\?.*search=Gone\+0/);
    try {
      await page.getByTestId("trash-search").fill("Gone 0");
      const failed = page.getByTestId("load-failed");
      await failed.waitFor();
      expect(await failed.textContent()).toBe("The deleted segments matching “Gone 0” could not be loaded. Unavailable: the database did not answerTry again");
      expect(await page.getByTestId("trash-row").count()).toBe(0);
      expect(await count.textContent()).toBe("");
      await tryAgain(searching);
    } finally {
      await searching.stop();
    }
    const gone0 = (await server.store.listDeletedSegments({ search: "Gone 0", limit: 1000 })).items.map((d) => d.name);
    expect(gone0).toHaveLength(9);
    await expect.poll(trashNames).toEqual(gone0);
    expect(await count.textContent()).toBe("9 deleted segments match “Gone 0”");

    // The next page: the rows above are this search's own, and stay; the failure is said under them.
    await page.getByTestId("trash-search").fill("Gone");
    const all = (await server.store.listDeletedSegments({ search: "Gone", limit: 1000 })).items.map((d) => d.name);
    await expect.poll(trashNames).toEqual(all.slice(0, 50));
    const paging = await failRequests(page, /\/api\/deleted-segments\?.*cursor=/);
    try {
      await page.getByTestId("trash-more").click();
      const failed = page.getByTestId("more-failed");
      await failed.waitFor();
      expect(await failed.textContent()).toBe("More deleted segments could not be loaded. Unavailable: the database did not answerTry again");
      expect(await trashNames()).toEqual(all.slice(0, 50));
      await tryAgain(paging, failed);
    } finally {
      await paging.stop();
    }
    await expect.poll(trashNames).toEqual(all);
    expect(await page.getByTestId("trash-more").count()).toBe(0);
  });

  it("a segment's members: a failed search shows none of the members from before, and Try again finds them", async () => {
    const vip = await segmentNamed("VIP list");
    const keys = (await server.store.members(vip.id, { limit: 100 })).items.map(keyOf);
    await page.goto(`${server.url}#/segments/${vip.id}`);
    await page.getByTestId("members-table").waitFor();
    const failing = await failRequests(page, /\/api\/segments\/\d+\/members\?.*search=/);
    try {
      await page.getByTestId("member-search").fill(keys[1]!);
      const failed = page.getByTestId("load-failed");
      await failed.waitFor();
      expect(await failed.textContent()).toBe(`The members matching “${keys[1]}” could not be loaded. Unavailable: the database did not answerTry again`);
      expect(await page.getByTestId("members-table").count()).toBe(0);
      expect(await page.getByTestId("members-total").textContent()).toBe("");
      await tryAgain(failing);
    } finally {
      await failing.stop();
    }
    await expect.poll(() => rowKeys("members-table")).toEqual([keys[1]]);
    expect(await page.getByTestId("members-total").textContent()).toBe(`1 member match “${keys[1]}”`);
  });

  it("a static list's form: its members that failed to load say so, with Try again", async () => {
    const vip = await segmentNamed("VIP list");
    const failing = await failRequests(page, new RegExp(`/api/segments/${vip.id}/members\\?`));
    try {
      await page.goto(`${server.url}#/segments/${vip.id}/edit`);
      await page.evaluate(() => window.sessionStorage.clear());
      await page.reload();
      const current = page.locator("section", { has: page.locator("#current-title") });
      const failed = current.getByTestId("load-failed");
      await failed.waitFor();
      expect(await failed.textContent()).toBe("The members could not be loaded. Unavailable: the database did not answerTry again");
      await tryAgain(failing, failed);
      await expect.poll(() => current.locator("tbody tr").count()).toBe(vip.memberCount);
    } finally {
      await failing.stop();
    }
  });

  it("fits a failure and its Try again in a 390px phone", async () => {
    const phone = await page.context().newPage();
    const phoneErrors = watchErrors(phone);
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      const failing = await failRequests(phone, /\/api\/segments\?/);
      await phone.goto(`${server.url}#/segments`);
      const failed = phone.getByTestId("load-failed");
      await failed.waitFor();
      expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      const box = (await failed.getByRole("button", { name: "Try again" }).boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(390);
      await failing.stop();
      expect(phoneErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
