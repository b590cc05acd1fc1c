/**
 * `GET /api/segments` and `GET /api/deleted-segments` stop their store read when the client goes away (the
 * web app aborts a page superseded by the next search): the read is held in the database here (its first
 * statement waits on the test), the request aborted, and the read is seen stopped: on DuckDB the answer is a
 * 409 `cancelled` at once, while the statement still waits; on every backend no statement of it runs after
 * the abort. Before, these two routes gave the store no signal and every such read ran to its end.
 */
import { describe, expect, it } from "vitest";
import type { SqlAdapter } from "../../src/store/adapter.js";
import type { Store } from "../../src/store/index.js";
import { BACKENDS, expectProblem, openTestApi, readReply, type TestApi } from "./helpers.js";

/** A read held by the test: it waits before its first statement until `release()`. */
interface HeldRead {
  /** Settles when the read has reached its first statement (it is then in its transaction, on its connection). */
  reached: Promise<void>;
  release(): void;
  /** Statements the held read ran after it was released (each refused once the read was stopped). */
  ranAfterRelease: number;
  /** Settles when the read's own work has ended (after its caller may have had its answer). */
  ended: Promise<unknown>;
  restore(): void;
}

/** Holds the store's next read at its first statement (the adapter's `read` wrapped once). */
function holdNextRead(store: Store): HeldRead {
  const adapter = (store as unknown as { ctx: { adapter: SqlAdapter } }).ctx.adapter;
  const original = adapter.read;
  let reach = () => {};
  let release = () => {};
  const reached = new Promise<void>((r) => (reach = r));
  const gate = new Promise<void>((r) => (release = r));
  let end = (_: unknown) => {};
  const held: HeldRead = { reached, release: () => release(), ranAfterRelease: 0, ended: new Promise((r) => (end = r)), restore: () => void (adapter.read = original) };
  adapter.read = function (fn, limit) {
    adapter.read = original;
    return original.call(adapter, async (tx) => {
      let first = true;
      const wait = async () => {
        if (first) {
          first = false;
          reach();
          await gate;
        }
      };
      const query: typeof tx.query = async (sql, params) => {
        await wait();
        const rows = await tx.query(sql, params);
        held.ranAfterRelease++;
        return rows;
      };
      const work = fn({ ...tx, query });
      work.then(end, end);
      return work;
    }, limit);
  } as SqlAdapter["read"];
  return held;
}

/** Seeds two segments, one of them deleted (so both lists have a row). */
async function seedLists(api: TestApi): Promise<void> {
  for (const name of ["Rich", "Old"]) expect((await api.call("POST", "/api/segments", { json: { name, kind: "dynamic", expression: "ltv > 100" } })).status).toBe(201);
  expect((await api.call("DELETE", "/api/segments/2")).status).toBe(204);
}

const LISTS: [string, string][] = [
  ["/api/segments?search=Ri", "the segment list was cancelled; nothing was written"],
  ["/api/segments?name=Rich", "the segment list was cancelled; nothing was written"],
  ["/api/deleted-segments?search=Ol", "the list of deleted segments was cancelled; nothing was written"],
];

describe.each(BACKENDS)("a segment list whose client goes away on %s", (backend) => {
  it("an aborted request's read is stopped: 409 cancelled, no statement of it runs on, the server answers the next", async () => {
    const api = await openTestApi(backend);
    try {
      await seedLists(api);
      for (const [path, detail] of LISTS) {
        const held = holdNextRead(api.store);
        try {
          const controller = new AbortController();
          const answer = api.app.request(new Request(`http://localhost${path}`, { signal: controller.signal }));
          await held.reached;
          controller.abort();
          if (backend === "duckdb") {
            // DuckDB answers the stopped read at once: the statement it waits on has not even begun.
            const p = expectProblem(await readReply(await answer), 409, "cancelled");
            expect(p.detail, path).toBe(detail);
            held.release();
          } else {
            // PostgreSQL stops the read at its next statement (PGlite cannot stop one running).
            held.release();
            expect(expectProblem(await readReply(await answer), 409, "cancelled").detail, path).toBe(detail);
          }
          await held.ended;
          expect(held.ranAfterRelease, path).toBe(0);
        } finally {
          held.release();
          held.restore();
        }
      }
      expect((await api.call("GET", "/api/segments")).body.items.map((s: { name: string }) => s.name)).toEqual(["Rich"]);
      expect((await api.call("GET", "/api/deleted-segments")).body.items.map((s: { name: string }) => s.name)).toEqual(["Old"]);
    } finally {
      await api.dispose();
    }
  });

  it("a request gone before its read starts is refused before any statement", async () => {
    const api = await openTestApi(backend);
    try {
      await seedLists(api);
      for (const [path, detail] of LISTS) {
        const p = expectProblem(await readReply(await api.app.request(new Request(`http://localhost${path}`, { signal: AbortSignal.abort() }))), 409, "cancelled");
        expect(p.detail, path).toBe(detail);
      }
    } finally {
      await api.dispose();
    }
  });
});
