/**
 * The playground's panes in real headless Chromium, checked against the library run in Node on the same
 * data: the SQL pane follows the dialect picker (and the parameter switch); per-condition counts; why /
 * why not names the failing condition; sorting; a shared URL restores the view; the dark theme; the
 * whole journey with the keyboard alone, every control labelled. Screenshots of each view.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { PreviewServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subConditions } from "../../src/compiler/predicate/explain.js";
import { compilePredicate } from "../../src/compiler/predicate/index.js";
import { compileSql, DIALECT_NAMES } from "../../src/compiler/sql/index.js";
import { loadContacts, type LoadedContact } from "../../src/data/index.js";
import { checkExpression } from "../../src/index.js";
import { readSchemaFile } from "../../src/schema/read-schema-file.js";
import type { Schema } from "../../src/schema/schema.js";
import { datasetFile } from "../helpers/datasets.js";
import { countFor, ensureBuild, hasChromium, openBrowserSession, openPlayground, screenshot, screenshotOf, skipReason, startPreview, typeInEditor, watchErrors } from "./harness.js";

const NOW = "2026-01-01T00:00:00Z";

describe.skipIf(!hasChromium)(`playground panes (Chromium) ${hasChromium ? "" : skipReason}`, () => {
  let server: PreviewServer;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let external: string[];
  let page: Page;
  let errors: string[];
  let schema: Schema;
  let contacts: LoadedContact[];

  beforeAll(async () => {
    schema = readSchemaFile(datasetFile("telco/schema.json"));
    contacts = await loadContacts(datasetFile("telco/contacts.jsonl"), schema);
    await ensureBuild();
    ({ server, url: base } = await startPreview());
    ({ browser, context, external, page, errors } = await openBrowserSession(base));
    await openPlayground(page, base);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const count = (text: string) => {
    const p = compilePredicate(checkExpression(text, schema), { now: NOW });
    return contacts.filter((c) => p(c)).length;
  };

  it("the SQL pane follows the dialect picker and the parameter switch", async () => {
    const text = 'contract = "Month-to-month" and tenure > 12 and payment_method in ("Mailed check", "Electronic check") and signed_up_at within last 2 years';
    await typeInEditor(page, text);
    await countFor(page, text);
    const query = checkExpression(text, schema);
    for (const dialect of DIALECT_NAMES) {
      await page.getByTestId("dialect").selectOption(dialect);
      const expected = compileSql(query, { dialect }).sql;
      await page.waitForFunction((sql) => document.querySelector("[data-testid=sql]")?.textContent === sql, expected);
    }
    await page.getByTestId("dialect").selectOption("postgres");
    await page.getByTestId("params").check();
    const withParams = compileSql(query, { dialect: "postgres", params: true });
    await page.waitForFunction((sql) => document.querySelector("[data-testid=sql]")?.textContent === sql, withParams.sql);
    const shown = await page.locator("table.params tbody tr").allInnerTexts();
    expect(shown.map((r) => r.split("\t")[0])).toEqual((withParams.params as unknown[]).map((_, i) => String(i + 1)));
    expect(shown[0]).toContain('"Month-to-month"');
    await screenshotOf(page.locator("section", { has: page.locator("#sql-title") }), "playground-sql-postgres-params");
    await page.getByTestId("params").uncheck();
    await page.getByTestId("dialect").selectOption("duckdb");
  });

  it("per-condition counts are each sub-condition's own count", async () => {
    const text = 'contract = "Two year" and (churn or senior_citizen) and not (tenure > 60)';
    await typeInEditor(page, text);
    expect(await countFor(page, text)).toBe(count(text));
    const query = checkExpression(text, schema);
    const expected = subConditions(query.expr).map((s) => {
      const p = compilePredicate({ schema, expr: s.node }, { now: NOW });
      return contacts.filter((c) => p(c)).length.toLocaleString("en-US");
    });
    const list = page.getByTestId("conditions");
    await page.waitForFunction((n) => document.querySelectorAll("[data-testid=conditions] .node-count").length === n, expected.length);
    const shown = (await list.locator(".node-count").allInnerTexts()).map((t) => t.replace(/ — matches no one$/, ""));
    expect(shown).toEqual(expected);
    // A condition that empties the segment says so.
    const empty = 'contract = "Two year" and tenure < 0';
    await typeInEditor(page, empty);
    await countFor(page, empty);
    await page.getByTestId("conditions").getByText("0 — matches no one").first().waitFor();
    await typeInEditor(page, text);
    await countFor(page, text);
    await page.waitForFunction((n) => document.querySelectorAll("[data-testid=conditions] .node-count").length === n, expected.length);
    await screenshotOf(page.locator("section", { has: page.locator("#conditions-title") }), "playground-conditions");
  });

  it("why not names the failing condition and the value it read; a picked row explains a member", async () => {
    const text = 'contract = "Month-to-month" and tenure > 12';
    await typeInEditor(page, text);
    await countFor(page, text);
    // 7590-VHVEG has tenure 1.
    await page.getByTestId("why-key").fill("7590-VHVEG");
    await page.getByRole("button", { name: "Explain" }).click();
    const verdict = page.getByTestId("verdict");
    await verdict.waitFor();
    expect(await verdict.innerText()).toBe("7590-VHVEG is not a member: tenure > 12 is false (tenure is 1)");
    expect(await page.getByTestId("why-tree").innerText()).toContain('contract = "Month-to-month" — contract is Month-to-month');
    await screenshotOf(page.locator("section", { has: page.locator("#why-title") }), "playground-why-not");
    // A row of the table: a member, explained.
    const firstKey = await page.locator("[data-testid=contacts] tbody tr").first().locator("td").nth(1).innerText();
    await page.locator("[data-testid=contacts] tbody tr").first().getByRole("button", { name: /Why does/ }).click();
    await page.waitForFunction((k) => document.querySelector("[data-testid=verdict]")?.textContent?.startsWith(`${k} is a member because`), firstKey);
    // An unknown key says so.
    await page.getByTestId("why-key").fill("NO-SUCH-KEY");
    await page.getByTestId("why-key").press("Enter");
    await page.getByTestId("why-error").waitFor();
    expect(await page.getByTestId("why-error").innerText()).toContain('no contact has the key "NO-SUCH-KEY"');
  });

  it("sorts by a column, both ways, empty values last", async () => {
    // The 11 contacts with tenure 0 have no total charges; the others here have some.
    const text = "tenure = 0 or (tenure = 72 and churn)";
    await typeInEditor(page, text);
    const n = await countFor(page, text);
    const matching = contacts.filter((c) => c["tenure"] === 0 || (c["tenure"] === 72 && c["churn"] === true));
    expect(n).toBe(matching.length);
    const present = matching.map((c) => c["total_charges"]).filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
    const empties = matching.length - present.length;
    expect(empties).toBe(11);
    const header = page.getByRole("button", { name: "total_charges", exact: true });
    const column = async () => {
      const index = await page.locator("[data-testid=contacts] thead th").evaluateAll((ths) => ths.findIndex((th) => th.textContent?.startsWith("total_charges")));
      return page.locator("[data-testid=contacts] tbody tr").evaluateAll((trs, i) => trs.map((tr) => tr.children[i]!.textContent), index);
    };
    const shown = (xs: number[]) => [...xs.map((x) => String(x)), ...Array.from({ length: empties }, () => "—")];
    await header.click();
    await page.waitForFunction(() => document.querySelector("th[aria-sort=ascending]")?.textContent?.startsWith("total_charges"));
    await expect.poll(column).toEqual(shown(present));
    await header.click();
    await page.waitForFunction(() => document.querySelector("th[aria-sort=descending]")?.textContent?.startsWith("total_charges"));
    await expect.poll(column).toEqual(shown([...present].reverse()));
    await header.click();
    await page.waitForFunction(() => document.querySelector("th[aria-sort=ascending], th[aria-sort=descending]") === null);
  });

  it("a shared URL restores the view: text, dataset, dialect, parameters, picked contact, sort", async () => {
    const text = "churn and monthly_charges > 100";
    await typeInEditor(page, text);
    const n = await countFor(page, text);
    await page.getByTestId("dialect").selectOption("snowflake");
    await page.getByTestId("params").check();
    await page.getByRole("button", { name: "monthly_charges", exact: true }).click();
    await page.locator("[data-testid=contacts] tbody tr").first().getByRole("button", { name: /Why does/ }).click();
    await page.getByTestId("verdict").waitFor();
    const picked = (await page.getByTestId("verdict").innerText()).split(" ")[0]!;
    await page.waitForFunction((k) => window.location.hash.includes(`contact=${encodeURIComponent(k)}`), picked);
    const link = page.url();
    const other = await context.newPage();
    const otherErrors = watchErrors(other);
    await openPlayground(other, link, "");
    expect(await other.locator(".cm-content").innerText()).toBe(text);
    expect(await countFor(other, text)).toBe(n);
    expect(await other.getByTestId("dialect").inputValue()).toBe("snowflake");
    expect(await other.getByTestId("params").isChecked()).toBe(true);
    expect(await other.getByTestId("dataset").inputValue()).toBe("telco");
    await other.waitForFunction(() => document.querySelector("th[aria-sort=ascending]")?.textContent?.startsWith("monthly_charges"));
    await other.getByTestId("verdict").waitFor();
    expect(await other.getByTestId("verdict").innerText()).toMatch(new RegExp(`^${picked} is a member`));
    expect(await other.getByTestId("sql").innerText()).toBe(compileSql(checkExpression(text, schema), { dialect: "snowflake", params: true }).sql);
    await screenshot(other, "playground-restored-from-url", { fullPage: true });
    expect(otherErrors).toEqual([]);
    await other.close();
  });

  it("the dark theme", async () => {
    const text = '(contract = "Month-to-month" and tenure > 12) or services has "streaming_tv"';
    await typeInEditor(page, text);
    await countFor(page, text);
    await page.getByTestId("theme-dark").click();
    await page.waitForFunction(() => document.documentElement.dataset["theme"] === "dark");
    const bg = await page.locator(".cm-editor").evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe("rgb(30, 30, 30)");
    await page.locator(".cm-content").click();
    await screenshot(page, "playground-dark");
    await page.getByTestId("theme-light").click();
    await page.waitForFunction(() => document.documentElement.dataset["theme"] === "light");
  });

  it("works with the keyboard alone, and every control has a name", async () => {
    const kb = await context.newPage();
    await openPlayground(kb, base, "#/playground?dataset=telco&text=churn");
    const unnamed = await kb.evaluate(() => {
      const out: string[] = [];
      for (const el of Array.from(document.querySelectorAll<HTMLElement>("button, select, input, textarea, [contenteditable=true], [role=textbox]"))) {
        const labelled = el.getAttribute("aria-labelledby")?.split(" ").map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
        const labels = (el as HTMLInputElement).labels ? Array.from((el as HTMLInputElement).labels ?? []).map((l) => l.textContent).join(" ") : "";
        const name = (el.getAttribute("aria-label") ?? labelled ?? "") || labels || (el.tagName === "BUTTON" ? el.textContent : "") || el.getAttribute("title") || "";
        if (!name.trim()) out.push(el.outerHTML.slice(0, 80));
      }
      return out;
    });
    expect(unnamed).toEqual([]);
    // Tab from the top of the page to the editor.
    await kb.keyboard.press("Tab");
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      reached = await kb.evaluate(() => document.activeElement?.classList.contains("cm-content") ?? false);
      if (!reached) await kb.keyboard.press("Tab");
    }
    expect(reached).toBe(true);
    await kb.keyboard.press("Control+a");
    await kb.keyboard.type("tenur > 70");
    // A quick fix from the keyboard: the lint panel (Ctrl-Shift-M), then the fix's underlined letter.
    await kb.locator(".cm-lintRange-error", { hasText: /^tenur$/ }).waitFor();
    await kb.keyboard.press("Escape");
    await kb.keyboard.press("Control+Shift+KeyM");
    await kb.locator(".cm-panel-lint").getByText("use tenure").waitFor();
    await kb.keyboard.press("u");
    await kb.waitForFunction(() => document.querySelector(".cm-content")?.textContent === "tenure > 70");
    await kb.keyboard.press("Escape");
    expect(await countFor(kb, "tenure > 70")).toBe(count("tenure > 70"));
    await kb.locator(".cm-content").focus();
    // Leave the editor with Tab (Escape first closes any popup), on to the dialect picker.
    await kb.keyboard.press("Escape");
    let onDialect = false;
    for (let i = 0; i < 40 && !onDialect; i++) {
      await kb.keyboard.press("Tab");
      onDialect = await kb.evaluate(() => document.activeElement?.getAttribute("data-testid") === "dialect");
    }
    expect(onDialect).toBe(true);
    await kb.keyboard.press("ArrowDown");
    await kb.waitForFunction(() => (document.querySelector("[data-testid=dialect]") as HTMLSelectElement).value === "postgres");
    // On to the first "Why?" of the table, and Enter.
    let onWhy = false;
    for (let i = 0; i < 60 && !onWhy; i++) {
      await kb.keyboard.press("Tab");
      onWhy = await kb.evaluate(() => document.activeElement?.classList.contains("why-button") ?? false);
    }
    expect(onWhy).toBe(true);
    await kb.keyboard.press("Enter");
    await kb.getByTestId("verdict").waitFor();
    expect(await kb.getByTestId("verdict").innerText()).toMatch(/is a member because tenure > 70 is true/);
    await kb.close();
  });

  it("made no request outside the preview server and logged no errors", () => {
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
  });
});
