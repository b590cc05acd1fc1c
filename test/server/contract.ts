/**
 * The API's contract as its OpenAPI document states it, checked against what a route answered: clients
 * are generated from `GET /openapi.json`, so a status a route answers but does not list, a content type it
 * does not document, or a body whose shape differs from the documented schema breaks them silently.
 *
 *   document ──▶ operation (method + path template) ──▶ response (status) ──▶ media type ──▶ schema
 *
 * The validator covers the JSON Schema subset the document uses (type, properties, required,
 * additionalProperties, items, enum, const, anyOf / oneOf / allOf, min / max, lengths, pattern); a keyword
 * it does not know is itself a mismatch, so a schema it cannot judge never passes unread.
 */
import { PROBLEM_KINDS, PROBLEM_MEDIA_TYPE, type ProblemKind } from "../../src/server/problems.js";

/** The parts of an OpenAPI 3.1 document the check reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }>; headers?: Record<string, { required?: boolean }> }> }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** A JSON Schema (2020-12, as OpenAPI 3.1 holds it), or a boolean schema. */
export type JsonSchema = boolean | { [keyword: string]: any };

/** A reply as the check sees it. */
export interface ContractReply {
  status: number;
  contentType: string;
  /** Parsed JSON when the content type is JSON, else the text. */
  body: unknown;
  /** The reply's headers, when the caller has them: each header the document requires must be there. */
  headers?: Headers;
}

/** Keywords that say what a value is for people or tools, not what it may be. */
const ANNOTATIONS = new Set(["description", "title", "example", "examples", "default", "deprecated", "readOnly", "writeOnly", "format", "$comment"]);

/** Keywords the validator checks. */
const ASSERTIONS = new Set([
  "$ref", "type", "nullable", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
  "enum", "const", "anyOf", "oneOf", "allOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
  "minLength", "maxLength", "pattern",
]);

const PROBLEM_TYPE_PREFIX = "urn:segql:problem:";

/**
 * What in `reply` breaks the contract of `method path` (path with its query, as requested), one line per
 * mismatch naming the route, status and JSON path; empty when it keeps it. A path or method the document
 * does not have (the 404 of an unknown path, a 405, `/openapi.json` itself) is no operation's answer: empty.
 */
export function contractMismatches(doc: OpenApiDocument, method: string, path: string, reply: ContractReply): string[] {
  const upper = method.toUpperCase();
  const operationMethod = upper === "HEAD" ? "get" : upper.toLowerCase();
  const template = operationTemplate(doc, operationMethod, path.split("?")[0]!);
  if (template === null) return [];
  const route = `${upper} ${template}`;
  const responses = doc.paths[template]![operationMethod]!.responses ?? {};
  const response = responses[String(reply.status)] ?? responses["default"];
  if (!response) return [`${route} answered ${reply.status}, a status its OpenAPI entry does not list (${Object.keys(responses).join(", ")})`];

  const at = `${route} ${reply.status}`;
  // A header the document requires (ETag, Location, Retry-After, …) is one a generated client reads.
  const missing = Object.entries(response.headers ?? {}).filter(([name, h]) => h.required && reply.headers && !reply.headers.has(name));
  const headerErrors = missing.map(([name]) => `${at}: the header ${name}, which the document requires, is missing`);
  const content = response.content ?? {};
  const mediaType = reply.contentType.split(";")[0]!.trim().toLowerCase();
  const documented = Object.keys(content);
  if (documented.length === 0) {
    const empty = reply.body === "" || reply.body === undefined || reply.body === null;
    return [...headerErrors, ...(empty && mediaType === "" ? [] : empty ? [`${at}: documented without a body, answered Content-Type ${reply.contentType}`] : [`${at}: documented without a body, answered one (${reply.contentType})`])];
  }
  if (!documented.includes(mediaType)) return [...headerErrors, `${at}: Content-Type ${reply.contentType || "(none)"} is not one documented (${documented.join(", ")})`];
  if (upper === "HEAD" || !isJsonMediaType(mediaType)) return headerErrors;

  const errors: string[] = [];
  const schema = content[mediaType]!.schema;
  if (schema !== undefined) validate(doc, schema, reply.body, "$", errors);
  if (mediaType === PROBLEM_MEDIA_TYPE) errors.push(...problemMismatches(reply));
  return [...headerErrors, ...errors.map((e) => `${at}: body${e.slice(1)}`)];
}

