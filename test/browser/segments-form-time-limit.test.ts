/**
 * The segment form and the API's refresh time limit (real headless Chromium against `segql serve` over the
 * demo, DuckDB). A create or edit whose membership refresh runs past the server's query time limit is
 * refused, 422 `query-timeout`, "…was stopped, and nothing was saved" (docs/api.md, "What bounds each
 * request"): the form says so, keeps what was typed, and Save tries again. A read stopped because its client
 * went away answers 409 `cancelled`: a user who has gone to another page is not shown it. The 422 and the 409
 * are answered by routes of the test, as the server words them (the demo is too small to run past a limit).
 */
import type { Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, editorText, openNew, openSegmentsSession, typeText, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

/** The problem document the server answers a write whose refresh ran past the limit (src/server/problems.ts, src/store/errors.ts). */
function queryTimeout(segment: string) {
  return {
    type: "urn:segql:problem:query-timeout",
    title: "The query took longer than the server's time limit and was stopped",
    status: 422,
    detail:
      `the refresh of segment "${segment}" took longer than 50 ms and was stopped, and nothing was saved: the condition may be too large for the database to plan quickly; ` +
      "simplify it (an `in (…)` list instead of many `=` clauses) or raise the time limit (segql serve --query-timeout)",
    operation: `refresh of segment "${segment}"`,
    limitMs: 50,
  };
}

const problemJson = (status: number, body: object) => ({ status, contentType: "application/problem+json", body: JSON.stringify(body) });

describe.skipIf(!hasChromium)(`segments web app: the refresh time limit and stopped reads (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    session = await openSegmentsSession();
    server = session.server;
    page = await session.context.newPage();
    errors = watchErrors(page);
  });
  afterAll(async () => {
    if (session) expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    await closeSegmentsSession(session);
  });

  it("a create refused for its refresh's time says so, keeps the name and rules, and Save tries again", async () => {
    await openNew(page, server.url);
    await page.getByTestId("segment-name").fill("Long tenure, slow");
    await page.getByTestId("segment-description").fill("Refused once for its time");
    const text = "tenure > 60";
    await typeText(page, text);
    let refused = 0;
    const refuse = (route: Route) => (route.request().method() === "POST" ? (refused++, route.fulfill(problemJson(422, queryTimeout("Long tenure, slow")))) : route.fallback());
    await page.route(/\/api\/segments$/, refuse);
    await page.getByTestId("save").click();
    const alert = page.getByRole("alert").filter({ hasText: "nothing was saved" });
    await alert.waitFor({ timeout: 15_000 });
    expect(refused).toBe(1);
    expect(await alert.textContent()).toContain("The query took longer than the server's time limit and was stopped");
    expect(await alert.textContent()).toContain('the refresh of segment "Long tenure, slow" took longer than 50 ms and was stopped, and nothing was saved');
    // Still the form, with what was typed, and Save can be clicked again.
    expect(page.url()).toMatch(/#\/segments\/new$/);
    expect(await page.getByTestId("segment-name").inputValue()).toBe("Long tenure, slow");
    expect(await page.getByTestId("segment-description").inputValue()).toBe("Refused once for its time");
    expect(await editorText(page)).toBe(text);
    expect(await page.getByTestId("save").getAttribute("aria-disabled")).not.toBe("true");
    await cleanShot(page, "segments-save-time-limit");
    expect((await server.store.listSegments({})).items.some((s) => s.name === "Long tenure, slow")).toBe(false);
    await page.unroute(/\/api\/segments$/, refuse);
    await page.getByTestId("save").click();
    await page.waitForURL(/#\/segments\/\d+$/, { timeout: 15_000 });
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent(), { timeout: 15_000 }).toContain("Long tenure, slow");
  });

  it("an edit refused for its refresh's time keeps the edited rules, and Save tries again", async () => {
    const id = Number(/#\/segments\/(\d+)$/.exec(page.url())![1]);
    await page.goto(`${server.url}#/segments/${id}/edit`);
    await page.getByTestId("segment-name").waitFor({ timeout: 15_000 });
    await typeText(page, "tenure > 66");
    let refused = 0;
    const refuse = (route: Route) => (route.request().method() === "PATCH" ? (refused++, route.fulfill(problemJson(422, queryTimeout("Long tenure, slow")))) : route.fallback());
    const path = new RegExp(`/api/segments/${id}$`);
    await page.route(path, refuse);
    await page.getByTestId("save").click();
    await page.getByRole("alert").filter({ hasText: "nothing was saved" }).waitFor({ timeout: 15_000 });
    expect(refused).toBe(1);
    expect(page.url()).toMatch(new RegExp(`#/segments/${id}/edit$`));
    expect(await editorText(page)).toBe("tenure > 66");
    expect((await server.store.getSegment(id)).expression).toBe("tenure > 60");
    await page.unroute(path, refuse);
    await page.getByTestId("save").click();
    await page.waitForURL(new RegExp(`#/segments/${id}$`), { timeout: 15_000 });
    await expect.poll(async () => (await server.store.getSegment(id)).expression, { timeout: 15_000 }).toBe("tenure > 66");
  });

  it("a contact search stopped (409 cancelled) after its user went to another page is not shown there", async () => {
    await page.goto(`${server.url}#/contacts`);
    await page.getByTestId("contacts-search").waitFor({ timeout: 15_000 });
    let answer = () => {};
    const later = new Promise<void>((resolve) => (answer = resolve));
    let asked = 0;
    const cancelled = async (route: Route) => {
      asked++;
      await later;
      await route.fulfill(problemJson(409, { type: "urn:segql:problem:cancelled", title: "The request was cancelled", status: 409, detail: "the contact list was stopped: its client went away" }));
    };
    const search = /\/api\/contacts\?.*search=/;
    await page.route(search, cancelled);
    try {
      await page.getByTestId("contacts-search").fill("Fiber");
      await expect.poll(() => asked, { timeout: 15_000 }).toBeGreaterThan(0);
      // Leaving the page aborts the search (the app stops reads nobody waits for): it ends failed, or answered
      // when the answer came first.
      const ending = { predicate: (r: { url(): string }) => search.test(r.url()), timeout: 15_000 };
      const ended = new Promise((resolve) => {
        page.waitForEvent("requestfinished", ending).then(resolve, () => {});
        page.waitForEvent("requestfailed", ending).then(resolve, () => {});
      });
      await page.getByRole("link", { name: "Segments", exact: true }).first().click();
      await page.getByTestId("segments-table").waitFor({ timeout: 15_000 });
      answer();
      // Whatever came of it, nothing of it is said on the segments page.
      await ended;
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      expect(await page.getByRole("alert").count()).toBe(0);
      expect(await page.locator(".toast").count()).toBe(0);
      expect(await page.textContent("body")).not.toMatch(/cancelled|could not be loaded/i);
    } finally {
      answer();
      await page.unroute(search, cancelled);
    }
  });
});
