/**
 * Imports over HTTP on every backend: a CSV / JSON Lines / JSON body goes through the store's importer;
 * bad rows are reported by the upload's line and field (never the server's temporary path); skipBad imports
 * the good rows; media types and empty bodies are refused clearly.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi, type TestApi } from "./helpers.js";

describe.each(BACKENDS)("imports API on %s", (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi(backend);
  });
  afterEach(() => api.dispose());

  it("imports contacts from CSV and JSON Lines, then refreshes dynamic segments", async () => {
    const s = await api.call("POST", "/api/segments", { json: { name: "Rich", kind: "dynamic", expression: "ltv > 100" } });
    const csv = await api.call("POST", "/api/contacts/import", { raw: "id,name,ltv,plan\nc1,Ann,500,Pro\nc2,Bob,5,Free\n", headers: { "content-type": "text/csv" } });
    expect(csv.status).toBe(200);
    expect(csv.body).toMatchObject({ file: "upload.csv", rows: 2, inserted: 2, updated: 0, badCount: 0, bad: [] });
    expect(csv.body.refreshed).toContainEqual(expect.objectContaining({ segmentId: s.body.id, entered: 1 }));
    const jsonl = await api.call("POST", "/api/contacts/import", { raw: '{"id": "c2", "ltv": 900}\n{"id": "c3", "ltv": 1}\n', headers: { "content-type": "application/x-ndjson" } });
    expect(jsonl.body).toMatchObject({ rows: 2, inserted: 1, updated: 1 });
    expect((await api.call("GET", `/api/segments/${s.body.id}`)).body.memberCount).toBe(2);
    const json = await api.call("POST", "/api/contacts/import", { raw: JSON.stringify([{ id: "c4", ltv: 7 }]), headers: { "content-type": "application/json" } });
    expect(json.body).toMatchObject({ rows: 1, inserted: 1, file: "upload.json" });
    const events = await api.call("POST", "/api/events/import", {
      raw: "contact_id,event,occurred_at\nc1,Purchase,2026-01-01T00:00:00Z\n",
      headers: { "content-type": "text/csv" },
    });
    expect(events.body).toMatchObject({ rows: 1, inserted: 1 });
  });

  it("reports bad rows by the upload's line and field; nothing is imported unless skipBad", async () => {
    const body = "id,ltv\nc1,10\nc2,lots\nc3,30\n";
    const refused = expectProblem(await api.call("POST", "/api/contacts/import", { raw: body, headers: { "content-type": "text/csv" } }), 422, "invalid-input");
    expect(refused.problems[0]).toMatchObject({ line: 3, field: "ltv" });
    expect(JSON.stringify(refused)).not.toMatch(/segql-import-|\/tmp\//);
    expect(JSON.stringify(refused)).toMatch(/upload\.csv/);
    expect((await api.call("GET", "/api/health")).body.contacts).toBe(0);
    const skipped = await api.call("POST", "/api/contacts/import?skipBad=true", { raw: body, headers: { "content-type": "text/csv" } });
    expect(skipped.body).toMatchObject({ rows: 3, inserted: 2, badCount: 1 });
    expect(skipped.body.bad[0]).toMatchObject({ line: 3, field: "ltv" });
    expect(JSON.stringify(skipped.body)).not.toMatch(/segql-import-/);
  });

  it("keeps every import in the history, by the upload's name and its writer, failed ones with their bad rows", async () => {
    const s = await api.call("POST", "/api/segments", { json: { name: "Rich", kind: "dynamic", expression: "ltv > 100" } });
    await api.call("POST", "/api/contacts/import?filename=leads.csv", { raw: "id,ltv\nc1,500\nc2,5\n", headers: { "content-type": "text/csv", "segql-user": "ann" } });
    const refused = expectProblem(await api.call("POST", "/api/contacts/import?filename=march.csv", { raw: "id,ltv\nc3,lots\n", headers: { "content-type": "text/csv" } }), 422, "invalid-input");
    const history = await api.call("GET", "/api/import-history");
    expect(history.status).toBe(200);
    expect(history.body.next).toBeNull();
    expect(history.body.items).toMatchObject([
      { file: "march.csv", state: "failed", rows: 1, inserted: 0, badCount: 1, by: null, entered: null },
      { file: "leads.csv", state: "done", rows: 2, inserted: 2, by: "ann", entered: 1, exited: 0, kind: "contacts", format: "csv" },
    ]);
    // The failure's rows, as the 422 gave them, by the upload's name: never the server's temporary file.
    expect(history.body.items[0].bad).toEqual(refused.problems);
    expect(JSON.stringify(history.body)).not.toMatch(/segql-import-|\/tmp\//);
    const one = await api.call("GET", `/api/import-history/${history.body.items[1].id}`);
    expect(one.body).toEqual(history.body.items[1]);
    expect((await api.call("GET", `/api/segments/${s.body.id}`)).body.memberCount).toBe(1);
    // Pages, and the cursor is checked; ids are whole numbers; an unknown one is a 404.
    const first = await api.call("GET", "/api/import-history?limit=1");
    expect(first.body.items).toEqual(history.body.items.slice(0, 1));
    const second = await api.call("GET", `/api/import-history?limit=1&cursor=${first.body.next}`);
    expect(second.body).toEqual({ items: history.body.items.slice(1), next: null });
    expectProblem(await api.call("GET", "/api/import-history?cursor=abc"), 400, "invalid-request");
    expectProblem(await api.call("GET", "/api/import-history/x1"), 400, "invalid-request");
    expect(expectProblem(await api.call("GET", "/api/import-history/999"), 404, "not-found").detail).toBe("no import #999");
  });

  it("refuses unknown media types, empty bodies and bad options", async () => {
    expectProblem(await api.call("POST", "/api/contacts/import", { raw: "id\nc1\n", headers: { "content-type": "text/plain" } }), 415, "unsupported-media-type");
    expectProblem(await api.call("POST", "/api/contacts/import", { raw: "id\nc1\n" }), 415, "unsupported-media-type");
    expectProblem(await api.call("POST", "/api/contacts/import", { raw: "", headers: { "content-type": "text/csv" } }), 400, "invalid-request");
    expectProblem(await api.call("POST", "/api/contacts/import?format=xlsx", { raw: "x", headers: { "content-type": "application/octet-stream" } }), 400, "invalid-request");
    expectProblem(await api.call("POST", "/api/contacts/import?skipBad=1", { raw: "x", headers: { "content-type": "text/csv" } }), 400, "invalid-request");
    const octet = await api.call("POST", "/api/contacts/import?format=csv", { raw: "id\nc9\n", headers: { "content-type": "application/octet-stream" } });
    expect(octet.body).toMatchObject({ inserted: 1 });
    expectProblem(await api.call("POST", "/api/contacts/import", { raw: "{not json", headers: { "content-type": "application/json" } }), 422, "invalid-input");
  });

  it("unpacks a gzip body sent with Content-Encoding: gzip; tells what to do with one sent without; refuses corrupt ones and bombs", async () => {
    const csv = "id,name,ltv\nc1,Zoë,500\nc2,Bob,5\n";
    const gz = (text: string) => new Uint8Array(gzipSync(Buffer.from(text)));
    const ok = await api.call("POST", "/api/contacts/import", { raw: gz(csv), headers: { "content-type": "text/csv", "content-encoding": "gzip" } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ file: "upload.csv", rows: 2, inserted: 2 });
    expect((await api.call("GET", "/api/contacts/c1")).body.values).toMatchObject({ name: "Zoë", ltv: 500 });
    // Bad rows inside a gzip body are named by the upload's line, as for a plain one.
    const bad = expectProblem(await api.call("POST", "/api/contacts/import", { raw: gz("id,ltv\nc3,lots\n"), headers: { "content-type": "text/csv", "content-encoding": "gzip" } }), 422, "invalid-input");
    expect(bad.problems[0]).toMatchObject({ line: 2, field: "ltv" });
    const events = await api.call("POST", "/api/events/import", {
      raw: gz('{"contact_id": "c1", "event": "Purchase", "occurred_at": "2026-01-01T00:00:00Z"}\n'),
      headers: { "content-type": "application/x-ndjson", "content-encoding": "GZIP" },
    });
    expect(events.body).toMatchObject({ rows: 1, inserted: 1 });

    const unsaid = expectProblem(await api.call("POST", "/api/contacts/import", { raw: gz(csv), headers: { "content-type": "text/csv" } }), 400, "invalid-request");
    expect(unsaid.detail).toBe("the body is gzip-compressed: send it with the header Content-Encoding: gzip, or unpack it first");
    const corrupt = gz(csv).slice(0, 20);
    const broken = expectProblem(await api.call("POST", "/api/contacts/import", { raw: corrupt, headers: { "content-type": "text/csv", "content-encoding": "gzip" } }), 400, "invalid-request");
    expect(broken.detail).toMatch(/^the body is sent as gzip \(Content-Encoding: gzip\) but does not unpack: /);
    const notGzip = expectProblem(await api.call("POST", "/api/contacts/import", { raw: csv, headers: { "content-type": "text/csv", "content-encoding": "gzip" } }), 400, "invalid-request");
    expect(notGzip.detail).toMatch(/does not unpack/);
    expectProblem(await api.call("POST", "/api/contacts/import", { raw: csv, headers: { "content-type": "text/csv", "content-encoding": "br" } }), 415, "unsupported-media-type");
    expectProblem(await api.call("POST", "/api/contacts/import", { raw: gz("x"), headers: { "content-type": "application/vnd.apache.parquet", "content-encoding": "gzip" } }), 415, "unsupported-media-type");
    expect((await api.call("GET", "/api/health")).body.contacts).toBe(2);
  });
});

describe("gzip imports past the unpacked limit", () => {
  it("stop at 8 times the upload limit with a 413, and import nothing", async () => {
    const api = await openTestApi("duckdb", { maxImportBytes: 64 * 1024 });
    try {
      // About 1 MB of rows compresses to a few KB: within the upload limit, past 8 x 64 KB unpacked.
      const body = new Uint8Array(gzipSync(Buffer.from(`id,ltv\n${"c1,1\n".repeat(250_000)}`)));
      expect(body.byteLength).toBeLessThan(64 * 1024);
      const r = expectProblem(await api.call("POST", "/api/contacts/import", { raw: body, headers: { "content-type": "text/csv", "content-encoding": "gzip" } }), 413, "too-large");
      expect(r.detail).toBe(`the gzip body unpacks to more than ${8 * 64 * 1024} bytes (8 times the upload limit); split the file`);
      expect((await api.call("GET", "/api/health")).body.contacts).toBe(0);
    } finally {
      await api.dispose();
    }
  });
});

describe.each(BACKENDS)("import jobs (Prefer: respond-async) on %s", (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await openTestApi(backend);
  });
  afterEach(() => api.dispose());

  const job = async (id: string) => (await api.call("GET", `/api/imports/${id}`)).body;
  const until = async (id: string, states: string[]) => {
    await expect.poll(async () => (await job(id)).state, { timeout: 60_000, interval: 50 }).toSatisfy((s: string) => states.includes(s));
    return job(id);
  };
  const rowsCsv = (n: number, prefix = "k") => `id,ltv\n${Array.from({ length: n }, (_, i) => `${prefix}${i},${i % 2000}`).join("\n")}\n`;
  const startAsync = (raw: string, path = "/api/contacts/import") => api.call("POST", path, { raw, headers: { "content-type": "text/csv", prefer: "respond-async" } });

  it("answers 202 with a job to poll, which ends with the same report as a plain import", async () => {
    const s = await api.call("POST", "/api/segments", { json: { name: "Rich", kind: "dynamic", expression: "ltv > 1000" } });
    const started = await startAsync(rowsCsv(12_000));
    expect(started.status).toBe(202);
    expect(started.headers.get("preference-applied")).toBe("respond-async");
    expect(started.headers.get("location")).toBe(`/api/imports/${started.body.id}`);
    expect(started.body).toMatchObject({ kind: "contacts", file: "upload.csv", state: "importing", report: null, problem: null });
    const done = await until(started.body.id, ["done", "failed", "cancelled"]);
    expect(done).toMatchObject({ state: "done", rows: 12_000, total: 12_000, problem: null });
    expect(done.report).toMatchObject({ file: "upload.csv", rows: 12_000, inserted: 12_000, badCount: 0 });
    expect(done.report.refreshed).toContainEqual(expect.objectContaining({ segmentId: s.body.id, entered: 5994 }));
    expect(Date.parse(done.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));
    expect((await api.call("GET", "/api/health")).body.contacts).toBe(12_000);
    expect((await api.call("GET", "/api/imports")).body.items.map((j: { id: string }) => j.id)).toEqual([started.body.id]);
  });

  it("names the file as the client gave it (filename) in the report, its problems and the job; a name with a folder is refused", async () => {
    const bad = expectProblem(await api.call("POST", "/api/contacts/import?filename=Q3%20leads.csv", { raw: "id,ltv\nc1,10\nc2,lots\n", headers: { "content-type": "text/csv" } }), 422, "invalid-input");
    expect(bad.problems[0]).toMatchObject({ path: "Q3 leads.csv:3", file: "Q3 leads.csv", line: 3 });
    expect(JSON.stringify(bad)).not.toMatch(/upload\.csv|segql-import-/);
    const job = await api.call("POST", "/api/contacts/import?filename=Q3%20leads.csv", { raw: "id,ltv\nc1,10\n", headers: { "content-type": "text/csv", prefer: "respond-async" } });
    expect(job.body).toMatchObject({ file: "Q3 leads.csv", format: "csv" });
    expect((await until(job.body.id, ["done", "failed"])).report).toMatchObject({ file: "Q3 leads.csv", inserted: 1 });
    for (const name of ["../etc/passwd", "a/b.csv", "a\\b.csv", "tab\there.csv", ""]) {
      const r = expectProblem(await api.call("POST", `/api/contacts/import?filename=${encodeURIComponent(name)}`, { raw: "id\nc9\n", headers: { "content-type": "text/csv" } }), 400, "invalid-request");
      expect(r.issues[0], name).toMatchObject({ in: "query", path: "filename" });
    }
    expect((await api.call("GET", "/api/health")).body.contacts).toBe(1);
  });

  it("a job with bad rows fails with the problem a plain import answers, by the upload's line; nothing imported", async () => {
    const started = await startAsync("id,ltv\nc1,10\nc2,lots\n");
    const failed = await until(started.body.id, ["done", "failed", "cancelled"]);
    expect(failed.state).toBe("failed");
    expect(failed.problem).toMatchObject({ type: "urn:segql:problem:invalid-input", status: 422 });
    expect(failed.problem.problems[0]).toMatchObject({ path: "upload.csv:3", line: 3, field: "ltv" });
    expect(JSON.stringify(failed)).not.toMatch(/segql-import-/);
    expect((await api.call("GET", "/api/health")).body.contacts).toBe(0);
  });

  it("cancels a running job: its rows are rolled back; unknown and malformed ids are 404 and 400", async () => {
    await api.store.upsertContacts([{ id: "kept", ltv: 1 }]);
    const started = await startAsync(rowsCsv(150_000));
    const cancelled = await api.call("DELETE", `/api/imports/${started.body.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ state: "cancelled", report: null });
    expect(cancelled.body.problem).toMatchObject({ type: "urn:segql:problem:cancelled", detail: "the import of upload.csv was cancelled; nothing was written" });
    expect((await api.call("GET", "/api/health")).body.contacts).toBe(1);
    // Cancelling again, or a finished job, answers the job as it ended.
    expect((await api.call("DELETE", `/api/imports/${started.body.id}`)).body.state).toBe("cancelled");
    expectProblem(await api.call("GET", "/api/imports/3b241101-e2bb-4255-8caf-4136c566a962"), 404, "not-found");
    expectProblem(await api.call("DELETE", "/api/imports/3b241101-e2bb-4255-8caf-4136c566a962"), 404, "not-found");
    expectProblem(await api.call("GET", "/api/imports/nope"), 400, "invalid-request");
  });

  it("refuses a fifth unfinished job with 429 and Retry-After, keeping no copy of its upload; a finished job's copy is gone", async () => {
    // The uploads' private folders, in a temporary directory of this test's own (this process only).
    const saved = process.env["TMPDIR"];
    process.env["TMPDIR"] = mkdtempSync(join(tmpdir(), "segql-jobs-"));
    const uploads = () => readdirSync(process.env["TMPDIR"]!).length;
    try {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await startAsync(rowsCsv(60_000, `j${i}-`));
        expect(r.status).toBe(202);
        ids.push(r.body.id);
      }
      const running = uploads();
      const r = await startAsync(rowsCsv(10));
      expect(expectProblem(r, 429, "too-many-requests").detail).toMatch(/^4 imports are already running/);
      expect(r.headers.get("retry-after")).toBe("5");
      expect(uploads()).toBe(running);
      for (const id of ids) await api.call("DELETE", `/api/imports/${id}`);
      const last = await startAsync(rowsCsv(10));
      expect(last.status).toBe(202);
      await until(last.body.id, ["done"]);
      await expect.poll(uploads).toBe(0);
    } finally {
      rmSync(process.env["TMPDIR"]!, { recursive: true, force: true });
      if (saved === undefined) delete process.env["TMPDIR"];
      else process.env["TMPDIR"] = saved;
    }
  });
});
