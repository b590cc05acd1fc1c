/**
 * `npm run gen`: regenerates what is derived from the Chevrotain parser (src/parser/parser.ts):
 * grammar/diagrams.html, railroad diagrams of every rule (Chevrotain's createSyntaxDiagramsCode).
 * test/grammar/diagrams.test.ts fails when the committed file differs from what this would write.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSyntaxDiagramsCode } from "chevrotain";
import { grammarProductions } from "../src/parser/parser.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The generated files, by path relative to the repository root. */
export function generatedFiles(): Record<string, string> {
  return {
    "grammar/diagrams.html": createSyntaxDiagramsCode(grammarProductions()),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [path, text] of Object.entries(generatedFiles())) {
    writeFileSync(join(root, path), text);
    console.log(`wrote ${path}`);
  }
}
