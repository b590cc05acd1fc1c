/**
 * Set-up of the segments web app's browser tests: `segql serve`'s server (started in-process with
 * `startServer`, as the command does) over a temporary DuckDB database filled with the demo (the Telco
 * and Online Retail contacts, their events and the example segments), serving the app's build; and
 * helpers for the pages (open, wait for the table, read the editor). With `backend: "postgres"` the same
 * over PostgreSQL (`segql serve --db postgres://…`): the server at PG_URL in a schema of its own, or an
 * embedded PGlite without it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Locator, Page, Route } from "playwright-core";
import { expect } from "vitest";
import { startServer, type RunningServer } from "../../src/server/index.js";
import { demoSchema, openStore, seedDemo, type Store } from "../../src/store/index.js";
import { createPglite } from "../store/helpers.js";
import { distDir, ensureBuild, guardedContext, openBrowserSession, settled, watchErrors, type BrowserSession } from "./harness.js";

/** A running server with its store. */
export interface SegmentsServer {
  url: string;
  store: Store;
  close(): Promise<void>;
}

/** The database a test server runs on: the default DuckDB file, or PostgreSQL. */
export type SegmentsBackend = "duckdb" | "postgres";

/** Options of `startSegmentsServer`. */
export interface SegmentsServerOptions {
  /** The API wants this token, as `segql serve --token`. */
  token?: string;
  /** DuckDB (default), or PostgreSQL: the server at PG_URL when set (a fresh schema), else PGlite. */
  backend?: SegmentsBackend;
  /** The import routes' body limit, as `createApp`'s `maxImportBytes` (default the server's). */
  maxImportBytes?: number;
}

