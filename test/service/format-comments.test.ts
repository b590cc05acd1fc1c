/**
 * The language service's formatting (the LSP's and the playground's Format) keeps a comment after the
 * token it follows, in every segment of a file: the service parses a file's segments apart and moves what
 * it parsed to the file's offsets, what a comment follows included.
 */
import { describe, expect, it } from "vitest";
import { serviceWith, URI } from "./helpers.js";

function formatted(text: string): string {
  const svc = serviceWith({ [URI]: text });
  const edits = svc.format(URI);
  expect(edits).not.toBeNull();
  let out = text;
  for (const e of [...edits!].sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

describe("service formatting keeps comments after their tokens", () => {
  it("after not, (, where and an operator's keyword, in a later segment of a file", () => {
    const text = [
      'segment "Paying" as plan_type in ("Pro", "Enterprise")',
      "",
      'segment "Checked" as is_verified and not -- never verified\n  tenure > 3',
      "",
      'segment "Either" as status = "Trial" and ( -- one of\n  is_verified or tenure > 1)',
      "",
      'segment "Buyers" as performed "Purchase" where -- big ones\n  amount > 50',
      "",
    ].join("\n");
    expect(formatted(text)).toBe([
      'segment "Paying" as plan_type in ("Pro", "Enterprise")',
      "",
      'segment "Checked" as',
      "  is_verified",
      "  and not -- never verified",
      "    tenure > 3",
      "",
      'segment "Either" as',
      '  status = "Trial"',
      "  and ( -- one of",
      "    is_verified or tenure > 1",
      "  )",
      "",
      'segment "Buyers" as',
      '  performed "Purchase"',
      "    where -- big ones",
      "      amount > 50",
      "",
    ].join("\n"));
  });
});
