/**
 * The OpenAPI document docs/api.md promises (`GET /openapi.json`, "the OpenAPI 3.1 document") is a valid
 * OpenAPI 3.1 document, as far as a generated client depends on it. No OpenAPI validator is installed, so
 * this checks the rules of the specification that the document's generator could break: the version and
 * info, a description on every response, every `$ref` resolving, path parameters declared exactly as the
 * path template names them (and required), parameters unique per name and place, operationIds unique,
 * request bodies with content. (test/server/contract.ts checks each answer against the document.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../server/helpers.js";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

describe("GET /openapi.json", () => {
  let api: TestApi;
  let doc: any;
  beforeAll(async () => {
    api = await openTestApi("duckdb");
    doc = (await api.call("GET", "/openapi.json")).body;
  });
  afterAll(() => api?.dispose());

  const operations = (): { where: string; path: string; op: any; shared: any[] }[] =>
    Object.entries(doc.paths as Record<string, any>).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => ({ where: `${m.toUpperCase()} ${path}`, path, op: item[m], shared: item.parameters ?? [] })),
    );

  it("is OpenAPI 3.1 with an info title and version", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info?.title).toBe("string");
    expect(typeof doc.info?.version).toBe("string");
    expect(Object.keys(doc.paths).length).toBeGreaterThan(40);
  });

  it("every $ref points at something in the document", () => {
    const broken: string[] = [];
    const visit = (node: unknown, at: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${at}[${i}]`));
      if (node === null || typeof node !== "object") return;
      for (const [k, v] of Object.entries(node)) {
        if (k === "$ref" && typeof v === "string") {
          const target = v.replace(/^#\//, "").split("/").reduce<any>((o, step) => o?.[step.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
          if (!v.startsWith("#/") || target === undefined) broken.push(`${at}: ${v}`);
        } else visit(v, `${at}.${k}`);
      }
    };
    visit(doc, "$");
    expect(broken).toEqual([]);
  });

  it("every operation has responses, each with a description, and a unique operationId", () => {
    const problems: string[] = [];
    const ids = new Map<string, string>();
    for (const { where, op } of operations()) {
      const responses = Object.entries(op.responses ?? {});
      if (responses.length === 0) problems.push(`${where}: no responses`);
      for (const [status, response] of responses as [string, any][]) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where} ${status}: not a status code`);
        if (!response.$ref && typeof response.description !== "string") problems.push(`${where} ${status}: no description (required by OpenAPI)`);
      }
      if (typeof op.operationId !== "string") problems.push(`${where}: no operationId`);
      else if (ids.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} is also ${ids.get(op.operationId)}'s`);
      else ids.set(op.operationId, where);
      if (op.requestBody && !op.requestBody.$ref && Object.keys(op.requestBody.content ?? {}).length === 0) problems.push(`${where}: a request body without content`);
    }
    expect(problems).toEqual([]);
  });

  it("declares each path parameter its template names, required, and no parameter twice", () => {
    const problems: string[] = [];
    for (const { where, path, op, shared } of operations()) {
      const parameters = [...shared, ...(op.parameters ?? [])].map((p: any) => (p.$ref ? p.$ref.replace(/^#\//, "").split("/").reduce((o: any, s: string) => o?.[s], doc) : p));
      const named = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const inPath = parameters.filter((p: any) => p.in === "path");
      for (const name of named) {
        const p = inPath.find((q: any) => q.name === name);
        if (!p) problems.push(`${where}: {${name}} is not declared`);
        else if (p.required !== true) problems.push(`${where}: path parameter ${name} is not required: true`);
      }
      for (const p of inPath) if (!named.includes(p.name)) problems.push(`${where}: path parameter ${p.name} is not in the path`);
      const seen = new Set<string>();
      for (const p of parameters) {
        if (!["query", "header", "path", "cookie"].includes(p.in)) problems.push(`${where}: parameter ${p.name} in '${p.in}'`);
        if (!p.schema && !p.content) problems.push(`${where}: parameter ${p.name} has neither schema nor content`);
        const key = `${p.in} ${p.in === "header" ? String(p.name).toLowerCase() : p.name}`;
        if (seen.has(key)) problems.push(`${where}: parameter ${key} twice`);
        seen.add(key);
      }
    }
    expect(problems).toEqual([]);
  });
});
