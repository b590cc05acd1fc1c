/**
 * Bodies are UTF-8: bytes that are not (a Latin-1 or Windows-1252 `é`, the single byte 0xE9, as many
 * spreadsheets save "CSV") are a 415 that says where, on every route that reads text, and nothing is
 * written. Before, the decoder put U+FFFD for each such byte and the name, value or key was saved changed.
 */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Utf8Check, utf8Fault } from "../../src/server/utf8.js";
import { BACKENDS, CONTACTS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

const bytes = (...parts: (string | number[])[]) => new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p)))));
const E_ACUTE_LATIN1 = [0xe9];

describe("where a body stops being UTF-8", () => {
  it("finds the first bad byte and its line; takes every well-formed character, split across chunks or not", () => {
    expect(utf8Fault(bytes('{"name": "caf', E_ACUTE_LATIN1, '"}'))).toEqual({ offset: 13, byte: 0xe9, line: 1 });
    expect(utf8Fault(bytes("id,name\nc1,Ann\nc2,Ren", E_ACUTE_LATIN1, "e\n"))).toEqual({ offset: 21, byte: 0xe9, line: 3 });
    // Overlong, surrogate, past U+10FFFF, a lone continuation byte, a character cut by the end.
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xe2, 0x82]]) expect(utf8Fault(bytes("ok ", bad)), bad.join(" ")).toMatchObject({ offset: 3 });
    const text = "\ufeffcafé 東京 😀 naïve\n";
    expect(utf8Fault(bytes(text))).toBeNull();
    const whole = bytes(text, text);
    for (let cut = 0; cut <= whole.length; cut++) {
      const check = new Utf8Check();
      expect(check.push(whole.subarray(0, cut)) ?? check.push(whole.subarray(cut)) ?? check.end(), `cut at ${cut}`).toBeNull();
    }
    const check = new Utf8Check();
    expect(check.push(bytes("a\nb", [0xc3]))).toBeNull();
    expect(check.push(bytes([0x28]))).toEqual({ offset: 3, byte: 0xc3, line: 2 });
  });
});

describe.each(BACKENDS)("bodies that are not UTF-8 (%s)", (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(backend);
    await seed(api);
  });
  afterAll(() => api.dispose());
  const json = { "content-type": "application/json" };

  it("a JSON body with a Latin-1 byte is a 415 naming the byte and its line; nothing is saved", async () => {
    const created = await api.call("POST", "/api/segments", { raw: bytes('{\n"name": "Caf', E_ACUTE_LATIN1, '", "kind": "static"}'), headers: json });
    const problem = expectProblem(created, 415, "unsupported-media-type");
    expect(problem.detail).toBe("the body is not UTF-8: line 2 has the byte 0xE9 (byte 15), which is not UTF-8 (text saved as Latin-1 or Windows-1252?); send it encoded as UTF-8");
    expect((await api.call("GET", "/api/segments")).body.items).toEqual([]);

    const upsert = await api.call("POST", "/api/contacts", { raw: bytes('{"contacts": [{"id": "c1", "name": "Ren', E_ACUTE_LATIN1, 'e"}]}'), headers: json });
    expectProblem(upsert, 415, "unsupported-media-type");
    expect((await api.call("GET", "/api/contacts/c1")).body.values.name).toBe(CONTACTS[0]!.name);

    // The same text in UTF-8 is taken, whatever the charset parameter says of it.
    const utf8 = await api.call("POST", "/api/segments", { raw: bytes('{"name": "Café 😀", "kind": "static"}'), headers: { "content-type": "application/json; charset=utf-8" } });
    expect(utf8.status).toBe(201);
    expect(utf8.body.name).toBe("Café 😀");
  });

  it("a member list (CSV, JSON Lines) with a Latin-1 byte is a 415, not a list of unknown keys", async () => {
    const list = await api.call("POST", "/api/segments", { json: { name: "Hand-picked", kind: "static" } });
    for (const [type, raw] of [
      ["text/csv", bytes("key\nc1\nc", E_ACUTE_LATIN1, "2\n")],
      ["application/x-ndjson", bytes('"c1"\n{"key": "c3"}\n"c', E_ACUTE_LATIN1, '2"\n')],
    ] as const) {
      const r = await api.call("POST", `/api/segments/${list.body.id}/members/add`, { raw, headers: { "content-type": type } });
      expect(expectProblem(r, 415, "unsupported-media-type").detail, type).toContain("line 3 has the byte 0xE9");
    }
    expect((await api.call("GET", `/api/segments/${list.body.id}`)).body.memberCount).toBe(0);
  });

  it("an import file with a Latin-1 byte, plain or gzipped, is a 415 naming the file's line; nothing is imported", async () => {
    const csv = bytes("id,name\nc9,Zo", E_ACUTE_LATIN1, "\n");
    const plain = await api.call("POST", "/api/contacts/import?filename=leads.csv", { raw: csv, headers: { "content-type": "text/csv" } });
    expect(expectProblem(plain, 415, "unsupported-media-type").detail).toBe(
      'leads.csv:2: the file is not UTF-8: line 2 has the byte 0xE9 (byte 14), which is not UTF-8 (text saved as Latin-1 or Windows-1252?); save it as UTF-8 (a spreadsheet\'s "CSV UTF-8") and send it again; nothing was imported',
    );
    const gzipped = await api.call("POST", "/api/contacts/import", { raw: new Uint8Array(gzipSync(csv)), headers: { "content-type": "text/csv", "content-encoding": "gzip" } });
    expect(expectProblem(gzipped, 415, "unsupported-media-type").detail).toContain("upload.csv:2: the file is not UTF-8");
    const async = await api.call("POST", "/api/contacts/import", { raw: csv, headers: { "content-type": "text/csv", prefer: "respond-async" } });
    expectProblem(async, 415, "unsupported-media-type");
    expectProblem(await api.call("GET", "/api/contacts/c9"), 404, "not-found");

    const ok = await api.call("POST", "/api/contacts/import", { raw: new Uint8Array(gzipSync(bytes("\ufeffid,name\nc9,Zoé\n"))), headers: { "content-type": "text/csv", "content-encoding": "gzip" } });
    expect(ok.status).toBe(200);
    expect((await api.call("GET", "/api/contacts/c9")).body.values.name).toBe("Zoé");
  });
});
