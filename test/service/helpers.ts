/**
 * Helpers for language-service tests: the cursor is marked `|` in the text (STYLE.md practice 13) and
 * results are flattened to strings, so a test reads like what an editor shows.
 */
import { readFileSync } from "node:fs";
import { parseSchema, type Schema } from "../../src/schema/schema.js";
import { LanguageService, type CompletionItem, type ProjectInfo } from "../../src/service/index.js";

/** The shared CRM fixture schema (test/fixtures/crm-schema.json). */
export const schema: Schema = parseSchema(readFileSync(new URL("../fixtures/crm-schema.json", import.meta.url), "utf8"));

/** Splits `status = |` into the text and the cursor offset (the first `|`). */
export function cursor(marked: string): { text: string; offset: number } {
  const offset = marked.indexOf("|");
  if (offset < 0) throw new Error(`no cursor '|' in ${JSON.stringify(marked)}`);
  return { text: marked.slice(0, offset) + marked.slice(offset + 1), offset };
}

/** A service over the given files (uri → text), all in one project with `schema` (or none). */
export function serviceWith(files: Record<string, string>, project: Partial<ProjectInfo> = {}): LanguageService {
  const info: ProjectInfo = { key: "p", schema: project.schema === undefined ? schema : project.schema, ...(project.problems ? { problems: project.problems } : {}) };
  const svc = new LanguageService({ project: () => info });
  for (const [uri, text] of Object.entries(files)) svc.setDocument(uri, text);
  return svc;
}

export const URI = "file:///work/a.segql";

/** Completion items at the marked cursor. */
export function completeItems(marked: string, options: { schema?: Schema | null; others?: Record<string, string> } = {}): CompletionItem[] {
  const { text, offset } = cursor(marked);
  const svc = serviceWith({ ...options.others, [URI]: text }, { schema: options.schema });
  return svc.complete(URI, offset).items;
}

/** Completion labels at the marked cursor, space-separated, in the order offered. */
export function complete(marked: string, options: { schema?: Schema | null; others?: Record<string, string> } = {}): string {
  return completeItems(marked, options).map((i) => i.label).join(" ");
}

/** Completion labels with their kinds: `field:status operator:=`. */
export function completeKinds(marked: string): string {
  return completeItems(marked).map((i) => `${i.kind}:${i.label}`).join(" ");
}
