/**
 * A rendered diagnostic's help says where its fix applies when that is not the underlined text: a
 * misspelt keyword is found at the word after it (`nto churn` fails at `churn`), and "replace with 'not'"
 * under `churn` read as replacing `churn`.
 */
import { describe, expect, it } from "vitest";
import { renderDiagnostics } from "../../src/diagnostics.js";
import { parse } from "../../src/parser/index.js";

const rendered = (text: string) => renderDiagnostics(text, parse(text).diagnostics);

describe("the help line of a rendered diagnostic", () => {
  it("names the place and the text a fix replaces away from the carets", () => {
    const out = rendered("nto churn and tenure > 3");
    expect(out).toContain("   1 | nto churn and tenure > 3\n     |     ^^^^^\n");
    expect(out).toContain("= help: replace with 'not' at 1:1 ('nto')");
    // On a later line too.
    expect(rendered("churn\nand nto is_verified")).toContain("= help: replace with 'not' at 2:5 ('nto')");
  });

  it("says nothing more when the fix is under the carets, or an insertion only blanks before them", () => {
    expect(rendered("churn adn tenure > 3")).toMatch(/= help: replace with 'and'$/m);
    expect(rendered('segment "A" churn')).toMatch(/= help: insert 'as'$/m);
  });
});
