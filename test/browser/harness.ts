/**
 * Shared set-up of the browser tests: the playground's build (made here when missing or older than its
 * sources), served by Vite's `preview()` on a free port, and Debian's Chromium driven by playwright-core,
 * launched by the test itself. Every page is watched: a request to anything but the preview server is
 * blocked and recorded, and each test file fails if one was made. Screenshots go to docs/screenshots/.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { build, preview, type PreviewServer } from "vite";

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const playgroundDir = join(repo, "playground");
export const distDir = join(playgroundDir, "dist");
export const screenshotsDir = join(repo, "docs", "screenshots");
const configFile = join(playgroundDir, "vite.config.ts");

/** Debian's Chromium; the browser tests skip (saying so) without it. */
export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
export const skipReason = `skipped: ${CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium; .ci/run installs it)`;

/** Newest modification time of the files under `dir` (recursively), skipping build output. */
function newest(dir: string): number {
  let max = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const name of readdirSync(d, { withFileTypes: true })) {
      if (name.name === "dist" || name.name === "node_modules" || name.name.startsWith(".")) continue;
      const p = join(d, name.name);
      if (name.isDirectory()) stack.push(p);
      else max = Math.max(max, statSync(p).mtimeMs);
    }
  }
  return max;
}

/** True when playground/dist is missing or older than the playground's or the library's sources. */
export function buildIsStale(): boolean {
  const marker = join(distDir, "index.html");
  if (!existsSync(marker)) return true;
  const built = statSync(marker).mtimeMs;
  return Math.max(newest(playgroundDir), newest(join(repo, "src")), newest(join(repo, "data"))) > built;
}

/**
 * Builds the playground when its build is missing or stale. Test files run in parallel, so one builds
 * while the others wait on a lock directory (atomic `mkdir`).
 */
export async function ensureBuild(): Promise<void> {
  // The lock lives in node_modules/.cache (ignored by git), not in the source tree.
  const lock = join(repo, "node_modules", ".cache", "segql-playground-build.lock");
  mkdirSync(dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 250) {
    if (!buildIsStale()) return;
    try {
      mkdirSync(lock);
    } catch {
      // Another test file is building; a lock older than two minutes is a leftover of a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      if (waited > 180_000) throw new Error("timed out waiting for another test file to build the playground");
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      if (buildIsStale()) {
        // The config makes a build a production build (NODE_ENV); give the test runner its own back.
        const env = process.env["NODE_ENV"];
        try {
          await build({ configFile, logLevel: "error" });
        } finally {
          process.env["NODE_ENV"] = env;
        }
      }
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** A preview server of the build on a free loopback port. */
export async function startPreview(): Promise<{ server: PreviewServer; url: string }> {
  const server = await preview({ configFile, preview: { port: 0, host: "127.0.0.1", strictPort: false }, logLevel: "warn" });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("the preview server has no local URL");
  return { server, url };
}

/** Headless Chromium as the tests run it (root needs --no-sandbox; nothing talks to Google). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}

/** A browser context whose requests may only go to `base`; others are blocked and listed in `external`. */
export async function guardedContext(browser: Browser, base: string, options: Parameters<Browser["newContext"]>[0] = {}): Promise<{ context: BrowserContext; external: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, ...options });
  const external: string[] = [];
  const origin = new URL(base).origin;
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return settled(route.continue());
    external.push(url);
    return settled(route.abort("blockedbyclient"));
  });
  // Workers' requests (the data worker, DuckDB's worker) go through the same routing; record any that
  // escaped it too.
  context.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:") && !external.includes(url)) external.push(url);
  });
  return { context, external };
}

/**
 * A route's answer, where losing the race to answer it is no error: a page's own route removed (`unroute`)
 * while its request was in flight hands the request on to the context's route after the page's handler
 * already answered it, and Playwright then throws "Route is already handled!" from a handler nobody awaits
 * (an unhandled rejection that fails the test file at teardown). Any other failure still throws.
 */
export function settled(answer: Promise<void>): Promise<void> {
  return answer.catch((e: unknown) => {
    if (!/Route is already handled|Target page, context or browser has been closed/.test(String(e))) throw e;
  });
}

/** Page errors and console errors, collected for assertions. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** One browser session of a test file: Chromium, a context whose requests may only go to its base, a page watched for errors. */
export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Requests to anything but the base (blocked), for the file's last check. */
  external: string[];
  /** The page's errors and console errors (`watchErrors`). */
  errors: string[];
  /** Closes Chromium (and with it the context and its pages). */
  close(): Promise<void>;
}

/**
 * The set-up every browser test file did itself: launches Chromium, opens a context guarded to `base`
 * (`guardedContext`, with `options` such as a viewport or downloads) and a page whose errors are collected.
 */
export async function openBrowserSession(base: string, options: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserSession> {
  const browser = await launchChromium();
  try {
    const { context, external } = await guardedContext(browser, base, options);
    const page = await context.newPage();
    const errors = watchErrors(page);
    return { browser, context, page, external, errors, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/** Writes a screenshot of the page (or an element) to docs/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(screenshotsDir, { recursive: true });
  const path = join(screenshotsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
  return path;
}

/** Writes a screenshot of one element (a pane) to docs/screenshots/<name>.png. */
export async function screenshotOf(locator: Locator, name: string): Promise<string> {
  mkdirSync(screenshotsDir, { recursive: true });
  const path = join(screenshotsDir, `${name}.png`);
  await locator.screenshot({ path });
  return path;
}

/** Opens the playground at a hash route and waits for the first count. */
export async function openPlayground(page: Page, base: string, hash = "#/playground"): Promise<void> {
  await page.goto(`${base}${hash}`);
  await page.getByTestId("count").waitFor({ timeout: 60_000 });
}

/** The count shown, as a number. */
export async function shownCount(page: Page): Promise<number> {
  return Number((await page.getByTestId("count").textContent())!.replace(/,/g, ""));
}

/**
 * Replaces the editor's text: select all, then type it key by key (`keys`), or enter it as one input
 * event, as a paste does (the default; faster where the test is not about typing).
 */
export async function typeInEditor(page: Page, text: string, how: "keys" | "paste" = "paste"): Promise<void> {
  await page.locator(".cm-content").click();
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Delete");
  if (how === "keys") await page.keyboard.type(text);
  else await page.keyboard.insertText(text);
}

/** Waits until the count shown is the one for `text` (the count carries the text it is for) and returns it. */
export async function countFor(page: Page, text: string): Promise<number> {
  const handle = await page.waitForFunction(
    (t) => {
      const el = document.querySelector("[data-testid=count], [data-testid=count-error]");
      return el && el.getAttribute("data-text") === t ? el.getAttribute("data-testid") : null;
    },
    text,
    { timeout: 30_000 },
  );
  const kind = await handle.jsonValue();
  if (kind !== "count") throw new Error(`no count for ${JSON.stringify(text)}: ${await page.getByTestId("count-error").textContent()}`);
  // The table follows the count (a transition): wait until it shows the same text's rows.
  await page.waitForFunction((t) => document.querySelector("[data-testid=contacts]")?.getAttribute("data-text") === t, text, { timeout: 30_000 });
  return shownCount(page);
}
