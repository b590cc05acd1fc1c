/**
 * Every operation of the OpenAPI document has an operationId, unique, so a generated client's method names
 * are the API's own (`createSegment`), not each generator's guess from the path.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATION_IDS } from "../../src/server/operation-ids.js";
import { openTestApi, type TestApi } from "./helpers.js";

describe("operationIds", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi("duckdb");
  });
  afterAll(() => api.dispose());

  it("every operation has its own, from the table, and the table names no route that is gone", async () => {
    const doc = (await api.call("GET", "/openapi.json")).body;
    const operations = Object.entries(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, id: op.operationId })),
    );
    expect(operations.filter((o) => o.id === undefined).map((o) => o.route)).toEqual([]);
    const ids = operations.map((o) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations.map((o) => o.route).sort()).toEqual(Object.keys(OPERATION_IDS).sort());
    expect(doc.paths["/api/segments"].post.operationId).toBe("createSegment");
  });
});
