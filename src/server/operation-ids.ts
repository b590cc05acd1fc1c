/**
 * The `operationId` of each route in the OpenAPI document: what a client generated from it calls the
 * method (`createSegment`, `listChanges`). Without them each generator makes its own names from the path
 * (`apiSegmentsIdWhyKeyGet`), different from one generator or version to the next. One table, so the names
 * read as a set; a route without an entry fails test/server/operation-ids.test.ts.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";

/** `METHOD /path/{param}` → its operationId. Names are stable: clients are generated from them. */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  "GET /api/health": "getHealth",
  "GET /api/schema": "getSchema",
  "GET /api/segments": "listSegments",
  "POST /api/segments": "createSegment",
  "GET /api/segments/{id}": "getSegment",
  "PATCH /api/segments/{id}": "updateSegment",
  "DELETE /api/segments/{id}": "deleteSegment",
  "POST /api/segments/{id}/duplicate": "duplicateSegment",
  "POST /api/segments/{id}/convert-to-static": "convertSegmentToStatic",
  "GET /api/segments/{id}/versions": "listSegmentVersions",
  "GET /api/segments/{id}/changes": "listSegmentChanges",
  "GET /api/segments/{id}/member-counts": "getSegmentMemberCounts",
  "GET /api/deleted-segments": "listDeletedSegments",
  "DELETE /api/deleted-segments": "emptyTrash",
  "POST /api/deleted-segments/{id}/restore": "restoreDeletedSegment",
  "DELETE /api/deleted-segments/{id}": "purgeDeletedSegment",
  "GET /api/segments/{id}/members": "listSegmentMembers",
  "GET /api/segments/{id}/members-at": "getSegmentMembersAt",
  "GET /api/segments/{id}/export": "exportSegmentMembers",
  "POST /api/segments/{id}/members/add": "addSegmentMembers",
  "POST /api/segments/{id}/members/remove": "removeSegmentMembers",
  "POST /api/segments/{id}/freeze": "freezeIntoSegment",
  "POST /api/check": "checkExpression",
  "POST /api/preview": "previewExpression",
  "POST /api/why": "explainExpression",
  "GET /api/segments/{id}/why/{key}": "explainSegment",
  "GET /api/segments/{id}/why": "explainSegmentByQueryKey",
  "POST /api/refresh": "refreshSegments",
  "POST /api/segments/{id}/refresh": "refreshSegment",
  "GET /api/changes": "listChanges",
  "POST /api/relate": "relateConditions",
  "POST /api/diff": "diffConditions",
  "GET /api/contacts/export": "exportContacts",
  "GET /api/contacts": "listContacts",
  "POST /api/contacts": "upsertContacts",
  "GET /api/contacts/{key}": "getContact",
  "DELETE /api/contacts/{key}": "deleteContact",
  "GET /api/contact": "getContactByQueryKey",
  "GET /api/contacts/{key}/events": "listContactEvents",
  "GET /api/contact/events": "listContactEventsByQueryKey",
  "GET /api/contacts/{key}/changes": "listContactChanges",
  "GET /api/contact/changes": "listContactChangesByQueryKey",
  "POST /api/contacts/lookup": "lookupContacts",
  "POST /api/contacts/delete": "deleteContacts",
  "POST /api/events": "appendEvents",
  "POST /api/contacts/import": "importContacts",
  "POST /api/events/import": "importEvents",
  "GET /api/imports": "listImportJobs",
  "GET /api/imports/{id}": "getImportJob",
  "DELETE /api/imports/{id}": "cancelImportJob",
  "GET /api/import-history": "listImportHistory",
  "GET /api/import-history/{id}": "getImportHistoryRecord",
};

/** Gives each registered route its operationId from the table (a route declaring its own keeps it). */
export function nameOperations(app: OpenAPIHono): void {
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== "route") continue;
    const route = definition.route as { method: string; path: string; operationId?: string };
    route.operationId ??= OPERATION_IDS[`${route.method.toUpperCase()} ${route.path}`];
  }
}
