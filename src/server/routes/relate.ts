/**
 * `POST /api/relate`: how two conditions (expressions or saved segments) relate over every possible
 * contact, with witness contacts where they differ (the static analysis, src/analysis).
 */
import { createRoute } from "@hono/zod-openapi";
import { relate } from "../../analysis/index.js";
import { STATIC_FIELD } from "../../store/catalog.js";
import { RelateBody, RelationSchema } from "../schemas.js";
import { jsonBody, jsonResponse, problemResponses, type Api, type RouteContext } from "./kit.js";

/** The default reasoning steps of a request (a request may ask for up to 200,000). */
const DEFAULT_STEPS = 50_000;

/** Registers `POST /api/relate`. */
export function registerRelateRoutes(app: Api, { store }: RouteContext): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/relate",
      tags: ["evaluation"],
      summary: "How two conditions relate",
      description:
        "Whether A = B, A ⊆ B, A ⊇ B, they are disjoint or they overlap, over every possible contact (not the contacts stored), for two expressions or saved segments. " +
        "An inclusion is given only when proved, a difference with a witness contact (with its events and the now it was checked at) that the predicate puts on the right side; otherwise `unknown`. " +
        "A static segment is its member list, which any contact may or may not be on.",
      request: { body: jsonBody(RelateBody) },
      responses: { 200: jsonResponse(RelationSchema, "The relation"), ...problemResponses(400, 404, 413, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const a = await store.typedCondition(body.a);
      const b = await store.typedCondition(body.b);
      const result = relate(a, b, { ...(body.now !== undefined ? { now: body.now } : {}), steps: body.steps ?? DEFAULT_STEPS });
      // A static segment's membership is a hidden list field of the store: not part of a contact's data.
      let hidden = false;
      const witnesses = result.witnesses.map((w) => {
        if (!Object.hasOwn(w.contact, STATIC_FIELD)) return w;
        hidden = true;
        const { [STATIC_FIELD]: _members, ...contact } = w.contact;
        return { ...w, contact };
      });
      const notes = hidden ? [...result.notes, "a witness's membership in static segments is not shown (it is not a contact field)"] : result.notes;
      return c.json({ ...result, witnesses, notes }, 200);
    },
  );
}
