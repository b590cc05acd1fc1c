/**
 * An empty body is no body (RFC 9110), whatever its Content-Type: a client generated from the OpenAPI
 * document sends `Content-Type: application/json` on routes whose body is optional (duplicate, restore,
 * refresh) even when it sends nothing, and got a 400 "the body is not valid JSON" for it. A route that
 * needs a body now says which properties are missing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, expectProblem, openTestApi, seed, type TestApi } from "./helpers.js";

describe.each(BACKENDS)("an empty JSON body (%s)", (backend) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await openTestApi(backend);
    await seed(api);
  });
  afterAll(() => api.dispose());
  const empty = { raw: "", headers: { "content-type": "application/json" } };

  it("is no body on routes whose body is optional", async () => {
    const made = await api.call("POST", "/api/segments", { json: { name: "Whales", kind: "dynamic", expression: "ltv > 1000" } });
    const copy = await api.call("POST", `/api/segments/${made.body.id}/duplicate`, empty);
    expect(copy.status).toBe(201);
    expect(copy.body.name).toBe("Copy of Whales");
    expect((await api.call("POST", "/api/refresh", empty)).status).toBe(200);
    expect((await api.call("DELETE", `/api/segments/${copy.body.id}`)).status).toBe(204);
    const restored = await api.call("POST", `/api/deleted-segments/${copy.body.id}/restore`, empty);
    expect(restored.status).toBe(200);
    expect(restored.body.name).toBe("Copy of Whales");
  });

  it("is a 400 naming the missing properties where a body is needed", async () => {
    const r = expectProblem(await api.call("POST", "/api/segments", empty), 400, "invalid-request");
    expect(r.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(["name", "kind"]));
    // A body that is not JSON is still said so.
    expectProblem(await api.call("POST", "/api/segments", { raw: " ", headers: { "content-type": "application/json" } }), 400, "bad-json");
  });
});
