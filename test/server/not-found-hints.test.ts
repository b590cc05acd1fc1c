/**
 * A 404 for a path says what to do: a path with a trailing slash (`/api/segments/1/`, the likeliest slip of
 * a client that joins paths) names the route without it, rather than saying the API is under /api, which it is.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, openTestApi, type TestApi } from "./helpers.js";

describe("not-found hints", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi("duckdb");
  });
  afterAll(() => api.dispose());

  it("a trailing slash on a route's path is named as the slip", async () => {
    const made = await api.call("POST", "/api/segments", { json: { name: "Hand-picked", kind: "static" } });
    const slash = expectProblem(await api.call("GET", `/api/segments/${made.body.id}/`), 404, "not-found");
    expect(slash.detail).toBe(`no route GET /api/segments/${made.body.id}/; without the trailing slash: GET /api/segments/${made.body.id}`);
    expect(expectProblem(await api.call("POST", "/api/segments/"), 404, "not-found").detail).toBe("no route POST /api/segments/; without the trailing slash: POST /api/segments");
    // A path that is no route with or without it keeps the general hint.
    expect(expectProblem(await api.call("GET", "/api/segmnets/"), 404, "not-found").detail).toBe("no route GET /api/segmnets/; the API is under /api (see /openapi.json)");
  });
});
