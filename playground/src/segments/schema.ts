/**
 * The server's schema (GET /api/schema), loaded once per page load, and the language service the
 * segment editor runs on: the same checker and completion as the playground, with the saved segments
 * declared to it so `in segment "…"` is completed and checked as the server will.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { formatField, quoteString } from "../../../src/parser/format.js";
import { parseSchema, type Schema } from "../../../src/schema/schema.js";
import { LanguageService, type ProjectInfo } from "../../../src/service/index.js";
import { schemaDocument, type Segment } from "./api.js";

let loading: Promise<Schema> | null = null;

/** The server's schema (cached for the page's life; a failure is retried on the next call). */
export function loadSchema(): Promise<Schema> {
  loading ??= schemaDocument().then((doc) => parseSchema(JSON.stringify(doc), "the server's schema"));
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

/** The schema, once loaded, or the error that stopped it. */
export function useSchema(): { schema: Schema | null; error: unknown } {
  const [state, setState] = useState<{ schema: Schema | null; error: unknown }>({ schema: null, error: null });
  useEffect(() => {
    let live = true;
    loadSchema().then(
      (schema) => live && setState({ schema, error: null }),
      (error: unknown) => live && setState({ schema: null, error }),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

/** The document name of the expression being edited. */
export const EDITOR_URI = "segment://editing";

/**
 * A language service over the schema, with every other saved segment declared (a static one with a
 * placeholder condition, and named in the project's `memberLists`: its membership is opaque to the
 * analysis, and hover says it is a hand-picked list). `self` is left out: an expression cannot read its
 * own segment.
 */
export function useSegmentService(schema: Schema | null, others: readonly Segment[], self: number | null): LanguageService {
  const memberLists = useRef(new Set<string>());
  const service = useMemo(() => {
    const project: ProjectInfo = { key: "segments", schema, memberLists: memberLists.current };
    return new LanguageService({ project: () => project });
  }, [schema]);
  useEffect(() => {
    const key = formatField({ name: schema?.key ?? "id" });
    const seen = new Set<string>();
    memberLists.current.clear();
    for (const s of others) if (s.id !== self && s.kind === "static") memberLists.current.add(s.name);
    for (const s of others) {
      if (s.id === self) continue;
      // The last part is what hover and completion name as where it is defined.
      const uri = `segment://saved/${encodeURIComponent(`saved segment #${s.id}`)}`;
      seen.add(uri);
      // Line breaks around the expression: a trailing `--` comment in it cannot swallow what follows.
      const condition = s.kind === "dynamic" && s.expression !== null ? `\n${s.expression}\n` : ` ${key} is not empty`;
      service.setDocument(uri, `segment ${quoteString(s.name)} as${condition}`);
    }
    for (const uri of service.documents()) if (uri !== EDITOR_URI && !seen.has(uri)) service.removeDocument(uri);
  }, [service, others, self, schema]);
  return service;
}
