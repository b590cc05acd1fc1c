/**
 * A cold load of the segments web app asks for what its first screen needs side by side, in real headless
 * Chromium against `segql serve` (in-process, the demo on DuckDB). It used to ask one after another: the
 * API's health (the token gate), then the page's code (each page loads when first shown), then the
 * page's data. Here the health answer is held back, and while it is, the page's code and its first reads
 * must already have been asked for; once it is let through the page shows, its data asked for once. The
 * home address (`#/`) asks for data only once the health has answered: a static host has no API.
 * Load times are logged (the edit form's), not asserted.
 */
import type { Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardedContext, hasChromium, skipReason } from "./harness.js";
import { closeSegmentsSession, openSegmentsSession, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: the first screen's requests (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;

  beforeAll(async () => {
    session = await openSegmentsSession();
  });

  afterAll(() => closeSegmentsSession(session));

  /**
   * Opens `hash` in a new tab (a cold load: nothing cached) with the API's health held unanswered, and
   * returns the addresses the tab asked for (paths, in order) and how to let the health through.
   */
  async function openWithHealthHeld(hash: string): Promise<{ tab: Page; asked: string[]; release(): Promise<void> }> {
    const tab = await session.context.newPage();
    const asked: string[] = [];
    tab.on("request", (r) => {
      const u = new URL(r.url());
      asked.push(`${u.pathname}${u.search}`);
    });
    const held: Route[] = [];
    await tab.route(/\/api\/health$/, (route) => {
      held.push(route);
    });
    await tab.goto(`${session.server.url}${hash}`);
    await expect.poll(() => held.length).toBe(1);
    return {
      tab,
      asked,
      async release() {
        for (const r of held) await r.continue();
        await tab.unroute(/\/api\/health$/);
      },
    };
  }

  it("asks for the segments table's code and first page while the health check is still unanswered", async () => {
    const { tab, asked, release } = await openWithHealthHeld("#/segments");
    try {
      await expect.poll(() => asked.filter((a) => /\/assets\/list-page-[\w-]+\.js$/.test(a) || a === "/api/segments?sort=-updatedAt&limit=50")).toHaveLength(2);
      await release();
      await tab.getByTestId("segments-table").waitFor();
      // The page took the answer asked for ahead: its first page was asked for once.
      expect(asked.filter((a) => a.startsWith("/api/segments?"))).toEqual(["/api/segments?sort=-updatedAt&limit=50"]);
    } finally {
      await tab.close();
    }
  });

  it("asks for a segment's page's code, the segment and the schema while the health check is unanswered", async () => {
    const fiber = (await session.server.store.listSegments({ search: "Fiber churners" })).items[0]!;
    const { tab, asked, release } = await openWithHealthHeld(`#/segments/${fiber.id}`);
    try {
      await expect.poll(() => asked.filter((a) => /\/assets\/segment-page-[\w-]+\.js$/.test(a) || a === `/api/segments/${fiber.id}` || a === "/api/schema")).toHaveLength(3);
      await release();
      await tab.getByTestId("segment-member-count").waitFor();
      expect(asked.filter((a) => a === `/api/segments/${fiber.id}`)).toHaveLength(1);
      expect(asked.filter((a) => a === "/api/schema")).toHaveLength(1);
    } finally {
      await tab.close();
    }
  });

  it("asks for the contacts table's code, the schema and the first page while the health check is unanswered", async () => {
    const { tab, asked, release } = await openWithHealthHeld("#/contacts");
    try {
      await expect.poll(() => asked.filter((a) => /\/assets\/contacts-page-[\w-]+\.js$/.test(a) || a === "/api/schema" || a === "/api/contacts?limit=25")).toHaveLength(3);
      await release();
      await tab.getByTestId("contacts-table").locator("tbody tr").first().waitFor();
      expect(asked.filter((a) => a.startsWith("/api/contacts?"))).toEqual(["/api/contacts?limit=25"]);
    } finally {
      await tab.close();
    }
  });

  it("asks for the edit form's code, the segment, the schema and the segments it may read while the health check is unanswered", async () => {
    const fiber = (await session.server.store.listSegments({ search: "Fiber churners" })).items[0]!;
    const reads = [`/api/segments/${fiber.id}`, "/api/schema", "/api/segments?limit=1000&sort=name"];
    const { tab, asked, release } = await openWithHealthHeld(`#/segments/${fiber.id}/edit`);
    try {
      await expect.poll(() => asked.filter((a) => /\/assets\/form-page-[\w-]+\.js$/.test(a) || reads.includes(a))).toHaveLength(4);
      await release();
      await expect.poll(() => tab.getByTestId("segment-name").inputValue()).toBe(fiber.name);
      await tab.getByTestId("builder").waitFor();
      // The form took the answers asked for ahead: each read was asked once.
      for (const read of reads) expect(asked.filter((a) => a === read)).toEqual([read]);
    } finally {
      await tab.close();
    }
  });

  it("asks for the new-segment form's code, the schema and the segments it may read while the health check is unanswered", async () => {
    const reads = ["/api/schema", "/api/segments?limit=1000&sort=name"];
    const { tab, asked, release } = await openWithHealthHeld("#/segments/new");
    try {
      await expect.poll(() => asked.filter((a) => /\/assets\/form-page-[\w-]+\.js$/.test(a) || reads.includes(a))).toHaveLength(3);
      await release();
      await tab.getByTestId("segment-name").waitFor();
      for (const read of reads) expect(asked.filter((a) => a === read)).toEqual([read]);
    } finally {
      await tab.close();
    }
  });

  it("logs the time from a cold load of the edit form to its first render (measured, not asserted)", async () => {
    const fiber = (await session.server.store.listSegments({ search: "Fiber churners" })).items[0]!;
    const times: number[] = [];
    for (let run = 0; run < 7; run++) {
      // A context of its own each time: nothing cached from the run before.
      const { context } = await guardedContext(session.browser, session.server.url);
      try {
        const tab = await context.newPage();
        const started = Date.now();
        await tab.goto(`${session.server.url}#/segments/${fiber.id}/edit`);
        await expect.poll(() => tab.getByTestId("segment-name").inputValue(), { interval: 5 }).toBe(fiber.name);
        await tab.getByTestId("builder").waitFor();
        times.push(Date.now() - started);
      } finally {
        await context.close();
      }
    }
    const sorted = [...times].sort((a, b) => a - b);
    process.stderr.write(`edit form, cold load to first render: median ${sorted[3]} ms (runs: ${times.join(", ")} ms)\n`);
  });

  it("from the home address, asks for the segments table's code with the health check and its first page once the API answered; the gate does not ask again", async () => {
    const { tab, asked, release } = await openWithHealthHeld("#/");
    try {
      await expect.poll(() => asked.filter((a) => /\/assets\/list-page-[\w-]+\.js$/.test(a))).toHaveLength(1);
      // Until the health answers, `#/` may be a static host without the API (segments-static-host.test.ts):
      // no data is asked for.
      expect(asked.filter((a) => a.startsWith("/api/") && a !== "/api/health")).toEqual([]);
      await release();
      await tab.getByTestId("segments-table").waitFor();
      expect(new URL(tab.url()).hash).toBe("#/segments");
      expect(asked.filter((a) => a.startsWith("/api/segments?"))).toEqual(["/api/segments?sort=-updatedAt&limit=50"]);
      // The health is asked twice before the live updates' first long poll: by the home page (its answer lets
      // the segments' token gate through) and for the live updates' starting point; the gate asked a third time.
      await expect.poll(() => asked.some((a) => a.startsWith("/api/changes?"))).toBe(true);
      const beforePoll = asked.slice(0, asked.findIndex((a) => a.startsWith("/api/changes?")));
      expect(beforePoll.filter((a) => a === "/api/health")).toHaveLength(2);
    } finally {
      await tab.close();
    }
  });
});
