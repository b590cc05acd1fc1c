/**
 * The committed railroad diagrams (grammar/diagrams.html) are generated from the parser by
 * scripts/gen-grammar.ts; this fails when the parser changed and `npm run gen` was not run. Only text is
 * compared: nothing is fetched (the HTML loads its renderer from a CDN when opened).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generatedFiles } from "../../scripts/gen-grammar.js";
import { parser } from "../../src/parser/parser.js";

const root = join(import.meta.dirname, "..", "..");

describe("generated grammar files are up to date (run `npm run gen` after changing src/parser/parser.ts)", () => {
  for (const [path, text] of Object.entries(generatedFiles())) {
    it(path, () => {
      const committed = readFileSync(join(root, path), "utf8");
      expect(committed === text, `${path} is stale: run npm run gen`).toBe(true);
    });
  }

  it("the diagrams cover every rule of the parser", () => {
    const html = readFileSync(join(root, "grammar", "diagrams.html"), "utf8");
    for (const rule of Object.keys(parser.getGAstProductions())) expect(html).toContain(`"name": "${rule}"`);
  });

  it("grammar/README.md names every rule of the parser", () => {
    const readme = readFileSync(join(root, "grammar", "README.md"), "utf8");
    for (const rule of Object.keys(parser.getGAstProductions())) expect(readme, rule).toMatch(new RegExp(`\\b${rule}\\b`));
  });
});