/** An empty demo store on `backend`, and how to drop it. */
async function openDemoStore(backend: SegmentsBackend): Promise<{ store: Store; dispose(): Promise<void> }> {
  if (backend === "duckdb") {
    const dir = mkdtempSync(join(tmpdir(), "segql-web-"));
    try {
      const store = await openStore({ db: join(dir, "segql.duckdb"), schema: demoSchema() });
      return {
        store,
        async dispose() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }
  const url = process.env["PG_URL"];
  // A schema of its own, so test files (and runs) sharing the server do not meet.
  const pgSchema = `segql_web_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  if (url) {
    const store = await openStore({ db: url, pgSchema, schema: demoSchema() });
    return {
      store,
      async dispose() {
        await store.close();
        const { default: pg } = await import("pg");
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  }
  const pglite = await createPglite();
  try {
    const store = await openStore({ pglite, pgSchema, schema: demoSchema() });
    return {
      store,
      async dispose() {
        await store.close();
        await pglite.close();
      },
    };
  } catch (e) {
    await pglite.close();
    throw e;
  }
}

/**
 * Builds the app when stale, then serves it and the API over a new demo database: a DuckDB file in a
 * temporary directory, or PostgreSQL (`backend`).
 */
export async function startSegmentsServer(options: SegmentsServerOptions = {}): Promise<SegmentsServer> {
  await ensureBuild();
  const { store, dispose } = await openDemoStore(options.backend ?? "duckdb");
  let server: RunningServer;
  try {
    await seedDemo(store);
    server = await startServer({ store, port: 0, host: "127.0.0.1", staticDir: distDir, refreshEveryMs: null, ...(options.token !== undefined ? { token: options.token } : {}), ...(options.maxImportBytes !== undefined ? { maxImportBytes: options.maxImportBytes } : {}), log: (l) => process.stderr.write(`${l}\n`) });
  } catch (e) {
    await dispose();
    throw e;
  }
  return {
    url: server.url.replace(/\/?$/, "/"),
    store,
    async close() {
      await server.close();
      await dispose();
    },
  };
}

/** A segments test file's set-up: the demo server and a browser session on it. */
export interface SegmentsSession extends BrowserSession {
  server: SegmentsServer;
}

/** Starts the demo server, then a browser session guarded to it (the server stops again if Chromium does not start). */
export async function openSegmentsSession(options: SegmentsServerOptions = {}): Promise<SegmentsSession> {
  const server = await startSegmentsServer(options);
  try {
    return { ...(await openBrowserSession(server.url)), server };
  } catch (e) {
    await server.close();
    throw e;
  }
}

/**
 * The checks a segments test file ends with, then its clean-up: no request left the server's origin, and the
 * page showed no error but those `expected` (by default the failed resources — 404s, 409s, 422s — that
 * the tests ask for on purpose). Chromium and the server are closed whatever the checks find.
 */
export async function closeSegmentsSession(session: SegmentsSession | undefined, expected: RegExp = /Failed to load resource/): Promise<void> {
  if (!session) return;
  try {
    expect(session.external).toEqual([]);
    expect(session.errors.filter((e) => !expected.test(e))).toEqual([]);
  } finally {
    await session.close();
    await session.server.close();
  }
}

/** Requests of the page made to fail, until `recover()`. */
export interface FailingRequests {
  /** The address of every request matched, failed or not, in order: a retry must ask the same. */
  urls: string[];
  /** From now on the matched requests reach the server. */
  recover(): void;
  /** Stops watching the requests. */
  stop(): Promise<void>;
}

/**
 * Makes the page's requests whose address matches `url` fail, as a server in trouble does: `503` answers
 * with a problem document (`detail` says "the database did not answer"); `unreachable` is a server that is
 * down (the connection is refused).
 */
export async function failRequests(page: Page, url: RegExp, how: "503" | "unreachable" = "503"): Promise<FailingRequests> {
  const urls: string[] = [];
  let failing = true;
  const handler = (route: Route) => {
    urls.push(route.request().url());
    if (!failing) return settled(route.continue());
    if (how === "unreachable") return settled(route.abort("connectionrefused"));
    return settled(route.fulfill({ status: 503, contentType: "application/problem+json", body: JSON.stringify({ type: "urn:segql:problem:unavailable", title: "Unavailable", status: 503, detail: "the database did not answer" }) }));
  };
  await page.route(url, handler);
  return {
    urls,
    recover: () => {
      failing = false;
    },
    stop: () => page.unroute(url, handler),
  };
}

/** The text of the CodeMirror editor on the page: its lines (short documents are all drawn), no placeholder. */
export async function editorText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const lines = [...document.querySelectorAll(".cm-content .cm-line")];
    return lines
      .map((l) => {
        const copy = l.cloneNode(true) as HTMLElement;
        copy.querySelectorAll(".cm-placeholder, .cm-widgetBuffer").forEach((w) => w.remove());
        return copy.textContent ?? "";
      })
      .join("\n");
  });
}

/**
 * Replaces the editor's text as a paste does, and waits until the editor holds it. The old text is deleted
 * first: Chromium's text insertion over a selection of several lines leaves an empty line behind (a paste,
 * which the editor handles itself, does not).
 */
export async function typeText(page: Page, text: string): Promise<void> {
  await page.locator(".cm-content").click();
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
  await expect.poll(() => editorText(page)).toBe(text);
}

/** Opens the segments table and waits for its rows. */
export async function openSegments(page: Page, base: string): Promise<void> {
  await page.goto(`${base}#/segments`);
  await page.getByTestId("segments-table").waitFor({ timeout: 30_000 });
}

/** A screenshot without the mouse's hover tooltip over it (the mouse moves to a corner first). */
export async function cleanShot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.mouse.move(1, 1);
  // A full-page capture of a scrolled page draws the sticky header where the viewport was.
  if (options.fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  // Toasts of earlier steps would cover the page: hidden while the picture is taken.
  const hideToasts = ".toasts { visibility: hidden; }";
  await page.addStyleTag({ content: hideToasts });
  await page.waitForTimeout(150);
  const { screenshot } = await import("./harness.js");
  await screenshot(page, name, options);
  await page.evaluate((css) => document.querySelectorAll("style").forEach((s) => s.textContent === css && s.remove()), hideToasts);
}

/** The rule or group of the builder with this id (ids are paths in the text's groups: g, g.0, g.0.1). */
export function node(page: Page, id: string): Locator {
  return page.locator(`[data-rule-id="${id}"], [data-rule-group-id="${id}"]`).first();
}

/** A group's own header button ("+ Rule", "+ Group"), not those of groups inside it. */
export function groupButton(page: Page, id: string, label: "+ Rule" | "+ Group"): Locator {
  return page.locator(`[data-rule-group-id="${id}"] > .ruleGroup-header`).getByRole("button", { name: label, exact: true });
}

/** Opens the create form with no draft (an earlier test may have left one in this tab). */
export async function openNew(page: Page, base: string): Promise<void> {
  await page.goto(`${base}#/segments/new`);
  await page.evaluate(() => window.sessionStorage.clear());
  await page.reload();
  await page.getByTestId("segment-name").waitFor();
}

/** Sets a builder rule's field, then its operator and value (a select's option or an input's text) when given. */
export async function setRule(page: Page, id: string, field: string, operator: string | null, value: string | null): Promise<void> {
  await node(page, id).getByLabel("Field", { exact: true }).selectOption(field);
  if (operator !== null) await node(page, id).getByLabel(`Operator for ${field}`).selectOption(operator);
  if (value !== null) {
    const input = node(page, id).getByLabel(`Value of ${field}`, { exact: true });
    if ((await input.evaluate((e) => e.tagName)) === "SELECT") await input.selectOption(value);
    else await input.fill(value);
  }
}

/**
 * Opens `hash` of the app on `server` in a fresh context that accepts downloads (with the token saved in
 * the browser, when given) and waits for `ready`, a test id: for the export tests, each in a page of its own.
 */
export async function openDownloadingPage(browser: Browser, server: SegmentsServer, hash: string, ready: string, token?: string) {
  const { context, external } = await guardedContext(browser, server.url, { acceptDownloads: true });
  if (token !== undefined) await context.addInitScript((t) => window.localStorage.setItem("segql-token", t), token);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}${hash}`);
  await page.getByTestId(ready).waitFor({ timeout: 30_000 });
  return { page, external, errors, close: () => context.close() };
}

/** Clicks an export control and returns the file the browser saved: its suggested name and text (BOM kept). */
export async function download(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId(testId).click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: new TextDecoder("utf-8", { ignoreBOM: true }).decode(readFileSync(path)) };
}
