/**
 * docs/language.md stays true: every code example in its tables parses without a syntax error, and every
 * "`A` → `B`" is what the formatter prints for A (values are tried as `x = VALUE`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { format } from "../../src/parser/format.js";
import { parse } from "../../src/parser/index.js";

const doc = readFileSync(join(import.meta.dirname, "..", "..", "docs", "language.md"), "utf8");
const CODE = /``\s(.+?)\s``|`([^`]+)`/g;
const code = (m: RegExpMatchArray) => (m[1] ?? m[2])!;

/** Formats `text` as a condition, or as a value when it is not one. */
function canonical(text: string): string | null {
  const asCondition = parse(text);
  if (asCondition.diagnostics.length === 0) return format(asCondition.document).trimEnd();
  const asValue = parse(`x = ${text}`);
  if (asValue.diagnostics.length === 0) return format(asValue.document).trimEnd().replace(/^x = /, "");
  return null;
}

const claims = [...doc.matchAll(new RegExp(`(?:${CODE.source}) → (?:${CODE.source})`, "g"))].map((m) => [(m[1] ?? m[2])!, (m[3] ?? m[4])!] as const);
const exampleRows = doc.split("\n").filter((l) => l.startsWith("| `") || l.startsWith("| at least") || l.startsWith("| count") || l.startsWith("| sum") || l.startsWith("| first") || l.startsWith("| window") || l.startsWith("| filter") || l.startsWith("| complement"));
const examples = exampleRows
  .map((l) => l.split("|")[2] ?? "")
  .flatMap((cell) => [...cell.matchAll(CODE)].map(code))
  .filter((e) => e !== "avg");

describe("docs/language.md", () => {
  it("has claims and examples to check", () => {
    expect(claims.length).toBeGreaterThan(10);
    expect(examples.length).toBeGreaterThan(40);
  });

  it.each(claims)("%s → %s", (from, to) => {
    expect(canonical(from)).toBe(to);
  });

  it.each(examples)("example parses: %s", (example) => {
    expect(canonical(example)).not.toBeNull();
  });
});