/** Throws, naming every mismatch, when `reply` breaks the contract of `method path`. */
export function expectContract(doc: OpenApiDocument, method: string, path: string, reply: ContractReply): void {
  const mismatches = contractMismatches(doc, method, path, reply);
  if (mismatches.length > 0) {
    throw new Error(`the reply breaks the OpenAPI contract:\n  ${mismatches.slice(0, 10).join("\n  ")}\nbody: ${JSON.stringify(reply.body)?.slice(0, 600)}`);
  }
}

/**
 * The path template of the operation `method` that `path` reaches, or null. Where several templates match
 * (`/api/contacts/export` and `/api/contacts/{key}`), the one with more literal segments wins, as the
 * router's registration order makes it.
 */
function operationTemplate(doc: OpenApiDocument, method: string, path: string): string | null {
  const segments = path.split("/");
  let best: { template: string; literals: number } | null = null;
  for (const [template, operations] of Object.entries(doc.paths)) {
    if (!operations[method]) continue;
    const parts = template.split("/");
    if (parts.length !== segments.length) continue;
    let literals = 0;
    const matches = parts.every((part, i) => {
      if (/^\{[^}]+\}$/.test(part)) return segments[i] !== "";
      literals++;
      return part === segments[i];
    });
    if (matches && (best === null || literals > best.literals)) best = { template, literals };
  }
  return best?.template ?? null;
}

/** A problem's `type` is a kind the API has, with the status that kind is answered with. */
function problemMismatches(reply: ContractReply): string[] {
  const body = reply.body as { type?: unknown; status?: unknown } | null;
  if (typeof body !== "object" || body === null) return [];
  const errors: string[] = [];
  if (body.status !== reply.status) errors.push(`$.status: ${JSON.stringify(body.status)} is not the response's status ${reply.status}`);
  if (typeof body.type === "string") {
    const kind = body.type.startsWith(PROBLEM_TYPE_PREFIX) ? (body.type.slice(PROBLEM_TYPE_PREFIX.length) as ProblemKind) : null;
    const known = kind !== null && Object.hasOwn(PROBLEM_KINDS, kind) ? PROBLEM_KINDS[kind] : null;
    if (known === null) errors.push(`$.type: ${JSON.stringify(body.type)} is not a problem type of the API (${PROBLEM_TYPE_PREFIX}<kind>, docs/api.md)`);
    else if (known.status !== reply.status) errors.push(`$.type: ${body.type} is a ${known.status} problem, answered with ${reply.status}`);
  }
  return errors;
}

