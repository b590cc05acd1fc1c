/**
 * The server itself: health (with what the store holds) and the schema (for editors: completion,
 * hover and checking in the browser with the same schema the server checks against).
 */
import { createRoute } from "@hono/zod-openapi";
import { schemaToJson } from "../../store/schema-json.js";
import { VERSION } from "../../version.js";
import { HealthSchema, SchemaDocumentSchema } from "../schemas.js";
import { jsonResponse, problemResponses, type Api, type RouteContext } from "./kit.js";

const tags = ["server"];

/** Registers the health and schema routes. */
export function registerMetaRoutes(app: Api, { store, limits }: RouteContext): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/health",
      tags,
      summary: "Health",
      description: "200 when the database answers, with its counts and the request body limits in force (a client can refuse a file too large before sending it).",
      responses: { 200: jsonResponse(HealthSchema, "Healthy"), ...problemResponses() },
    }),
    async (c) => {
      const stats = await store.stats();
      return c.json({ status: "ok" as const, version: VERSION, backend: store.backend, location: store.location, ...stats, limits }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/schema",
      tags,
      summary: "The schema",
      description: "The schema the database was created with, in schema-file form.",
      responses: { 200: jsonResponse(SchemaDocumentSchema, "The schema"), ...problemResponses() },
    }),
    (c) => c.json(schemaToJson(store.schema), 200),
  );
}
