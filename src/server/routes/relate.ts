/**
 * The static analysis's answers about two conditions (expressions or saved segments), over every possible
 * contact, not the contacts stored (src/analysis): `POST /api/relate`, how they relate, with witness
 * contacts where they differ; `POST /api/diff`, who enters and who leaves between two versions.
 */
import { createRoute } from "@hono/zod-openapi";
import { relate } from "../../analysis/index.js";
import { STATIC_FIELD } from "../../store/catalog.js";
import { DiffBody, DiffSchema, RelateBody, RelationSchema } from "../schemas.js";
import { jsonBody, jsonResponse, problemResponses, type Api, type RouteContext } from "./kit.js";

/** The default reasoning steps of a request (a request may ask for up to 200,000). */
const DEFAULT_STEPS = 50_000;

/** Registers `POST /api/relate` and `POST /api/diff`. */
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

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/diff",
      tags: ["evaluation"],
      summary: "Who enters and who leaves between two versions",
      description:
        "The logical difference of two versions of a segment (expressions or saved segments), over every possible contact: who enters (matches the new and not the old) and who leaves, each as a simplified segql condition, or proved to be nobody. " +
        "Saved segments they read count by their meaning: a dynamic one's condition appears inlined, a static one as `in segment` (its member list).",
      request: { body: jsonBody(DiffBody) },
      responses: { 200: jsonResponse(DiffSchema, "Who enters and who leaves"), ...problemResponses(400, 404, 413, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return c.json(await store.diff(body.old, body.new, { steps: body.steps ?? DEFAULT_STEPS }), 200);
    },
  );
}
