/**
 * Importing contacts and events from the web app (#/import), in real headless Chromium against
 * `segql serve` (in-process, a temporary DuckDB database with the demo):
 * - a contacts CSV with new and existing keys: the counts shown (read, added, updated) are the store's
 *   before/after, and the dynamic segments whose members changed are listed with who entered and exited,
 *   as the store's memberships before and after say, each linked to its page;
 * - a file with bad rows is refused whole (nothing written: the store's counts unchanged), its problems by
 *   line and field; then imported with Skip bad rows, the bad rows listed with their lines;
 * - an events file (JSON Lines) adds events and moves a contact into a segment that counts them;
 * - Parquet (its rows numbered, as the importer reports them) and JSON arrays;
 * - a gzipped CSV is sent as it is and unpacked by the server;
 * - files the API cannot take are refused before sending (an unknown extension, a spreadsheet, a zip, a
 *   gzipped Parquet, one over the import limit, dropped on the page), and one in the wrong shape is refused
 *   by the API, said in words;
 * - the expected columns are the schema's, and the CSV template holds them as a header row;
 * - the whole job with the keyboard; dark theme and a 390px phone without overflow.
 * No request leaves the server's origin.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, skipReason, watchErrors } from "./harness.js";
import { cleanShot, closeSegmentsSession, openSegmentsSession, type SegmentsServer, type SegmentsSession } from "./segments-harness.js";

describe.skipIf(!hasChromium)(`segments web app: Import (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  let server: SegmentsServer;
  let page: Page;
  /** The import requests the page sent (those refused before sending must not be here). */
  const uploads: string[] = [];

  beforeAll(async () => {
    session = await openSegmentsSession();
    ({ server, page } = session);
    page.on("request", (r: Request) => {
      if (/\/api\/(contacts|events)\/import/.test(r.url())) uploads.push(r.url());
    });
    await page.goto(`${server.url}#/segments`);
    await page.getByTestId("who").fill("Ines from QA");
  }, 180_000);

  // The 422 asked for on purpose shows in the console as a failed resource, nothing else may.
  afterAll(() => closeSegmentsSession(session));

  const key = () => server.store.schema.key;
  const byName = async (name: string) => (await server.store.listSegments({ search: name })).items.find((s) => s.name === name)!;

  /** Every dynamic segment's members now, by segment id. */
  async function memberships(): Promise<Map<number, { name: string; keys: Set<string> }>> {
    const out = new Map<number, { name: string; keys: Set<string> }>();
    for (const s of (await server.store.listSegments({ limit: 1000 })).items) {
      if (s.kind !== "dynamic") continue;
      const keys = new Set<string>();
      for await (const batch of server.store.memberPages(s.id)) for (const c of batch) keys.add(String(c[key()]));
      out.set(s.id, { name: s.name, keys });
    }
    return out;
  }

  /** Who entered and exited each segment between two snapshots: only the segments that changed. */
  function moves(before: Awaited<ReturnType<typeof memberships>>, after: Awaited<ReturnType<typeof memberships>>): Record<string, { entered: number; exited: number }> {
    const out: Record<string, { entered: number; exited: number }> = {};
    for (const [id, a] of after) {
      const b = before.get(id)?.keys ?? new Set<string>();
      const entered = [...a.keys].filter((k) => !b.has(k)).length;
      const exited = [...b].filter((k) => !a.keys.has(k)).length;
      if (entered + exited > 0) out[a.name] = { entered, exited };
    }
    return out;
  }

  /** The changed segments as the result shows them: name → entered / exited (signs and commas dropped). */
  const shownMoves = () =>
    page.getByTestId("changed-segment").evaluateAll((rows) =>
      Object.fromEntries(
        rows.map((r) => {
          const n = (id: string) => Number(r.querySelector(`[data-testid=${id}]`)!.textContent!.replace(/[^\d]/g, ""));
          return [r.getAttribute("data-name")!, { entered: n("entered"), exited: n("exited") }];
        }),
      ),
    );
  const stat = async (id: string) => Number((await page.getByTestId(id).textContent())!.replace(/,/g, ""));
  const badLines = () => page.getByTestId("bad-row").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-line"))));

  async function openImport(kind: "contacts" | "events" = "contacts"): Promise<void> {
    await page.goto(`${server.url}#/segments`);
    await page.goto(`${server.url}#/import${kind === "events" ? "?kind=events" : ""}`);
    await page.getByTestId("columns-table").waitFor();
  }

  async function chooseFile(name: string, content: string | Buffer): Promise<void> {
    await page.getByTestId("import-file").setInputFiles({ name, mimeType: "application/octet-stream", buffer: typeof content === "string" ? Buffer.from(content) : content });
    await expect.poll(() => page.getByTestId("chosen-name").textContent()).toBe(name);
  }

  it("imports a contacts CSV with new and existing keys: added and updated as the store counts them, and the segments it moved", async () => {
    const loyal = await byName("Loyal on contract");
    const member = String((await server.store.members(loyal.id, { limit: 1 })).items[0]![key()]);
    const other = String((await server.store.listContacts({ filter: 'source = "telco"', limit: 1, orderBy: key(), descending: true })).items[0]![key()]);
    const fresh = [`web-import-${Date.now()}-a`, `web-import-${Date.now()}-b`];
    const stored = new Set((await server.store.findContactKeys([member, other, ...fresh])).known);
    expect(stored).toEqual(new Set([member, other]));
    const csv = [
      "customer_id,source,contract,tenure,internet_service,churn",
      // An existing member of "Loyal on contract" with one month: it leaves.
      `${member},telco,Month-to-month,1,DSL,false`,
      `${other},telco,One year,40,DSL,false`,
      // New: a two-year contract for 30 months (enters "Loyal on contract"), a fiber churner.
      `${fresh[0]},telco,Two year,30,DSL,false`,
      `${fresh[1]},telco,Month-to-month,2,Fiber optic,true`,
    ].join("\n");
    const before = await server.store.stats();
    const members = await memberships();

    await openImport();
    await chooseFile("customers.csv", csv);
    expect(await page.getByTestId("chosen-format").textContent()).toBe("CSV");
    expect(await page.getByTestId("chosen-size").textContent()).toBe(`${Buffer.byteLength(csv)} B`);
    await page.getByTestId("import").click();
    await page.getByTestId("import-result").waitFor({ timeout: 60_000 });

    const after = await server.store.stats();
    expect(await stat("stat-rows")).toBe(4);
    expect(await stat("stat-added")).toBe(after.contacts - before.contacts);
    expect(await stat("stat-added")).toBe(fresh.length);
    expect(await stat("stat-updated")).toBe(stored.size);
    expect(await stat("stat-bad")).toBe(0);
    // The segments moved are the store's own difference, and only those.
    const expected = moves(members, await memberships());
    expect(Object.keys(expected)).toEqual(expect.arrayContaining(["Loyal on contract", "Fiber churners"]));
    expect(await shownMoves()).toEqual(expected);
    // Each links to the segment's page.
    const link = page.getByTestId("changed-segment").filter({ hasText: "Fiber churners" }).getByRole("link");
    expect(await link.getAttribute("href")).toBe(`#/segments/${(await byName("Fiber churners")).id}`);
    // The result has the focus (announced and read next); the store's new counts are shown.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("import-result-title");
    await expect.poll(() => page.getByTestId("store-counts").textContent()).toContain(`${after.contacts.toLocaleString("en-US")} contacts`);
    await cleanShot(page, "segments-import-result", { fullPage: true });

    await link.click();
    await page.getByRole("heading", { name: "Fiber churners" }).waitFor();
  });

  it("refuses a file with bad rows whole, by line and field, then imports its good rows with Skip bad rows", async () => {
    const good = `web-import-good-${Date.now()}`;
    const csv = [
      "customer_id,tenure,contract",
      `${good},12,One year`,
      `web-import-bad-1-${Date.now()},twelve,One year`,
      `web-import-bad-2-${Date.now()},3,Three year`,
    ].join("\n");
    const before = await server.store.stats();
    await openImport();
    await chooseFile("with-bad-rows.csv", csv);
    // Off by default, and it says what that means.
    expect(await page.getByTestId("skip-bad").getAttribute("aria-checked")).toBe("false");
    expect(await page.getByTestId("expected-columns").isVisible()).toBe(true);
    expect(await page.locator(".switch-row").textContent()).toContain("one bad row refuses the whole file and nothing is written");
    await page.getByTestId("import").click();

    const refusal = page.getByTestId("import-refusal");
    await refusal.waitFor({ timeout: 60_000 });
    expect(await refusal.getByRole("heading").textContent()).toBe("Nothing was imported: 2 problems in with-bad-rows.csv");
    expect(await badLines()).toEqual([3, 4]);
    const fields = await refusal.getByTestId("bad-row").evaluateAll((rows) => rows.map((r) => r.children[1]!.textContent));
    expect(fields).toEqual(["tenure", "contract"]);
    // Words, not the problem document.
    expect(await refusal.textContent()).not.toMatch(/[{}]|urn:segql|422/);
    expect(await server.store.stats()).toEqual(before);
    expect((await server.store.findContactKeys([good])).known).toEqual([]);
    await cleanShot(page, "segments-import-refused", { fullPage: true });

    await page.getByTestId("retry-skip-bad").click();
    await page.getByTestId("import-result").waitFor({ timeout: 60_000 });
    expect(await stat("stat-rows")).toBe(3);
    expect(await stat("stat-added")).toBe((await server.store.stats()).contacts - before.contacts);
    expect(await stat("stat-added")).toBe(1);
    expect(await stat("stat-bad")).toBe(2);
    expect(await badLines()).toEqual([3, 4]);
    expect((await server.store.findContactKeys([good])).known).toEqual([good]);
  });

  it("imports events from JSON Lines: the events the store gained, and the contact entering the segment that counts them", async () => {
    const refunders = await byName("Frequent refunders");
    const contact = String((await server.store.listContacts({ filter: 'source = "online-retail" and not performed "Refund"', limit: 1 })).items[0]![key()]);
    const ev = server.store.schema.events!;
    const lines = [1, 2, 3].map((i) => JSON.stringify({ [ev.contactKey]: contact, [ev.name]: "Refund", [ev.time]: `2026-11-0${i}T10:00:00Z`, properties: { amount: -10 * i } }));
    const before = await server.store.stats();
    const members = await memberships();
    expect(members.get(refunders.id)!.keys.has(contact)).toBe(false);

    await openImport("events");
    expect(await page.getByTestId("kind-events").isChecked()).toBe(true);
    await chooseFile("refunds.jsonl", lines.join("\n") + "\n");
    expect(await page.getByTestId("chosen-format").textContent()).toBe("JSON Lines");
    await page.getByTestId("import").click();
    await page.getByTestId("import-result").waitFor({ timeout: 60_000 });

    const after = await server.store.stats();
    expect(await stat("stat-added")).toBe(after.events - before.events);
    expect(await stat("stat-added")).toBe(3);
    expect(await page.getByTestId("stat-updated").count()).toBe(0);
    const expected = moves(members, await memberships());
    expect(expected["Frequent refunders"]).toEqual({ entered: 1, exited: 0 });
    expect(await shownMoves()).toEqual(expected);
  });

  it("reads Parquet, its bad rows by row number, and a JSON array", async () => {
    const dir = mkdtempSync(join(tmpdir(), "segql-web-import-"));
    const stamp = Date.now();
    try {
      const file = join(dir, "contacts.parquet");
      const { DuckDBInstance } = await import("@duckdb/node-api");
      const db = await DuckDBInstance.create(":memory:");
      const con = await db.connect();
      try {
        await con.run(`COPY (SELECT * FROM (VALUES ('pq-${stamp}-1', '5'), ('pq-${stamp}-2', 'five'), ('pq-${stamp}-3', '7')) t(customer_id, tenure)) TO '${file}' (FORMAT parquet)`);
      } finally {
        con.closeSync();
        db.closeSync();
      }
      const before = await server.store.stats();
      await openImport();
      await page.getByTestId("import-file").setInputFiles(file);
      expect(await page.getByTestId("chosen-format").textContent()).toBe("Parquet");
      await page.getByTestId("skip-bad").click();
      await page.getByTestId("import").click();
      await page.getByTestId("import-result").waitFor({ timeout: 60_000 });
      expect(await stat("stat-rows")).toBe(3);
      expect(await stat("stat-added")).toBe((await server.store.stats()).contacts - before.contacts);
      expect(await stat("stat-added")).toBe(2);
      // Parquet has no lines: the second row, called a row.
      expect(await page.getByTestId("bad-rows").locator("th").first().textContent()).toBe("Row");
      expect(await badLines()).toEqual([2]);
      expect((await server.store.findContactKeys([`pq-${stamp}-1`, `pq-${stamp}-2`, `pq-${stamp}-3`])).known.sort()).toEqual([`pq-${stamp}-1`, `pq-${stamp}-3`]);

      await chooseFile("contacts.json", JSON.stringify([{ customer_id: `json-${stamp}`, tenure: 4 }]));
      expect(await page.getByTestId("chosen-format").textContent()).toBe("JSON (an array of objects)");
      await page.getByTestId("import").click();
      await page.getByTestId("import-result").waitFor({ timeout: 60_000 });
      expect(await stat("stat-added")).toBe(1);
      expect((await server.store.getContact(`json-${stamp}`)).values["tenure"]).toBe(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("imports a gzipped CSV as it is (the server unpacks it), and says so before sending", async () => {
    await openImport();
    const fresh = `gz-import-${Date.now()}`;
    await chooseFile("contacts.csv.gz", gzipSync(Buffer.from(`customer_id,tenure\n${fresh},7\n`)));
    expect(await page.getByTestId("chosen-format").textContent()).toBe("CSV, gzip-compressed");
    expect(await page.getByTestId("file-refusal").count()).toBe(0);
    await page.getByTestId("import").click();
    await page.getByTestId("import-result").waitFor({ timeout: 60_000 });
    expect(await stat("stat-added")).toBe(1);
    expect((await server.store.getContact(fresh)).values["tenure"]).toBe(7);
  });

  it("refuses before sending a file the API cannot take, and says in words what the API refused", async () => {
    await openImport();
    const sent = uploads.length;
    for (const [name, words] of [
      ["contacts.xlsx", /spreadsheet: save it as CSV first/],
      ["contacts.txt", /Cannot tell the format of contacts\.txt from its extension “\.txt”/],
      ["contacts.zip", /zip archive: unpack it first/],
      ["contacts.parquet.gz", /gzipped Parquet file: unpack it first/],
      ["contacts.gz", /Cannot tell the format inside contacts\.gz from its name: a gzip file is imported as \.csv\.gz/],
    ] as const) {
      await chooseFile(name, "customer_id\nx\n");
      expect(await page.getByTestId("file-refusal").textContent()).toMatch(words);
      expect(await page.getByTestId("import").isDisabled()).toBe(true);
    }
    // A file over the import limit, dropped on the page: refused with the limit, never sent.
    // Dropped on the page's title, beside the zone: the page takes it (the browser would open it instead).
    await page.getByRole("heading", { name: "Import", exact: true }).evaluate((title) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(129 * 1024 * 1024)], "huge.csv"));
      title.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => page.getByTestId("chosen-name").textContent()).toBe("huge.csv");
    expect(await page.getByTestId("chosen-size").textContent()).toBe("129 MB");
    expect(await page.getByTestId("file-refusal").textContent()).toBe("huge.csv is 129 MB; the import takes files up to 128 MB. Split it into smaller files, or import it on the server with segql import.");
    expect(await page.getByTestId("import").isDisabled()).toBe(true);
    await cleanShot(page, "segments-import-too-big");
    expect(uploads.length).toBe(sent);

    // JSON Lines named .csv: the API reads it as CSV and says what is wrong, at its line.
    const before = await server.store.stats();
    await chooseFile("really-jsonl.csv", '{"customer_id": "x1", "tenure": 3}\n');
    await page.getByTestId("import").click();
    const refusal = page.getByTestId("import-refusal");
    await refusal.waitFor({ timeout: 60_000 });
    expect(await badLines()).toEqual([1]);
    expect(await refusal.getByTestId("bad-row").textContent()).toContain('the header has no column "customer_id"');
    // No good rows to import: no offer to skip the bad ones.
    expect(await refusal.getByTestId("retry-skip-bad").count()).toBe(0);
    expect(await server.store.stats()).toEqual(before);
  });

  it("shows the schema's columns for each kind and a CSV template of them", async () => {
    await openImport();
    const names = () => page.getByTestId("column-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")));
    const schema = server.store.schema;
    const contactColumns = [schema.key, ...Object.values(schema.fields).map((f) => f.name).filter((n) => n !== schema.key)];
    expect(await names()).toEqual(contactColumns);
    const template = async () => {
      const href = (await page.getByTestId("template").getAttribute("href"))!;
      return decodeURIComponent(href.replace(/^data:text\/csv;charset=utf-8,/, ""));
    };
    expect(await template()).toBe(`${contactColumns.join(",")}\r\n`);
    expect(await page.getByTestId("template").getAttribute("download")).toBe("contacts-template.csv");

    await page.getByTestId("kind-events").check();
    const ev = schema.events!;
    const eventColumns = [ev.contactKey, ev.name, ev.time, ...Object.values(ev.properties).filter((p) => p.ownColumn).map((p) => p.name), ev.propertiesColumn];
    await expect.poll(names).toEqual(eventColumns);
    expect(await template()).toBe(`${eventColumns.join(",")}\r\n`);
    expect(page.url()).toMatch(/#\/import\?kind=events$/);
    await cleanShot(page, "segments-import-events-columns");
  });

  it("does the whole job with the keyboard, from the header's nav to the result", async () => {
    const fresh = `web-import-keys-${Date.now()}`;
    await page.goto(`${server.url}#/segments`);
    await page.getByTestId("segments-table").waitFor({ timeout: 30_000 });
    // The nav's Import link, by Tab from the brand at the top of the page.
    await page.locator("a.brand").focus();
    for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.textContent)) !== "Import"; i++) await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("href"))).toBe("#/import");
    await page.keyboard.press("Enter");
    await page.getByTestId("columns-table").waitFor();

    await page.getByTestId("kind-contacts").focus();
    await page.keyboard.press("ArrowDown");
    expect(await page.getByTestId("kind-events").isChecked()).toBe(true);
    await page.keyboard.press("ArrowUp");
    expect(await page.getByTestId("kind-contacts").isChecked()).toBe(true);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("import-file");
    // The file chooser is the system's own window, which no test drives: the file is set as it would pick it.
    await chooseFile("one.csv", `customer_id,tenure\n${fresh},5\nbad-${fresh},five\n`);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("skip-bad");
    await page.keyboard.press("Space");
    expect(await page.getByTestId("skip-bad").getAttribute("aria-checked")).toBe("true");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("import");
    await page.keyboard.press("Enter");
    await page.getByTestId("import-result").waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("import-result-title");
    expect(await badLines()).toEqual([3]);
    expect((await server.store.findContactKeys([fresh])).known).toEqual([fresh]);
    // Import another file: back to the file chooser, the result gone.
    await page.getByTestId("import-another").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("import-file");
    expect(await page.getByTestId("import-result").count()).toBe(0);
  });

  it("says it is importing while the server works, and the import goes on when the user leaves the page and comes back", async () => {
    const fresh = `web-import-held-${Date.now()}`;
    // The request is held at the browser until the test lets it go: the page is seen mid-import.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route(/\/api\/contacts\/import/, async (route) => {
      await held;
      await route.continue();
    });
    try {
      await openImport();
      await chooseFile("held.csv", `customer_id,tenure\n${fresh},7\n`);
      await page.getByTestId("import").click();
      const running = page.getByTestId("import-running");
      await running.waitFor();
      expect(await running.textContent()).toMatch(/held\.csv/);
      expect(await page.getByTestId("import").isDisabled()).toBe(true);
      await cleanShot(page, "segments-import-running");
      // The app stays usable: another page, then back; the import is still said to be running.
      await page.getByRole("link", { name: "Segments", exact: true }).click();
      await page.getByTestId("segments-table").waitFor();
      await page.getByRole("link", { name: "Import", exact: true }).click();
      await running.waitFor();
      release();
      await page.getByTestId("import-result").waitFor({ timeout: 60_000 });
      expect(await page.getByTestId("import-result").getByRole("heading").first().textContent()).toBe("Imported contacts from held.csv");
      expect((await server.store.findContactKeys([fresh])).known).toEqual([fresh]);
    } finally {
      release();
      await page.unroute(/\/api\/contacts\/import/);
    }
  });

  it("cancels an import while the file is being sent: nothing is imported", async () => {
    const fresh = `web-import-cancelled-${Date.now()}`;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route(/\/api\/contacts\/import/, async (route) => {
      await held;
      // The browser gave the request up: the connection is torn down, as a real cancelled upload's is.
      // (Continuing it could still send it on, to land during a later test: one run counted a contact more.)
      await route.abort("aborted").catch(() => undefined);
    });
    try {
      const before = await server.store.stats();
      await openImport();
      await chooseFile("cancelled.csv", `customer_id,tenure\n${fresh},7\n`);
      await page.getByTestId("import").click();
      await page.getByTestId("cancel-import").click();
      expect(await page.getByTestId("import-cancelled").textContent()).toBe("Cancelled before cancelled.csv was sent: nothing was imported.");
      expect(await page.getByTestId("import").isEnabled()).toBe(true);
      release();
      expect(await server.store.stats()).toEqual(before);
      expect((await server.store.findContactKeys([fresh])).known).toEqual([]);
    } finally {
      release();
      await page.unroute(/\/api\/contacts\/import/);
    }
  });

  /**
   * Imports a CSV of `rows` new contacts named `name`, long enough to be seen mid-way, and waits until the
   * page shows the server's progress (rows written of the file's). Returns the keys' prefix and the store's
   * counts before.
   */
  async function startLongImport(name: string, rows: number): Promise<{ prefix: string; before: Awaited<ReturnType<typeof server.store.stats>> }> {
    const prefix = `web-import-${name}-${Date.now()}-`;
    const csv = `customer_id,tenure\n${Array.from({ length: rows }, (_, i) => `${prefix}${i},${i % 72}`).join("\n")}\n`;
    const before = await server.store.stats();
    await openImport();
    await chooseFile(name, csv);
    await page.getByTestId("import").click();
    const progress = new RegExp(`^Importing contacts from ${name.replace(/\./g, "\\.")}: [\\d,]+ of ${rows.toLocaleString("en-US")} rows checked and written\\.$`);
    await expect.poll(() => page.getByTestId("import-stage").textContent(), { timeout: 60_000, interval: 50 }).toMatch(progress);
    return { prefix, before };
  }

  it("shows the server's progress once the file is sent, and Cancel then rolls the rows back", async () => {
    const rows = 400_000;
    // Rows written so far of the file's rows, as the server's job counts them.
    const { prefix, before } = await startLongImport("big.csv", rows);
    const stage = page.getByTestId("import-stage");
    const shown = Number(/: ([\d,]+) of/.exec((await stage.textContent())!)![1]!.replace(/,/g, ""));
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(rows);
    expect(await page.getByRole("progressbar", { name: "Importing big.csv" }).getAttribute("max")).toBe(String(rows));
    await cleanShot(page, "segments-import-progress");
    await page.getByTestId("cancel-import").click();
    const cancelled = page.getByTestId("import-cancelled");
    await cancelled.waitFor({ timeout: 60_000 });
    expect(await cancelled.textContent()).toBe("Cancelled while importing big.csv: the rows written were rolled back; nothing was imported.");
    expect(await server.store.stats()).toEqual(before);
    expect((await server.store.findContactKeys([`${prefix}0`, `${prefix}${rows - 1}`])).known).toEqual([]);
    expect(await page.getByTestId("import").isEnabled()).toBe(true);
  });

  it("takes up, after a reload, the import the server is still running: its progress, and Cancel", async () => {
    const { before } = await startLongImport("reloaded.csv", 400_000);
    const stage = page.getByTestId("import-stage");
    // The tab forgets everything; the server's job goes on, and the page takes it up by its file's name.
    await page.reload();
    await expect.poll(() => stage.textContent(), { timeout: 60_000, interval: 50 }).toMatch(/^Importing contacts from reloaded\.csv: [\d,]+ of 400,000 rows checked and written\.$/);
    expect(await page.getByTestId("import").isDisabled()).toBe(true);
    await page.getByTestId("cancel-import").click();
    const cancelled = page.getByTestId("import-cancelled");
    await cancelled.waitFor({ timeout: 60_000 });
    expect(await cancelled.textContent()).toBe("Cancelled while importing reloaded.csv: the rows written were rolled back; nothing was imported.");
    expect(await server.store.stats()).toEqual(before);
  });

  it("is readable in the dark theme and fits a 390px phone", async () => {
    await openImport();
    await chooseFile("with-bad-rows-on-a-phone-with-a-long-name-without-spaces.csv", `customer_id,tenure\nphone-${Date.now()},x\n`);
    await page.getByTestId("import").click();
    await page.getByTestId("import-refusal").waitFor({ timeout: 60_000 });
    await page.getByTestId("theme-dark").click();
    try {
      await cleanShot(page, "segments-import-dark", { fullPage: true });
    } finally {
      await page.getByTestId("theme-light").click();
    }

    const phone = await session.context.newPage();
    const phoneErrors = watchErrors(phone);
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto(`${server.url}#/import`);
      await phone.getByTestId("columns-table").waitFor();
      const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(await overflow(), "the import page").toBeLessThanOrEqual(0);
      await phone.getByTestId("import-file").setInputFiles({ name: "a-very-long-file-name-of-contacts-exported-from-the-crm-2026.csv", mimeType: "text/csv", buffer: Buffer.from(`customer_id,tenure\nphone-a-${Date.now()},x\nphone-b-${Date.now()},y\n`) });
      await phone.getByTestId("skip-bad").click();
      await phone.getByTestId("import").click();
      await phone.getByTestId("import-result").waitFor({ timeout: 60_000 });
      expect(await overflow(), "the import page with a result").toBeLessThanOrEqual(0);
      const { screenshot } = await import("./harness.js");
      await phone.evaluate(() => window.scrollTo(0, 0));
      await screenshot(phone, "segments-import-phone");
      await phone.getByTestId("import-result").evaluate((r) => r.scrollIntoView());
      await screenshot(phone, "segments-import-phone-result");
      expect(phoneErrors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});

describe.skipIf(!hasChromium)(`segments web app: Import on a server with a smaller limit (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let session: SegmentsSession;
  const uploads: string[] = [];
  beforeAll(async () => {
    session = await openSegmentsSession({ maxImportBytes: 1024 * 1024 });
    session.page.on("request", (r: Request) => {
      if (/\/api\/(contacts|events)\/import/.test(r.url())) uploads.push(r.url());
    });
  }, 180_000);
  afterAll(() => closeSegmentsSession(session));

  it("takes the server's own import limit (GET /api/health) and refuses a larger file before sending it", async () => {
    const { page, server } = session;
    await page.goto(`${server.url}#/import`);
    await expect.poll(() => page.getByText(/or drop it here/).textContent()).toContain("up to 1 MB");
    await page.getByTestId("import-file").setInputFiles({ name: "two-mb.csv", mimeType: "text/csv", buffer: Buffer.alloc(2 * 1024 * 1024, 97) });
    expect(await page.getByTestId("file-refusal").textContent()).toBe("two-mb.csv is 2 MB; the import takes files up to 1 MB. Split it into smaller files, or import it on the server with segql import.");
    expect(await page.getByTestId("import").isDisabled()).toBe(true);
    expect(uploads).toEqual([]);
  });
});
