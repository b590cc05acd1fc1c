/**
 * The segments HTTP API (`segql serve`): a Hono app over the store, its OpenAPI document at
 * `/openapi.json`, errors as application/problem+json. docs/api.md is the guide.
 *
 *   createApp({ store, token?, … })   ──▶ a Hono app (call `app.request` in tests, `app.fetch` anywhere)
 *   startServer({ store, port, … })   ──▶ listening on 127.0.0.1, scheduled refresh running; close()
 */
export { createApp, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_BULK_BYTES, DEFAULT_MAX_IMPORT_BYTES, isWebBuild, type AppOptions } from "./app.js";
export { DEFAULT_PORT, startServer, type RunningServer, type ServeOptions } from "./listen.js";
export { PROBLEM_KINDS, PROBLEM_MEDIA_TYPE, type ApiDiagnostic, type Problem, type ProblemKind } from "./problems.js";