/** Appends to `errors` where `value` (at JSON path `at`) breaks `schema`. */
export function validate(doc: OpenApiDocument, schema: JsonSchema, value: unknown, at: string, errors: string[]): void {
  if (schema === true) return;
  if (schema === false) {
    errors.push(`${at}: no value is allowed here, got ${show(value)}`);
    return;
  }
  for (const keyword of Object.keys(schema)) {
    if (!ASSERTIONS.has(keyword) && !ANNOTATIONS.has(keyword)) errors.push(`${at}: the schema keyword "${keyword}" is not one the contract check knows; teach it (test/server/contract.ts)`);
  }
  if (schema["$ref"] !== undefined) validate(doc, resolve(doc, schema["$ref"]), value, at, errors);

  const types: string[] | undefined = schema["type"] === undefined ? undefined : [schema["type"]].flat();
  if (types && schema["nullable"] === true) types.push("null");
  if (types && !types.some((t) => hasType(value, t))) {
    errors.push(`${at}: expected ${types.join(" or ")}, got ${show(value)}`);
    return;
  }
  if (schema["enum"] && !schema["enum"].some((e: unknown) => sameJson(e, value))) errors.push(`${at}: ${show(value)} is not one of ${schema["enum"].map(show).join(", ")}`);
  if ("const" in schema && !sameJson(schema["const"], value)) errors.push(`${at}: expected ${show(schema["const"])}, got ${show(value)}`);

  if (typeof value === "number") {
    if (schema["minimum"] !== undefined && value < schema["minimum"]) errors.push(`${at}: ${value} is below the minimum ${schema["minimum"]}`);
    if (schema["maximum"] !== undefined && value > schema["maximum"]) errors.push(`${at}: ${value} is above the maximum ${schema["maximum"]}`);
    if (typeof schema["exclusiveMinimum"] === "number" && value <= schema["exclusiveMinimum"]) errors.push(`${at}: ${value} is not above ${schema["exclusiveMinimum"]}`);
    if (typeof schema["exclusiveMaximum"] === "number" && value >= schema["exclusiveMaximum"]) errors.push(`${at}: ${value} is not below ${schema["exclusiveMaximum"]}`);
  }
  if (typeof value === "string") {
    // JSON Schema counts characters (code points); a UTF-16 length within zod's limit is within this one.
    const length = [...value].length;
    if (schema["minLength"] !== undefined && length < schema["minLength"]) errors.push(`${at}: ${length} characters, fewer than the minLength ${schema["minLength"]}`);
    if (schema["maxLength"] !== undefined && length > schema["maxLength"]) errors.push(`${at}: ${length} characters, more than the maxLength ${schema["maxLength"]}`);
    if (schema["pattern"] !== undefined && !new RegExp(schema["pattern"], "u").test(value)) errors.push(`${at}: ${show(value)} does not match ${schema["pattern"]}`);
  }
  if (Array.isArray(value)) {
    if (schema["minItems"] !== undefined && value.length < schema["minItems"]) errors.push(`${at}: ${value.length} items, fewer than the minItems ${schema["minItems"]}`);
    if (schema["maxItems"] !== undefined && value.length > schema["maxItems"]) errors.push(`${at}: ${value.length} items, more than the maxItems ${schema["maxItems"]}`);
    if (schema["items"] !== undefined) value.forEach((item, i) => validate(doc, schema["items"], item, `${at}[${i}]`, errors));
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const properties: Record<string, JsonSchema> = schema["properties"] ?? {};
    for (const name of schema["required"] ?? []) {
      if (!Object.hasOwn(record, name)) errors.push(`${at}: the required property "${name}" is missing`);
    }
    for (const [name, v] of Object.entries(record)) {
      const where = /^[A-Za-z_$][\w$]*$/.test(name) ? `${at}.${name}` : `${at}[${JSON.stringify(name)}]`;
      if (Object.hasOwn(properties, name)) validate(doc, properties[name]!, v, where, errors);
      else if (schema["additionalProperties"] === false) errors.push(`${at}: the property "${name}" is not documented (additionalProperties: false)`);
      else if (schema["additionalProperties"] !== undefined) validate(doc, schema["additionalProperties"], v, where, errors);
    }
  }

  for (const part of schema["allOf"] ?? []) validate(doc, part, value, at, errors);
  for (const keyword of ["anyOf", "oneOf"] as const) {
    const choices: JsonSchema[] | undefined = schema[keyword];
    if (!choices) continue;
    const results = choices.map((choice) => {
      const found: string[] = [];
      validate(doc, choice, value, at, found);
      return found;
    });
    const passing = results.filter((r) => r.length === 0).length;
    if (passing === 0) {
      const closest = results.reduce((a, b) => (b.length < a.length ? b : a));
      errors.push(`${at}: matches none of the ${keyword} choices (the closest: ${closest.join("; ")})`);
    } else if (keyword === "oneOf" && passing > 1) errors.push(`${at}: matches ${passing} of the oneOf choices, not exactly one`);
  }
}

/** JSON or a JSON-based type (`application/problem+json`); not JSON Lines (`application/x-ndjson`). */
export function isJsonMediaType(mediaType: string): boolean {
  return /^application\/(?:[\w.-]+\+)?json$/i.test(mediaType.split(";")[0]!.trim());
}

function resolve(doc: OpenApiDocument, ref: string): JsonSchema {
  const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
  const schema = name === undefined ? undefined : doc.components?.schemas?.[decodeURIComponent(name)];
  if (schema === undefined) throw new Error(`the OpenAPI document refers to ${ref}, which it does not define`);
  return schema;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return Number.isInteger(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      throw new Error(`the OpenAPI document has the unknown type "${type}"`);
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function show(value: unknown): string {
  const text = value === undefined ? "nothing" : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
