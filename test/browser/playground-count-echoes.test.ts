/**
 * The playground's count pane (its data worker's `prepare`) says what the editor's lint and `segql check` say
 * of a text with a syntax error: the first problem and how many more, without a checker error that only
 * echoes the syntax error (`tags is nt empty` was "… (and 1 more)", the more being "'=' takes single values
 * … tags is a list field", which the editor no longer shows).
 */
import { describe, expect, it } from "vitest";
import { prepare, type Dataset } from "../../playground/src/worker/evaluate.js";
import { schema } from "../service/helpers.js";

const dataset = { name: "crm", schema, schemaText: "", inferred: false, notes: [], contacts: [], events: null, eventCount: 0, keyIndex: new Map() } as unknown as Dataset;

describe("the count pane's message of a text with a syntax error", () => {
  it("leaves out a checker error that echoes it", () => {
    expect(prepare(dataset, { text: "tags is nt empty", segment: null, now: "2026-01-01T00:00:00Z" })).toEqual({
      ok: false,
      message: "1:12: expected an operator or 'and'/'or' after 'nt', found 'empty'; did you mean 'not' for 'nt'?",
    });
  });

  it("still counts the other errors", () => {
    expect(prepare(dataset, { text: "statu = 1 and tags is nt empty", segment: null, now: "2026-01-01T00:00:00Z" })).toEqual({
      ok: false,
      message: "1:1: unknown field 'statu'; did you mean \"status\"? (and 1 more)",
    });
  });
});
